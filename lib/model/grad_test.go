package model

import (
	"math"
	"testing"

	"github.com/flock-off/ff/lib/lora"
)

// Finite differences (in float64 arithmetic on float32 weights) check the
// analytic gradients independently of PyTorch, including dropout masks.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for name, c := range tinyConfigs() {
		t.Run(name, func(t *testing.T) {
			m := randomModel(t, c, 1)
			ad := randomAdapter(t, m, lora.Config{R: 4, Alpha: 8, Dropout: 0.25}, 2)
			ids, labels := randomTokens(3, 11, c.VocabSize)
			g := lora.NewGrads(ad)
			if _, _, err := m.Step(ids, labels, ad, g, 42); err != nil {
				t.Fatal(err)
			}
			loss := func() float64 {
				// A training step with the same dropout seed, gradients thrown away.
				s, _, err := m.Step(ids, labels, ad, lora.NewGrads(ad), 42)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			checkFD(t, ad.Params(g), loss)

			mg := m.NewGrads()
			if _, _, err := m.StepFull(ids, labels, mg); err != nil {
				t.Fatal(err)
			}
			full := func() float64 {
				m.WeightsChanged() // checkFD perturbs weights in place
				s, _, err := m.Step(ids, labels, nil, nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			checkFD(t, m.Params(mg), full)
		})
	}
}

// checkFD compares a few coordinates of every parameter's gradient with a
// central difference.
func checkFD(t *testing.T, ps []Param, loss func() float64) {
	t.Helper()
	const eps = 1e-2
	for _, p := range ps {
		for _, i := range []int{0, len(p.W) / 2, len(p.W) - 1} {
			old := p.W[i]
			p.W[i] = old + eps
			lp := loss()
			p.W[i] = old - eps
			lm := loss()
			p.W[i] = old
			fd := (lp - lm) / (2 * eps)
			an := float64(p.G[i])
			if math.Abs(fd-an) > 2e-2*math.Max(1, math.Abs(fd)) {
				t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", p.Name, i, an, fd)
			}
		}
	}
}
