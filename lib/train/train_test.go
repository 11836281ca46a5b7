package train

import (
	"context"
	"encoding/json"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

func TestStepsAndSchedule(t *testing.T) {
	r := Default()
	for _, tc := range []struct{ n, perEpoch, total int }{
		{1, 1, 2}, {8, 1, 2}, {9, 2, 4}, {32, 4, 8}, {100, 13, 26},
	} {
		if got := r.StepsPerEpoch(tc.n); got != tc.perEpoch {
			t.Errorf("StepsPerEpoch(%d) = %d, want %d", tc.n, got, tc.perEpoch)
		}
		if got := r.TotalSteps(tc.n); got != tc.total {
			t.Errorf("TotalSteps(%d) = %d, want %d", tc.n, got, tc.total)
		}
	}
	// 26 steps, 5 warm-up: 0, .2, .4, .6, .8 of the peak, then down to 1/21.
	want := []float64{0, 0.2, 0.4, 0.6, 0.8, 1, 20.0 / 21}
	for i, w := range want {
		if got := r.LRAt(i, 26) / r.LR; math.Abs(got-w) > 1e-12 {
			t.Errorf("LRAt(%d) = %g×lr, want %g×lr", i, got, w)
		}
	}
	if got := r.LRAt(25, 26) / r.LR; math.Abs(got-1.0/21) > 1e-12 {
		t.Errorf("last step lr = %g×lr, want 1/21", got)
	}
}

func TestValidate(t *testing.T) {
	for name, mut := range map[string]func(*Recipe){
		"epochs": func(r *Recipe) { r.Epochs = 0 }, "accum": func(r *Recipe) { r.GradAccum = 0 },
		"lr": func(r *Recipe) { r.LR = math.NaN() }, "beta": func(r *Recipe) { r.Beta2 = 1 },
		"eps": func(r *Recipe) { r.Eps = 0 }, "sched": func(r *Recipe) { r.LRScheduler = "cosine" },
	} {
		r := Default()
		mut(&r)
		if r.Validate() == nil {
			t.Errorf("%s: Validate accepted a bad recipe", name)
		}
	}
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestOrderIsSeededPermutation(t *testing.T) {
	r := Default()
	a, b := r.Order(50, 0), r.Order(50, 0)
	c := r.Order(50, 1)
	seen := map[int]bool{}
	same, diff := true, false
	for i := range a {
		seen[a[i]] = true
		same = same && a[i] == b[i]
		diff = diff || a[i] != c[i]
	}
	if len(seen) != 50 || !same || !diff {
		t.Fatalf("order: permutation=%v reproducible=%v epochs differ=%v", len(seen) == 50, same, diff)
	}
	r.Shuffle = false
	for i, x := range r.Order(5, 3) {
		if x != i {
			t.Fatalf("--no-shuffle order %v", r.Order(5, 3))
		}
	}
}

func TestClipGradNorm(t *testing.T) {
	g := [][]float32{{3, 0}, {4}}
	if n := ClipGradNorm(g, 1); math.Abs(n-5) > 1e-9 {
		t.Fatalf("norm %g, want 5", n)
	}
	if math.Abs(float64(g[0][0])-0.6) > 1e-6 || math.Abs(float64(g[1][0])-0.8) > 1e-6 {
		t.Fatalf("clipped %v", g)
	}
	small := [][]float32{{0.3}}
	ClipGradNorm(small, 1)
	if small[0][0] != 0.3 {
		t.Fatalf("a gradient under the limit changed: %v", small)
	}
}

func TestRunDeterministicAndLearns(t *testing.T) {
	data := fakeData(20, 6, 7)
	r := Default()
	r.LR = 0.05
	r.Epochs = 3
	run := func() (*bigram, Result) {
		m := newBigram(6, 1)
		res, err := Run(context.Background(), m, data, r, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m, res
	}
	m1, r1 := run()
	m2, r2 := run()
	for i := range m1.W {
		if m1.W[i] != m2.W[i] {
			t.Fatalf("two runs differ at weight %d", i)
		}
	}
	if r1.TrainLoss != r2.TrainLoss || r1.Steps != 9 || r1.Tokens == 0 {
		t.Fatalf("results %+v %+v", r1, r2)
	}
	before, after := evalLoss(newBigram(6, 1), data), evalLoss(m1, data)
	if !(after < before) {
		t.Fatalf("training did not lower the loss: %g -> %g", before, after)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, newBigram(4, 1), fakeData(3, 4, 1), Default(), nil)
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func evalLoss(m *bigram, data []*Example) float64 {
	var s float64
	for _, ex := range data {
		sum, n, _ := m.Step(ex, 0)
		s += sum / float64(n)
	}
	return s / float64(len(data))
}

// TestRecipeMatchesTorch trains the bigram model with this package and with
// torch.optim.AdamW, clip_grad_norm_ and a LambdaLR of the linear schedule,
// token-count-normalized accumulation and a partial last window, and
// compares every step's loss and the final weights.
func TestRecipeMatchesTorch(t *testing.T) {
	py := testenv.TorchPython(t)
	const v = 7
	data := fakeData(19, v, 3) // 19 rows, accumulation 4: windows of 4,4,4,4,3
	r := Default()
	r.GradAccum, r.Epochs, r.LR, r.WarmupSteps, r.Shuffle = 4, 2, 0.03, 3, false
	r.MaxGradNorm = 0.5
	m := newBigram(v, 9)
	w0 := append([]float32(nil), m.W...)
	var losses []float64
	if _, err := Run(context.Background(), m, data, r, func(p Progress) { losses = append(losses, p.Loss) }); err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(map[string]any{"V": v, "W": w0, "data": data, "recipe": r})
	cmd := exec.Command(py, "-c", torchRecipe)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var ref struct {
		Losses []float64
		W      []float64
	}
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Losses) != len(losses) {
		t.Fatalf("%d steps here, %d in torch", len(losses), len(ref.Losses))
	}
	for i := range losses {
		if rel := math.Abs(losses[i]-ref.Losses[i]) / math.Abs(ref.Losses[i]); rel > 1e-5 {
			t.Errorf("step %d loss %g, torch %g", i+1, losses[i], ref.Losses[i])
		}
	}
	var num, den float64
	for i := range m.W {
		d := float64(m.W[i]) - ref.W[i]
		num += d * d
		den += ref.W[i] * ref.W[i]
	}
	if rel := math.Sqrt(num / den); rel > 1e-5 {
		t.Fatalf("weights differ from torch: relative error %g", rel)
	}
}

const torchRecipe = `
import json, sys, torch
torch.set_default_dtype(torch.float32)
d = json.load(sys.stdin)
V, r = d["V"], d["recipe"]
W = torch.nn.Parameter(torch.tensor(d["W"], dtype=torch.float32).view(V, V))
opt = torch.optim.AdamW([W], lr=r["lr"], betas=(r["beta1"], r["beta2"]), eps=r["eps"], weight_decay=r["weight_decay"])
n, acc = len(d["data"]), r["grad_accum"]
per_epoch = (n + acc - 1) // acc
total, warm = r["epochs"] * per_epoch, r["warmup_steps"]
def lam(step):
    if step < warm:
        return step / max(1, warm)
    return max(0.0, (total - step) / max(1, total - warm))
sched = torch.optim.lr_scheduler.LambdaLR(opt, lam)
losses = []
for ep in range(r["epochs"]):
    for lo in range(0, n, acc):
        window = d["data"][lo:lo+acc]
        items = sum(sum(1 for y in ex["Labels"][1:] if y >= 0) for ex in window)
        step_loss = 0.0
        for ex in window:
            ids = torch.tensor(ex["IDs"])
            labels = torch.tensor(ex["Labels"])
            logits = W[ids[:-1]]
            loss = torch.nn.functional.cross_entropy(logits, labels[1:], ignore_index=-100, reduction="sum") / items
            loss.backward()
            step_loss += loss.item()
        torch.nn.utils.clip_grad_norm_([W], r["max_grad_norm"])
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(step_loss)
print(json.dumps({"Losses": losses, "W": W.detach().view(-1).tolist()}))
`
