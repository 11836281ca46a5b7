package tensor

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkPackBTrans(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	B := randSlice(r, 512*512)
	dst := make([]float32, 2048*256+4096)
	for range b.N {
		packB(dst, true, B, 512, 0, 0, 256, 512, 32)
	}
	b.ReportMetric(float64(b.N*256*512)/b.Elapsed().Seconds()/1e9, "Gelem/s")
}

func BenchmarkPackANoTrans(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	A := randSlice(r, 512*512)
	dst := make([]float32, 96*256+4096)
	for range b.N {
		packA(dst, false, A, 512, 0, 0, 96, 256, 12)
	}
	b.ReportMetric(float64(b.N*96*256)/b.Elapsed().Seconds()/1e9, "Gelem/s")
}
