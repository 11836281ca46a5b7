// Package unionfind groups items into disjoint sets (clusters of duplicates).
package unionfind

// Sets is a disjoint-set forest over items 0..n-1 with union by size and
// path halving, so every operation is near constant time.
type Sets struct {
	parent []int32
	size   []int32
}

// New makes n singleton sets.
func New(n int) *Sets {
	s := &Sets{parent: make([]int32, n), size: make([]int32, n)}
	for i := range s.parent {
		s.parent[i] = int32(i)
		s.size[i] = 1
	}
	return s
}

// Find returns the representative of x's set.
func (s *Sets) Find(x int32) int32 {
	for s.parent[x] != x {
		s.parent[x] = s.parent[s.parent[x]]
		x = s.parent[x]
	}
	return x
}

// Union merges the sets of a and b and reports whether they were apart.
func (s *Sets) Union(a, b int32) bool {
	ra, rb := s.Find(a), s.Find(b)
	if ra == rb {
		return false
	}
	if s.size[ra] < s.size[rb] || (s.size[ra] == s.size[rb] && rb < ra) {
		ra, rb = rb, ra
	}
	s.parent[rb] = ra
	s.size[ra] += s.size[rb]
	return true
}

// Same reports whether a and b are in one set.
func (s *Sets) Same(a, b int32) bool { return s.Find(a) == s.Find(b) }

// Size is the number of items in x's set.
func (s *Sets) Size(x int32) int { return int(s.size[s.Find(x)]) }
