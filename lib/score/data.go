package score

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/flock-off/ff/lib/record"
	"github.com/flock-off/ff/lib/train"
)

// Encoder turns one canonical SFT row into token ids and labels aligned with
// them (-100 where a position is not scored: everything but assistant tokens).
type Encoder interface {
	Encode(rec *record.Record) (ids, labels []int32, err error)
}

// dataset is a tokenized input: the examples that will be trained or
// evaluated, the rows behind them, and what was left out.
type dataset struct {
	Name     string
	Examples []*train.Example
	Rows     []*record.Record
	Tokens   int64 // input tokens over Examples (after truncation)
	Labels   int64 // label tokens over Examples
	Read     int   // rows considered (after --max-rows)
	Rejected int
	SHA256   string // of the considered rows, each as its JSONL line plus "\n"
}

// ignoreLabel marks a position that is not scored.
const ignoreLabel = -100

// loadSet reads path (stdin for "" or "-"), takes the first maxRows rows (0:
// all; malformed rows count among them, as a row of the file), encodes them
// and truncates each to maxSeqLen tokens. Rows that cannot be used are handed
// to reject with a reason and skipped; nothing is dropped silently.
func loadSet(ctx context.Context, path string, stdin io.Reader, enc Encoder, maxRows, maxSeqLen int, reject func(rejection)) (*dataset, error) {
	r, err := record.Open(ctx, path, stdin)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	name := path
	if name == "" || name == "-" {
		name = record.StdinName
	}
	ds := &dataset{Name: name}
	h := sha256.New()
	for maxRows == 0 || ds.Read < maxRows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *record.RowError
		if errors.As(err, &re) {
			ds.Read++
			ds.Rejected++
			h.Write(re.Raw)
			h.Write([]byte{'\n'})
			reject(rejection{Source: re.Source, Raw: re.Raw, Rule: "malformed", Detail: re.Err.Error()})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		ds.Read++
		h.Write(rec.Raw)
		h.Write([]byte{'\n'})
		ids, labels, err := enc.Encode(rec)
		if err != nil {
			ds.Rejected++
			reject(rejection{Source: rec.Source, Raw: rec.Raw, Rule: "encode", Detail: err.Error()})
			continue
		}
		if len(ids) != len(labels) {
			return nil, fmt.Errorf("%s: encoder gave %d ids and %d labels", rec.Source, len(ids), len(labels))
		}
		if len(ids) > maxSeqLen {
			ids, labels = ids[:maxSeqLen], labels[:maxSeqLen]
		}
		n := countLabels(labels)
		if n == 0 {
			ds.Rejected++
			reject(rejection{Source: rec.Source, Raw: rec.Raw, Rule: "no_assistant_tokens",
				Detail: fmt.Sprintf("no assistant tokens within the first %d tokens", maxSeqLen)})
			continue
		}
		ds.Examples = append(ds.Examples, &train.Example{IDs: ids, Labels: labels, Source: rec.Source.String()})
		ds.Rows = append(ds.Rows, rec)
		ds.Tokens += int64(len(ids))
		ds.Labels += int64(n)
	}
	ds.SHA256 = hex.EncodeToString(h.Sum(nil))
	return ds, nil
}

// countLabels counts the scored positions after the causal shift: the label
// of position 0 is never predicted.
func countLabels(labels []int32) int {
	n := 0
	for i := 1; i < len(labels); i++ {
		if labels[i] != ignoreLabel {
			n++
		}
	}
	return n
}

// rejection is one row left out, with the rule that left it out.
type rejection struct {
	Source record.Source
	Raw    []byte
	Rule   string
	Detail string
}
