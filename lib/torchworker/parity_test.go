package torchworker

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/lora"
	"github.com/flock-off/ff/lib/model"
	"github.com/flock-off/ff/lib/train"
)

// Parity of the torch worker (plain-PyTorch path, CPU, fp32) with the CPU
// backend's numeric core (lib/model + lib/lora + lib/train) on the same
// weights, adapter and tokens. The shapes cover GQA, q/k/v biases, tied and
// untied embeddings and Llama 3 RoPE scaling.
var parityShapes = []tinyShape{
	{Arch: "qwen2", Hidden: 64, Inter: 96, Layers: 2, Heads: 4, KVHeads: 2, Vocab: 300, Tied: true},
	{Arch: "llama", Hidden: 48, Inter: 80, Layers: 2, Heads: 6, KVHeads: 3, Vocab: 260, RopeScaling: true},
}

// goLoRA drives lib/model with an adapter as the CPU backend does (train.Model).
type goLoRA struct {
	m  *model.Model
	ad *lora.Adapter
	g  *lora.Grads
}

func (x *goLoRA) Params() [][]float32 { return x.flat(false) }
func (x *goLoRA) Grads() [][]float32  { return x.flat(true) }
func (x *goLoRA) flat(grads bool) [][]float32 {
	var out [][]float32
	for _, p := range x.ad.Params(x.g) {
		if grads {
			out = append(out, p.G)
		} else {
			out = append(out, p.W)
		}
	}
	return out
}
func (x *goLoRA) Step(ex *train.Example, seed uint64) (float64, int, error) {
	return x.m.Step(ex.IDs, ex.Labels, x.ad, x.g, seed)
}

// evalLoss is the mean over rows of each row's mean label-token loss.
func (x *goLoRA) evalLoss(t *testing.T, seqs []Sequence) (float64, []float64) {
	t.Helper()
	var sum float64
	per := make([]float64, len(seqs))
	for i, s := range seqs {
		l, err := x.m.Loss(s.IDs, s.Labels, x.ad)
		if err != nil {
			t.Fatal(err)
		}
		per[i] = l
		sum += l
	}
	return sum / float64(len(seqs)), per
}

// parityModel writes a tiny model and a random adapter (B non-zero, so the
// adapter matters from the first token) and loads both into lib/model.
func parityModel(t *testing.T, s tinyShape, r int, alpha float64) (dir, adapterDir string, g *goLoRA) {
	t.Helper()
	dir = t.TempDir()
	writeTinyModel(t, dir, s, 3)
	m, err := model.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ad, err := lora.New(m, lora.Config{R: r, Alpha: alpha}, 5)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for _, mod := range ad.Modules {
		for i := range mod.B {
			mod.B[i] = float32(rng.NormFloat64() * 0.05)
		}
	}
	adapterDir = filepath.Join(t.TempDir(), "init")
	if err := ad.Save(adapterDir); err != nil {
		t.Fatal(err)
	}
	return dir, adapterDir, &goLoRA{m: m, ad: ad, g: lora.NewGrads(ad)}
}

func relErr(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-12) }

// TestParityEvalLoss: --eval-only losses agree within 1e-5 relative.
func TestParityEvalLoss(t *testing.T) {
	py, device, impl := torchEnv(t)
	for _, s := range parityShapes {
		t.Run(s.Arch, func(t *testing.T) {
			dir, adapterDir, g := parityModel(t, s, 4, 8)
			eval := tinySequences(6, s.Vocab, 21)
			want, wantPer := g.evalLoss(t, eval)
			for _, in := range []string{"", adapterDir} {
				if in == "" { // the base model alone
					want, wantPer = (&goLoRA{m: g.m}).evalLoss(t, eval)
				} else {
					want, wantPer = g.evalLoss(t, eval)
				}
				res, err := Run(context.Background(), Job{ModelDir: dir, Eval: eval, EvalOnly: true, AdapterIn: in,
					Device: device, Dtype: "fp32", Impl: impl, Python: py}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if e := relErr(res.EvalLoss, want); e > 1e-5 {
					t.Errorf("adapter %q: eval loss torch %.9g, Go %.9g: relative error %.2g > 1e-5", in, res.EvalLoss, want, e)
				}
				for i := range wantPer {
					if e := relErr(res.EvalLosses[i], wantPer[i]); e > 1e-5 {
						t.Errorf("adapter %q row %d: torch %.9g, Go %.9g", in, i, res.EvalLosses[i], wantPer[i])
					}
				}
				t.Logf("adapter %q: eval loss torch %.9g Go %.9g", in, res.EvalLoss, want)
			}
		})
	}
}

// TestParityTraining: one epoch, dropout 0, no shuffle, from the same
// adapter (a given one, or a fresh one drawn from the same seed): eval_loss
// within 1e-3 relative (the bar), train_loss and every adapter
// tensor within 1e-3 relative; the adapter the worker writes loads in lib/lora.
func TestParityTraining(t *testing.T) {
	py, device, impl := torchEnv(t)
	for _, s := range parityShapes {
		for _, fresh := range []bool{false, true} {
			name := s.Arch + "/adapter-in"
			if fresh {
				name = s.Arch + "/fresh"
			}
			t.Run(name, func(t *testing.T) { parityTraining(t, py, device, impl, s, fresh) })
		}
	}
}

func parityTraining(t *testing.T, py, device, impl string, s tinyShape, fresh bool) {
	dir, adapterDir, g := parityModel(t, s, 4, 8)
	const seed = 77
	if fresh {
		ad, err := lora.New(g.m, lora.Config{R: 4, Alpha: 8}, seed)
		if err != nil {
			t.Fatal(err)
		}
		g = &goLoRA{m: g.m, ad: ad, g: lora.NewGrads(ad)}
		adapterDir = ""
	}
	rows := tinySequences(11, s.Vocab, 31) // 11 rows, accumulation 4: a partial last window
	eval := tinySequences(5, s.Vocab, 32)
	base, _ := g.evalLoss(t, eval)

	rc := train.Default()
	rc.Epochs, rc.GradAccum, rc.WarmupSteps, rc.LR, rc.Shuffle = 1, 4, 1, 2e-2, false
	ex := make([]*train.Example, len(rows))
	for i, r := range rows {
		ex[i] = &train.Example{IDs: r.IDs, Labels: r.Labels}
	}
	goRes, err := train.Run(context.Background(), g, ex, rc, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := g.evalLoss(t, eval)

	out := filepath.Join(t.TempDir(), "trained")
	res, err := Run(context.Background(), Job{ModelDir: dir, Train: rows, Eval: eval, AdapterIn: adapterDir, AdapterOut: out,
		Recipe: Recipe{LoraR: 4, LoraAlpha: 8, LR: rc.LR, WarmupSteps: rc.WarmupSteps, Epochs: 1, GradAccum: 4, Clip: 1, Seed: seed},
		Device: device, Dtype: "fp32", Impl: impl, Python: py}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("base %.7g; after one epoch: torch %.9g, Go %.9g; train loss torch %.9g Go %.9g; steps %d/%d",
		base, res.EvalLoss, want, *res.TrainLoss, goRes.TrainLoss, res.Steps, goRes.Steps)
	if math.Abs(want-base) < 1e-3 {
		t.Fatalf("training barely moved the eval loss (%.7g → %.7g): the comparison would be weak", base, want)
	}
	if res.Steps != goRes.Steps || res.Steps != 3 {
		t.Errorf("steps torch %d, Go %d, want 3", res.Steps, goRes.Steps)
	}
	if e := relErr(res.EvalLoss, want); e > 1e-3 {
		t.Errorf("eval loss relative error %.2g > 1e-3", e)
	}
	if e := relErr(*res.TrainLoss, goRes.TrainLoss); e > 1e-3 {
		t.Errorf("train loss relative error %.2g > 1e-3", e)
	}
	trained, err := lora.Load(out, g.m)
	if err != nil {
		t.Fatalf("the worker's adapter does not load in lib/lora: %v", err)
	}
	for i, p := range trained.Params(nil) {
		q := g.ad.Params(nil)[i]
		if p.Name != q.Name {
			t.Fatalf("tensor %d: %s vs %s", i, p.Name, q.Name)
		}
		var num, den float64
		for j := range p.W {
			d := float64(p.W[j] - q.W[j])
			num += d * d
			den += float64(q.W[j]) * float64(q.W[j])
		}
		if e := math.Sqrt(num / math.Max(den, 1e-30)); e > 1e-3 {
			t.Errorf("%s: relative error %.2g > 1e-3", p.Name, e)
		}
	}
}

// TestSitesMatchLibModel: the fresh adapter drawn from config.json alone
// has lib/model's layer order and shapes (the RNG stream follows it).
func TestSitesMatchLibModel(t *testing.T) {
	for _, s := range parityShapes {
		dir := t.TempDir()
		writeTinyModel(t, dir, s, 3)
		m, err := model.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sitesOf(dir)
		if err != nil {
			t.Fatal(err)
		}
		want := m.Sites()
		if len(got) != len(want) {
			t.Fatalf("%s: %d sites, lib/model has %d", s.Arch, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: site %d is %+v, lib/model has %+v", s.Arch, i, got[i], want[i])
			}
		}
	}
}
