package minhash

import "slices"

// Set sorts shingle hashes and removes repeats in place, giving the shingle
// set that Jaccard compares.
func Set(shingles []uint64) []uint64 {
	slices.Sort(shingles)
	return slices.Compact(shingles)
}

// Jaccard is |a ∩ b| / |a ∪ b| of two sets made by Set (sorted, no repeats).
// Two empty sets are identical (1).
func Jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			inter++
			i++
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
