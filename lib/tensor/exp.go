package tensor

import "math"

// Exp is a float32 e^x accurate to about 2 ulp (Cephes' expf: range
// reduction by ln 2 in two parts, degree-5 polynomial), several times faster
// than math.Exp's float64 path; PyTorch's vectorised float32 exp is of the
// same accuracy.
func Exp(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > 88 || x < -87:
		return float32(math.Exp(float64(x))) // near overflow or subnormal: rare, keep exact
	}
	const (
		log2e = 1.44269504088896341
		c1    = 0.693359375
		c2    = -2.12194440e-4
	)
	fx := x*log2e + 0.5
	ni := int32(fx)
	if float32(ni) > fx { // floor for negatives
		ni--
	}
	n := float32(ni)
	x -= n * c1
	x -= n * c2
	z := x * x
	y := ((((1.9875691500e-4*x+1.3981999507e-3)*x+8.3334519073e-3)*x+4.1665795894e-2)*x+1.6666665459e-1)*x + 5.0000001201e-1
	y = y*z + x + 1
	return y * math.Float32frombits(uint32(ni+127)<<23)
}

// expShiftVec handles a multiple of 16 leading elements for ExpShift when
// the CPU has a vector version; it returns their sum.
var expShiftVec func(x []float32, shift float32) float64

// ExpShift replaces x[i] by e^(x[i]−shift) and returns the sum of the
// results. With AVX-512 it runs 16 lanes at a time (the same polynomial as
// Exp; arguments are clamped to [−87, 88], which only matters for results
// under 2e-38); the rest, and other CPUs, use Exp.
func ExpShift(x []float32, shift float32) float64 {
	var sum float64
	start := 0
	if expShiftVec != nil && len(x) >= 16 {
		start = len(x) &^ 15
		sum = expShiftVec(x[:start], shift)
	}
	for i := start; i < len(x); i++ {
		e := Exp(x[i] - shift)
		x[i] = e
		sum += float64(e)
	}
	return sum
}
