package dedup

import (
	"github.com/flock-off/ff/lib/minhash"
)

// verifier computes exact Jaccard of two rows from their stored
// fingerprint sets, with a small cache (bucket members are compared often).
type verifier struct {
	ix     *Index
	cache  map[int32][]uint32
	cached int // fingerprints held by cache
	failed map[[2]int32]struct{}
	calls  int64
}

// verifierCache bounds the cache by fingerprints, not rows, so long texts
// do not make it bigger (4 MB).
const verifierCache = 1 << 20

func newVerifier(ix *Index) *verifier {
	return &verifier{ix: ix, cache: map[int32][]uint32{}, failed: map[[2]int32]struct{}{}}
}

func (v *verifier) set(i int32) ([]uint32, error) {
	if s, ok := v.cache[i]; ok {
		return s, nil
	}
	s, err := v.ix.Fingerprints(int(i), nil)
	if err != nil {
		return nil, err
	}
	s = minhash.SetOf(s)
	if v.cached+len(s) > verifierCache {
		clear(v.cache)
		v.cached = 0
	}
	v.cache[i] = s
	v.cached += len(s)
	return s, nil
}

// jaccard is the exact Jaccard of rows a and b: 1 for exact duplicates.
func (v *verifier) jaccard(a, b int32) (float64, error) {
	ra, rb := &v.ix.Rows[a], &v.ix.Rows[b]
	if ra.Exact == rb.Exact {
		return 1, nil
	}
	if (ra.Flags|rb.Flags)&flagShort != 0 {
		return 0, nil // short rows match only exactly
	}
	v.calls++
	sa, err := v.set(a)
	if err != nil {
		return 0, err
	}
	sb, err := v.set(b)
	if err != nil {
		return 0, err
	}
	return minhash.Jaccard(sa, sb), nil
}

// similar reports whether a and b reach the threshold, remembering pairs
// that did not (a pair that collides in several bands is checked once).
func (v *verifier) similar(a, b int32, threshold float64) (bool, error) {
	key := [2]int32{min(a, b), max(a, b)}
	if _, ok := v.failed[key]; ok {
		return false, nil
	}
	j, err := v.jaccard(a, b)
	if err != nil {
		return false, err
	}
	if j >= threshold {
		return true, nil
	}
	v.failed[key] = struct{}{}
	return false, nil
}
