package chat

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/pipeline"
	"github.com/flock-off/ff/lib/record"
	"github.com/flock-off/ff/lib/tokenizer"
	"github.com/urfave/cli/v2"
)

// DefaultMaxSeqLen is the validator's context length.
const DefaultMaxSeqLen = 2048

// TokensCommand is `ff-score tokens`: what the model will see, one JSON
// line per row with input_ids, labels (-100 where masked), tokens and
// counts; the dataset's totals go to the summary on stderr.
func TokensCommand() *cli.Command {
	return &cli.Command{
		Name:      "tokens",
		Usage:     "show each row's token ids, labels and tokens as the validator builds them",
		ArgsUsage: "[DATASET]",
		Description: `Reads rows (JSONL, Parquet, gzip/zstd; stdin when DATASET is absent or -) and
writes one JSON object per row: input_ids, labels (-100 where the loss ignores
the position), tokens (as tokenizer.json spells them), n_tokens and n_labels.
Rows are {"system": str|null, "conversations": [{"role", "content"}, ...]},
or with --text any row with a "text" field. Malformed rows are reported on
stderr as FILE:LINE and skipped (exit status 1).`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "model `DIR` with tokenizer.json, tokenizer_config.json (and config.json)", Required: true},
			&cli.StringFlag{Name: "template", Usage: "chat template `NAME`: qwen, llama3, gemma, tinyllama (default: from config.json's model_type)"},
			&cli.IntFlag{Name: "max-seq-len", Value: DefaultMaxSeqLen, Usage: "truncate rows to `N` tokens (0: no truncation)"},
			&cli.BoolFlag{Name: "text", Usage: "encode each row's \"text\" field as plain text (no template; every token a label)"},
			&cli.StringFlag{Name: app.FlagOutput, Aliases: []string{"o"}, Usage: "write to `FILE` (atomically) instead of stdout"},
		}, app.CommonFlags()...),
		Action: runTokens,
	}
}

type tokensJob struct {
	recs []*record.Record
	bad  []*record.RowError
}

type tokensRow struct {
	line      []byte // the JSON line, or nil for a rejected row
	err       error
	tokens    int
	labels    int
	truncated bool
}

func runTokens(c *cli.Context) error {
	if err := app.JSONLOnly(c); err != nil {
		return err
	}
	if c.NArg() > 1 {
		return app.Usagef("tokens takes at most one DATASET, got %d", c.NArg())
	}
	env := app.EnvOf(c)
	log := app.NewLog(c)
	dir := c.String("model")
	if _, err := os.Stat(dir); err != nil {
		return app.Failf("--model: %v", err) // not there at all: I/O (3), as in ff-score
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return app.Usagef("--model: %v", err)
	}
	plain := c.Bool("text")
	var tmpl Template
	if !plain {
		if tmpl, err = ForModel(dir, c.String("template")); err != nil {
			return app.Usagef("%v", err)
		}
		if err := Check(tok, tmpl); err != nil {
			return app.Usagef("%v", err)
		}
	}
	maxLen := c.Int("max-seq-len")
	if maxLen < 0 {
		return app.Usagef("--max-seq-len must be ≥ 0")
	}

	in, err := record.Open(c.Context, c.Args().First(), env.Stdin)
	if err != nil {
		return app.Failf("%v", err)
	}
	defer in.Close()
	out, err := app.CreateOutput(c.String(app.FlagOutput), env.Stdout)
	if err != nil {
		return err
	}
	defer out.Abort()

	start := time.Now() // encoding time, for tokens/s (the tokenizer is loaded)
	next := func() (tokensJob, bool, error) {
		var j tokensJob
		for len(j.recs)+len(j.bad) < 64 {
			rec, err := in.Next()
			if err == io.EOF {
				break
			}
			var re *record.RowError
			if errors.As(err, &re) {
				j.bad = append(j.bad, re)
				continue
			}
			if err != nil {
				return j, false, app.Failf("%v", err)
			}
			j.recs = append(j.recs, rec)
		}
		return j, len(j.recs)+len(j.bad) > 0, nil
	}
	work := func(j tokensJob) ([]tokensRow, error) {
		rows := make([]tokensRow, 0, len(j.recs)+len(j.bad))
		for _, b := range j.bad {
			rows = append(rows, tokensRow{err: b})
		}
		for _, rec := range j.recs {
			rows = append(rows, encodeRecord(tok, tmpl, plain, maxLen, rec))
		}
		return rows, nil
	}
	var nRows, nBad, nTok, nLab, nTrunc int64
	emit := func(rows []tokensRow) error {
		for _, r := range rows {
			if r.err != nil {
				nBad++
				// Name the first few; a wrong flag (say --text) must not
				// print one line per row of a large file.
				if nBad <= maxNamedErrors {
					log.Errorf("%v", r.err)
				} else if nBad == maxNamedErrors+1 {
					log.Errorf("more malformed rows; the count is in the summary")
				}
				continue
			}
			nRows++
			nTok += int64(r.tokens)
			nLab += int64(r.labels)
			if r.truncated {
				nTrunc++
			}
			if _, err := out.Write(r.line); err != nil {
				return app.Failf("write: %v", err)
			}
		}
		return nil
	}
	if err := pipeline.Ordered(c.Context, app.Threads(c), next, work, emit); err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	log.Summary(fmt.Sprintf("tokens: %d rows, %d tokens (%d labelled), %d truncated to %d, %d malformed; %.0f tokens/s",
		nRows, nTok, nLab, nTrunc, maxLen, nBad, float64(nTok)/secs),
		app.KV{Key: "rows", Value: nRows}, app.KV{Key: "tokens", Value: nTok}, app.KV{Key: "labels", Value: nLab},
		app.KV{Key: "truncated", Value: nTrunc}, app.KV{Key: "malformed", Value: nBad},
		app.KV{Key: "tokens_per_s", Value: int64(float64(nTok) / secs)})
	if nBad > 0 {
		return app.Exit(app.DataProblem, nil)
	}
	return nil
}

// maxNamedErrors is how many malformed rows are named on stderr, as ff-score does.
const maxNamedErrors = 20

func encodeRecord(tok *tokenizer.Tokenizer, tmpl Template, plain bool, maxLen int, rec *record.Record) tokensRow {
	var ids, labels []int32
	if plain {
		var text string
		ok, err := rec.Decode("text", &text)
		if err != nil || !ok {
			return tokensRow{err: fmt.Errorf("%s: --text needs a string \"text\" field", rec.Source)}
		}
		ids, labels = EncodePlain(tok, text)
	} else {
		row, err := ParseRow(rec.Raw)
		if err != nil {
			return tokensRow{err: fmt.Errorf("%s: %v", rec.Source, err)}
		}
		if ids, labels, err = Encode(tok, tmpl, row); err != nil {
			return tokensRow{err: fmt.Errorf("%s: %v", rec.Source, err)}
		}
	}
	full := len(ids)
	ids, labels = Truncate(ids, labels, maxLen)
	r := tokensRow{tokens: len(ids), truncated: len(ids) < full}
	for _, l := range labels {
		if l != Ignore {
			r.labels++
		}
	}
	b := make([]byte, 0, 16*len(ids)+64)
	b = append(b, `{"input_ids":`...)
	b = appendInts(b, ids)
	b = append(b, `,"labels":`...)
	b = appendInts(b, labels)
	b = append(b, `,"tokens":[`...)
	for i, t := range tok.Tokens(ids) {
		if i > 0 {
			b = append(b, ',')
		}
		b = record.AppendString(b, t)
	}
	b = append(b, `],"n_tokens":`...)
	b = strconv.AppendInt(b, int64(r.tokens), 10)
	b = append(b, `,"n_labels":`...)
	b = strconv.AppendInt(b, int64(r.labels), 10)
	b = append(b, "}\n"...)
	r.line = b
	return r
}

func appendInts(b []byte, xs []int32) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return append(b, ']')
}
