package model

import (
	"math"

	"github.com/flock-off/ff/lib/tensor"
)

// rmsnormForward: y = w ⊙ x / rms(x), rms = sqrt(mean(x²) + eps), per row of
// x [T, H]; inv[t] = 1/rms is kept for the backward pass.
func rmsnormForward(threads int, y, inv, x, w []float32, T, H int, eps float64) {
	tensor.Parallel(threads, T, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			xr, yr := x[t*H:(t+1)*H], y[t*H:(t+1)*H]
			var ss float64
			for _, v := range xr {
				ss += float64(v) * float64(v)
			}
			r := float32(1 / math.Sqrt(ss/float64(H)+eps))
			inv[t] = r
			for i, v := range xr {
				yr[i] = w[i] * (v * r)
			}
		}
	})
}

// rmsnormBackward adds d(loss)/dx into dx given dy, and d(loss)/dw into dw
// when dw is not nil: with x̂ = x·r, dx = r·(dy⊙w − x̂·mean(dy⊙w⊙x̂)).
func rmsnormBackward(threads int, dx, dw, dy, x, w, inv []float32, T, H int) {
	tensor.Parallel(threads, T, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			xr, dyr, dxr := x[t*H:(t+1)*H], dy[t*H:(t+1)*H], dx[t*H:(t+1)*H]
			r := inv[t]
			var dot float64
			for i, v := range xr {
				dot += float64(dyr[i]*w[i]) * float64(v*r)
			}
			mean := float32(dot / float64(H))
			for i, v := range xr {
				xh := v * r
				dxr[i] += r * (dyr[i]*w[i] - xh*mean)
			}
		}
	})
	if dw != nil {
		// Summed over rows in a fixed order, so the result does not depend on threads.
		tensor.Parallel(threads, H, func(lo, hi int) {
			for t := 0; t < T; t++ {
				xr, dyr := x[t*H:(t+1)*H], dy[t*H:(t+1)*H]
				r := inv[t]
				for i := lo; i < hi; i++ {
					dw[i] += dyr[i] * xr[i] * r
				}
			}
		})
	}
}

// swigluForward: m = silu(g) ⊙ u, keeping sig = sigmoid(g) for the backward pass.
func swigluForward(threads int, m, sig, g, u []float32, n int) {
	// Chunks of whole 16-element blocks, so which elements take the
	// vector exp does not depend on the thread count.
	tensor.Parallel(threads, (n+15)/16, func(blo, bhi int) {
		lo, hi := blo*16, min(bhi*16, n)
		e := sig[lo:hi]
		for i := range e {
			e[i] = -g[lo+i]
		}
		tensor.ExpShift(e, 0) // e^-g, vectorised
		for i := lo; i < hi; i++ {
			s := 1 / (1 + sig[i])
			sig[i] = s
			m[i] = g[i] * s * u[i]
		}
	})
}

// swigluBackward turns dm (in place) into dg and writes du.
func swigluBackward(threads int, dg, du, sig, g, u []float32, n int) {
	tensor.Parallel(threads, n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s := sig[i]
			dm := dg[i]
			du[i] = dm * g[i] * s
			dg[i] = dm * u[i] * s * (1 + g[i]*(1-s))
		}
	})
}

// addBias adds b to every row of y [T, n].
func addBias(y, b []float32, T, n int) {
	for t := 0; t < T; t++ {
		row := y[t*n : (t+1)*n]
		for i := range row {
			row[i] += b[i]
		}
	}
}

// addColumnSums adds the column sums of dy [T, n] into db.
func addColumnSums(db, dy []float32, T, n int) {
	for t := 0; t < T; t++ {
		row := dy[t*n : (t+1)*n]
		for i := range row {
			db[i] += row[i]
		}
	}
}

// causalSoftmax scales row i of s [T, T] by scale and turns its first i+1
// entries into probabilities; the rest (future positions) become zero.
func causalSoftmax(s []float32, T int, scale float32) {
	for i := 0; i < T; i++ {
		row := s[i*T : (i+1)*T]
		mx := float32(math.Inf(-1))
		for j := 0; j <= i; j++ {
			row[j] *= scale
			if row[j] > mx {
				mx = row[j]
			}
		}
		sum := tensor.ExpShift(row[:i+1], mx)
		inv := float32(1 / sum)
		for j := 0; j <= i; j++ {
			row[j] *= inv
		}
		clear(row[i+1:])
	}
}

// causalSoftmaxBackward turns dp (in place) into d(scores before scaling):
// ds = scale · p ⊙ (dp − Σ p⊙dp), zero above the diagonal.
func causalSoftmaxBackward(dp, p []float32, T int, scale float32) {
	for i := 0; i < T; i++ {
		pr, dr := p[i*T:i*T+i+1], dp[i*T:(i+1)*T]
		var dot float64
		for j, v := range pr {
			dot += float64(v) * float64(dr[j])
		}
		d := float32(dot)
		for j, v := range pr {
			dr[j] = scale * v * (dr[j] - d)
		}
		clear(dr[i+1:])
	}
}

// splitmix64 is a counter-based hash: the dropout mask of an element is a
// pure function of (seed, site, index), so the backward pass regenerates it.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// dropout writes dst = src ⊙ keep / (1−p); keep is drawn per element from
// (seed, site). With accumulate, dst += instead.
func dropout(threads int, dst, src []float32, n int, p float32, seed uint64, site int, accumulate bool) {
	threshold := uint64(float64(p) * (1 << 53))
	base := splitmix64(seed ^ uint64(site)*0xd1b54a32d192ed03)
	scale := 1 / (1 - p)
	tensor.Parallel(threads, n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			keep := splitmix64(base+uint64(i))>>11 >= threshold
			v := float32(0)
			if keep {
				v = src[i] * scale
			}
			if accumulate {
				dst[i] += v
			} else {
				dst[i] = v
			}
		}
	})
}
