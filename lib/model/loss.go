package model

import (
	"math"

	"github.com/flock-off/ff/lib/tensor"
)

// lossHead applies the final norm and the LM head to the positions that have
// a label, logitRows rows at a time (the [T, V] logits need not exist at once),
// and returns the summed cross-entropy. When training it leaves
// d(loss)/d(final norm output) in w.dh and adds the LM head's gradient to mg.
func (m *Model) lossHead(w *workspace, T int, labels []int32, train bool, mg *Weights, packs *packCache) (float64, int) {
	H, V := m.Config.HiddenSize, m.Config.VocabSize
	L := m.Config.NumHiddenLayers
	th := m.Threads
	xL, hF := w.xs[L][:T*H], w.hF[:T*H]
	rmsnormForward(th, hF, w.rmsF, xL, m.Norm, T, H, m.Config.RMSNormEps)
	rows := w.rows[:0]
	for t := 0; t+1 < T; t++ {
		if labels[t+1] != IgnoreIndex {
			rows = append(rows, int32(t))
		}
	}
	w.rows = rows
	dh := w.dh[:T*H]
	if train {
		clear(dh)
	}
	var total float64
	chunkRows := len(w.losses)
	for c0 := 0; c0 < len(rows); c0 += chunkRows {
		n := min(chunkRows, len(rows)-c0)
		chunk, logits := w.chunk[:n*H], w.logits[:n*V]
		for i := 0; i < n; i++ {
			t := int(rows[c0+i])
			copy(chunk[i*H:(i+1)*H], hF[t*H:(t+1)*H])
		}
		if packs != nil {
			tensor.GemmPacked(th, false, n, chunk, H, packs.headFwd, logits, V, false)
		} else {
			tensor.Gemm(th, false, true, n, V, H, chunk, H, m.LMHead, H, logits, V, false)
		}
		losses := w.losses
		tensor.Parallel(th, n, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				row := logits[i*V : (i+1)*V]
				target := int(labels[rows[c0+i]+1])
				losses[i] = crossEntropy(row, target, train)
			}
		})
		for i := 0; i < n; i++ {
			total += losses[i]
		}
		if !train {
			continue
		}
		// logits now hold d(loss)/d(logits) = softmax − onehot.
		dchunk := w.dchunk[:n*H]
		if packs != nil {
			tensor.GemmPacked(th, false, n, logits, V, packs.headBwd, dchunk, H, false)
		} else {
			tensor.Gemm(th, false, false, n, H, V, logits, V, m.LMHead, H, dchunk, H, false)
		}
		for i := 0; i < n; i++ {
			t := int(rows[c0+i])
			copy(dh[t*H:(t+1)*H], dchunk[i*H:(i+1)*H])
		}
		if mg != nil {
			tensor.Gemm(th, true, false, V, H, n, logits, V, chunk, H, mg.LMHead, H, true)
		}
	}
	return total, len(rows)
}

// crossEntropy returns −log softmax(row)[target] and overwrites row: with
// grad by softmax(row) − onehot(target), without by scratch values.
func crossEntropy(row []float32, target int, grad bool) float64 {
	mx := row[0]
	for _, v := range row {
		if v > mx {
			mx = v
		}
	}
	loss := float64(mx) - float64(row[target])
	sum := tensor.ExpShift(row, mx) // row is scratch: overwritten by the exponentials
	if !grad {
		return loss + math.Log(sum)
	}
	inv := float32(1 / sum)
	for i := range row {
		row[i] *= inv
	}
	row[target] -= 1
	loss += math.Log(sum)
	return loss
}
