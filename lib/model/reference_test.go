package model

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/lora"
	"github.com/flock-off/ff/lib/safetensors"
)

// refCase is one comparison with the PyTorch reference.
type refCase struct {
	name        string
	m           *Model
	ad          *lora.Adapter // nil: full-parameter gradients
	ids, labels []int32
	dir         string
}

type refResult struct {
	SumLoss float64 `json:"sum_loss"`
	NLabel  int     `json:"n_label"`
	grads   *safetensors.File
}

// torchReference runs testdata/reference.py once for all cases (torch is
// slow to start) and returns each case's loss, label count and gradients.
func torchReference(t *testing.T, cases []*refCase) []refResult {
	t.Helper()
	py := testenv.TorchPython(t)
	root := t.TempDir()
	var jobs []map[string]any
	for i, c := range cases {
		c.dir = filepath.Join(root, fmt.Sprint(i))
		job := map[string]any{"model": filepath.Join(c.dir, "model"), "tokens": filepath.Join(c.dir, "tokens.json"), "out": filepath.Join(c.dir, "out"), "full": c.ad == nil}
		if err := c.m.Save(job["model"].(string)); err != nil {
			t.Fatal(err)
		}
		if c.ad != nil {
			job["adapter"] = filepath.Join(c.dir, "adapter")
			if err := c.ad.Save(job["adapter"].(string)); err != nil {
				t.Fatal(err)
			}
		}
		writeJSON(t, job["tokens"].(string), map[string][]int32{"ids": c.ids, "labels": c.labels})
		jobs = append(jobs, job)
	}
	jobsPath := filepath.Join(root, "jobs.json")
	writeJSON(t, jobsPath, jobs)
	cmd := exec.Command(py, filepath.Join("testdata", "reference.py"), "--jobs", jobsPath)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("reference.py: %v\n%s", err, b)
	}
	res := make([]refResult, len(cases))
	for i, c := range cases {
		raw, err := os.ReadFile(filepath.Join(c.dir, "out", "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &res[i]); err != nil {
			t.Fatal(err)
		}
		f, err := safetensors.Open(filepath.Join(c.dir, "out", "grads.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		res[i].grads = f
	}
	return res
}

// relErr is ‖a − b‖ / ‖b‖.
func relErr(a, b []float32) float64 {
	var d, n float64
	for i := range a {
		d += (float64(a[i]) - float64(b[i])) * (float64(a[i]) - float64(b[i]))
		n += float64(b[i]) * float64(b[i])
	}
	if n == 0 {
		return math.Sqrt(d)
	}
	return math.Sqrt(d / n)
}

// TestMatchesPyTorch: on small random models of both families (GQA, tied
// and untied embeddings, biases, llama3 rope scaling) the summed loss is
// within 1e-5 relative error of PyTorch's and every gradient tensor (LoRA
// with non-zero B, and full-parameter) within 1e-4.
func TestMatchesPyTorch(t *testing.T) {
	configs := tinyConfigs()
	var names []string
	for n := range configs {
		names = append(names, n)
	}
	sort.Strings(names)
	var cases []*refCase
	for i, n := range names {
		c := configs[n]
		m := randomModel(t, c, uint64(11+i))
		ids, labels := randomTokens(uint64(13+i), 24, c.VocabSize)
		ad := randomAdapter(t, m, lora.Config{R: 4, Alpha: 16}, uint64(12+i))
		cases = append(cases, &refCase{name: n + "/lora", m: m, ad: ad, ids: ids, labels: labels})
		cases = append(cases, &refCase{name: n + "/full", m: m, ids: ids[:20], labels: labels[:20]})
	}
	// Longer than attnBlock and the logit chunk (see TestMain), so the blocked causal attention
	// and the chunked loss head are compared too.
	for i, n := range []string{"qwen2-tied-gqa", "llama3-scaled-gqa"} {
		c := configs[n]
		m := randomModel(t, c, uint64(41+i))
		ids, labels := randomTokens(uint64(43+i), 150, c.VocabSize)
		ad := randomAdapter(t, m, lora.Config{R: 8, Alpha: 16}, uint64(42+i))
		cases = append(cases, &refCase{name: n + "/lora-150-tokens", m: m, ad: ad, ids: ids, labels: labels})
	}
	// An adapter on some projections only (peft's classic q_proj, v_proj).
	{
		c := configs["llama-untied-bias"]
		m := randomModel(t, c, 61)
		ids, labels := randomTokens(63, 30, c.VocabSize)
		ad := randomAdapter(t, m, lora.Config{R: 2, Alpha: 5, Targets: []string{"q_proj", "v_proj"}}, 62)
		cases = append(cases, &refCase{name: "llama-untied-bias/lora-q-v-only", m: m, ad: ad, ids: ids, labels: labels})
	}
	refs := torchReference(t, cases)
	for i, c := range cases {
		ref := refs[i]
		t.Run(c.name, func(t *testing.T) {
			var sum float64
			var n int
			var err error
			var params []Param
			prefix := ""
			if c.ad != nil {
				g := lora.NewGrads(c.ad)
				sum, n, err = c.m.Step(c.ids, c.labels, c.ad, g, 0)
				params, prefix = c.ad.Params(g), "base_model.model."
			} else {
				g := c.m.NewGrads()
				sum, n, err = c.m.StepFull(c.ids, c.labels, g)
				params = c.m.Params(g)
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != ref.NLabel {
				t.Fatalf("label count %d, PyTorch %d", n, ref.NLabel)
			}
			e := math.Abs(sum-ref.SumLoss) / math.Abs(ref.SumLoss)
			if e > 1e-5 {
				t.Errorf("loss %.9g, PyTorch %.9g: relative error %.2g > 1e-5", sum, ref.SumLoss, e)
			}
			worst := 0.0
			for _, p := range params {
				want, err := ref.grads.Float32(prefix + p.Name)
				if err != nil {
					t.Fatal(err)
				}
				ge := relErr(p.G, want)
				worst = math.Max(worst, ge)
				if ge > 1e-4 {
					t.Errorf("%s: gradient relative error %.2g > 1e-4", p.Name, ge)
				}
			}
			t.Logf("loss %.9g vs PyTorch %.9g (relative error %.2g); %d gradient tensors, worst relative error %.2g", sum, ref.SumLoss, e, len(params), worst)
		})
	}
}
