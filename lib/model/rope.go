package model

import "math"

// ropeTables returns cos and sin [T, headDim/2] for positions 0..T-1,
// computed in float32 the way transformers does (inverse frequencies in
// float32, angle = float32(pos) * invFreq rounded to float32), so positions
// far from zero round the same way as in PyTorch.
func ropeTables(c Config, T int, cos, sin []float32) {
	half := c.HeadDims() / 2
	inv := ropeInvFreq(c)
	for t := 0; t < T; t++ {
		for i := 0; i < half; i++ {
			a := float32(t) * inv[i]
			cos[t*half+i] = float32(math.Cos(float64(a)))
			sin[t*half+i] = float32(math.Sin(float64(a)))
		}
	}
}

// ropeInvFreq is 1/theta^(2i/d), adjusted for llama3 rope_scaling: long
// wavelengths are divided by factor, short ones kept, and the band between
// interpolated smoothly.
func ropeInvFreq(c Config) []float32 {
	d := c.HeadDims()
	inv := make([]float32, d/2)
	for i := range inv {
		exp := float32(2*i) / float32(d)
		inv[i] = 1 / float32(math.Pow(c.RopeTheta, float64(exp)))
	}
	if c.RopeScaling.kind() != "llama3" {
		return inv
	}
	r := c.RopeScaling
	old := float64(r.OriginalMaxPositionEmbeddings)
	lowWave := old / r.LowFreqFactor
	highWave := old / r.HighFreqFactor
	for i, f := range inv {
		wave := 2 * math.Pi / float64(f)
		switch {
		case wave > lowWave:
			inv[i] = float32(float64(f) / r.Factor)
		case wave >= highWave:
			smooth := (old/wave - r.LowFreqFactor) / (r.HighFreqFactor - r.LowFreqFactor)
			inv[i] = float32((1-smooth)*float64(f)/r.Factor + smooth*float64(f))
		}
	}
	return inv
}

// ropeForward rotates each head of x [T, heads*d], rows at positions
// pos0.., in place (rotate-half layout: element i pairs with i+d/2).
func ropeForward(x []float32, pos0, T, heads, d int, cos, sin []float32) {
	half := d / 2
	for t := 0; t < T; t++ {
		c, s := cos[(pos0+t)*half:(pos0+t+1)*half], sin[(pos0+t)*half:(pos0+t+1)*half]
		for h := 0; h < heads; h++ {
			v := x[(t*heads+h)*d : (t*heads+h+1)*d]
			for i := 0; i < half; i++ {
				a, b := v[i], v[i+half]
				v[i] = a*c[i] - b*s[i]
				v[i+half] = b*c[i] + a*s[i]
			}
		}
	}
}

// ropeBackward applies the inverse rotation to gradients dx in place.
func ropeBackward(dx []float32, pos0, T, heads, d int, cos, sin []float32) {
	half := d / 2
	for t := 0; t < T; t++ {
		c, s := cos[(pos0+t)*half:(pos0+t+1)*half], sin[(pos0+t)*half:(pos0+t+1)*half]
		for h := 0; h < heads; h++ {
			v := dx[(t*heads+h)*d : (t*heads+h+1)*d]
			for i := 0; i < half; i++ {
				a, b := v[i], v[i+half]
				v[i] = a*c[i] + b*s[i]
				v[i+half] = b*c[i] - a*s[i]
			}
		}
	}
}
