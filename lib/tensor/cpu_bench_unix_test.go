//go:build unix

package tensor

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
)

// BenchmarkGemmCPU reports GFLOPS per CPU-second of one-thread multiplies
// with a packed B (the model's weight products): a loaded, shared machine
// distorts that less than wall time.
func BenchmarkGemmCPU(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range [][3]int{{256, 512, 512}, {256, 1376, 512}, {512, 512, 512}} {
		M, N, K := s[0], s[1], s[2]
		for _, kn := range kernels() {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", kn.name, M, N, K), func(b *testing.B) {
				saved := kernel
				kernel = kn
				defer func() { kernel = saved }()
				A, B, C := randSlice(r, M*K), randSlice(r, K*N), make([]float32, M*N)
				pb := PackB(true, K, N, B, K)
				c0 := cpuTime()
				for range b.N {
					GemmPacked(1, false, M, A, K, pb, C, N, false)
				}
				b.ReportMetric(2*float64(M*N*K)*float64(b.N)/(cpuTime()-c0)/1e9, "GFLOPS/cpu-s")
			})
		}
	}
}

func cpuTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
