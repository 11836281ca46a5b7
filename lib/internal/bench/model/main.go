//go:build unix

// Command model is `make bench-model`: it measures lib/model against the
// PyTorch reference (lib/model/testdata/reference.py on Debian's
// python3-torch) in the same run, on the same weights, tokens and threads:
//
//   - LoRA forward+backward tokens/s on the 25M-parameter Qwen2-shaped model
//     of issue 5 (hidden 512, 8 layers, 8 heads, 2 KV heads, intermediate
//     1376, vocab 8192, tied embeddings), sequences of 256, r 16;
//   - float32 matrix multiply GFLOPS: tensor.Gemm next to torch's sgemm (OpenBLAS);
//   - peak RSS of loading a Qwen2.5-0.5B-shaped random BF16 checkpoint
//     (~1 GB, generated here) and one LoRA training step at length 512.
//
// The machine is shared, so Go and PyTorch steps are interleaved and the
// median of each is compared.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flock-off/ff/lib/lora"
	"github.com/flock-off/ff/lib/model"
	"github.com/flock-off/ff/lib/safetensors"
	"github.com/flock-off/ff/lib/tensor"
)

// bench25M is the benchmark model of issue 5.
var bench25M = model.Config{
	Architectures: []string{"Qwen2ForCausalLM"}, HiddenSize: 512, IntermediateSize: 1376, NumHiddenLayers: 8,
	NumAttentionHeads: 8, NumKeyValueHeads: 2, VocabSize: 8192, RMSNormEps: 1e-6, RopeTheta: 1e6, TieWordEmbeddings: true,
	MaxPositionEmbeddings: 4096,
}

// qwen05B has the shapes of Qwen/Qwen2.5-0.5B (494M parameters).
var qwen05B = model.Config{
	Architectures: []string{"Qwen2ForCausalLM"}, HiddenSize: 896, IntermediateSize: 4864, NumHiddenLayers: 24,
	NumAttentionHeads: 14, NumKeyValueHeads: 2, VocabSize: 151936, RMSNormEps: 1e-6, RopeTheta: 1e6, TieWordEmbeddings: true,
	MaxPositionEmbeddings: 32768,
}

func main() {
	rounds := flag.Int("rounds", 12, "alternating Go and PyTorch steps timed (after one warm-up step each)")
	steps := flag.Int("steps", 1, "multiplies -rounds")
	threads := flag.Int("threads", runtime.NumCPU(), "threads for both sides")
	skipRSS := flag.Bool("skip-rss", false, "skip the 0.5B peak-RSS measurement")
	child := flag.String("rss-child", "", "internal: load this checkpoint, run one step, print peak RSS")
	keep := flag.String("dir", "", "work in this directory and keep it (default: a temporary one, removed)")
	flag.Parse()
	if *child != "" {
		rssChild(*child, *threads)
		return
	}
	py := findTorchPython()
	dir := *keep
	if dir == "" {
		d, err := os.MkdirTemp("", "ff-bench-model-")
		check(err)
		defer os.RemoveAll(d)
		dir = d
	}
	check(os.MkdirAll(dir, 0o755))
	fmt.Printf("machine: %d cores, %s; threads %d on both sides; Go micro-kernel %s\n", runtime.NumCPU(), cpuName(), *threads, tensor.KernelName())
	if py == "" {
		fmt.Println("peer: no python3 with torch (apt-get install python3-torch libopenblas0-pthread); cannot compare")
		os.Exit(1)
	}
	ver, _ := exec.Command(py, "-c", "import torch; print(torch.__version__)").Output()
	fmt.Printf("peer: PyTorch %s CPU (%s), lib/model/testdata/reference.py, OMP_WAIT_POLICY=%s\n", strings.TrimSpace(string(ver)), py, ompPolicy())

	matmul(py, *threads)
	ok := stepBench(py, dir, *threads, *rounds, *steps)
	if !*skipRSS {
		ok = rssBench(dir, *threads) && ok
	}
	if ok {
		fmt.Println("PASS")
	} else {
		fmt.Println("FAIL")
		os.Exit(1)
	}
}

func matmul(py string, threads int) {
	for _, s := range [][3]int{{512, 512, 512}, {256, 1376, 512}, {1024, 1024, 1024}} {
		M, N, K := s[0], s[1], s[2]
		r := rand.New(rand.NewPCG(1, 2))
		A, B, C := make([]float32, M*K), make([]float32, N*K), make([]float32, M*N)
		for i := range A {
			A[i] = float32(r.NormFloat64())
		}
		for i := range B {
			B[i] = float32(r.NormFloat64())
		}
		best := time.Duration(1 << 62)
		for range 10 {
			t := time.Now()
			tensor.Gemm(threads, false, true, M, N, K, A, K, B, K, C, N, false)
			best = min(best, time.Since(t))
		}
		goG := 2 * float64(M*N*K) / best.Seconds() / 1e9
		out, err := torchCmd(py, threads, "--matmul", fmt.Sprintf("%d,%d,%d,10", M, N, K)).Output()
		check(err)
		var res struct{ GFLOPS float64 }
		check(json.Unmarshal(out, &res))
		fmt.Printf("sgemm %4dx%4dx%4d (A·Bᵀ, best of 10): Go %6.1f GFLOPS, torch/OpenBLAS %6.1f GFLOPS, ratio %.2f\n", M, N, K, goG, res.GFLOPS, goG/res.GFLOPS)
	}
}

func stepBench(py, dir string, threads, rounds, steps int) bool {
	m, err := model.New(bench25M, 1)
	check(err)
	m.Threads = threads
	ad, err := lora.New(m, lora.Config{R: 16, Alpha: 32}, 2)
	check(err)
	r := rand.New(rand.NewPCG(3, 4))
	for _, mod := range ad.Modules {
		for i := range mod.B {
			mod.B[i] = float32(0.01 * r.NormFloat64())
		}
	}
	const T = 256
	ids, labels := make([]int32, T), make([]int32, T)
	for i := range ids {
		ids[i] = int32(r.IntN(bench25M.VocabSize))
		labels[i] = ids[i]
	}
	modelDir, adDir := filepath.Join(dir, "m25"), filepath.Join(dir, "a25")
	check(m.Save(modelDir))
	check(ad.Save(adDir))
	tokPath := filepath.Join(dir, "tokens.json")
	tok, _ := json.Marshal(map[string][]int32{"ids": ids, "labels": labels})
	check(os.WriteFile(tokPath, tok, 0o644))
	fmt.Printf("model: %s-shaped, %.1fM parameters, LoRA r 16 on q,k,v,o,gate,up,down (%d modules), sequence %d\n",
		bench25M.Arch(), float64(m.NumParams())/1e6, len(ad.Modules), T)

	// PyTorch runs as a server doing one step per request, so Go and
	// PyTorch steps alternate one by one and see the same machine load.
	cmd := torchCmd(py, threads, modelDir, adDir, tokPath, "--serve")
	stdin, err := cmd.StdinPipe()
	check(err)
	stdout, err := cmd.StdoutPipe()
	check(err)
	cmd.Stderr = os.Stderr
	check(cmd.Start())
	defer func() { stdin.Close(); cmd.Wait() }()
	answers := bufio.NewScanner(stdout)
	pyStep := func() (wall, cpu, loss float64) {
		_, err := fmt.Fprintln(stdin, "step")
		check(err)
		if !answers.Scan() {
			check(fmt.Errorf("reference.py --serve stopped: %v", answers.Err()))
		}
		var res struct {
			Seconds, CPU float64
			SumLoss      float64 `json:"sum_loss"`
		}
		check(json.Unmarshal(answers.Bytes(), &res))
		return res.Seconds, res.CPU, res.SumLoss
	}
	g := lora.NewGrads(ad)
	goStep := func() (wall, cpu, loss float64) {
		c0, t := cpuSeconds(), time.Now()
		s, _, err := m.Step(ids, labels, ad, g, 0)
		check(err)
		return time.Since(t).Seconds(), cpuSeconds() - c0, s
	}
	goStep() // warm-up: workspaces, packed weights
	pyStep()
	var goWall, goCPU, pyWall, pyCPU []float64
	var goLoss, pyLoss float64
	for range rounds * steps {
		w, c, l := goStep()
		goWall, goCPU, goLoss = append(goWall, w), append(goCPU, c), l
		w, c, l = pyStep()
		pyWall, pyCPU, pyLoss = append(pyWall, w), append(pyCPU, c), l
	}
	goMed, pyMed := median(goWall), median(pyWall)
	fmt.Printf("loss (sum over %d tokens): Go %.6f, PyTorch %.6f (relative difference %.1e)\n", T-1, goLoss, pyLoss, abs(goLoss-pyLoss)/abs(pyLoss))
	fmt.Printf("LoRA forward+backward, median of %d alternating steps: Go %.3fs = %.0f tokens/s; PyTorch %.3fs = %.0f tokens/s\n", len(goWall), goMed, T/goMed, pyMed, T/pyMed)
	fmt.Printf("CPU time per step (median): Go %.3fs, PyTorch %.3fs (ratio %.2f)\n", median(goCPU), median(pyCPU), median(pyCPU)/median(goCPU))
	ratio := pyMed / goMed
	fmt.Printf("ratio: Go is %.2fx PyTorch's tokens/s (target >= 1)\n", ratio)
	return ratio >= 1
}

// cpuSeconds is this process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func rssBench(dir string, threads int) bool {
	ckpt := filepath.Join(dir, "qwen05b")
	t := time.Now()
	m, err := model.New(qwen05B, 5)
	check(err)
	check(m.SaveAs(ckpt, safetensors.BF16))
	n := m.NumParams()
	m = nil
	runtime.GC()
	st, _ := os.Stat(filepath.Join(ckpt, "model.safetensors"))
	fmt.Printf("checkpoint: Qwen2.5-0.5B-shaped, %.0fM parameters, random BF16, %.2f GB (made in %.0fs)\n", float64(n)/1e6, float64(st.Size())/1e9, time.Since(t).Seconds())
	exe, err := os.Executable()
	check(err)
	out, err := exec.Command(exe, "-rss-child", ckpt, "-threads", strconv.Itoa(threads)).CombinedOutput()
	if err != nil {
		fmt.Printf("rss child failed: %v\n%s", err, out)
		return false
	}
	fmt.Print(string(out))
	var peak float64
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "peak RSS "); ok {
			peak, _ = strconv.ParseFloat(strings.Fields(v)[0], 64)
		}
	}
	fmt.Printf("peak RSS: %.2f GB (target < 4 GB)\n", peak/1024)
	return peak > 0 && peak < 4096
}

// rssChild runs in a fresh process so its peak RSS is the load and the step alone.
func rssChild(dir string, threads int) {
	t := time.Now()
	m, err := model.Load(dir)
	check(err)
	m.Threads = threads
	load := time.Since(t)
	ad, err := lora.New(m, lora.Config{R: 16, Alpha: 32, Dropout: 0.1}, 1)
	check(err)
	g := lora.NewGrads(ad)
	const T = 512
	r := rand.New(rand.NewPCG(1, 1))
	ids, labels := make([]int32, T), make([]int32, T)
	for i := range ids {
		ids[i] = int32(r.IntN(m.Config.VocabSize))
		labels[i] = ids[i]
	}
	t = time.Now()
	loss, n, err := m.Step(ids, labels, ad, g, 1)
	check(err)
	fmt.Printf("load %.1fs; one LoRA training step at length %d: %.1fs, mean loss %.4f\n", load.Seconds(), T, time.Since(t).Seconds(), loss/float64(n))
	fmt.Printf("peak RSS %.0f MB (VmHWM of the child)\n", vmHWM())
}

func vmHWM() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb / 1024
		}
	}
	return 0
}

// torchCmd runs the reference on threads threads: torch.set_num_threads
// (the --threads flag) does not bound OpenBLAS's own pthreads, so
// OPENBLAS_NUM_THREADS and OMP_NUM_THREADS say it too. OpenMP threads sleep
// instead of spinning while they wait (unless OMP_WAIT_POLICY is set): on a
// loaded, shared machine spinning threads slow PyTorch down many times,
// which would flatter Go.
func torchCmd(py string, threads int, args ...string) *exec.Cmd {
	cmd := exec.Command(py, append([]string{refScript(), "--threads", strconv.Itoa(threads)}, args...)...)
	n := strconv.Itoa(threads)
	cmd.Env = append(os.Environ(), "OMP_WAIT_POLICY="+ompPolicy(), "OPENBLAS_NUM_THREADS="+n, "OMP_NUM_THREADS="+n)
	return cmd
}

func ompPolicy() string {
	if p := os.Getenv("OMP_WAIT_POLICY"); p != "" {
		return p
	}
	return "PASSIVE"
}

// refScript is the PyTorch reference, run from the repository root (make does).
func refScript() string { return filepath.Join("lib", "model", "testdata", "reference.py") }

func findTorchPython() string {
	cands := []string{os.Getenv("FF_TORCH_PYTHON"), "/usr/bin/python3", "python3"}
	for _, p := range cands {
		if p == "" {
			continue
		}
		if exec.Command(p, "-c", "import torch").Run() == nil {
			return p
		}
	}
	return ""
}

func cpuName() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return runtime.GOARCH
}

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-model:", err)
		os.Exit(1)
	}
}
