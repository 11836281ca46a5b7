package dedup

import (
	"cmp"
	"slices"
)

// groups are the candidate buckets of one band: rows whose band keys agree,
// each bucket sorted by row id, buckets in key order. Flat storage keeps a
// band with millions of buckets to two slices.
type groups struct {
	band   int
	ids    []int32
	bounds []int32 // bucket g is ids[bounds[g]:bounds[g+1]]
}

func (g *groups) count() int { return max(0, len(g.bounds)-1) }

func (g *groups) bucket(i int) []int32 { return g.ids[g.bounds[i]:g.bounds[i+1]] }

// lshMember reports whether row i takes part in LSH: it has shingles and is
// the first of its exact-duplicate group (the others follow it by hash).
func lshMember(ix *Index, exactDup []bool, i int) bool {
	return ix.Rows[i].Flags&(flagShort|flagNoText|flagAbsent) == 0 && !exactDup[i]
}

// bandGroups buckets the LSH members by band b's key.
func bandGroups(ix *Index, exactDup []bool, b int) *groups {
	type kv struct {
		key uint64
		id  int32
	}
	nb := ix.Params.Bands
	var all []kv
	for i := range ix.Rows {
		if lshMember(ix, exactDup, i) {
			all = append(all, kv{ix.Keys[i*nb+b], int32(i)})
		}
	}
	slices.SortFunc(all, func(x, y kv) int {
		if c := cmp.Compare(x.key, y.key); c != 0 {
			return c
		}
		return cmp.Compare(x.id, y.id)
	})
	g := &groups{band: b, bounds: []int32{0}}
	for s := 0; s < len(all); {
		e := s + 1
		for e < len(all) && all[e].key == all[s].key {
			e++
		}
		if e-s >= 2 {
			for _, x := range all[s:e] {
				g.ids = append(g.ids, x.id)
			}
			g.bounds = append(g.bounds, int32(len(g.ids)))
		}
		s = e
	}
	return g
}

// exactGroups lists the rows with text by (exact hash, id); runs of equal
// hashes are exact-duplicate groups.
func exactGroups(ix *Index) [][]int32 {
	var order []int32
	for i := range ix.Rows {
		if ix.Rows[i].Flags&(flagNoText|flagAbsent) == 0 {
			order = append(order, int32(i))
		}
	}
	slices.SortFunc(order, func(a, b int32) int {
		ea, eb := ix.Rows[a].Exact, ix.Rows[b].Exact
		if c := cmp.Compare(ea[0], eb[0]); c != 0 {
			return c
		}
		if c := cmp.Compare(ea[1], eb[1]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	var out [][]int32
	for s := 0; s < len(order); {
		e := s + 1
		for e < len(order) && ix.Rows[order[e]].Exact == ix.Rows[order[s]].Exact {
			e++
		}
		if e-s >= 2 {
			out = append(out, order[s:e])
		}
		s = e
	}
	return out
}
