package tensor

import (
	"math"
	"testing"
)

func ulps(a, b float32) int64 {
	d := int64(math.Float32bits(a)) - int64(math.Float32bits(b))
	if d < 0 {
		return -d
	}
	return d
}

func TestExpAccuracy(t *testing.T) {
	worst := int64(0)
	for x := float32(-87); x < 88.7; x += 0.00731 {
		want := float32(math.Exp(float64(x)))
		if u := ulps(Exp(x), want); u > worst {
			worst = u
			if u > 2 {
				t.Fatalf("Exp(%v) = %v, want %v (%d ulp)", x, Exp(x), want, u)
			}
		}
	}
	t.Logf("worst error %d ulp", worst)
	if !math.IsInf(float64(Exp(100)), 1) || Exp(-200) != 0 || Exp(0) != 1 || !math.IsNaN(float64(Exp(float32(math.NaN())))) {
		t.Error("special values")
	}
}

func BenchmarkExp(b *testing.B) {
	s := float32(0)
	for i := range b.N {
		s += Exp(float32(i%100) * 0.01)
	}
	_ = s
}

func BenchmarkMathExp(b *testing.B) {
	s := float32(0)
	for i := range b.N {
		s += float32(math.Exp(float64(float32(i%100) * 0.01)))
	}
	_ = s
}
