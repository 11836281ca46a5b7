package dedup

import (
	"context"
	"fmt"
	"io"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/record"
)

// twin is a row's closest known match in another dataset.
type twin struct {
	row     int32 // -1: none
	jaccard float64
	exact   bool
}

// crossTwins finds, for every row of dataset 0, a row of another dataset
// that it duplicates (exactly, or verified near): the contamination check.
func crossTwins(ctx context.Context, ix *Index, threads int) ([]twin, error) {
	n := len(ix.Rows)
	tw := make([]twin, n)
	for i := range tw {
		tw[i].row = -1
	}
	exactDup := make([]bool, n)
	groupsExact := exactGroups(ix)
	for _, g := range groupsExact {
		ref := int32(-1)
		for _, id := range g {
			if ix.Dataset(int(id)) != 0 {
				ref = id
				break
			}
		}
		for _, id := range g[1:] {
			exactDup[id] = true
		}
		if ref < 0 {
			continue
		}
		for _, id := range g {
			if ix.Dataset(int(id)) == 0 {
				tw[id] = twin{row: ref, jaccard: 1, exact: true}
			}
		}
	}
	v := newVerifier(ix)
	for b := 0; b < ix.Params.Bands; b++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g := bandGroups(ix, exactDup, b)
		for bi := 0; bi < g.count(); bi++ {
			bucket := g.bucket(bi)
			for _, x := range bucket {
				if ix.Dataset(int(x)) != 0 || tw[x].row >= 0 {
					continue
				}
				checked := 0
				for _, y := range bucket {
					if ix.Dataset(int(y)) == 0 {
						continue
					}
					if checked++; checked > maxCompare {
						break
					}
					j, err := v.jaccard(x, y)
					if err != nil {
						return nil, err
					}
					if j >= ix.Params.Threshold {
						tw[x] = twin{row: y, jaccard: j}
						break
					}
				}
			}
		}
	}
	// An exact group's first row stood for the others in LSH.
	for _, g := range groupsExact {
		if t := tw[g[0]]; t.row >= 0 && !t.exact {
			for _, id := range g[1:] {
				if ix.Dataset(int(id)) == 0 && tw[id].row < 0 {
					tw[id] = t
				}
			}
		}
	}
	return tw, nil
}

// againstRun drops (or with report only counts) the input rows that
// duplicate a reference row, then, with self, removes duplicates among the
// remaining input rows. The report lists every contaminated row.
func againstRun(ctx context.Context, ix *Index, keep keepRule, threads int, report, self bool, clOut io.Writer) (func(int64, record.Source) (fate, error), string, []app.KV, error) {
	tw, err := crossTwins(ctx, ix, threads)
	if err != nil {
		return nil, "", nil, err
	}
	w := writerOrNil(clOut)
	var contaminated, exact, refRows int64
	var line []byte
	for i := range ix.Rows {
		if ix.Dataset(i) != 0 {
			refRows++
			continue
		}
		t := tw[i]
		if t.row < 0 {
			continue
		}
		contaminated++
		if t.exact {
			exact++
		}
		if w != nil {
			line = fmt.Appendf(line[:0], `{"row":%d,"source":`, i)
			line = record.AppendString(line, ix.Source(i))
			line = append(line, `,"reference":`...)
			line = record.AppendString(line, ix.Source(int(t.row)))
			line = fmt.Appendf(line, `,"jaccard":%s,"exact":%t}`+"\n", fmtJaccard(t.jaccard), t.exact)
			if _, err := w.Write(line); err != nil {
				return nil, "", nil, err
			}
		}
	}
	summary := fmt.Sprintf("%d rows contaminated (%d exact, %d near) against %d reference rows", contaminated, exact, contaminated-exact, refRows)
	kv := []app.KV{{Key: "contaminated", Value: contaminated}, {Key: "contaminated_exact", Value: exact}, {Key: "reference_rows", Value: refRows}}
	if report {
		return func(int64, record.Source) (fate, error) { return fate{}, nil }, summary + " (--report: nothing dropped)", kv, nil
	}
	var v *verdicts
	if self {
		// Cluster the clean input rows only: references and contaminated rows stay out.
		for i := range ix.Rows {
			if ix.Dataset(i) != 0 || tw[i].row >= 0 {
				ix.Rows[i].Flags |= flagAbsent
			}
		}
		cl := newClusterer(ix)
		if err := cl.run(ctx, threads); err != nil {
			return nil, "", nil, err
		}
		if v, err = cl.resolve(keep, nil); err != nil {
			return nil, "", nil, err
		}
		summary += fmt.Sprintf("; %d duplicates in %d clusters within the input", v.count, v.clusters)
		kv = append(kv, app.KV{Key: "duplicates", Value: v.count}, app.KV{Key: "clusters", Value: v.clusters})
	}
	decide := func(id int64, _ record.Source) (fate, error) {
		if t := tw[id]; t.row >= 0 {
			return fate{removed: true, reason: "contaminated", of: ix.Source(int(t.row)), jaccard: t.jaccard, exact: t.exact}, nil
		}
		if v != nil && v.removed[id] {
			why := v.why[id]
			return fate{removed: true, reason: "duplicate", of: ix.Source(int(why.Kept)), jaccard: why.Jaccard, exact: why.Exact}, nil
		}
		return fate{}, nil
	}
	return decide, summary, kv, nil
}
