package dedup

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"unsafe"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/minhash"
	"github.com/flock-off/ff/lib/record"
)

// t0Files are the T0 prompt files whose templates wrap the same source
// texts: real near duplicates at many Jaccard levels.
func t0Files(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(testenv.Shared(t), "data", "real", "self-instruct", "t0")
	var files []string
	for _, pat := range []string{"ag_news_*.jsonl", "adversarial_qa_dbert_*.jsonl"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil || len(m) == 0 {
			t.Fatalf("no %s in %s", pat, dir)
		}
		files = append(files, m...)
	}
	return files
}

// groundTruth computes, by brute force over all pairs, every pair at or
// above threshold: Jaccard of the full 64-bit shingle sets, with the same
// normalization and shingles as ff-dedup, and for short rows (no shingles)
// equality of the normalized text.
func groundTruth(t *testing.T, files []string, p Params) (pairs [][2]int32, exactJ func(a, b int32) float64) {
	t.Helper()
	spec := ParseFields(p.Fields)
	var sets [][]uint64
	var norms []string
	for _, f := range files {
		recs, bad, err := record.ReadAll(context.Background(), f, nil)
		if err != nil || len(bad) > 0 {
			t.Fatalf("%s: %v (%d malformed)", f, err, len(bad))
		}
		for _, r := range recs {
			text, _ := spec.Append(nil, r)
			norm, chars := minhash.Normalize(nil, unsafe.String(unsafe.SliceData(text), len(text)))
			sets = append(sets, minhash.Set(minhash.Shingles(nil, norm, p.NGram, chars)))
			norms = append(norms, string(norm))
		}
	}
	exactJ = func(a, b int32) float64 {
		if norms[a] == norms[b] {
			return 1
		}
		if len(sets[a]) == 0 || len(sets[b]) == 0 {
			return 0
		}
		return minhash.Jaccard(sets[a], sets[b])
	}
	for a := range sets {
		for b := a + 1; b < len(sets); b++ {
			// J <= min/max of the set sizes: most pairs are ruled out by size alone.
			la, lb := len(sets[a]), len(sets[b])
			if la > 0 && lb > 0 && float64(min(la, lb)) < p.Threshold*float64(max(la, lb)) {
				continue
			}
			if exactJ(int32(a), int32(b)) >= p.Threshold {
				pairs = append(pairs, [2]int32{int32(a), int32(b)})
			}
		}
	}
	return pairs, exactJ
}

// The quality bar: against the brute-force ground truth, pairs at
// Jaccard >= 0.8 end in one cluster with recall >= 0.95, and no merge was
// made between rows below 0.7 (verification gives precision 1.0).
func TestRecallOnRealNearDuplicates(t *testing.T) {
	files := t0Files(t)
	p := DefaultParams
	truth, exactJ := groundTruth(t, files, p)
	if len(truth) < 100 {
		t.Fatalf("only %d ground-truth pairs: the fixture is not what this test expects", len(truth))
	}

	var ins []input
	for _, f := range files {
		ins = append(ins, input{Name: f, Path: f})
	}
	ix, _, err := indexAll(context.Background(), ins, p, 2, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	cl := newClusterer(ix)
	var edges [][2]int32
	cl.edges = &edges
	if err := cl.run(context.Background(), 2); err != nil {
		t.Fatal(err)
	}

	found := 0
	for _, pr := range truth {
		if cl.sets.Same(pr[0], pr[1]) {
			found++
		}
	}
	recall := float64(found) / float64(len(truth))
	minEdge := 1.0
	for _, e := range edges {
		j := exactJ(e[0], e[1])
		minEdge = min(minEdge, j)
		if j < 0.7 {
			t.Errorf("merged %s and %s at true Jaccard %.3f (< 0.7)", ix.Source(int(e[0])), ix.Source(int(e[1])), j)
		}
	}
	var truthJ []float64
	for _, pr := range truth {
		truthJ = append(truthJ, exactJ(pr[0], pr[1]))
	}
	slices.Sort(truthJ)
	t.Logf("%d rows, %d ground-truth pairs at J >= %.2f (median J %.3f); %d in one cluster: recall %.4f; %d verified merges + %d exact, lowest merged J %.3f; %d Jaccard checks",
		len(ix.Rows), len(truth), p.Threshold, truthJ[len(truthJ)/2], found, recall, len(edges), cl.exact, minEdge, cl.v.calls)
	if recall < 0.95 {
		t.Errorf("recall %.4f < 0.95", recall)
	}
}
