// Command score is ff-score's benchmark (`make bench-score`): LoRA training
// tokens/s with the reference recipe on the 25M-parameter benchmark model
// (Qwen2 shape: hidden 512, 8 layers, 8 heads, 2 KV heads, intermediate 1376,
// vocab 8192), bin/ff-score --backend cpu against the PyTorch reference of the
// same recipe (lib/train/torchref) on the same weights, tokens, order and
// thread count, in the same run, alternating the two sides a few rounds and
// keeping the best of each (the machines are shared and noisy). Prints both,
// the ratio and peak RSS.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flock-off/ff/lib/chat"
	"github.com/flock-off/ff/lib/model"
	"github.com/flock-off/ff/lib/record"
	"github.com/flock-off/ff/lib/tokenizer"
	"github.com/flock-off/ff/lib/train"
	"github.com/flock-off/ff/lib/train/torchref"
)

func main() {
	rows := flag.Int("rows", 32, "training rows (the first N of the bundled fine-tuning corpus)")
	threads := flag.String("threads", fmt.Sprintf("1,%d", runtime.NumCPU()), "comma-separated thread counts, each run on both sides")
	rounds := flag.Int("rounds", 3, "alternating runs per side; the best of each is reported")
	python := flag.String("python", "", "python3 with torch (default: /usr/bin/python3, else python3)")
	flag.Parse()
	if err := run(*rows, *rounds, *threads, *python); err != nil {
		fmt.Fprintln(os.Stderr, "bench-score:", err)
		os.Exit(1)
	}
}

func benchConfig() model.Config {
	return model.Config{
		Architectures: []string{"Qwen2ForCausalLM"}, ModelType: "qwen2",
		HiddenSize: 512, IntermediateSize: 1376, NumHiddenLayers: 8, NumAttentionHeads: 8, NumKeyValueHeads: 2,
		VocabSize: 8192, MaxPositionEmbeddings: 2048, RMSNormEps: 1e-6, RopeTheta: 1e6,
		TieWordEmbeddings: true, HiddenAct: "silu",
	}
}

func findPython(p string) (string, error) {
	cands := []string{p}
	if p == "" {
		cands = []string{"/usr/bin/python3", "python3"}
	}
	for _, c := range cands {
		if exec.Command(c, "-c", "import torch").Run() == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("no python3 that imports torch (apt-get install python3-torch libopenblas0-pthread)")
}

func run(nRows, rounds int, threadList, pythonFlag string) error {
	var counts []int
	for _, f := range strings.Split(threadList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-threads %q: want positive counts", threadList)
		}
		counts = append(counts, n)
	}
	python, err := findPython(pythonFlag)
	if err != nil {
		return err
	}
	bin, err := filepath.Abs(filepath.Join("bin", "ff-score"))
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s: run `make build` first (make bench-score does)", bin)
	}
	dir, err := os.MkdirTemp("", "ff-bench-score-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The benchmark model: random weights, a BPE vocabulary of 8192 learnt
	// from the bundled corpus.
	corpus := filepath.Join("testdata", "tiny", "corpus")
	var texts []string
	for _, f := range []string{"pretrain.jsonl", "finetune.jsonl"} {
		recs, _, err := record.ReadAll(context.Background(), filepath.Join(corpus, f), nil)
		if err != nil {
			return err
		}
		for _, r := range recs {
			row, err := chat.ParseRow(r.Raw)
			if err != nil {
				return fmt.Errorf("%s: %v", r.Source, err)
			}
			for _, m := range row.Conversations {
				texts = append(texts, m.Content)
			}
		}
	}
	if err := tokenizer.WriteTrainedByteLevelBPE(dir, texts, 8192, nil); err != nil {
		return err
	}
	m, err := model.New(benchConfig(), 1)
	if err != nil {
		return err
	}
	if err := m.Save(dir); err != nil {
		return err
	}
	data := filepath.Join(dir, "train.jsonl")
	eval := filepath.Join(dir, "eval.jsonl")
	if err := firstLines(filepath.Join(corpus, "finetune.jsonl"), data, nRows); err != nil {
		return err
	}
	if err := firstLines(filepath.Join("testdata", "demo", "eval.jsonl"), eval, 4); err != nil {
		return err
	}

	fmt.Printf("bench-score: LoRA training with the reference recipe on the 25M-parameter Qwen2 benchmark model (%d parameters), %d rows, one epoch, %s\n",
		m.NumParams(), nRows, strings.TrimSpace(cpuName()))
	for _, n := range counts {
		if err := measure(bin, python, dir, data, eval, nRows, n, rounds); err != nil {
			return err
		}
	}
	return nil
}

// goRun is one ff-score process's result.
type goRun struct {
	Rows            int     `json:"rows"`
	TrainTokens     int64   `json:"train_tokens"`
	TokensPerSecond float64 `json:"tokens_per_second"`
	Config          struct {
		train.Recipe
		LoraR       int     `json:"lora_r"`
		LoraAlpha   float64 `json:"lora_alpha"`
		LoraDropout float64 `json:"lora_dropout"`
		MaxSeqLen   int     `json:"max_seq_len"`
	} `json:"config"`
	wall time.Duration
	rss  int64
}

// runGo runs the whole ff-score process: one epoch of the reference recipe.
func runGo(bin, dir, data, eval string, nRows, threads int) (*goRun, error) {
	args := []string{"--model", dir, "--eval", eval, "--epochs", "1", "--max-rows", fmt.Sprint(nRows),
		"--threads", fmt.Sprint(threads), "-q", data}
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("ff-score: %v\n%s", err, errb.String())
	}
	res := &goRun{wall: time.Since(start)}
	if err := json.Unmarshal(out.Bytes(), res); err != nil {
		return nil, fmt.Errorf("ff-score output %q: %v", out.String(), err)
	}
	res.rss = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
	return res, nil
}

// examples encodes data as ff-score does, for the reference.
func examples(dir, data string, maxSeqLen int) ([]*train.Example, error) {
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, err
	}
	tmpl, err := chat.ForModel(dir, "")
	if err != nil {
		return nil, err
	}
	recs, _, err := record.ReadAll(context.Background(), data, nil)
	if err != nil {
		return nil, err
	}
	var ex []*train.Example
	for _, r := range recs {
		row, _ := chat.ParseRow(r.Raw)
		ids, labels, err := chat.Encode(tok, tmpl, row)
		if err != nil {
			return nil, err
		}
		ids, labels = chat.Truncate(ids, labels, maxSeqLen)
		ex = append(ex, &train.Example{IDs: ids, Labels: labels})
	}
	return ex, nil
}

// measure runs ff-score and the PyTorch reference with the same thread
// count, alternating rounds times, and reports the best of each: the shared
// machine's load changes from minute to minute, the best run is the least
// disturbed one.
func measure(bin, python, dir, data, eval string, nRows, threads, rounds int) error {
	var best *goRun
	var bestRef *torchref.Result
	var refRSS int64
	var goTPS, refTPS float64
	for round := 0; round < rounds; round++ {
		g, err := runGo(bin, dir, data, eval, nRows, threads)
		if err != nil {
			return err
		}
		if best == nil || g.TokensPerSecond > goTPS {
			best, goTPS = g, g.TokensPerSecond
		}
		ex, err := examples(dir, data, g.Config.MaxSeqLen)
		if err != nil {
			return err
		}
		ref, err := torchref.Run(python, torchref.Job{
			Forward: torchref.ForwardPath("."), ModelDir: dir,
			LoRA:   torchref.LoRA{R: g.Config.LoraR, Alpha: g.Config.LoraAlpha, Dropout: g.Config.LoraDropout},
			Recipe: g.Config.Recipe, Order: [][]int{g.Config.Order(len(ex), 0)}, Train: torchref.Rows(ex), Threads: threads,
		})
		if err != nil {
			return err
		}
		if tps := float64(ref.TrainTokens) / ref.TrainSeconds; tps > refTPS {
			bestRef, refTPS = ref, tps
		}
		refRSS = max(refRSS, ref.PeakRSSBytes)
	}
	c := best.Config
	fmt.Printf("threads %d: r=%d, alpha=%g, dropout %g, batch 1 x accumulation %d, AdamW, clip %g; %d rows, %d tokens; best of %d alternating runs\n",
		threads, c.LoraR, c.LoraAlpha, c.LoraDropout, c.GradAccum, c.MaxGradNorm, best.Rows, best.TrainTokens, rounds)
	fmt.Printf("  ff-score --backend cpu : %8.0f tokens/s  (whole process %.1fs, peak RSS %d MB)\n", goTPS, best.wall.Seconds(), best.rss>>20)
	fmt.Printf("  PyTorch %s reference: %8.0f tokens/s  (%d tokens in %.1fs, peak RSS %d MB)\n", torchVersion(python), refTPS, bestRef.TrainTokens, bestRef.TrainSeconds, refRSS>>20)
	fmt.Printf("  ratio ff-score / PyTorch: %.2fx\n", goTPS/refTPS)
	return nil
}

func firstLines(src, dst string, n int) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return os.WriteFile(dst, []byte(strings.Join(lines, "")), 0o644)
}

func torchVersion(python string) string {
	out, err := exec.Command(python, "-c", "import torch; print(torch.__version__)").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if i := strings.IndexByte(l, ':'); i >= 0 {
				return l[i+1:]
			}
		}
	}
	return runtime.GOARCH
}
