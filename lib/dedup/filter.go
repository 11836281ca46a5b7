package dedup

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/flock-off/ff/lib/record"
)

// fate is what happens to one row in the output pass.
type fate struct {
	removed bool
	reason  string // "duplicate" or "contaminated"
	of      string // FILE:LINE of the kept row or the reference row
	jaccard float64
	exact   bool
}

// filterRows reads the inputs again, numbering well-formed rows as build
// does, and writes each row to kept or (if not nil) to removed with a
// "_dedup" field saying why.
func filterRows(ctx context.Context, inputs []input, decide func(id int64, src record.Source) (fate, error),
	kept, removed record.Writer) (nKept, nRemoved int64, err error) {
	var id int64
	for _, in := range inputs {
		r, err := record.Open(ctx, in.Path, nil)
		if err != nil {
			return nKept, nRemoved, err
		}
		for {
			if err := ctx.Err(); err != nil {
				r.Close()
				return nKept, nRemoved, err
			}
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			var re *record.RowError
			if errors.As(err, &re) {
				continue // reported by the first pass
			}
			if err != nil {
				r.Close()
				return nKept, nRemoved, err
			}
			rec.Source.File = in.Name
			f, err := decide(id, rec.Source)
			id++
			if err != nil {
				r.Close()
				return nKept, nRemoved, err
			}
			if !f.removed {
				nKept++
				if err := kept.Write(rec); err != nil {
					r.Close()
					return nKept, nRemoved, err
				}
				continue
			}
			nRemoved++
			if removed != nil {
				note := fmt.Appendf(nil, `{"reason":%q,"of":`, f.reason)
				note = record.AppendString(note, f.of)
				note = fmt.Appendf(note, `,"jaccard":%s,"exact":%t}`, fmtJaccard(f.jaccard), f.exact)
				rec.Set("_dedup", note)
				if err := removed.Write(rec); err != nil {
					r.Close()
					return nKept, nRemoved, err
				}
			}
		}
		r.Close()
	}
	return nKept, nRemoved, nil
}
