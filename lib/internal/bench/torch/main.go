// Command torch times ff-score's torch backend (lib/torchworker) with the
// reference validator's recipe on a Qwen2.5-1.5B-shaped model with random
// weights (no download), on 100 rows of 512 tokens by default, and the same
// job in the peer: transformers + peft's Trainer (the reference validator's
// stack) when the interpreter has them, else ff's CPU backend
// (lib/model + lib/train) for small shapes. It prints the peer, both
// measurements and the ratio.
//
//	go run ./lib/internal/bench/torch                         # GPU: cuda:0, bf16
//	go run ./lib/internal/bench/torch -shape tiny -device cpu -dtype fp32 -rows 16 -len 128
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/flock-off/ff/lib/lora"
	"github.com/flock-off/ff/lib/model"
	"github.com/flock-off/ff/lib/safetensors"
	"github.com/flock-off/ff/lib/torchworker"
	"github.com/flock-off/ff/lib/train"
)

//go:embed peer.py
var peerScript []byte

// shapes are config.json values; qwen2.5-1.5b is Qwen/Qwen2.5-1.5B-Instruct's.
var shapes = map[string]model.Config{
	"qwen2.5-1.5b": {Architectures: []string{"Qwen2ForCausalLM"}, ModelType: "qwen2", HiddenSize: 1536, IntermediateSize: 8960,
		NumHiddenLayers: 28, NumAttentionHeads: 12, NumKeyValueHeads: 2, VocabSize: 151936, MaxPositionEmbeddings: 32768,
		RMSNormEps: 1e-6, RopeTheta: 1e6, TieWordEmbeddings: true, HiddenAct: "silu", InitializerRange: 0.02},
	"qwen2.5-0.5b": {Architectures: []string{"Qwen2ForCausalLM"}, ModelType: "qwen2", HiddenSize: 896, IntermediateSize: 4864,
		NumHiddenLayers: 24, NumAttentionHeads: 14, NumKeyValueHeads: 2, VocabSize: 151936, MaxPositionEmbeddings: 32768,
		RMSNormEps: 1e-6, RopeTheta: 1e6, TieWordEmbeddings: true, HiddenAct: "silu", InitializerRange: 0.02},
	"tiny": {Architectures: []string{"Qwen2ForCausalLM"}, ModelType: "qwen2", HiddenSize: 256, IntermediateSize: 688,
		NumHiddenLayers: 4, NumAttentionHeads: 4, NumKeyValueHeads: 2, VocabSize: 8192, MaxPositionEmbeddings: 4096,
		RMSNormEps: 1e-6, RopeTheta: 1e6, TieWordEmbeddings: true, HiddenAct: "silu", InitializerRange: 0.02},
}

func main() {
	shape := flag.String("shape", "qwen2.5-1.5b", "model shape: qwen2.5-1.5b, qwen2.5-0.5b or tiny")
	modelDir := flag.String("model", "", "use this model directory instead of generating one")
	rows := flag.Int("rows", 100, "training rows")
	seqLen := flag.Int("len", 512, "tokens per row")
	evalRows := flag.Int("eval-rows", 10, "evaluation rows")
	device := flag.String("device", "cuda:0", "torch device")
	dtype := flag.String("dtype", "bf16", "bf16 or fp32")
	quant := flag.String("quant", "", "nf4 for QLoRA (needs bitsandbytes)")
	optim := flag.String("optim", "adamw", "adamw or paged_adamw_8bit")
	python := flag.String("python", "python3", "interpreter with torch")
	impl := flag.String("impl", "auto", "worker model code: auto, plain or transformers")
	threads := flag.Int("threads", 0, "torch CPU threads (0: torch's default)")
	peer := flag.String("peer", "auto", "peer: hf (transformers Trainer), cpu (ff's CPU backend), none, or auto")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	work, err := os.MkdirTemp("", "ff-bench-torch-")
	check(err)
	defer os.RemoveAll(work)
	dir := *modelDir
	if dir == "" {
		cfg, ok := shapes[*shape]
		if !ok {
			check(fmt.Errorf("unknown -shape %q", *shape))
		}
		dir = filepath.Join(work, "model")
		t0 := time.Now()
		m, err := model.New(cfg, 1)
		check(err)
		check(m.SaveAs(dir, safetensors.BF16))
		fmt.Fprintf(os.Stderr, "bench: generated a %s-shaped model (%d parameters, random BF16 weights) in %s\n",
			*shape, m.NumParams(), time.Since(t0).Round(time.Second))
		m = nil
	}
	c, err := model.ReadConfig(filepath.Join(dir, "config.json"))
	check(err)
	train_, eval := sequences(*rows, *seqLen, c.VocabSize, 1), sequences(*evalRows, *seqLen, c.VocabSize, 2)

	caps, err := torchworker.Probe(ctx, *python)
	check(err)
	fmt.Printf("worker: python %s, torch %s, transformers %s, peft %s, bitsandbytes %s, CUDA %v\n",
		caps.Python, caps.Torch, str(caps.Transformers), str(caps.Peft), str(caps.Bitsandbytes), caps.CUDA)

	rc := torchworker.DefaultRecipe()
	job := torchworker.Job{ModelDir: dir, Train: train_, Eval: eval, Recipe: rc, Device: *device, Dtype: *dtype,
		Quant: *quant, Optim: *optim, Python: *python, Impl: *impl}
	if *threads > 0 {
		job.Threads = *threads
	}
	for e := 0; e < rc.Epochs; e++ {
		job.Order = append(job.Order, train.Default().Order(len(train_), e))
	}
	wall := time.Now()
	res, err := torchworker.Run(ctx, job, func(p torchworker.Progress) {
		if p.Phase == "train" && (p.Step%5 == 0 || p.Step == p.Steps) {
			fmt.Fprintf(os.Stderr, "bench: step %d/%d loss %.4f %.0f tok/s\n", p.Step, p.Steps, p.Loss, float64(p.Tokens)/p.Seconds)
		}
	})
	check(err)
	ours := res.TokensPerSecond()
	fmt.Printf("ff torch backend (%s, %s, %s): %d rows x %d tokens, %d steps, %.1f s training, %.0f tokens/s, eval_loss %.4f, peak GPU memory %.2f GiB, device %s, wall %s\n",
		res.Impl, res.Device, res.Dtype, *rows, *seqLen, res.Steps, res.TrainSeconds, ours, res.EvalLoss,
		float64(res.MemoryBytes)/(1<<30), res.DeviceName, time.Since(wall).Round(time.Second))

	p := *peer
	if p == "auto" {
		p = "cpu"
		if caps.HasHF() {
			p = "hf"
		}
	}
	var peerTPS float64
	switch p {
	case "hf":
		peerTPS = runHF(ctx, *python, work, dir, job)
	case "cpu":
		peerTPS = runCPU(ctx, dir, train_, rc)
	case "none":
		return
	default:
		check(fmt.Errorf("unknown -peer %q", p))
	}
	fmt.Printf("ratio (ff torch / %s): %.2f\n", p, ours/peerTPS)
}

// sequences makes n rows of random ids; the first quarter of each is the
// masked prompt, the rest carries labels (as an SFT row's answer does).
func sequences(n, T, vocab int, seed uint64) []torchworker.Sequence {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]torchworker.Sequence, n)
	for i := range out {
		s := torchworker.Sequence{IDs: make([]int32, T), Labels: make([]int32, T)}
		for j := range s.IDs {
			s.IDs[j] = int32(rng.IntN(vocab))
			s.Labels[j] = s.IDs[j]
			if j < T/4 {
				s.Labels[j] = torchworker.Ignore
			}
		}
		out[i] = s
	}
	return out
}

// runHF trains the same rows with transformers + peft's Trainer.
func runHF(ctx context.Context, python, work, dir string, job torchworker.Job) float64 {
	script := filepath.Join(work, "peer.py")
	check(os.WriteFile(script, peerScript, 0o644))
	in := map[string]any{"model_dir": dir, "out_dir": filepath.Join(work, "peer-out"), "train": job.Train, "order": job.Order, "recipe": job.Recipe,
		"device": job.Device, "dtype": job.Dtype, "quant": job.Quant, "optim": job.Optim}
	b, err := json.Marshal(in)
	check(err)
	jobFile := filepath.Join(work, "peer-job.json")
	check(os.WriteFile(jobFile, b, 0o644))
	cmd := exec.CommandContext(ctx, python, script, jobFile)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	check(err)
	var r struct {
		TrainSeconds float64 `json:"train_seconds"`
		TrainTokens  int64   `json:"train_tokens"`
		MemoryBytes  int64   `json:"memory_bytes"`
		Transformers string  `json:"transformers"`
		Peft         string  `json:"peft"`
	}
	check(json.Unmarshal(out, &r))
	tps := float64(r.TrainTokens) / r.TrainSeconds
	fmt.Printf("peer: transformers %s + peft %s Trainer (same rows and recipe): %.1f s training, %.0f tokens/s, peak GPU memory %.2f GiB\n",
		r.Transformers, r.Peft, r.TrainSeconds, tps, float64(r.MemoryBytes)/(1<<30))
	return tps
}

// runCPU trains the same rows with ff's CPU backend (lib/model + lib/lora + lib/train).
func runCPU(ctx context.Context, dir string, rows []torchworker.Sequence, rc torchworker.Recipe) float64 {
	m, err := model.Load(dir)
	check(err)
	ad, err := lora.New(m, lora.Config{R: rc.LoraR, Alpha: rc.LoraAlpha, Dropout: rc.LoraDropout}, uint64(rc.Seed))
	check(err)
	lm := &loraModel{m: m, ad: ad, g: lora.NewGrads(ad)}
	ex := make([]*train.Example, len(rows))
	for i, r := range rows {
		ex[i] = &train.Example{IDs: r.IDs, Labels: r.Labels}
	}
	res, err := train.Run(ctx, lm, ex, train.Default(), nil)
	check(err)
	tps := float64(res.Tokens) / res.Elapsed.Seconds()
	fmt.Printf("peer: ff CPU backend (lib/model, %d threads): %.1f s training, %.0f tokens/s\n", m.Threads, res.Elapsed.Seconds(), tps)
	return tps
}

type loraModel struct {
	m  *model.Model
	ad *lora.Adapter
	g  *lora.Grads
}

func (l *loraModel) Params() [][]float32 { return l.flat(false) }
func (l *loraModel) Grads() [][]float32  { return l.flat(true) }
func (l *loraModel) flat(g bool) [][]float32 {
	var out [][]float32
	for _, p := range l.ad.Params(l.g) {
		if g {
			out = append(out, p.G)
		} else {
			out = append(out, p.W)
		}
	}
	return out
}
func (l *loraModel) Step(ex *train.Example, seed uint64) (float64, int, error) {
	return l.m.Step(ex.IDs, ex.Labels, l.ad, l.g, seed)
}

func str(p *string) string {
	if p == nil {
		return "-"
	}
	return *p
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
