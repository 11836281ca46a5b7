package torchworker_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/model"
	"github.com/flock-off/ff/lib/score"
	"github.com/flock-off/ff/lib/tokenizer"
)

// The parity bar, through the ff-score command line: --backend torch
// --device cpu --dtype fp32 against --backend cpu on the same model, data and
// flags: --eval-only within 1e-5 relative; one epoch with dropout 0 and no
// shuffle within 1e-3 relative.

var words = strings.Fields(`the a river mountain city small large green red blue answer question
why how when where because therefore water fire stone light dark north south east west`)

// chatRows makes n SFT rows of pseudo-random word salad (deterministic).
func chatRows(n, seed int) []string {
	var rows []string
	x := uint32(seed*7919 + 1)
	next := func() string { x = x*1664525 + 1013904223; return words[int(x>>8)%len(words)] }
	for i := 0; i < n; i++ {
		var u, a []string
		for j := 0; j < 4+i%5; j++ {
			u = append(u, next())
		}
		for j := 0; j < 6+i%7; j++ {
			a = append(a, next())
		}
		b, _ := json.Marshal(map[string]any{"system": nil, "conversations": []map[string]string{
			{"role": "user", "content": strings.Join(u, " ")}, {"role": "assistant", "content": strings.Join(a, " ")}}})
		rows = append(rows, string(b))
	}
	return rows
}

// scoreModel writes a tiny Qwen2 model with a byte-level BPE tokenizer
// trained on the words above.
func scoreModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := tokenizer.WriteTrainedByteLevelBPE(dir, []string{strings.Join(words, " ")}, 320, nil); err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(model.Config{Architectures: []string{"Qwen2ForCausalLM"}, ModelType: "qwen2", HiddenSize: 64,
		IntermediateSize: 128, NumHiddenLayers: 2, NumAttentionHeads: 4, NumKeyValueHeads: 2, VocabSize: tok.VocabSize(),
		RMSNormEps: 1e-6, RopeTheta: 1e6, TieWordEmbeddings: true, HiddenAct: "silu", InitializerRange: 0.2}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeRows(t *testing.T, name string, rows []string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type scoreResult struct {
	EvalLoss     float64  `json:"eval_loss"`
	BaseEvalLoss float64  `json:"base_eval_loss"`
	TrainLoss    *float64 `json:"train_loss"`
	Backend      string   `json:"backend"`
	Device       string   `json:"device"`
}

func ffScore(t *testing.T, args ...string) scoreResult {
	t.Helper()
	var out, errb bytes.Buffer
	if code := score.Main(args, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("ff-score %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
	}
	var r scoreResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("result %q: %v", out.String(), err)
	}
	return r
}

func TestScoreBackendParity(t *testing.T) {
	py, device, impl := os.Getenv("FF_TORCH_PYTHON"), os.Getenv("FF_TORCH_DEVICE"), os.Getenv("FF_TORCH_IMPL")
	if py == "" {
		py = testenv.TorchPython(t)
	}
	if device == "" {
		device = "cpu"
	}
	if impl == "" {
		impl = "plain"
	}
	dir := scoreModel(t)
	eval := writeRows(t, "eval.jsonl", chatRows(5, 1))
	data := writeRows(t, "data.jsonl", chatRows(12, 2))
	torch := []string{"--backend", "torch", "--device", device, "--dtype", "fp32", "--torch-impl", impl, "--python", py}
	common := []string{"--model", dir, "--eval", eval, "--quiet", "--threads", "1"}

	t.Run("eval-only", func(t *testing.T) {
		args := append(append([]string(nil), common...), "--eval-only")
		c := ffScore(t, args...)
		g := ffScore(t, append(args, torch...)...)
		t.Logf("eval-only: cpu %.9g torch %.9g (%s)", c.EvalLoss, g.EvalLoss, g.Device)
		if g.Backend != "torch" || c.Backend != "cpu" {
			t.Errorf("backends %q %q", c.Backend, g.Backend)
		}
		if e := math.Abs(g.EvalLoss-c.EvalLoss) / c.EvalLoss; e > 1e-5 {
			t.Errorf("eval loss cpu %.9g torch %.9g: relative error %.2g > 1e-5", c.EvalLoss, g.EvalLoss, e)
		}
	})
	t.Run("one-epoch", func(t *testing.T) {
		args := append(append([]string(nil), common...), "--epochs", "1", "--lora-dropout", "0", "--no-shuffle",
			"--grad-accum", "4", "--lr", "0.01", "--warmup-steps", "1")
		c := ffScore(t, append(args, data)...)
		g := ffScore(t, append(append(args, torch...), data)...)
		t.Logf("one epoch: base %.7g; cpu %.9g torch %.9g; train loss cpu %.9g torch %.9g", c.BaseEvalLoss, c.EvalLoss, g.EvalLoss, *c.TrainLoss, *g.TrainLoss)
		if math.Abs(c.EvalLoss-c.BaseEvalLoss) < 1e-3 {
			t.Fatalf("training barely moved the loss: %v → %v", c.BaseEvalLoss, c.EvalLoss)
		}
		for _, p := range [][3]any{{"eval_loss", c.EvalLoss, g.EvalLoss}, {"base_eval_loss", c.BaseEvalLoss, g.BaseEvalLoss},
			{"train_loss", *c.TrainLoss, *g.TrainLoss}} {
			a, b := p[1].(float64), p[2].(float64)
			if e := math.Abs(b-a) / a; e > 1e-3 {
				t.Errorf("%s: cpu %.9g torch %.9g: relative error %.2g > 1e-3", p[0], a, b, e)
			}
		}
	})
}
