package minhash

// Hasher computes MinHash signatures with k hash functions over the 64-bit
// shingle hashes. One multiply-add p = a·x + b (a odd) gives two of them:
// the high 32 bits of p (multiply-shift hashing) and the low 32 bits (an
// affine permutation of x's low half), so k functions cost k/2
// multiplications. The two halves of one product go to different bands.
// The shingle hashes are already well mixed, and the seed makes the family
// reproducible.
type Hasher struct {
	k    int
	a, b []uint64 // k/2 (rounded up) multiply-adds
}

// NewHasher draws k hash functions from seed.
func NewHasher(k int, seed uint64) *Hasher {
	m := (k + 1) / 2
	h := &Hasher{k: k, a: make([]uint64, m), b: make([]uint64, m)}
	s := seed
	for i := 0; i < m; i++ {
		h.a[i] = splitmix64(&s) | 1
		h.b[i] = splitmix64(&s)
	}
	return h
}

// K is the number of hash functions (the signature length).
func (h *Hasher) K() int { return h.k }

// Signature writes the MinHash signature of shingles into sig (len K()):
// value i < m is the minimum over the shingles of the high half of
// product i, value m+i the minimum of its low half (m = ⌈K/2⌉). With no
// shingles every value is the maximum.
func (h *Hasher) Signature(sig []uint32, shingles []uint64) {
	m := len(h.a)
	// Running minima of whole products (their high halves are the minima
	// of the high halves) and of the low halves.
	var hbuf [256]uint64
	var lbuf [256]uint32
	hi, lo := hbuf[:0], lbuf[:0]
	if m > len(hbuf) {
		hi, lo = make([]uint64, 0, m), make([]uint32, 0, m)
	}
	hi, lo = hi[:m], lo[:m]
	for i := range hi {
		hi[i], lo[i] = ^uint64(0), ^uint32(0)
	}
	a, b := h.a[:m], h.b[:m]
	// Eight shingles per pass over the functions: a_i, b_i and the two
	// minima are loaded once for eight multiply-adds, and the minima are
	// taken as trees so the comparisons do not wait on each other.
	n := len(shingles)
	j := 0
	for ; j+8 <= n; j += 8 {
		x := (*[8]uint64)(shingles[j : j+8])
		for i := range hi {
			ai, bi := a[i], b[i]
			p0, p1, p2, p3 := ai*x[0]+bi, ai*x[1]+bi, ai*x[2]+bi, ai*x[3]+bi
			p4, p5, p6, p7 := ai*x[4]+bi, ai*x[5]+bi, ai*x[6]+bi, ai*x[7]+bi
			h01, h23, h45, h67 := min(p0, p1), min(p2, p3), min(p4, p5), min(p6, p7)
			l01, l23 := min(uint32(p0), uint32(p1)), min(uint32(p2), uint32(p3))
			l45, l67 := min(uint32(p4), uint32(p5)), min(uint32(p6), uint32(p7))
			hi[i] = min(hi[i], min(min(h01, h23), min(h45, h67)))
			lo[i] = min(lo[i], min(min(l01, l23), min(l45, l67)))
		}
	}
	for ; j < n; j++ {
		x := shingles[j]
		for i := range hi {
			p := a[i]*x + b[i]
			hi[i] = min(hi[i], p)
			lo[i] = min(lo[i], uint32(p))
		}
	}
	for i := range hi {
		sig[i] = uint32(hi[i] >> 32)
	}
	copy(sig[m:h.k], lo)
}

func splitmix64(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
