package weights

import "sort"

// duplicates groups candidates whose losses lie within tol of each other
// (single linkage over sorted losses, so chains group and input order does
// not matter) or whose datasets share more than maxShared rows, and maps
// every member but the earliest commitment of its group to that one.
func duplicates(cands []*Miner, tol float64, overlaps []Overlap, maxShared int) map[int]*Miner {
	parent := map[int]int{}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b int) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		if ra > rb {
			ra, rb = rb, ra
		}
		parent[rb] = ra
	}
	byUID := map[int]*Miner{}
	for _, m := range cands {
		parent[m.UID] = m.UID
		byUID[m.UID] = m
	}
	sorted := append([]*Miner(nil), cands...)
	sort.Slice(sorted, func(i, j int) bool { return lossLess(sorted[i], sorted[j]) })
	for i := 1; i < len(sorted); i++ {
		if *sorted[i].EvalLoss-*sorted[i-1].EvalLoss <= tol {
			union(sorted[i].UID, sorted[i-1].UID)
		}
	}
	if len(overlaps) > 0 {
		byDataset := map[string][]int{}
		for _, m := range cands {
			for _, id := range []string{m.Dataset, m.DatasetSHA} {
				if id != "" {
					byDataset[id] = append(byDataset[id], m.UID)
				}
			}
		}
		for _, o := range overlaps {
			if o.Shared <= maxShared {
				continue
			}
			for _, a := range byDataset[o.A] {
				for _, b := range byDataset[o.B] {
					union(a, b)
				}
			}
		}
	}
	groups := map[int][]*Miner{}
	for _, m := range cands {
		r := find(m.UID)
		groups[r] = append(groups[r], m)
	}
	out := map[int]*Miner{}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		keep := g[0]
		for _, m := range g[1:] {
			if earlier(m, keep) {
				keep = m
			}
		}
		for _, m := range g {
			if m != keep {
				out[m.UID] = keep
			}
		}
	}
	return out
}
