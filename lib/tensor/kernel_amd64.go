//go:build amd64 && !purego

package tensor

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:noescape
func kernelAVX2_6x16(kc int, a, b, c unsafe.Pointer, ldc int, add bool)

//go:noescape
func kernelAVX512_12x32(kc int, a, b, c unsafe.Pointer, ldc int, add bool)

//go:noescape
func kernelAVX512_12x16(kc int, a, b, c unsafe.Pointer, ldc int, add bool)

var avx2Kernel = microKernel{name: "avx2", mr: 6, nr: 16, run: func(kc int, a, b, c []float32, ldc int, add bool) {
	if kc == 0 {
		panic("tensor: micro-kernel with kc = 0")
	}
	// Bounds are checked once here so the assembly can trust them.
	_ = a[kc*6-1]
	_ = b[kc*16-1]
	_ = c[5*ldc+15]
	kernelAVX2_6x16(kc, unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0]), ldc, add)
}}

var avx512Narrow = microKernel{name: "avx512-narrow", mr: 12, nr: 16, run: func(kc int, a, b, c []float32, ldc int, add bool) {
	if kc == 0 {
		panic("tensor: micro-kernel with kc = 0")
	}
	_ = a[kc*12-1]
	_ = b[kc*16-1]
	_ = c[11*ldc+15]
	kernelAVX512_12x16(kc, unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0]), ldc, add)
}}

var avx512Kernel = microKernel{name: "avx512", mr: 12, nr: 32, narrow: &avx512Narrow, run: func(kc int, a, b, c []float32, ldc int, add bool) {
	if kc == 0 {
		panic("tensor: micro-kernel with kc = 0")
	}
	_ = a[kc*12-1]
	_ = b[kc*32-1]
	_ = c[11*ldc+31]
	kernelAVX512_12x32(kc, unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0]), ldc, add)
}}

// archKernels are the micro-kernels this CPU can run, fastest first.
func archKernels() []microKernel {
	var ks []microKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, avx512Kernel, avx512Narrow)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernel)
	}
	return ks
}

//go:noescape
func expShiftAVX512(x unsafe.Pointer, n int, shift float32) (sum float32)

func init() {
	if cpu.X86.HasAVX512F {
		expShiftVec = func(x []float32, shift float32) float64 {
			n := len(x) &^ 15
			if n == 0 {
				return 0
			}
			return float64(expShiftAVX512(unsafe.Pointer(&x[0]), n, shift))
		}
	}
}
