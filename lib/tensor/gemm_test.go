package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveGemm is the definition Gemm must match, summed in float64.
func naiveGemm(transA, transB bool, M, N, K int, A []float32, lda int, B []float32, ldb int, C []float32, ldc int, accumulate bool) {
	for i := 0; i < M; i++ {
		for j := 0; j < N; j++ {
			var s float64
			for k := 0; k < K; k++ {
				var a, b float32
				if transA {
					a = A[k*lda+i]
				} else {
					a = A[i*lda+k]
				}
				if transB {
					b = B[j*ldb+k]
				} else {
					b = B[k*ldb+j]
				}
				s += float64(a) * float64(b)
			}
			if accumulate {
				s += float64(C[i*ldc+j])
			}
			C[i*ldc+j] = float32(s)
		}
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// kernels are every micro-kernel this machine can run: the pure-Go one
// (what CGO_ENABLED=0 or -tags purego builds on any CPU) and the assembly ones.
func kernels() []microKernel { return append([]microKernel{genericKernel}, archKernels()...) }

func TestGemmMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {3, 5, 7}, {6, 16, 1}, {7, 17, 300}, {64, 64, 64}, {97, 33, 513}, {13, 2100, 9}, {200, 3, 40}, {25, 70, 260}}
	saved := kernel
	defer func() { kernel = saved }()
	for _, kn := range kernels() {
		kernel = kn
		for _, sh := range shapes {
			M, N, K := sh[0], sh[1], sh[2]
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				for _, acc := range []bool{false, true} {
					for _, threads := range []int{1, 3, 8} {
						name := fmt.Sprintf("%s/%dx%dx%d/tA=%v,tB=%v,acc=%v,threads=%d", kn.name, M, N, K, tr[0], tr[1], acc, threads)
						lda, ldb, ldc := K+2, N+1, N+3
						if tr[0] {
							lda = M + 2
						}
						if tr[1] {
							ldb = K + 1
						}
						A := randSlice(r, max(M, K)*lda)
						B := randSlice(r, max(N, K)*ldb)
						C := randSlice(r, M*ldc)
						want := append([]float32(nil), C...)
						naiveGemm(tr[0], tr[1], M, N, K, A, lda, B, ldb, want, ldc, acc)
						Gemm(threads, tr[0], tr[1], M, N, K, A, lda, B, ldb, C, ldc, acc)
						for i := 0; i < M; i++ {
							for j := 0; j < ldc; j++ {
								g, w := C[i*ldc+j], want[i*ldc+j]
								if math.Abs(float64(g-w)) > 1e-4*math.Sqrt(float64(K))*(1+math.Abs(float64(w))) {
									t.Fatalf("%s: C[%d,%d] = %v, want %v", name, i, j, g, w)
								}
							}
						}
					}
				}
			}
		}
	}
}

// The result must not depend on the thread count (training is reproducible).
func TestGemmDeterministicAcrossThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	M, N, K := 130, 270, 600
	A, B := randSlice(r, M*K), randSlice(r, K*N)
	c1 := make([]float32, M*N)
	c4 := make([]float32, M*N)
	Gemm(1, false, false, M, N, K, A, K, B, N, c1, N, false)
	Gemm(4, false, false, M, N, K, A, K, B, N, c4, N, false)
	for i := range c1 {
		if c1[i] != c4[i] {
			t.Fatalf("element %d: %v with 1 thread, %v with 4", i, c1[i], c4[i])
		}
	}
}

func benchGemm(b *testing.B, kn microKernel, M, N, K int) {
	saved := kernel
	kernel = kn
	defer func() { kernel = saved }()
	r := rand.New(rand.NewPCG(1, 1))
	A, B, C := randSlice(r, M*K), randSlice(r, K*N), make([]float32, M*N)
	b.ResetTimer()
	for range b.N {
		Gemm(Threads(), false, true, M, N, K, A, K, B, K, C, N, false)
	}
	b.ReportMetric(float64(2*M*N*K)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

func BenchmarkGemm512(b *testing.B) {
	for _, kn := range kernels() {
		b.Run(kn.name, func(b *testing.B) { benchGemm(b, kn, 512, 512, 512) })
	}
}

func TestGemmPackedMatchesGemm(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	saved := kernel
	defer func() { kernel = saved }()
	for _, kn := range kernels() {
		kernel = kn
		for _, sh := range [][3]int{{5, 7, 3}, {37, 300, 600}, {256, 70, 513}, {3, 2100, 40}} {
			M, N, K := sh[0], sh[1], sh[2]
			for _, trans := range []bool{false, true} {
				ldb := N + 3
				if trans {
					ldb = K + 2
				}
				A, B := randSlice(r, M*K), randSlice(r, max(N, K)*ldb)
				got := make([]float32, M*N)
				pb := PackB(trans, K, N, B, ldb)
				for _, threads := range []int{1, 3, 8} {
					plain := make([]float32, M*N)
					Gemm(threads, false, trans, M, N, K, A, K, B, ldb, plain, N, false)
					GemmPacked(threads, false, M, A, K, pb, got, N, false)
					for i := range got {
						if got[i] != plain[i] {
							t.Fatalf("%s %v trans=%v threads=%d: element %d: packed %v, plain %v", kn.name, sh, trans, threads, i, got[i], plain[i])
						}
					}
				}
			}
		}
	}
	// A kernel switch after packing falls back to the source matrix.
	kernel = genericKernel
	A, B := randSlice(r, 4*9), randSlice(r, 9*5)
	pb := PackB(false, 9, 5, B, 5)
	kernel = saved
	got, want := make([]float32, 20), make([]float32, 20)
	GemmPacked(1, false, 4, A, 9, pb, got, 5, false)
	Gemm(1, false, false, 4, 5, 9, A, 9, B, 5, want, 5, false)
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("after kernel switch: %v, want %v", got, want)
		}
	}
}

// One-thread multiplies allocate nothing once the pack buffers exist.
func TestGemmSerialDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	A, B, C := randSlice(r, 64*300), randSlice(r, 300*70), make([]float32, 64*70)
	pb := PackB(false, 300, 70, B, 70)
	Gemm(1, false, false, 64, 70, 300, A, 300, B, 70, C, 70, false)
	if n := testing.AllocsPerRun(10, func() {
		Gemm(1, false, false, 64, 70, 300, A, 300, B, 70, C, 70, false)
		GemmPacked(1, false, 64, A, 300, pb, C, 70, true)
	}); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}
