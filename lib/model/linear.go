package model

import "github.com/flock-off/ff/lib/tensor"

// linearForward: y (+)= x·Wᵀ + b + scale·(drop(x)·Aᵀ)·Bᵀ for x [T, In], y [T, Out].
// The adapter's low-rank activation scale·drop(x)·Aᵀ [T, r] is kept in lu.
func (m *Model) linearForward(w *workspace, l *Linear, x, y []float32, T int, acc bool, b binding, lu []float32) {
	th := m.Threads
	if b.fwd != nil {
		tensor.GemmPacked(th, false, T, x, l.In, b.fwd, y, l.Out, acc)
	} else {
		tensor.Gemm(th, false, true, T, l.Out, l.In, x, l.In, l.W, l.In, y, l.Out, acc)
	}
	if l.B != nil {
		addBias(y, l.B, T, l.Out)
	}
	if b.mod == nil {
		return
	}
	r := len(b.mod.A) / l.In
	xin := x
	if b.drop > 0 {
		xin = w.xd[:T*l.In]
		dropout(th, xin, x, T*l.In, b.drop, b.seed, b.site, false)
	}
	lu = lu[:T*r]
	tensor.Gemm(th, false, true, T, r, l.In, xin, l.In, b.mod.A, l.In, lu, r, false)
	for i := range lu {
		lu[i] *= b.scale
	}
	tensor.Gemm(th, false, true, T, l.Out, r, lu, r, b.mod.B, r, y, l.Out, true)
}

// linearBackward takes dy [T, Out] and writes (acc: adds) dx [T, In] (when dx
// is not nil), adds weight gradients into gl (full training) and adapter
// gradients into b.grad.
func (m *Model) linearBackward(w *workspace, l *Linear, x, dy, dx []float32, T int, acc bool, gl *Linear, b binding, lu []float32) {
	th := m.Threads
	if dx != nil && b.bwd != nil {
		tensor.GemmPacked(th, false, T, dy, l.Out, b.bwd, dx, l.In, acc)
	} else if dx != nil {
		tensor.Gemm(th, false, false, T, l.In, l.Out, dy, l.Out, l.W, l.In, dx, l.In, acc)
	}
	if gl != nil {
		tensor.Gemm(th, true, false, l.Out, l.In, T, dy, l.Out, x, l.In, gl.W, l.In, true)
		if gl.B != nil {
			addColumnSums(gl.B, dy, T, l.Out)
		}
	}
	if b.mod == nil {
		return
	}
	r := len(b.mod.A) / l.In
	lu = lu[:T*r]
	if b.grad != nil {
		// dB += dyᵀ·lu  [Out, r]
		tensor.Gemm(th, true, false, l.Out, r, T, dy, l.Out, lu, r, b.grad.B, r, true)
	}
	// dlu = scale · dy·B  [T, r]: the gradient of drop(x)·Aᵀ.
	dlu := w.dlu[:T*r]
	tensor.Gemm(th, false, false, T, r, l.Out, dy, l.Out, b.mod.B, r, dlu, r, false)
	for i := range dlu {
		dlu[i] *= b.scale
	}
	xin := x
	if b.drop > 0 {
		xin = w.xd[:T*l.In]
		dropout(th, xin, x, T*l.In, b.drop, b.seed, b.site, false)
	}
	if b.grad != nil {
		// dA += dluᵀ·drop(x)  [r, In]
		tensor.Gemm(th, true, false, r, l.In, T, dlu, r, xin, l.In, b.grad.A, l.In, true)
	}
	if dx == nil {
		return
	}
	if b.drop == 0 {
		tensor.Gemm(th, false, false, T, l.In, r, dlu, r, b.mod.A, l.In, dx, l.In, true)
		return
	}
	dxd := w.dxd[:T*l.In]
	tensor.Gemm(th, false, false, T, l.In, r, dlu, r, b.mod.A, l.In, dxd, l.In, false)
	dropout(th, dx, dxd, T*l.In, b.drop, b.seed, b.site, true)
}
