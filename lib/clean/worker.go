package clean

import (
	"errors"
	"slices"
	"sync"

	"github.com/flock-off/ff/lib/convert"
	"github.com/flock-off/ff/lib/quality"
	"github.com/flock-off/ff/lib/record"
)

// item is one input row: a record, a row the reader found malformed, or an
// unparsed JSONL line (parsed by the worker, so parsing runs in parallel).
type item struct {
	rec  *record.Record
	bad  *record.RowError
	line []byte
	src  record.Source
}

// result is what a worker makes of a batch: output and reject lines in
// input order, the batch's counts and its malformed-row messages.
type result struct {
	out       []byte
	rejects   []byte
	stats     *Stats
	malformed []string
	rows      int
	bytes     int64 // input bytes of the batch
}

// Output buffers go back to a pool once written: batches are ~1 MB each.
var buffers sync.Pool

func getBuffer(size int) []byte {
	if b, ok := buffers.Get().(*[]byte); ok && cap(*b) >= size {
		return (*b)[:0]
	}
	return make([]byte, 0, size)
}

func putBuffer(b []byte) { buffers.Put(&b) }

// worker holds one goroutine's reusable state.
type worker struct {
	o       *Options
	conv    convert.Converter
	check   quality.Checker
	lang    quality.LangDetector
	pii     quality.PIICounts
	rejects bool // keep reject lines
}

func newWorker(o *Options, keepRejects bool) *worker {
	w := &worker{o: o, rejects: keepRejects}
	w.conv.To = o.To
	w.check = quality.Checker{On: o.Filters, T: o.Thresholds, Refusals: o.Refusals, AlwaysMeasure: o.Histograms}
	return w
}

func (w *worker) batch(items []item) *result {
	size := 0
	for _, it := range items {
		if it.rec != nil {
			size += len(it.rec.Raw)
		}
		size += len(it.line)
		if it.bad != nil {
			size += len(it.bad.Raw)
		}
	}
	r := &result{stats: newStats(), rows: len(items), bytes: int64(size), out: getBuffer(size + size/8 + 4096)}
	w.pii = r.stats.PII
	for _, it := range items {
		r.stats.Read++
		if it.line != nil {
			rec, err := record.ParseLine(it.line, it.src)
			if err != nil {
				it.bad = err.(*record.RowError)
			}
			it.rec = rec
		}
		if it.bad != nil {
			r.malformed = append(r.malformed, it.bad.Error())
			r.stats.reject("malformed", true)
			if w.rejects {
				r.rejects = appendMalformed(r.rejects, it.bad)
			}
			continue
		}
		rule, detail, isMalformed := w.row(it.rec, r)
		if rule == "" {
			r.stats.Wrote++
			continue
		}
		r.stats.reject(rule, isMalformed)
		if isMalformed {
			r.malformed = append(r.malformed, it.rec.Source.String()+": "+detail)
		}
		if w.rejects {
			r.rejects = appendReject(r.rejects, it.rec, rule, detail)
		}
	}
	return r
}

// row cleans one record, appending it to r.out if it passes.
func (w *worker) row(rec *record.Record, r *result) (rule, detail string, malformed bool) {
	row, err := w.conv.Convert(rec)
	if err != nil {
		var ce *convert.Error
		if errors.As(err, &ce) {
			return ce.Rule, ce.Detail, ce.Malformed
		}
		return "malformed", err.Error(), true
	}
	r.stats.Formats[row.Format]++
	o := w.o
	if o.Norm.Any() || o.RedactPII {
		row.Texts(o.To, func(m *convert.Message) {
			if out, changed := o.Norm.Text(nil, m.Text); changed {
				m.SetText(out)
			}
			if o.RedactPII {
				if out, changed := quality.RedactPII(m.Text, w.pii); changed {
					m.SetText(out)
				}
			}
		})
	}
	if o.Norm.EmptySystem && row.HasSystem && len(row.System.Text) == 0 {
		row.HasSystem = false
	}
	if p := quality.Validate(row, o.To, o.Limits); p != nil {
		return p.Rule, p.Detail, false
	}
	if p := w.filters(row, r.stats); p != nil {
		return p.Rule, p.Detail, false
	}
	if o.Histograms {
		r.stats.keep(row, o.To)
	}
	r.out = row.AppendJSON(r.out, o.To, o.DropFields)
	r.out = append(r.out, '\n')
	return "", "", false
}

// filters runs the quality filters on the answers (SFT assistant turns, the
// chosen DPO answer) and the language filter on the whole row.
func (w *worker) filters(row *convert.Row, st *Stats) *quality.Problem {
	check := func(text []byte) *quality.Problem {
		p := w.check.Answer(text)
		if p == nil && w.o.Histograms {
			st.answer(w.check.Words())
		}
		return p
	}
	if w.o.To == convert.DPO {
		if p := check(row.Chosen.Text); p != nil {
			return p
		}
	} else {
		for i := range row.Turns {
			if row.Turns[i].Role == convert.Assistant {
				if p := check(row.Turns[i].Text); p != nil {
					return p
				}
			}
		}
	}
	if w.o.Filters[quality.FilterLang] {
		w.lang.Reset()
		row.Texts(w.o.To, func(m *convert.Message) { w.lang.Add(m.Text) })
		if l := w.lang.Lang(); l != quality.Und && !slices.Contains(w.o.Langs, l) {
			return &quality.Problem{Rule: quality.FilterLang, Detail: "language " + l}
		}
	}
	return nil
}

// appendReject writes the original row plus "_reject":{rule, detail, source}.
func appendReject(dst []byte, rec *record.Record, rule, detail string) []byte {
	dst = rec.AppendJSON(dst)
	dst = dst[:len(dst)-1] // reopen the object
	if len(rec.Fields) > 0 {
		dst = append(dst, ',')
	}
	return appendRejectField(dst, rule, detail, rec.Source)
}

// appendMalformed keeps a row that is not a JSON object as a string in "_raw".
func appendMalformed(dst []byte, e *record.RowError) []byte {
	dst = append(dst, `{"_raw":`...)
	dst = record.AppendBytes(dst, e.Raw) // invalid UTF-8 becomes U+FFFD
	dst = append(dst, ',')
	return appendRejectField(dst, "malformed", e.Err.Error(), e.Source)
}

func appendRejectField(dst []byte, rule, detail string, src record.Source) []byte {
	dst = append(dst, `"_reject":{"rule":`...)
	dst = record.AppendString(dst, rule)
	dst = append(dst, `,"detail":`...)
	dst = record.AppendString(dst, detail)
	dst = append(dst, `,"source":`...)
	dst = record.AppendString(dst, src.String())
	return append(dst, "}}\n"...)
}
