package minhash

import (
	"cmp"
	"slices"
)

// Set sorts shingle hashes and removes repeats in place, giving the shingle
// set that Jaccard compares.
func Set(shingles []uint64) []uint64 { return SetOf(shingles) }

// Fingerprint is the top half of a shingle hash: shingle sets are stored
// and verified at half the size. Two different shingles of one pair of
// texts share a fingerprint with probability about |a|·|b|/2^32, far below
// the resolution of a Jaccard threshold.
func Fingerprint(shingle uint64) uint32 { return uint32(shingle >> 32) }

// SetOf sorts and deduplicates in place, giving a set for Jaccard.
func SetOf[T cmp.Ordered](s []T) []T {
	slices.Sort(s)
	return slices.Compact(s)
}

// Jaccard is |a ∩ b| / |a ∪ b| of two sets made by Set or SetOf
// (sorted, no repeats). Two empty sets are identical (1).
func Jaccard[T cmp.Ordered](a, b []T) float64 {
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
