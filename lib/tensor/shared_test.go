package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// GemmShared must give exactly what separate Gemm calls give.
func TestGemmSharedMatchesGemm(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	saved := kernel
	defer func() { kernel = saved }()
	for _, kn := range kernels() {
		kernel = kn
		for _, sh := range [][2]int{{1, 3}, {37, 300}, {600, 70}, {256, 513}} {
			M, K := sh[0], sh[1]
			for _, transA := range []bool{false, true} {
				name := fmt.Sprintf("%s/M=%d,K=%d,transA=%v", kn.name, M, K, transA)
				lda := K + 1
				if transA {
					lda = M + 2
				}
				A := randSlice(r, max(M, K)*lda)
				Ns := []int{5, 40, 2100}
				var outs []Product
				var want [][]float32
				for i, N := range Ns {
					trans := i%2 == 1
					ldb := N + 1
					if trans {
						ldb = K + 3
					}
					B := randSlice(r, max(N, K)*ldb)
					C := randSlice(r, M*N)
					w := append([]float32(nil), C...)
					acc := i != 1
					Gemm(1, transA, trans, M, N, K, A, lda, B, ldb, w, N, acc)
					want = append(want, w)
					o := Product{N: N, B: B, LDB: ldb, TransB: trans, C: C, LDC: N, Accumulate: acc}
					if i == 2 {
						o.Packed = PackB(trans, K, N, B, ldb)
					}
					outs = append(outs, o)
				}
				GemmShared(3, transA, M, K, A, lda, outs...)
				for i, o := range outs {
					for j := range o.C {
						if o.C[j] != want[i][j] {
							t.Fatalf("%s: product %d element %d: %v, want %v", name, i, j, o.C[j], want[i][j])
						}
					}
				}
			}
		}
	}
}
