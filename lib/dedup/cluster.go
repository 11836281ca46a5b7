package dedup

import (
	"context"
	"slices"

	"github.com/flock-off/ff/lib/pipeline"
	"github.com/flock-off/ff/lib/unionfind"
)

// maxCompare bounds how many earlier clusters of one bucket a row is
// verified against: a bucket of thousands of templated rows that are not
// actually similar would otherwise cost a quadratic number of checks.
const maxCompare = 64

// clusterer merges verified near-duplicate pairs into clusters.
type clusterer struct {
	ix        *Index
	sets      *unionfind.Sets
	exactDup  []bool // not the first row of its exact group
	v         *verifier
	threshold float64
	merges    int64
	exact     int64
	// edges, when not nil, collects every verified near-duplicate merge
	// (tests check each against the true Jaccard).
	edges *[][2]int32
}

func newClusterer(ix *Index) *clusterer {
	return &clusterer{ix: ix, sets: unionfind.New(len(ix.Rows)), exactDup: make([]bool, len(ix.Rows)),
		v: newVerifier(ix), threshold: ix.Params.Threshold}
}

// mergeExact unions every exact-duplicate group (no verification needed:
// equal 128-bit hashes of the normalized text).
func (c *clusterer) mergeExact() {
	for _, g := range exactGroups(c.ix) {
		for _, id := range g[1:] {
			c.exactDup[id] = true
			c.sets.Union(g[0], id)
			c.exact++
		}
	}
}

// mergeBand verifies the candidates of one band's buckets and unions those
// at or above the threshold. Each row is checked against the earlier rows of
// its bucket that are not yet in its cluster, one per cluster, in id order,
// so the result depends only on the input.
func (c *clusterer) mergeBand(g *groups) error {
	var roots []int32
	for bi := 0; bi < g.count(); bi++ {
		b := g.bucket(bi)
		for j := 1; j < len(b); j++ {
			roots = roots[:0]
			checked := 0
			for i := 0; i < j && checked < maxCompare; i++ {
				ri, rj := c.sets.Find(b[i]), c.sets.Find(b[j])
				if ri == rj || slices.Contains(roots, ri) {
					continue
				}
				roots = append(roots, ri)
				checked++
				ok, err := c.v.similar(b[i], b[j], c.threshold)
				if err != nil {
					return err
				}
				if ok {
					c.sets.Union(b[i], b[j])
					c.merges++
					if c.edges != nil {
						*c.edges = append(*c.edges, [2]int32{b[i], b[j]})
					}
				}
			}
		}
	}
	return nil
}

// run does the whole clustering in one process: exact groups, then every
// band (bucketed in parallel, merged in band order).
func (c *clusterer) run(ctx context.Context, threads int) error {
	c.mergeExact()
	band := 0
	next := func() (int, bool, error) {
		if band >= c.ix.Params.Bands {
			return 0, false, nil
		}
		band++
		return band - 1, true, nil
	}
	work := func(b int) (*groups, error) { return bandGroups(c.ix, c.exactDup, b), nil }
	return pipeline.Ordered(ctx, threads, next, work, c.mergeBand)
}
