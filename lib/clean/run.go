package clean

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/pipeline"
	"github.com/flock-off/ff/lib/record"
	"github.com/urfave/cli/v2"
)

// Batches are cut at this many rows or bytes, whichever comes first: small
// enough to keep memory bounded, large enough to amortize the hand-offs.
const (
	batchRows  = 2048
	batchBytes = 1 << 20
)

// maxMalformedShown is how many malformed rows stderr lists one by one.
const maxMalformedShown = 20

func run(c *cli.Context) error {
	o, err := options(c)
	if err != nil {
		return err
	}
	env := app.EnvOf(c)
	log := app.NewLog(c)
	check := c.Bool("check")
	format, err := record.FormatFor(c.String(app.FlagOutput), c.String(app.FlagOutputFormat))
	if err != nil {
		return app.Usagef("%v", err)
	}
	inputs := c.Args().Slice()
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}

	// Outputs: rows (unless --check), rejects, all written atomically.
	var out *app.Output
	var w record.Writer
	if !check {
		if out, err = app.CreateOutput(c.String(app.FlagOutput), env.Stdout); err != nil {
			return err
		}
		defer out.Abort()
		if w, err = record.NewWriter(out, format); err != nil {
			return app.Failf("%v", err)
		}
	}
	var rej *app.Output
	if p := c.String(app.FlagRejects); p != "" {
		if rej, err = app.CreateOutput(p, env.Stdout); err != nil {
			return err
		}
		defer rej.Abort()
	}

	// Reader: inputs one after another, cut into batches of items.
	in := 0
	var r record.Reader
	defer func() {
		if r != nil {
			r.Close()
		}
	}()
	next := func() ([]item, bool, error) {
		var items []item
		size := 0
		for len(items) < batchRows && size < batchBytes {
			if r == nil {
				if in == len(inputs) {
					break
				}
				var oerr error
				if r, oerr = record.Open(c.Context, inputs[in], env.Stdin); oerr != nil {
					return nil, false, app.Failf("%v", oerr)
				}
				in++
			}
			if lr, ok := r.(record.LineReader); ok {
				line, src, err := lr.NextLine()
				switch {
				case err == io.EOF:
					r.Close()
					r = nil
				case err != nil:
					return nil, false, app.Failf("%v", err)
				default:
					items = append(items, item{line: line, src: src})
					size += len(line)
				}
				continue
			}
			rec, err := r.Next()
			var re *record.RowError
			switch {
			case err == io.EOF:
				r.Close()
				r = nil
			case errors.As(err, &re):
				items = append(items, item{bad: re})
				size += len(re.Raw)
			case err != nil:
				return nil, false, app.Failf("%v", err)
			default:
				items = append(items, item{rec: rec})
				size += len(rec.Raw)
			}
		}
		return items, len(items) > 0, nil
	}

	workers := sync.Pool{New: func() any { return newWorker(o, rej != nil) }}
	work := func(items []item) (*result, error) {
		wk := workers.Get().(*worker)
		defer workers.Put(wk)
		return wk.batch(items), nil
	}

	total := newStats()
	var shown int
	// The bar counts input bytes (so it shows MB/s) and names the rows done.
	prog := app.NewProgress(log, env.Stderr, -1, "ff-clean", true)
	emit := func(res *result) error {
		total.merge(res.stats)
		for _, m := range res.malformed {
			if shown < maxMalformedShown {
				log.Warnf("%s", m)
			}
			shown++
		}
		if w != nil {
			if err := writeRows(w, out, format, res.out); err != nil {
				return err
			}
		}
		if rej != nil {
			if _, err := rej.Write(res.rejects); err != nil {
				return app.Failf("write %s: %v", c.String(app.FlagRejects), err)
			}
		}
		prog.Describe(fmt.Sprintf("ff-clean: %d rows", total.Read))
		prog.Add(res.bytes)
		putBuffer(res.out)
		return nil
	}
	err = pipeline.Ordered(c.Context, app.Threads(c), next, work, emit)
	prog.Finish()
	if err != nil {
		return err
	}
	if w != nil {
		if err := w.Close(); err != nil {
			return app.Failf("write: %v", err)
		}
		if err := out.Commit(); err != nil {
			return err
		}
	}
	if rej != nil {
		if err := rej.Commit(); err != nil {
			return err
		}
	}
	if shown > maxMalformedShown {
		log.Warnf("… and %d more malformed rows", shown-maxMalformedShown)
	}
	if p := c.String("stats"); p != "" {
		b, _ := json.MarshalIndent(total, "", "  ")
		if err := app.WriteFileAtomic(p, append(b, '\n'), 0o644); err != nil {
			return app.Failf("--stats: %v", err)
		}
	}
	log.Summary(total.Summary(check),
		app.KV{Key: "read", Value: total.Read}, app.KV{Key: "wrote", Value: total.Wrote},
		app.KV{Key: "rejected", Value: total.Rejected}, app.KV{Key: "rules", Value: total.Rules})
	switch {
	case check && total.Rejected > 0:
		return app.Exit(app.DataProblem, nil)
	case total.Malformed > 0 && rej == nil:
		return app.Exit(app.DataProblem, nil)
	}
	return nil
}

// writeRows writes a batch's JSONL: as it is for JSONL output, row by row
// through the record writer for Parquet.
func writeRows(w record.Writer, out *app.Output, f record.Format, jsonl []byte) error {
	if f == record.JSONL {
		if _, err := out.Write(jsonl); err != nil {
			return app.Failf("write: %v", err)
		}
		return nil
	}
	for len(jsonl) > 0 {
		i := bytes.IndexByte(jsonl, '\n')
		line := jsonl[:i]
		jsonl = jsonl[i+1:]
		fields, err := record.ParseObject(line)
		if err != nil {
			return app.Failf("internal: cleaned row is not JSON: %v", err)
		}
		if err := w.Write(&record.Record{Fields: fields, Raw: line}); err != nil {
			return app.Failf("write: %v", err)
		}
	}
	return nil
}
