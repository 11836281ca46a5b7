//go:build amd64 && !purego

#include "textflag.h"

// func expShiftAVX512(x unsafe.Pointer, n int, shift float32) (sum float32)
// x[i] = e^(x[i]-shift) in place for n (a multiple of 16) elements, returning
// their sum: Cephes' expf (as Exp) on 16 lanes, 2^n applied with VSCALEFPS.
// Arguments below -87 are clamped there (results under 2e-38 become 1.6e-38·…),
// above 88 to 88: callers subtract the maximum first.
TEXT ·expShiftAVX512(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS shift+16(FP), Z31
	MOVL $0xc2ae0000, AX // -87.0
	VPBROADCASTD AX, Z30
	MOVL $0x42b00000, AX // 88.0
	VPBROADCASTD AX, Z29
	MOVL $0x3fb8aa3b, AX // log2(e)
	VPBROADCASTD AX, Z28
	MOVL $0x3f000000, AX // 0.5
	VPBROADCASTD AX, Z27
	MOVL $0x3f318000, AX // c1 = 0.693359375
	VPBROADCASTD AX, Z26
	MOVL $0xb95e8083, AX // c2 = -2.12194440e-4
	VPBROADCASTD AX, Z25
	MOVL $0x39506967, AX // p0 = 1.9875691500e-4
	VPBROADCASTD AX, Z24
	MOVL $0x3ab743ce, AX // p1 = 1.3981999507e-3
	VPBROADCASTD AX, Z23
	MOVL $0x3c088908, AX // p2 = 8.3334519073e-3
	VPBROADCASTD AX, Z22
	MOVL $0x3d2aa9c1, AX // p3 = 4.1665795894e-2
	VPBROADCASTD AX, Z21
	MOVL $0x3e2aaaaa, AX // p4 = 1.6666665459e-1
	VPBROADCASTD AX, Z20
	MOVL $0x3f800000, AX // 1.0
	VPBROADCASTD AX, Z19
	VPXORD Z0, Z0, Z0 // running sum
	SHRQ $4, CX
	JZ done
loop:
	VMOVUPS (SI), Z1
	VSUBPS Z31, Z1, Z1
	VMAXPS Z30, Z1, Z1
	VMINPS Z29, Z1, Z1
	// n = floor(x·log2e + 0.5)
	VMOVAPS Z27, Z2
	VFMADD231PS Z28, Z1, Z2
	VRNDSCALEPS $1, Z2, Z2
	// x -= n·c1; x -= n·c2
	VFNMADD231PS Z26, Z2, Z1
	VFNMADD231PS Z25, Z2, Z1
	// y = ((((p0·x + p1)·x + p2)·x + p3)·x + p4)·x + 0.5
	VMOVAPS Z24, Z3
	VFMADD213PS Z23, Z1, Z3
	VFMADD213PS Z22, Z1, Z3
	VFMADD213PS Z21, Z1, Z3
	VFMADD213PS Z20, Z1, Z3
	VFMADD213PS Z27, Z1, Z3
	// y = y·x² + x + 1
	VMULPS Z1, Z1, Z4
	VADDPS Z19, Z1, Z5
	VFMADD213PS Z5, Z4, Z3
	VSCALEFPS Z2, Z3, Z3
	VMOVUPS Z3, (SI)
	VADDPS Z3, Z0, Z0
	ADDQ $64, SI
	DECQ CX
	JNZ loop
done:
	// horizontal sum of Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, sum+24(FP)
	VZEROUPPER
	RET
