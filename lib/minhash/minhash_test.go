package minhash

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The signature's agreement rate estimates Jaccard: over many random set
// pairs of known Jaccard the mean error must be small.
func TestSignatureEstimatesJaccard(t *testing.T) {
	h := NewHasher(Default.K(), 1)
	rng := rand.New(rand.NewPCG(1, 2))
	sa, sb := make([]uint32, h.K()), make([]uint32, h.K())
	for _, want := range []float64{0.2, 0.5, 0.8, 0.95} {
		var sumErr float64
		const trials = 200
		for trial := 0; trial < trials; trial++ {
			// |a|=|b|=200 sharing s elements: J = s/(400-s).
			shared := int(math.Round(400 * want / (1 + want)))
			var a, b []uint64
			for i := 0; i < 200; i++ {
				x := rng.Uint64()
				a = append(a, x)
				if i < shared {
					b = append(b, x)
				} else {
					b = append(b, rng.Uint64())
				}
			}
			j := Jaccard(Set(a), Set(b))
			h.Signature(sa, a)
			h.Signature(sb, b)
			agree := 0
			for i := range sa {
				if sa[i] == sb[i] {
					agree++
				}
			}
			sumErr += float64(agree)/float64(len(sa)) - j
		}
		if bias := sumErr / trials; math.Abs(bias) > 0.02 {
			t.Errorf("J=%.2f: mean estimate error %.3f, want |bias| <= 0.02", want, bias)
		}
	}
}

func TestJaccard(t *testing.T) {
	tests := []struct {
		a, b []uint64
		want float64
	}{
		{nil, nil, 1},
		{[]uint64{1}, nil, 0},
		{[]uint64{1, 2, 3}, []uint64{1, 2, 3}, 1},
		{[]uint64{1, 2, 3}, []uint64{2, 3, 4}, 0.5},
		{[]uint64{1, 5}, []uint64{2, 3, 4}, 0},
	}
	for _, tt := range tests {
		if got := Jaccard(tt.a, tt.b); got != tt.want {
			t.Errorf("Jaccard(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// The collision curve quoted in the Default doc comment and docs/ff-dedup.md.
func TestDefaultCollisionCurve(t *testing.T) {
	want := map[float64]string{0.3: "0.001", 0.5: "0.05", 0.8: "0.92", 0.9: "1.00"}
	for s, w := range want {
		got := Default.Probability(s)
		digits := len(w) - 2
		if g := fmt.Sprintf("%.*f", digits, got); g != w {
			t.Errorf("P(%.1f) = %s, documented %s", s, g, w)
		}
	}
}

func TestBandKeySeparatesBands(t *testing.T) {
	sig := make([]uint32, Default.K()) // all zero: every band has the same values
	if Default.BandKey(sig, 0) == Default.BandKey(sig, 1) {
		t.Fatal("equal values in different bands gave the same bucket key")
	}
}

func TestExactHash(t *testing.T) {
	a, b := ExactHash([]byte("a b c")), ExactHash([]byte("a b c "))
	if a == b || a != ExactHash([]byte("a b c")) {
		t.Fatalf("exact hash not a function of the bytes: %x %x", a, b)
	}
}

func BenchmarkSignature(b *testing.B) {
	h := NewHasher(Default.K(), 1)
	text := []byte{}
	rng := rand.New(rand.NewPCG(3, 4))
	for len(text) < 1<<20 {
		text = fmt.Appendf(text, "w%d ", rng.IntN(5000))
	}
	sig := make([]uint32, h.K())
	var sh []uint64
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		norm, _ := Normalize(nil, string(text))
		sh = Shingles(sh[:0], norm, 5, false)
		h.Signature(sig, sh)
	}
}

// The estimator's spread must match independent hash functions: the mean
// squared error of the agreement rate is about J(1-J)/K.
func TestSignatureVariance(t *testing.T) {
	h := NewHasher(Default.K(), 3)
	rng := rand.New(rand.NewPCG(5, 6))
	sa, sb := make([]uint32, h.K()), make([]uint32, h.K())
	for _, want := range []float64{0.5, 0.8} {
		var sq float64
		const trials = 400
		for trial := 0; trial < trials; trial++ {
			shared := int(math.Round(400 * want / (1 + want)))
			var a, b []uint64
			for i := 0; i < 200; i++ {
				x := rng.Uint64()
				a = append(a, x)
				if i < shared {
					b = append(b, x)
				} else {
					b = append(b, rng.Uint64())
				}
			}
			j := Jaccard(Set(a), Set(b))
			h.Signature(sa, a)
			h.Signature(sb, b)
			agree := 0
			for i := range sa {
				if sa[i] == sb[i] {
					agree++
				}
			}
			d := float64(agree)/float64(len(sa)) - j
			sq += d * d
		}
		ideal := want * (1 - want) / float64(h.K())
		if got := sq / trials; got > 1.3*ideal {
			t.Errorf("J=%.1f: mean squared error %.5f, independent functions give %.5f", want, got, ideal)
		} else {
			t.Logf("J=%.1f: mean squared error %.5f (independent functions: %.5f)", want, got, ideal)
		}
	}
}
