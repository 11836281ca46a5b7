package minhash

import "github.com/cespare/xxhash/v2"

// Exact is a 128-bit hash of a normalized text: two xxhash64 digests with
// independent seeds. Rows with equal Exact are exact duplicates (after
// normalization); a chance collision needs about 2^64 rows.
type Exact [2]uint64

// ExactHash hashes a normalized text.
func ExactHash(normalized []byte) Exact {
	var d xxhash.Digest
	d.ResetWithSeed(0x5bd1e9955bd1e995)
	d.Write(normalized)
	lo := d.Sum64()
	d.ResetWithSeed(0x27d4eb2f165667c5)
	d.Write(normalized)
	return Exact{d.Sum64(), lo}
}

// Less orders hashes (for sorting rows into exact-duplicate groups).
func (e Exact) Less(o Exact) bool {
	if e[0] != o[0] {
		return e[0] < o[0]
	}
	return e[1] < o[1]
}
