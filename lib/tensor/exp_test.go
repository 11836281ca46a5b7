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

func TestExpShift(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 100, 8192} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i%97)*0.37 - 20
		}
		want := make([]float32, n)
		var wantSum float64
		for i, v := range x {
			want[i] = float32(math.Exp(float64(v - 3)))
			wantSum += float64(want[i])
		}
		sum := ExpShift(x, 3)
		for i := range x {
			if u := ulps(x[i], want[i]); u > 2 {
				t.Fatalf("n=%d: element %d = %v, want %v (%d ulp)", n, i, x[i], want[i], u)
			}
		}
		if math.Abs(sum-wantSum) > 1e-6*wantSum+1e-30 {
			t.Errorf("n=%d: sum %v, want %v", n, sum, wantSum)
		}
	}
	// Large negative arguments give (next to) zero, not garbage.
	x := make([]float32, 32)
	for i := range x {
		x[i] = -200
	}
	if s := ExpShift(x, 0); s > 1e-36 {
		t.Errorf("sum of e^-200 = %v", s)
	}
}
