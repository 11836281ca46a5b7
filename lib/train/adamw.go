package train

import "math"

// AdamW is torch.optim.AdamW (decoupled weight decay, bias-corrected moments,
// eps added to the corrected square root) over a list of float32 tensors.
// Moments are kept in float32 like torch's; the per-step scalars in float64.
type AdamW struct {
	Beta1, Beta2, Eps, WeightDecay float64
	m, v                           [][]float32
	t                              int
}

// NewAdamW makes an optimizer for tensors shaped like params.
func NewAdamW(params [][]float32, beta1, beta2, eps, wd float64) *AdamW {
	o := &AdamW{Beta1: beta1, Beta2: beta2, Eps: eps, WeightDecay: wd}
	for _, p := range params {
		o.m = append(o.m, make([]float32, len(p)))
		o.v = append(o.v, make([]float32, len(p)))
	}
	return o
}

// Steps is the number of steps taken so far.
func (o *AdamW) Steps() int { return o.t }

// Step updates params in place from grads with learning rate lr.
func (o *AdamW) Step(params, grads [][]float32, lr float64) {
	o.t++
	bc1 := 1 - math.Pow(o.Beta1, float64(o.t))
	bc2 := 1 - math.Pow(o.Beta2, float64(o.t))
	stepSize := float32(lr / bc1)
	sqrtBC2 := float32(math.Sqrt(bc2))
	decay := float32(1 - lr*o.WeightDecay)
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	eps := float32(o.Eps)
	for i, p := range params {
		g, m, v := grads[i], o.m[i], o.v[i]
		for j := range p {
			if o.WeightDecay != 0 {
				p[j] *= decay
			}
			m[j] = b1*m[j] + (1-b1)*g[j]
			v[j] = b2*v[j] + (1-b2)*g[j]*g[j]
			denom := float32(math.Sqrt(float64(v[j])))/sqrtBC2 + eps
			p[j] -= stepSize * m[j] / denom
		}
	}
}

// ClipGradNorm scales grads so that their global L2 norm is at most maxNorm,
// as torch.nn.utils.clip_grad_norm_ does (coefficient maxNorm/(norm+1e-6),
// applied only when below 1), and returns the norm before clipping. A
// maxNorm of 0 disables clipping.
func ClipGradNorm(grads [][]float32, maxNorm float64) float64 {
	var ss float64
	for _, g := range grads {
		for _, x := range g {
			ss += float64(x) * float64(x)
		}
	}
	norm := math.Sqrt(ss)
	if maxNorm <= 0 {
		return norm
	}
	coef := maxNorm / (norm + 1e-6)
	if coef < 1 {
		c := float32(coef)
		for _, g := range grads {
			for j := range g {
				g[j] *= c
			}
		}
	}
	return norm
}

// Scale multiplies every gradient by s.
func Scale(grads [][]float32, s float32) {
	for _, g := range grads {
		for j := range g {
			g[j] *= s
		}
	}
}

// Zero clears every gradient.
func Zero(grads [][]float32) {
	for _, g := range grads {
		clear(g)
	}
}
