package train

import "testing"

// BenchmarkAdamWStep: one optimizer step (clip + AdamW) over the LoRA
// parameters of the 25M-parameter benchmark model (r=16 on 7 projections of
// 8 layers: about 1.1M values), the per-step cost the trainer adds to the
// model's forward and backward passes.
func BenchmarkAdamWStep(b *testing.B) {
	sizes := []int{16 * (512 + 512), 16 * (512 + 128), 16 * (512 + 128), 16 * (512 + 512),
		16 * (512 + 1376), 16 * (512 + 1376), 16 * (1376 + 512)}
	var params, grads [][]float32
	n := 0
	for range 8 {
		for _, s := range sizes {
			p, g := make([]float32, s), make([]float32, s)
			for i := range g {
				g[i] = float32(i%7) * 1e-3
			}
			params, grads = append(params, p), append(grads, g)
			n += s
		}
	}
	opt := NewAdamW(params, 0.9, 0.999, 1e-8, 0)
	b.SetBytes(int64(4 * n))
	b.ResetTimer()
	for b.Loop() {
		ClipGradNorm(grads, 1)
		opt.Step(params, grads, 2e-4)
	}
}
