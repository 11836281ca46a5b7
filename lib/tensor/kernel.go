package tensor

import "os"

// A micro-kernel computes the product of a packed MR×kc panel of A (stored
// k-major: a[k*MR+i]) and a packed kc×NR panel of B (b[k*NR+j]) and adds it
// to (add) or stores it in the MR×NR tile of C at c, row stride ldc.
type microKernel struct {
	name   string
	mr, nr int
	run    func(kc int, a, b, c []float32, ldc int, add bool)
	// narrow, if set, has the same mr and a smaller nr, for products only a
	// few columns wide (an adapter's rank).
	narrow *microKernel
}

// kernel is the micro-kernel Gemm uses.
var kernel = chooseKernel()

var genericKernel = microKernel{name: "go", mr: 4, nr: 8, run: kernelGo4x8}

// KernelName says which micro-kernel is in use ("go", "avx2", "avx512").
func KernelName() string { return kernel.name }

// chooseKernel picks the fastest micro-kernel the CPU runs, or the one named
// by $FF_KERNEL ("go", "avx2", "avx512") when the CPU runs it: a way to test
// and compare the fallbacks on one machine.
func chooseKernel() microKernel {
	ks := archKernels()
	if want := os.Getenv("FF_KERNEL"); want != "" {
		for _, k := range append(ks, genericKernel) {
			if k.name == want {
				return k
			}
		}
	}
	if len(ks) > 0 {
		return ks[0]
	}
	return genericKernel
}

// kernelGo4x8 is the portable micro-kernel: 32 accumulators in locals so the
// compiler keeps most of them in registers.
func kernelGo4x8(kc int, a, b, c []float32, ldc int, add bool) {
	var c00, c01, c02, c03, c04, c05, c06, c07 float32
	var c10, c11, c12, c13, c14, c15, c16, c17 float32
	var c20, c21, c22, c23, c24, c25, c26, c27 float32
	var c30, c31, c32, c33, c34, c35, c36, c37 float32
	a = a[:kc*4]
	b = b[:kc*8]
	for k := 0; k < kc; k++ {
		ak := a[k*4 : k*4+4 : k*4+4]
		bk := b[k*8 : k*8+8 : k*8+8]
		b0, b1, b2, b3, b4, b5, b6, b7 := bk[0], bk[1], bk[2], bk[3], bk[4], bk[5], bk[6], bk[7]
		a0 := ak[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c04 += a0 * b4
		c05 += a0 * b5
		c06 += a0 * b6
		c07 += a0 * b7
		a1 := ak[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c14 += a1 * b4
		c15 += a1 * b5
		c16 += a1 * b6
		c17 += a1 * b7
		a2 := ak[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c24 += a2 * b4
		c25 += a2 * b5
		c26 += a2 * b6
		c27 += a2 * b7
		a3 := ak[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		c34 += a3 * b4
		c35 += a3 * b5
		c36 += a3 * b6
		c37 += a3 * b7
	}
	addRow8(c[0*ldc:], add, c00, c01, c02, c03, c04, c05, c06, c07)
	addRow8(c[1*ldc:], add, c10, c11, c12, c13, c14, c15, c16, c17)
	addRow8(c[2*ldc:], add, c20, c21, c22, c23, c24, c25, c26, c27)
	addRow8(c[3*ldc:], add, c30, c31, c32, c33, c34, c35, c36, c37)
}

func addRow8(r []float32, add bool, v0, v1, v2, v3, v4, v5, v6, v7 float32) {
	r = r[:8:8]
	if !add {
		r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = v0, v1, v2, v3, v4, v5, v6, v7
		return
	}
	r[0] += v0
	r[1] += v1
	r[2] += v2
	r[3] += v3
	r[4] += v4
	r[5] += v5
	r[6] += v6
	r[7] += v7
}
