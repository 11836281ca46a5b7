package model

import (
	"testing"

	"github.com/flock-off/ff/lib/lora"
)

// A training step reuses its workspace: what it allocates is small
// bookkeeping, not activations.
func TestStepAllocatesLittle(t *testing.T) {
	c := tinyConfigs()["qwen2-tied-gqa"]
	m := randomModel(t, c, 1)
	ad := randomAdapter(t, m, lora.Config{R: 4, Alpha: 8, Dropout: 0.1}, 2)
	g := lora.NewGrads(ad)
	ids, labels := randomTokens(3, 64, c.VocabSize)
	m.Step(ids, labels, ad, g, 1)
	var bytes uint64
	allocs := testing.AllocsPerRun(5, func() {
		m.Step(ids, labels, ad, g, 1)
	})
	_ = bytes
	t.Logf("%.0f allocations per step", allocs)
	if allocs > 200 {
		t.Errorf("%.0f allocations per step", allocs)
	}
}
