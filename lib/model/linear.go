package model

import "github.com/flock-off/ff/lib/tensor"

// projForward runs linear layers that read the same input x [T, In]:
//
//	ys[i] (+)= x·W_iᵀ + b_i + scale·(drop(x)·A_iᵀ)·B_iᵀ
//
// packing x once for all base products (and the adapters' A products when
// there is no dropout). The adapter activation scale·drop(x)·Aᵀ [T, r] is
// kept in lus[i] for the backward pass.
func (m *Model) projForward(w *workspace, x []float32, T int, ls []*Linear, ys [][]float32, acc bool, bs []binding, lus [][]float32) {
	th := m.Threads
	In := ls[0].In
	outs := w.prods[:0]
	for i, l := range ls {
		b := bs[i]
		p := tensor.Product{N: l.Out, C: ys[i], LDC: l.Out, Accumulate: acc}
		if b.fwd != nil {
			p.Packed = b.fwd
		} else {
			p.B, p.LDB, p.TransB = l.W, In, true
		}
		outs = append(outs, p)
		if b.mod != nil && b.drop == 0 {
			r := len(b.mod.A) / In
			outs = append(outs, tensor.Product{N: r, B: b.mod.A, LDB: In, TransB: true, C: lus[i][:T*r], LDC: r})
		}
	}
	tensor.GemmShared(th, false, T, In, x, In, outs...)
	for i, l := range ls {
		b := bs[i]
		if l.B != nil {
			y, bias, n := ys[i], l.B, l.Out
			tensor.Parallel(th, T, func(lo, hi int) { addBias(y[lo*n:hi*n], bias, hi-lo, n) })
		}
		if b.mod == nil {
			continue
		}
		r := len(b.mod.A) / In
		lu := lus[i][:T*r]
		if b.drop > 0 {
			xin := w.xd[:T*In]
			dropout(th, xin, x, T*In, b.drop, b.seed, b.site, false)
			tensor.Gemm(th, false, true, T, r, In, xin, In, b.mod.A, In, lu, r, false)
		}
		for j := range lu {
			lu[j] *= b.scale
		}
		tensor.Gemm(th, false, true, T, l.Out, r, lu, r, b.mod.B, r, ys[i], l.Out, true)
	}
}

// linearForward is projForward for one layer.
func (m *Model) linearForward(w *workspace, l *Linear, x, y []float32, T int, acc bool, b binding, lu []float32) {
	m.projForward(w, x, T, []*Linear{l}, [][]float32{y}, acc, []binding{b}, [][]float32{lu})
}

// linearBackward takes dy [T, Out] and writes (acc: adds) dx [T, In] (when dx
// is not nil), adds weight gradients into gl (full training) and adapter
// gradients into b.grad.
func (m *Model) linearBackward(w *workspace, l *Linear, x, dy, dx []float32, T int, acc bool, gl *Linear, b binding, lu []float32) {
	th := m.Threads
	var r int
	var dlu []float32
	if b.mod != nil {
		r = len(b.mod.A) / l.In
		dlu = w.dlu[:T*r]
	}
	// dx (+)= dy·W and, with an adapter, dlu = dy·B: one packing of dy.
	outs := w.prods[:0]
	if dx != nil {
		p := tensor.Product{N: l.In, C: dx, LDC: l.In, Accumulate: acc}
		if b.bwd != nil {
			p.Packed = b.bwd
		} else {
			p.B, p.LDB = l.W, l.In
		}
		outs = append(outs, p)
	}
	if b.mod != nil {
		outs = append(outs, tensor.Product{N: r, B: b.mod.B, LDB: r, C: dlu, LDC: r})
	}
	tensor.GemmShared(th, false, T, l.Out, dy, l.Out, outs...)
	if gl != nil {
		tensor.Gemm(th, true, false, l.Out, l.In, T, dy, l.Out, x, l.In, gl.W, l.In, true)
		if gl.B != nil {
			addColumnSums(gl.B, dy, T, l.Out)
		}
	}
	if b.mod == nil {
		return
	}
	lu = lu[:T*r]
	if b.grad != nil {
		// dB += dyᵀ·lu  [Out, r]
		tensor.Gemm(th, true, false, l.Out, r, T, dy, l.Out, lu, r, b.grad.B, r, true)
	}
	// scale·dy·B is the gradient of drop(x)·Aᵀ.
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
