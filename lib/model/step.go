package model

import (
	"fmt"

	"github.com/flock-off/ff/lib/lora"
	"github.com/flock-off/ff/lib/tensor"
)

// IgnoreIndex marks a label position that does not count in the loss.
const IgnoreIndex = -100

// Step runs one sequence through the model with adapter ad (nil: the base
// model) and returns the SUM of the token cross-entropies over the label
// positions (causal shift: logits at t predict labels[t+1]; IgnoreIndex
// positions skipped) and how many positions counted. labels nil means ids.
//
// When g is not nil, Step also ACCUMULATES d(sumLoss)/d(adapter) into g, so
// a trainer can sum micro-batches and divide by their total label count;
// lora dropout is then active, with masks drawn from dropoutSeed. With g nil
// it is an evaluation (no dropout, as model.eval()).
//
// Step is safe for concurrent use (each call takes its own workspace), and
// each call also runs on up to m.Threads goroutines; results are the same
// for every thread count.
func (m *Model) Step(ids, labels []int32, ad *lora.Adapter, g *lora.Grads, dropoutSeed uint64) (sumLoss float64, nLabel int, err error) {
	return m.run(ids, labels, ad, g, nil, dropoutSeed)
}

// StepFull is Step without an adapter that accumulates the gradient of
// every weight into g (full-parameter training, e.g. pretraining a tiny model).
func (m *Model) StepFull(ids, labels []int32, g *Weights) (sumLoss float64, nLabel int, err error) {
	if g == nil {
		return 0, 0, fmt.Errorf("model: StepFull needs gradients")
	}
	m.WeightsChanged() // the caller updates weights after this; never use stale packs
	return m.run(ids, labels, nil, nil, g, 0)
}

// Loss is the mean token loss of one sequence (what the validator reports
// per example with evaluation batch size 1); 0 labels give an error.
func (m *Model) Loss(ids, labels []int32, ad *lora.Adapter) (float64, error) {
	s, n, err := m.Step(ids, labels, ad, nil, 0)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fmt.Errorf("model: no label positions")
	}
	return s / float64(n), nil
}

func (m *Model) check(ids, labels []int32, ad *lora.Adapter, g *lora.Grads) error {
	V := int32(m.Config.VocabSize)
	if len(ids) == 0 {
		return fmt.Errorf("model: empty sequence")
	}
	if len(labels) != len(ids) {
		return fmt.Errorf("model: %d labels for %d tokens", len(labels), len(ids))
	}
	for i, id := range ids {
		if id < 0 || id >= V {
			return fmt.Errorf("model: token %d at position %d outside the vocabulary [0, %d)", id, i, V)
		}
		if l := labels[i]; l != IgnoreIndex && (l < 0 || l >= V) {
			return fmt.Errorf("model: label %d at position %d outside the vocabulary", l, i)
		}
	}
	if ad != nil {
		for _, mod := range ad.Modules {
			ok := false
			for i := range m.Layers {
				for _, l := range m.Layers[i].linears() {
					if l.Name == mod.Name && l.In == mod.In && l.Out == mod.Out {
						ok = true
					}
				}
			}
			if !ok {
				return fmt.Errorf("model: adapter module %q (%d→%d) does not fit this model", mod.Name, mod.In, mod.Out)
			}
		}
		if g != nil && len(g.Modules) != len(ad.Modules) {
			return fmt.Errorf("model: gradients for %d modules, adapter has %d", len(g.Modules), len(ad.Modules))
		}
	}
	return nil
}

// binding is what a step attaches to one linear layer: its packed weights
// (nil: pack on the fly) and its adapter.
type binding struct {
	fwd, bwd *tensor.PackedB

	mod   *lora.Module
	grad  *lora.ModuleGrads
	scale float32
	drop  float32 // dropout probability while training, else 0
	seed  uint64
	site  int
}

func (m *Model) run(ids, labels []int32, ad *lora.Adapter, lg *lora.Grads, mg *Weights, seed uint64) (float64, int, error) {
	if labels == nil {
		labels = ids
	}
	if err := m.check(ids, labels, ad, lg); err != nil {
		return 0, 0, err
	}
	T, L := len(ids), m.Config.NumHiddenLayers
	train := lg != nil || mg != nil
	r := 0
	if ad != nil {
		r = ad.Config.R
	}
	store := 1
	if train {
		switch {
		case m.Recompute > 0:
		case m.Recompute < 0 || m.actBytes(T) <= 512<<20:
			store = L
		}
	}
	w := m.getWorkspace(T, r, store)
	defer m.putWorkspace(w)

	binds := make([][7]binding, L)
	var packs *packCache
	if mg == nil {
		packs = m.frozenPacks()
	}
	if packs != nil {
		for i := range binds {
			for j := range binds[i] {
				binds[i][j].fwd, binds[i][j].bwd = packs.fwd[i][j], packs.bwd[i][j]
			}
		}
	}
	if ad != nil {
		var drop float32
		if lg != nil {
			drop = float32(ad.Config.Dropout)
		}
		for i := range m.Layers {
			for j, l := range m.Layers[i].linears() {
				if mod := ad.Module(l.Name); mod != nil {
					b := &binds[i][j]
					b.mod, b.grad, b.scale, b.drop, b.seed, b.site = mod, lg.Module(l.Name), ad.Scale(), drop, seed, i*7+j
				}
			}
		}
	}

	ropeTables(m.Config, T, w.cos, w.sin)
	H := m.Config.HiddenSize
	x0 := w.xs[0][:T*H]
	for t, id := range ids {
		copy(x0[t*H:(t+1)*H], m.Embed[int(id)*H:(int(id)+1)*H])
	}
	for l := 0; l < L; l++ {
		m.layerForward(w, &w.acts[l%store], l, T, binds[l])
	}
	sum, n := m.lossHead(w, T, labels, train, mg, packs)
	if !train || n == 0 {
		return sum, n, nil
	}
	// Backward: w.dx holds d(loss)/d(residual stream), walking down the layers.
	dx := w.dx[:T*H]
	clear(dx)
	var gNorm []float32
	if mg != nil {
		gNorm = mg.Norm
	}
	rmsnormBackward(m.Threads, dx, gNorm, w.dh[:T*H], w.xs[L][:T*H], m.Norm, w.rmsF, T, H)
	for l := L - 1; l >= 0; l-- {
		a := &w.acts[l%store]
		if store == 1 && l != L-1 {
			m.layerForward(w, a, l, T, binds[l]) // recompute this block's activations
		}
		var gl *Layer
		if mg != nil {
			gl = &mg.Layers[l]
		}
		m.layerBackward(w, a, l, T, binds[l], gl)
	}
	if mg != nil {
		for t, id := range ids {
			row := mg.Embed[int(id)*H : (int(id)+1)*H]
			for i, v := range dx[t*H : (t+1)*H] {
				row[i] += v
			}
		}
	}
	return sum, n, nil
}
