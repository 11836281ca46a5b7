package unionfind

import (
	"math/rand/v2"
	"testing"
)

func TestSets(t *testing.T) {
	s := New(6)
	steps := []struct {
		a, b   int32
		merged bool
	}{{0, 1, true}, {2, 3, true}, {1, 0, false}, {1, 3, true}, {0, 2, false}, {4, 4, false}}
	for _, st := range steps {
		if got := s.Union(st.a, st.b); got != st.merged {
			t.Errorf("Union(%d, %d) = %v, want %v", st.a, st.b, got, st.merged)
		}
	}
	if !s.Same(0, 3) || s.Same(0, 4) || s.Size(2) != 4 || s.Size(5) != 1 {
		t.Fatalf("sets wrong: Same(0,3)=%v Same(0,4)=%v Size(2)=%d Size(5)=%d", s.Same(0, 3), s.Same(0, 4), s.Size(2), s.Size(5))
	}
}

// Against a naive labelling: every union relabels one whole component.
func TestSetsMatchNaive(t *testing.T) {
	const n = 300
	rng := rand.New(rand.NewPCG(7, 8))
	s := New(n)
	label := make([]int, n)
	for i := range label {
		label[i] = i
	}
	for range 400 {
		a, b := int32(rng.IntN(n)), int32(rng.IntN(n))
		s.Union(a, b)
		la, lb := label[a], label[b]
		for i := range label {
			if label[i] == lb {
				label[i] = la
			}
		}
	}
	for i := range n {
		for j := range n {
			if (label[i] == label[j]) != s.Same(int32(i), int32(j)) {
				t.Fatalf("items %d and %d: naive says %v", i, j, label[i] == label[j])
			}
		}
	}
}
