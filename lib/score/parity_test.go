package score

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/lora"
	"github.com/flock-off/ff/lib/model"
	"github.com/flock-off/ff/lib/train/torchref"
)

// tinyModel is the bundled model directory.
func tinyModel(t *testing.T) string {
	t.Helper()
	return filepath.Join(testenv.RepoRoot(t), "testdata", "tiny")
}

// relErr is ‖a−b‖/‖b‖.
func relErr(a []float32, b []float64) float64 {
	var num, den float64
	for i := range a {
		d := float64(a[i]) - b[i]
		num += d * d
		den += b[i] * b[i]
	}
	return math.Sqrt(num / den)
}

// TestTrainingMatchesTorch: from the same initial adapter, with dropout 0 and
// no shuffle, one epoch on 32 rows of the bundled model gives the same
// evaluation loss (1e-4 relative) and the same adapter (every tensor within
// 1e-3 relative) as the PyTorch reference of the recipe.
func TestTrainingMatchesTorch(t *testing.T) {
	py := testenv.TorchPython(t)
	tiny := tinyModel(t)
	root := testenv.RepoRoot(t)
	evalPath := filepath.Join(root, "testdata", "demo", "eval.jsonl")
	dataPath := filepath.Join(root, "testdata", "tiny", "corpus", "finetune.jsonl")

	// A starting adapter with B ≠ 0, so both halves learn from the first step.
	m, err := model.Load(tiny)
	if err != nil {
		t.Fatal(err)
	}
	ad, err := lora.New(m, lora.Config{R: 8, Alpha: 16}, 5)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, mod := range ad.Modules {
		for i := range mod.B {
			mod.B[i] = float32(rng.NormFloat64() * 0.02)
		}
	}
	in, out := filepath.Join(t.TempDir(), "in"), filepath.Join(t.TempDir(), "out")
	if err := ad.Save(in); err != nil {
		t.Fatal(err)
	}
	args := []string{"--model", tiny, "--eval", evalPath, "--adapter-in", in, "--adapter-out", out,
		"--lora-dropout", "0", "--no-shuffle", "--epochs", "1", "--max-rows", "32",
		"--lr", "2e-3", "--warmup-steps", "1", "--threads", "2", "-q", dataPath}
	var stdout, stderr bytes.Buffer
	if code := Main(args, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("ff-score exit %d: %s", code, stderr.String())
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Rows != 32 {
		t.Fatalf("trained on %d rows, want 32", res.Rows)
	}

	// The same tokens for the reference.
	enc, _, err := openChatEncoder(tiny, "")
	if err != nil {
		t.Fatal(err)
	}
	noReject := func(r rejection) { t.Fatalf("%s: %s", r.Source, r.Detail) }
	ds, err := loadSet(context.Background(), dataPath, nil, enc, 32, res.Config.MaxSeqLen, noReject)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := loadSet(context.Background(), evalPath, nil, enc, 0, res.Config.MaxSeqLen, noReject)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := torchref.Run(py, torchref.Job{
		Forward: torchref.ForwardPath(root), ModelDir: tiny, AdapterIn: in, LoRA: torchref.LoRA{R: 8, Alpha: 16, Dropout: 0},
		Recipe: res.Config.Recipe, Order: [][]int{res.Config.Order(len(ds.Examples), 0)},
		Train: torchref.Rows(ds.Examples), Eval: torchref.Rows(ev.Examples), Threads: 2, WantAdapter: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("base eval loss %.7f (torch %.7f), eval loss %.7f (torch %.7f), train loss %.7f (torch %.7f)",
		res.BaseEvalLoss, ref.BaseEvalLoss, res.EvalLoss, ref.EvalLoss, *res.TrainLoss, ref.TrainLoss)
	for _, c := range []struct {
		name     string
		got, ref float64
	}{{"base eval loss", res.BaseEvalLoss, ref.BaseEvalLoss}, {"eval loss", res.EvalLoss, ref.EvalLoss}} {
		if rel := math.Abs(c.got-c.ref) / math.Abs(c.ref); rel > 1e-4 {
			t.Errorf("%s %.7f, torch %.7f: relative error %.2g > 1e-4", c.name, c.got, c.ref, rel)
		}
	}
	if !(res.EvalLoss < res.BaseEvalLoss) {
		t.Errorf("training did not lower the eval loss: %.5f -> %.5f", res.BaseEvalLoss, res.EvalLoss)
	}

	trained, err := lora.Load(out, m)
	if err != nil {
		t.Fatal(err)
	}
	worst, moved := 0.0, 0.0
	for i, p := range trained.Params(nil) {
		want, ok := ref.Adapter[p.Name]
		if !ok {
			t.Fatalf("reference has no %s", p.Name)
		}
		e := relErr(p.W, want)
		worst = max(worst, e)
		if e > 1e-3 {
			t.Errorf("%s: relative error %.2g > 1e-3", p.Name, e)
		}
		start := ad.Params(nil)[i].W
		moved = max(moved, relErr(start, want))
	}
	t.Logf("adapter: worst tensor relative error %.2g; training moved tensors by up to %.2g relative", worst, moved)
	if moved < 1e-2 {
		t.Fatalf("the adapter hardly moved (%.2g): the comparison would prove nothing", moved)
	}
}
