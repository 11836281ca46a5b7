package tensor

import (
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
)

// TestKernelCPUThroughput (FF_KERNEL_CPU=1) reports GFLOPS per CPU-second,
// which a loaded shared machine distorts less than wall time.
func TestKernelCPUThroughput(t *testing.T) {
	if os.Getenv("FF_KERNEL_CPU") == "" {
		t.Skip("set FF_KERNEL_CPU=1 to measure")
	}
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range [][3]int{{256, 512, 512}, {256, 1376, 512}, {512, 512, 512}} {
		M, N, K := s[0], s[1], s[2]
		A, B, C := randSlice(r, M*K), randSlice(r, K*N), make([]float32, M*N)
		pb := PackB(true, K, N, B, K)
		for _, kn := range kernels()[1:] {
			saved := kernel
			kernel = kn
			GemmPacked(1, false, M, A, K, pb, C, N, false)
			pb = PackB(true, K, N, B, K)
			c0 := cpuTime()
			const reps = 40
			for range reps {
				GemmPacked(1, false, M, A, K, pb, C, N, false)
			}
			sec := cpuTime() - c0
			t.Logf("%s %dx%dx%d: %.1f GFLOPS per CPU-second", kn.name, M, N, K, 2*float64(M*N*K)*reps/sec/1e9)
			kernel = saved
		}
	}
}

func cpuTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
