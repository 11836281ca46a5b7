package model

import (
	"runtime"
	"testing"

	"github.com/flock-off/ff/lib/lora"
)

// A training step reuses its workspace: what it allocates is a little
// bookkeeping (goroutine closures, slice headers), never activations.
func TestStepAllocatesLittle(t *testing.T) {
	c := tinyConfigs()["qwen2-tied-gqa"]
	m := randomModel(t, c, 1)
	ad := randomAdapter(t, m, lora.Config{R: 4, Alpha: 8, Dropout: 0.1}, 2)
	g := lora.NewGrads(ad)
	ids, labels := randomTokens(3, 64, c.VocabSize)
	for range 3 { // until every concurrent multiply has its packing buffers
		m.Step(ids, labels, ad, g, 1)
	}
	// The least of three windows: a window may still see a packing buffer
	// made the first time two multiplies happened to overlap.
	var before, after runtime.MemStats
	const steps = 5
	perStep := uint64(1 << 62)
	for range 3 {
		runtime.ReadMemStats(&before)
		for range steps {
			m.Step(ids, labels, ad, g, 1)
		}
		runtime.ReadMemStats(&after)
		perStep = min(perStep, (after.TotalAlloc-before.TotalAlloc)/steps)
	}
	activations := uint64(4 * m.actBytes(64) / c.NumHiddenLayers)
	t.Logf("%d bytes and %d allocations per step (one layer's activations: %d bytes)", perStep, (after.Mallocs-before.Mallocs)/steps, activations)
	if perStep > 32<<10 {
		t.Errorf("a step allocates %d bytes", perStep)
	}
}
