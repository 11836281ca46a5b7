package model

import "github.com/flock-off/ff/lib/tensor"

// defaultPackLimit bounds the memory of packed weight copies (see PackLimit).
const defaultPackLimit = 1 << 30

// packCache holds the frozen weights packed for the matrix multiplies of
// Step: W as op(B) = Wᵀ for the forward pass and as op(B) = W for the
// backward pass, so no step repacks them.
type packCache struct {
	fwd, bwd         [][7]*tensor.PackedB
	headFwd, headBwd *tensor.PackedB
}

// WeightsChanged tells m its weights were modified in place, dropping the
// packed copies Step keeps of them. StepFull calls it itself; call it after
// changing weights any other way (an optimizer after StepFull needs nothing).
func (m *Model) WeightsChanged() {
	m.mu.Lock()
	m.packs = nil
	m.mu.Unlock()
}

// frozenPacks returns the packed weights, building them on first use when
// their size (twice the linear and head weights) is within PackLimit.
func (m *Model) frozenPacks() *packCache {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.packs != nil {
		return m.packs
	}
	limit := m.PackLimit
	if limit == 0 {
		limit = defaultPackLimit
	}
	n := int64(len(m.LMHead))
	for i := range m.Layers {
		for _, l := range m.Layers[i].linears() {
			n += int64(len(l.W))
		}
	}
	if limit < 0 || 2*4*n > limit {
		return nil
	}
	H, V := m.Config.HiddenSize, m.Config.VocabSize
	pc := &packCache{fwd: make([][7]*tensor.PackedB, len(m.Layers)), bwd: make([][7]*tensor.PackedB, len(m.Layers))}
	for i := range m.Layers {
		for j, l := range m.Layers[i].linears() {
			pc.fwd[i][j] = tensor.PackB(true, l.In, l.Out, l.W, l.In)
			pc.bwd[i][j] = tensor.PackB(false, l.Out, l.In, l.W, l.In)
		}
	}
	pc.headFwd = tensor.PackB(true, H, V, m.LMHead, H)
	pc.headBwd = tensor.PackB(false, V, H, m.LMHead, H)
	m.packs = pc
	return pc
}
