package score

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

func runTiny(t *testing.T, args ...string) Result {
	t.Helper()
	root := testenv.RepoRoot(t)
	args = append([]string{"--model", tinyModel(t), "--eval", filepath.Join(root, "testdata", "demo", "eval.jsonl"), "-q"}, args...)
	var stdout, stderr bytes.Buffer
	if code := Main(args, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("ff-score %v: exit %d: %s", args, code, stderr.String())
	}
	var r Result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// A trained adapter saved with --adapter-out and evaluated with --adapter-in
// gives the training run's eval_loss to the last bit; the same run twice,
// and at another thread count, gives the same eval_loss to the last bit.
func TestAdapterRoundTripAndDeterminism(t *testing.T) {
	data := filepath.Join(testenv.RepoRoot(t), "testdata", "tiny", "corpus", "finetune.jsonl")
	out := filepath.Join(t.TempDir(), "adapter")
	common := []string{"--max-rows", "12", "--epochs", "1", "--lr", "1e-3", "--grad-accum", "4"}
	a := runTiny(t, append(common, "--adapter-out", out, "--threads", "2", data)...)
	b := runTiny(t, append(common, "--threads", "2", data)...)
	c := runTiny(t, append(common, "--threads", "1", data)...)
	if a.EvalLoss != b.EvalLoss || a.EvalLoss != c.EvalLoss || *a.TrainLoss != *c.TrainLoss {
		t.Fatalf("not deterministic: %v %v %v", a.EvalLoss, b.EvalLoss, c.EvalLoss)
	}
	if !(a.EvalLoss < a.BaseEvalLoss) {
		t.Fatalf("training did not lower the loss: %v -> %v", a.BaseEvalLoss, a.EvalLoss)
	}
	e := runTiny(t, "--eval-only", "--adapter-in", out)
	if e.EvalLoss != a.EvalLoss || e.Config.LoraR != 16 {
		t.Fatalf("--adapter-in eval_loss %v, training run %v", e.EvalLoss, a.EvalLoss)
	}
}
