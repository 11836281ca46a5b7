//go:build amd64 && !purego

package tensor

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:noescape
func kernelAVX2_6x16(kc int, a, b, c unsafe.Pointer, ldc int)

var avx2Kernel = microKernel{name: "avx2", mr: 6, nr: 16, run: func(kc int, a, b, c []float32, ldc int) {
	if kc == 0 {
		return
	}
	// Bounds are checked once here so the assembly can trust them.
	_ = a[kc*6-1]
	_ = b[kc*16-1]
	_ = c[5*ldc+15]
	kernelAVX2_6x16(kc, unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0]), ldc)
}}

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		kernel = avx2Kernel
	}
}
