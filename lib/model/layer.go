package model

import (
	"math"

	"github.com/flock-off/ff/lib/tensor"
)

// attnBlock is the row block of causal attention's multiplies.
const attnBlock = 64

// Indices of a block's projections in Layer.linears and the binding arrays.
const (
	pQ = iota
	pK
	pV
	pO
	pGate
	pUp
	pDown
)

// layerForward runs block l on w.xs[l] [T, H] and writes w.xs[l+1]:
//
//	h1 = rmsnorm(x);  q,k,v = proj(h1), RoPE on q,k;  att = softmax(q·kᵀ/√d)·v
//	x1 = x + o_proj(att);  h2 = rmsnorm(x1);  x' = x1 + down(silu(gate(h2)) ⊙ up(h2))
func (m *Model) layerForward(w *workspace, a *layerActs, l, T int, bs [7]binding) {
	c := m.Config
	H, I, qd, kd, nh, hd := m.dims()
	nkv := c.NumKeyValueHeads
	L := &m.Layers[l]
	th := m.Threads
	x, out := w.xs[l][:T*H], w.xs[l+1][:T*H]
	a.x = x
	h1, q, k, v, att := a.h1[:T*H], a.q[:T*qd], a.k[:T*kd], a.v[:T*kd], a.att[:T*qd]
	rmsnormForward(th, h1, a.rms1, x, L.InputNorm, T, H, c.RMSNormEps)
	m.projForward(w, h1, T, []*Linear{&L.Q, &L.K, &L.V}, [][]float32{q, k, v}, false, bs[pQ:pV+1], a.lu[pQ:pV+1])
	tensor.Parallel(th, T, func(lo, hi int) {
		ropeForward(q[lo*qd:hi*qd], lo, hi-lo, nh, hd, w.cos, w.sin)
		ropeForward(k[lo*kd:hi*kd], lo, hi-lo, nkv, hd, w.cos, w.sin)
	})

	scale := float32(1 / math.Sqrt(float64(hd)))
	group := nh / nkv
	tensor.Parallel(th, nh, func(lo, hi int) {
		for h := lo; h < hi; h++ {
			g := h / group
			p := a.p[h*T*T : (h+1)*T*T]
			// Causal: rows i0..i1 attend to keys 0..i1 only, so each row
			// block multiplies just the keys it can see.
			for i0 := 0; i0 < T; i0 += attnBlock {
				i1 := min(i0+attnBlock, T)
				tensor.Gemm(1, false, true, i1-i0, i1, hd, q[i0*qd+h*hd:], qd, k[g*hd:], kd, p[i0*T:], T, false) // S = q·kᵀ
			}
			causalSoftmax(p, T, scale)
			for i0 := 0; i0 < T; i0 += attnBlock {
				i1 := min(i0+attnBlock, T)
				tensor.Gemm(1, false, false, i1-i0, hd, i1, p[i0*T:], T, v[g*hd:], kd, att[i0*qd+h*hd:], qd, false) // att = P·v
			}
		}
	})

	x1 := a.x1[:T*H]
	copy(x1, x)
	m.linearForward(w, &L.O, att, x1, T, true, bs[pO], a.lu[pO])

	h2, gt, up, mm := a.h2[:T*H], a.g[:T*I], a.u[:T*I], a.m[:T*I]
	rmsnormForward(th, h2, a.rms2, x1, L.PostNorm, T, H, c.RMSNormEps)
	m.projForward(w, h2, T, []*Linear{&L.Gate, &L.Up}, [][]float32{gt, up}, false, bs[pGate:pUp+1], a.lu[pGate:pUp+1])
	swigluForward(th, mm, a.sig[:T*I], gt, up, T*I)
	copy(out, x1)
	m.linearForward(w, &L.Down, mm, out, T, true, bs[pDown], a.lu[pDown])
}

// layerBackward takes w.dx = d(loss)/d(block output) and leaves
// d(loss)/d(block input) in it, adding parameter gradients on the way.
func (m *Model) layerBackward(w *workspace, a *layerActs, l, T int, bs [7]binding, gl *Layer) {
	c := m.Config
	H, I, qd, kd, nh, hd := m.dims()
	nkv := c.NumKeyValueHeads
	L := &m.Layers[l]
	th := m.Threads
	var gLin [7]*Linear
	var gIn, gPost []float32
	if gl != nil {
		gLin = gl.linears()
		gIn, gPost = gl.InputNorm, gl.PostNorm
	}
	dx := w.dx[:T*H]
	dh := w.dh[:T*H]

	// MLP: x' = x1 + down(m), m = silu(g) ⊙ u.
	dg, du := w.dg[:T*I], w.du[:T*I]
	m.linearBackward(w, &L.Down, a.m[:T*I], dx, dg, T, false, gLin[pDown], bs[pDown], a.lu[pDown])
	swigluBackward(th, dg, du, a.sig[:T*I], a.g[:T*I], a.u[:T*I], T*I)
	h2 := a.h2[:T*H]
	m.linearBackward(w, &L.Gate, h2, dg, dh, T, false, gLin[pGate], bs[pGate], a.lu[pGate])
	m.linearBackward(w, &L.Up, h2, du, dh, T, true, gLin[pUp], bs[pUp], a.lu[pUp])
	rmsnormBackward(th, dx, gPost, dh, a.x1[:T*H], L.PostNorm, a.rms2, T, H)

	// Attention: x1 = x + o(att).
	datt := w.datt[:T*qd]
	m.linearBackward(w, &L.O, a.att[:T*qd], dx, datt, T, false, gLin[pO], bs[pO], a.lu[pO])
	q, k, v := a.q[:T*qd], a.k[:T*kd], a.v[:T*kd]
	dq, dk, dv := w.dq[:T*qd], w.dk[:T*kd], w.dv[:T*kd]
	scale := float32(1 / math.Sqrt(float64(hd)))
	group := nh / nkv
	tensor.Parallel(th, nh, func(lo, hi int) {
		for h := lo; h < hi; h++ {
			g := h / group
			p := a.p[h*T*T : (h+1)*T*T]
			dp := w.dp[h*T*T : (h+1)*T*T]
			dkh, dvh := w.dkh[h*T*hd:(h+1)*T*hd], w.dvh[h*T*hd:(h+1)*T*hd]
			// P and dS are lower triangular: row block i0..i1 needs keys
			// 0..i1, key block j0..j1 gets gradient from rows j0..T only.
			for i0 := 0; i0 < T; i0 += attnBlock {
				i1 := min(i0+attnBlock, T)
				tensor.Gemm(1, false, true, i1-i0, i1, hd, datt[i0*qd+h*hd:], qd, v[g*hd:], kd, dp[i0*T:], T, false) // dP = dO·vᵀ
			}
			for j0 := 0; j0 < T; j0 += attnBlock {
				j1 := min(j0+attnBlock, T)
				tensor.Gemm(1, true, false, j1-j0, hd, T-j0, p[j0*T+j0:], T, datt[j0*qd+h*hd:], qd, dvh[j0*hd:], hd, false) // dv_h = Pᵀ·dO
			}
			causalSoftmaxBackward(dp, p, T, scale) // dS
			for i0 := 0; i0 < T; i0 += attnBlock {
				i1 := min(i0+attnBlock, T)
				tensor.Gemm(1, false, false, i1-i0, hd, i1, dp[i0*T:], T, k[g*hd:], kd, dq[i0*qd+h*hd:], qd, false) // dq = dS·k
			}
			for j0 := 0; j0 < T; j0 += attnBlock {
				j1 := min(j0+attnBlock, T)
				tensor.Gemm(1, true, false, j1-j0, hd, T-j0, dp[j0*T+j0:], T, q[j0*qd+h*hd:], qd, dkh[j0*hd:], hd, false) // dk_h = dSᵀ·q
			}
		}
	})
	// Sum the per-head k/v gradients into their shared KV head, in head order.
	tensor.Parallel(th, T, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			for g := 0; g < nkv; g++ {
				dkr, dvr := dk[t*kd+g*hd:t*kd+(g+1)*hd], dv[t*kd+g*hd:t*kd+(g+1)*hd]
				clear(dkr)
				clear(dvr)
				for h := g * group; h < (g+1)*group; h++ {
					sk, sv := w.dkh[h*T*hd+t*hd:h*T*hd+(t+1)*hd], w.dvh[h*T*hd+t*hd:h*T*hd+(t+1)*hd]
					for i := range dkr {
						dkr[i] += sk[i]
						dvr[i] += sv[i]
					}
				}
			}
		}
	})
	tensor.Parallel(th, T, func(lo, hi int) {
		ropeBackward(dq[lo*qd:hi*qd], lo, hi-lo, nh, hd, w.cos, w.sin)
		ropeBackward(dk[lo*kd:hi*kd], lo, hi-lo, nkv, hd, w.cos, w.sin)
	})
	h1 := a.h1[:T*H]
	m.linearBackward(w, &L.Q, h1, dq, dh, T, false, gLin[pQ], bs[pQ], a.lu[pQ])
	m.linearBackward(w, &L.K, h1, dk, dh, T, true, gLin[pK], bs[pK], a.lu[pK])
	m.linearBackward(w, &L.V, h1, dv, dh, T, true, gLin[pV], bs[pV], a.lu[pV])
	rmsnormBackward(th, dx, gIn, dh, a.x, L.InputNorm, a.rms1, T, H)
}
