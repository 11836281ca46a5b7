package model

import "github.com/flock-off/ff/lib/tensor"

// layerActs holds what a decoder block's backward pass needs from its forward pass.
type layerActs struct {
	x, h1, q, k, v, att, x1, h2, g, u, m []float32
	sig                                  []float32 // sigmoid(g)
	rms1, rms2                           []float32 // [T] inverse RMS of x and x1
	p                                    []float32 // [heads, T, T] attention probabilities
	lu                                   [7][]float32
}

// workspace is the scratch memory of one Step, reused across calls so a
// training step allocates nothing large. Sizes grow to the longest sequence seen.
type workspace struct {
	T, r  int // capacity: tokens, adapter rank
	store int // number of layerActs kept (L, or 1 when recomputing)

	cos, sin []float32
	acts     []layerActs
	xs       [][]float32 // layer inputs [L+1][T, H]
	hF, rmsF []float32   // final norm output and inverse RMS

	dx, dh, dq, dk, dv, datt, dkh, dvh, dp, dg, du []float32
	xd, dlu, dxd                                   []float32 // adapter scratch
	chunk, dchunk, logits                          []float32 // loss head, logitRows rows at a time
	rows                                           []int32
	losses                                         []float64
	prods                                          []tensor.Product // GemmShared outputs
}

// The loss head computes the logits of logitRows positions at a time: as
// many as fit in logitBytes (each chunk multiplies by the whole LM head, so
// fewer, larger chunks repack it less), at most maxLogitRows.
var (
	logitBytes   = 128 << 20
	maxLogitRows = 1024
)

func (m *Model) logitRows(T int) int {
	return max(1, min(T, maxLogitRows, max(16, logitBytes/(4*m.Config.VocabSize))))
}

func (m *Model) dims() (H, I, qd, kd, nh, hd int) {
	c := m.Config
	hd = c.HeadDims()
	return c.HiddenSize, c.IntermediateSize, c.NumAttentionHeads * hd, c.NumKeyValueHeads * hd, c.NumAttentionHeads, hd
}

// actBytes estimates the activation memory of keeping every layer for T tokens.
func (m *Model) actBytes(T int) int {
	H, I, qd, kd, nh, _ := m.dims()
	return 4 * m.Config.NumHiddenLayers * T * (5*H + 2*qd + 2*kd + 4*I + nh*T)
}

// getWorkspace takes an idle workspace big enough for T tokens and rank r,
// or makes one. Forward-only and training workspaces are kept apart, so
// alternating evaluation and training does not reallocate.
func (m *Model) getWorkspace(T, r, store int) *workspace {
	kind := min(store-1, 1)
	m.mu.Lock()
	var w *workspace
	if n := len(m.free[kind]); n > 0 {
		w = m.free[kind][n-1]
		m.free[kind] = m.free[kind][:n-1]
	}
	m.mu.Unlock()
	if w != nil && w.T >= T && w.r >= r && w.store == store {
		return w
	}
	if w != nil {
		T, r = max(T, w.T), max(r, w.r)
	}
	return m.newWorkspace(T, r, store)
}

// putWorkspace returns w for reuse.
func (m *Model) putWorkspace(w *workspace) {
	kind := min(w.store-1, 1)
	m.mu.Lock()
	m.free[kind] = append(m.free[kind], w)
	m.mu.Unlock()
}

func (m *Model) newWorkspace(T, r, store int) *workspace {
	H, I, qd, kd, nh, hd := m.dims()
	L := m.Config.NumHiddenLayers
	f := func(n int) []float32 { return make([]float32, n) }
	w := &workspace{T: T, r: r, store: store, cos: f(T * hd / 2), sin: f(T * hd / 2)}
	w.xs = make([][]float32, L+1)
	for i := range w.xs {
		w.xs[i] = f(T * H)
	}
	w.acts = make([]layerActs, store)
	for i := range w.acts {
		a := &w.acts[i]
		a.h1, a.q, a.k, a.v, a.att, a.x1, a.h2 = f(T*H), f(T*qd), f(T*kd), f(T*kd), f(T*qd), f(T*H), f(T*H)
		a.g, a.u, a.m, a.sig = f(T*I), f(T*I), f(T*I), f(T*I)
		a.rms1, a.rms2, a.p = f(T), f(T), f(nh*T*T)
		for j := range a.lu {
			a.lu[j] = f(T * r)
		}
	}
	w.hF, w.rmsF = f(T*H), f(T)
	wide := max(H, I, qd)
	w.dx, w.dh, w.dq, w.dk, w.dv, w.datt = f(T*H), f(T*H), f(T*qd), f(T*kd), f(T*kd), f(T*qd)
	w.dkh, w.dvh, w.dp = f(nh*T*hd), f(nh*T*hd), f(nh*T*T)
	w.dg, w.du = f(T*I), f(T*I)
	w.xd, w.dlu, w.dxd = f(T*wide), f(T*r), f(T*wide)
	V := m.Config.VocabSize
	lr := m.logitRows(T)
	w.chunk, w.dchunk, w.logits, w.losses = f(lr*H), f(lr*H), f(lr*V), make([]float64, lr)
	w.rows = make([]int32, 0, T)
	w.prods = make([]tensor.Product, 0, 8)
	return w
}
