package score

import (
	"io"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/record"
)

// maxWarnings is how many rejected rows are named on stderr before the rest
// are only counted.
const maxWarnings = 20

// rejects reports rows left out: on stderr as FILE:LINE: reason, and with
// --rejects FILE as the original row plus a _reject field.
type rejects struct {
	log   *app.Log
	out   *app.Output
	n     int
	write error
}

func newRejects(path string, stdout io.Writer, log *app.Log) (*rejects, error) {
	r := &rejects{log: log}
	if path != "" {
		out, err := app.CreateOutput(path, stdout)
		if err != nil {
			return nil, err
		}
		r.out = out
	}
	return r, nil
}

func (r *rejects) add(x rejection) {
	r.n++
	if r.n <= maxWarnings {
		r.log.Warnf("%s: %s: %s (row skipped)", x.Source, x.Rule, x.Detail)
	} else if r.n == maxWarnings+1 {
		r.log.Warnf("more rows rejected; the count is in the summary")
	}
	if r.out == nil || r.write != nil {
		return
	}
	rec := &record.Record{}
	if fields, err := record.ParseObject(x.Raw); err == nil {
		rec.Fields = fields
	} else {
		rec.SetValue("_raw", string(x.Raw))
	}
	rec.SetValue("_reject", map[string]string{"rule": x.Rule, "detail": x.Detail, "source": x.Source.String()})
	line := append(rec.AppendJSON(nil), '\n')
	_, r.write = r.out.Write(line)
}

func (r *rejects) commit() error {
	if r.n > maxWarnings {
		r.log.Warnf("%d rows rejected in all", r.n)
	}
	if r.out == nil {
		return nil
	}
	if r.write != nil {
		r.out.Abort()
		return app.Failf("--rejects: %v", r.write)
	}
	return r.out.Commit()
}

func (r *rejects) abort() {
	if r.out != nil {
		r.out.Abort()
	}
}

// status is the exit status the rejections call for: rows skipped without a
// --rejects file to keep them are a data problem (exit 1), after the result.
func (r *rejects) status() error {
	if r.n > 0 && r.out == nil {
		return app.Exit(app.DataProblem, nil)
	}
	return nil
}
