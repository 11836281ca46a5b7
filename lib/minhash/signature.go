package minhash

// Hasher computes MinHash signatures with k hash functions of the
// multiply-shift family h_i(x) = (a_i·x + b_i) >> 32 over the 64-bit shingle
// hashes (a_i odd). The shingle hashes are already well mixed, so one
// multiply-add per function suffices; the seed makes the family reproducible.
type Hasher struct {
	a, b []uint64
}

// NewHasher draws k hash functions from seed.
func NewHasher(k int, seed uint64) *Hasher {
	h := &Hasher{a: make([]uint64, k), b: make([]uint64, k)}
	s := seed
	for i := 0; i < k; i++ {
		h.a[i] = splitmix64(&s) | 1
		h.b[i] = splitmix64(&s)
	}
	return h
}

// K is the number of hash functions (the signature length).
func (h *Hasher) K() int { return len(h.a) }

// Signature writes the MinHash signature of shingles into sig (len K()).
// Every value is the minimum of one hash function over the shingles; with no
// shingles every value is the maximum.
func (h *Hasher) Signature(sig []uint32, shingles []uint64) {
	k := len(h.a)
	sig = sig[:k]
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	a, b := h.a[:k], h.b[:k]
	// Eight shingles per pass over the hash functions: a_i, b_i and sig_i are
	// loaded once for eight multiply-adds, which keeps the multiplier busy.
	n := len(shingles)
	j := 0
	for ; j+8 <= n; j += 8 {
		x := (*[8]uint64)(shingles[j : j+8])
		for i := range sig {
			ai, bi := a[i], b[i]
			m := min(uint32((ai*x[0]+bi)>>32), uint32((ai*x[1]+bi)>>32),
				uint32((ai*x[2]+bi)>>32), uint32((ai*x[3]+bi)>>32))
			m = min(m, uint32((ai*x[4]+bi)>>32), uint32((ai*x[5]+bi)>>32),
				uint32((ai*x[6]+bi)>>32), uint32((ai*x[7]+bi)>>32))
			sig[i] = min(sig[i], m)
		}
	}
	for ; j < n; j++ {
		x := shingles[j]
		for i := range sig {
			sig[i] = min(sig[i], uint32((a[i]*x+b[i])>>32))
		}
	}
}

func splitmix64(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
