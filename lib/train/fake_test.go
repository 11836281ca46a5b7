package train

import "math"

// bigram is a tiny model for testing the trainer: logits of the next token
// are row ids[t] of a V×V matrix. Its gradient is exact and cheap, so the
// recipe can be compared with torch's optimizer on the same numbers.
type bigram struct {
	V int
	W []float32 // [V, V]
	G []float32 // [V, V]
}

func newBigram(v int, seed uint32) *bigram {
	b := &bigram{V: v, W: make([]float32, v*v), G: make([]float32, v*v)}
	x := seed
	for i := range b.W {
		x = x*1664525 + 1013904223
		b.W[i] = (float32(x>>8)/float32(1<<24) - 0.5) * 0.2
	}
	return b
}

func (b *bigram) Params() [][]float32 { return [][]float32{b.W} }
func (b *bigram) Grads() [][]float32  { return [][]float32{b.G} }

// Step: causal LM loss on shifted labels, summed over label positions.
func (b *bigram) Step(ex *Example, _ uint64) (float64, int, error) {
	var sum float64
	n := 0
	p := make([]float64, b.V)
	for t := 0; t+1 < len(ex.IDs); t++ {
		y := ex.Labels[t+1]
		if y < 0 {
			continue
		}
		row := b.W[int(ex.IDs[t])*b.V : (int(ex.IDs[t])+1)*b.V]
		mx := math.Inf(-1)
		for _, z := range row {
			mx = max(mx, float64(z))
		}
		var z float64
		for j, l := range row {
			p[j] = math.Exp(float64(l) - mx)
			z += p[j]
		}
		sum += math.Log(z) + mx - float64(row[y])
		n++
		g := b.G[int(ex.IDs[t])*b.V : (int(ex.IDs[t])+1)*b.V]
		for j := range g {
			d := p[j] / z
			if j == int(y) {
				d -= 1
			}
			g[j] += float32(d)
		}
	}
	return sum, n, nil
}

// fakeData makes n examples of varying length with a masked prompt part.
func fakeData(n, v int, seed uint32) []*Example {
	x := seed
	next := func(k int) int {
		x = x*1664525 + 1013904223
		return int(x>>8) % k
	}
	var out []*Example
	for i := 0; i < n; i++ {
		l := 4 + next(12)
		prompt := 1 + next(l-2)
		ex := &Example{Source: "fake"}
		for t := 0; t < l; t++ {
			id := int32(next(v))
			ex.IDs = append(ex.IDs, id)
			if t < prompt {
				ex.Labels = append(ex.Labels, -100)
			} else {
				ex.Labels = append(ex.Labels, id)
			}
		}
		out = append(out, ex)
	}
	return out
}
