package torchworker

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/safetensors"
)

// These tests run the real worker with Debian's CPU torch (installed by
// testenv when missing); they skip visibly only where apt cannot reach it.

var smallQwen = tinyShape{Arch: "qwen2", Hidden: 64, Inter: 96, Layers: 2, Heads: 4, KVHeads: 2, Vocab: 300, Tied: true}

// TestTorchTrainSaveReload: a default-recipe run (dropout, shuffled order
// from Go) is reproducible, reports a base loss equal to the base model's,
// writes a peft adapter, and that adapter evaluates to the same eval loss.
func TestTorchTrainSaveReload(t *testing.T) {
	py := testenv.TorchPython(t)
	dir := t.TempDir()
	writeTinyModel(t, dir, smallQwen, 1)
	rows, eval := tinySequences(20, 300, 1), tinySequences(6, 300, 2)
	rc := DefaultRecipe()
	rc.LR = 1e-2
	job := Job{ModelDir: dir, Train: rows, Eval: eval, Recipe: rc, BaseEval: true,
		Order: [][]int{perm(20, 3), perm(20, 4)}, Device: "cpu", Dtype: "fp32", Python: py}
	var phases []string
	job.AdapterOut = filepath.Join(dir, "a1")
	r1, err := Run(context.Background(), job, func(p Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(phases, ","); got != "load,note,base_eval,train,save,eval" {
		t.Errorf("phases %s", got)
	}
	if r1.Steps != 6 || r1.TrainTokens == 0 || r1.Impl != "plain" || r1.TrainLoss == nil || r1.BaseEvalLoss == nil {
		t.Errorf("result %+v", r1)
	}
	job.AdapterOut = filepath.Join(dir, "a2")
	r2, err := Run(context.Background(), job, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r1.EvalLoss != r2.EvalLoss || *r1.TrainLoss != *r2.TrainLoss {
		t.Errorf("not reproducible: eval %v vs %v, train %v vs %v", r1.EvalLoss, r2.EvalLoss, *r1.TrainLoss, *r2.TrainLoss)
	}
	base, err := Run(context.Background(), Job{ModelDir: dir, Eval: eval, EvalOnly: true, Device: "cpu", Python: py}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if relErr(*r1.BaseEvalLoss, base.EvalLoss) > 1e-6 || math.Abs(r1.EvalLoss-base.EvalLoss) < 1e-4 {
		t.Errorf("base %v, base_eval_loss %v, trained %v", base.EvalLoss, *r1.BaseEvalLoss, r1.EvalLoss)
	}
	again, err := Run(context.Background(), Job{ModelDir: dir, Eval: eval, EvalOnly: true, AdapterIn: filepath.Join(dir, "a1"),
		Device: "cpu", Python: py}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if relErr(again.EvalLoss, r1.EvalLoss) > 1e-6 {
		t.Errorf("saved adapter evaluates to %v, training ended at %v", again.EvalLoss, r1.EvalLoss)
	}
	checkPeftDir(t, filepath.Join(dir, "a1"), smallQwen.Layers, rc)
}

// TestTorchRelativePaths: relative model and adapter paths are the
// caller's, although the worker runs in its own directory.
func TestTorchRelativePaths(t *testing.T) {
	py := testenv.TorchPython(t)
	t.Chdir(t.TempDir())
	os.Mkdir("m", 0o755)
	writeTinyModel(t, "m", smallQwen, 1)
	rc := DefaultRecipe()
	rc.Epochs = 1
	_, err := Run(context.Background(), Job{ModelDir: "m", Train: tinySequences(4, 300, 1), Eval: tinySequences(2, 300, 2),
		Recipe: rc, AdapterOut: "out/a", Device: "cpu", Python: py}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("out/a/adapter_model.safetensors"); err != nil {
		t.Error(err)
	}
	if _, err := Run(context.Background(), Job{ModelDir: "m", Eval: tinySequences(2, 300, 2), EvalOnly: true, AdapterIn: "out/a",
		Device: "cpu", Python: py}, nil); err != nil {
		t.Error(err)
	}
}

// checkPeftDir checks adapter_config.json and the tensor names and shapes
// of adapter_model.safetensors against what peft writes.
func checkPeftDir(t *testing.T, dir string, layers int, rc Recipe) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "adapter_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		PeftType string   `json:"peft_type"`
		TaskType string   `json:"task_type"`
		R        int      `json:"r"`
		Alpha    float64  `json:"lora_alpha"`
		Dropout  float64  `json:"lora_dropout"`
		Targets  []string `json:"target_modules"`
		Bias     string   `json:"bias"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	want := []string{"down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"}
	if cfg.PeftType != "LORA" || cfg.TaskType != "CAUSAL_LM" || cfg.R != rc.LoraR || cfg.Alpha != rc.LoraAlpha ||
		cfg.Dropout != rc.LoraDropout || strings.Join(cfg.Targets, ",") != strings.Join(want, ",") || cfg.Bias != "none" {
		t.Errorf("adapter_config.json: %s", b)
	}
	f, err := safetensors.Open(filepath.Join(dir, "adapter_model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	for _, ti := range f.Tensors() {
		names = append(names, ti.Name)
		if ti.DType != safetensors.F32 || len(ti.Shape) != 2 || (strings.Contains(ti.Name, "lora_A") && ti.Shape[0] != rc.LoraR) ||
			(strings.Contains(ti.Name, "lora_B") && ti.Shape[1] != rc.LoraR) {
			t.Errorf("%s: %s %v", ti.Name, ti.DType, ti.Shape)
		}
	}
	if len(names) != layers*7*2 {
		t.Errorf("%d tensors, want %d", len(names), layers*14)
	}
	sort.Strings(names)
	if names[0] != "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight" {
		t.Errorf("first key %q", names[0])
	}
}

func perm(n int, seed uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = (i*7 + int(seed)) % n
	}
	return p
}

// TestTorchBF16AndShards: the bf16 path runs on the CPU and stays near
// fp32; a sharded checkpoint (model.safetensors.index.json) gives the same
// loss as the single file.
func TestTorchBF16AndShards(t *testing.T) {
	py := testenv.TorchPython(t)
	dir := t.TempDir()
	writeTinyModel(t, dir, smallQwen, 1)
	sharded := t.TempDir()
	shardModel(t, dir, sharded)
	eval := tinySequences(4, 300, 2)
	var loss [3]float64
	for i, c := range []struct{ dir, dtype string }{{dir, "fp32"}, {dir, "bf16"}, {sharded, "fp32"}} {
		res, err := Run(context.Background(), Job{ModelDir: c.dir, Eval: eval, EvalOnly: true, Device: "cpu", Dtype: c.dtype, Python: py}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Dtype != c.dtype {
			t.Errorf("dtype %q, want %q", res.Dtype, c.dtype)
		}
		loss[i] = res.EvalLoss
	}
	if e := relErr(loss[1], loss[0]); e > 2e-2 || e == 0 {
		t.Errorf("bf16 %v vs fp32 %v: relative difference %.2g (want (0, 2e-2])", loss[1], loss[0], e)
	}
	if loss[2] != loss[0] {
		t.Errorf("sharded %v, single file %v", loss[2], loss[0])
	}
}

// shardModel writes src's model as two shards and an index into dst.
func shardModel(t *testing.T, src, dst string) {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var shards [2][]safetensors.Tensor
	index := map[string]any{"metadata": map[string]any{}, "weight_map": map[string]string{}}
	for i, ti := range f.Tensors() {
		data, err := f.Float32(ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		shards[i%2] = append(shards[i%2], safetensors.Tensor{Name: ti.Name, DType: safetensors.F32, Shape: ti.Shape, Data: data})
		index["weight_map"].(map[string]string)[ti.Name] = fmt.Sprintf("model-%05d-of-00002.safetensors", i%2+1)
	}
	for i, sh := range shards {
		if err := safetensors.WriteFile(filepath.Join(dst, fmt.Sprintf("model-%05d-of-00002.safetensors", i+1)), sh, nil); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.Marshal(index)
	os.WriteFile(filepath.Join(dst, "model.safetensors.index.json"), b, 0o644)
	cfg, _ := os.ReadFile(filepath.Join(src, "config.json"))
	os.WriteFile(filepath.Join(dst, "config.json"), cfg, 0o644)
}

// TestTorchBadModels: model problems come back as the worker's explanation
// (exit 3), not as a traceback.
func TestTorchBadModels(t *testing.T) {
	py := testenv.TorchPython(t)
	eval := tinySequences(2, 300, 2)
	cases := []struct {
		name  string
		setup func(dir string)
		want  string
	}{
		{"arch", func(dir string) {
			writeTinyModel(t, dir, smallQwen, 1)
			os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"architectures":["GPT2LMHeadModel"],"model_type":"gpt2"}`), 0o644)
		}, "is not Qwen2ForCausalLM or LlamaForCausalLM"},
		{"no-weights", func(dir string) {
			writeTinyModel(t, dir, smallQwen, 1)
			os.Remove(filepath.Join(dir, "model.safetensors"))
		}, "neither model.safetensors"},
		{"truncated", func(dir string) {
			writeTinyModel(t, dir, smallQwen, 1)
			p := filepath.Join(dir, "model.safetensors")
			st, _ := os.Stat(p)
			os.Truncate(p, st.Size()/2)
		}, "do not fit shape"},
		{"no-config", func(dir string) {}, "config.json"},
		{"config-without-sizes", func(dir string) {
			writeTinyModel(t, dir, smallQwen, 1)
			os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"architectures":["Qwen2ForCausalLM"],"hidden_size":"64"}`), 0o644)
		}, "no integer hidden_size, intermediate_size"},
		{"bad-shard-index", func(dir string) {
			writeTinyModel(t, dir, smallQwen, 1)
			os.Rename(filepath.Join(dir, "model.safetensors"), filepath.Join(dir, "model-00001-of-00001.safetensors"))
			os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(`{"weight_map":[1]}`), 0o644)
		}, "no weight_map"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.setup(dir)
			_, err := Run(context.Background(), Job{ModelDir: dir, Eval: eval, EvalOnly: true, Device: "cpu", Python: py}, nil)
			var we *WorkerError
			if !errors.As(err, &we) || app.CodeOf(err) != app.Failure || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v (%T, code %d), want a WorkerError containing %q", err, errors.Unwrap(err), app.CodeOf(err), c.want)
			}
		})
	}
}

// longJob is a job that trains long enough to be interrupted.
func longJob(t *testing.T, py string) Job {
	dir := t.TempDir()
	writeTinyModel(t, dir, smallQwen, 1)
	rc := DefaultRecipe()
	rc.Epochs, rc.GradAccum = 1000, 1
	return Job{ModelDir: dir, Train: tinySequences(50, 300, 1), Eval: tinySequences(2, 300, 2), Recipe: rc,
		Device: "cpu", Dtype: "fp32", Python: py, AdapterOut: filepath.Join(dir, "out")}
}

// TestTorchCancel: a cancel during training stops the real worker at once
// and leaves no adapter (nor its staging directory) behind.
func TestTorchCancel(t *testing.T) {
	py := testenv.TorchPython(t)
	job := longJob(t, py)
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, job, func(p Progress) {
			if p.Phase == "train" {
				if steps++; steps == 3 {
					cancel()
				}
			}
		})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("Run did not return after cancel")
	}
	ents, _ := os.ReadDir(filepath.Dir(job.AdapterOut))
	for _, e := range ents {
		if strings.Contains(e.Name(), "out") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestTorchWorkerExitsWithParent: when the parent dies without killing it
// (its stdin closes), the worker exits by itself.
func TestTorchWorkerExitsWithParent(t *testing.T) {
	py := testenv.TorchPython(t)
	job := longJob(t, py)
	sdir, err := writeScripts()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sdir)
	cmd := exec.Command(py, "-u", filepath.Join(sdir, "worker.py"))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() || !strings.Contains(sc.Text(), `"hello"`) {
		t.Fatalf("no hello: %q", sc.Text())
	}
	w := wireJob{Protocol: ProtocolVersion, ModelDir: job.ModelDir, Train: job.Train, Eval: job.Eval, Recipe: job.Recipe,
		Device: "cpu", Dtype: "fp32"}
	b, _ := json.Marshal(w)
	stdin.Write(append(b, '\n'))
	for sc.Scan() { // wait until it trains
		if strings.Contains(sc.Text(), `"phase": "train"`) || strings.Contains(sc.Text(), `"phase":"train"`) {
			break
		}
	}
	stdin.Close()
	go func() {
		for sc.Scan() {
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker kept running after its stdin closed")
	}
}

// oomWrapper is an interpreter for Job.Python: it runs the real worker with
// the plain model's loss patched to fail like CUDA does on rows longer than
// FF_OOM_LEN tokens, so the worker's own out-of-memory path is exercised.
const oomWrapper = `import os, runpy, sys
args = [a for a in sys.argv[1:] if a not in ("-u", "-B")]
sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))
import plain
limit = int(os.environ["FF_OOM_LEN"])
real = plain.Model.loss_sum
def loss_sum(self, ids, labels):
    if ids.shape[0] > limit and os.environ.get("FF_OOM_KIND") == "bug":
        raise TypeError("an injected bug")
    if ids.shape[0] > limit:
        raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 23.65 GiB total capacity)")
    return real(self, ids, labels)
plain.Model.loss_sum = loss_sum
sys.argv = args
runpy.run_path(args[0], run_name="__main__")
`

func TestTorchOutOfMemory(t *testing.T) {
	py := testenv.TorchPython(t)
	dir := t.TempDir()
	wrap := filepath.Join(dir, "oomwrap.py")
	os.WriteFile(wrap, []byte(oomWrapper), 0o644)
	sh := filepath.Join(dir, "python")
	os.WriteFile(sh, []byte("#!/bin/sh\nexec "+py+" "+wrap+" \"$@\"\n"), 0o755)
	writeTinyModel(t, dir, smallQwen, 1)
	rows := tinySequences(6, 300, 1)
	long := Sequence{IDs: make([]int32, 40), Labels: make([]int32, 40)}
	rows = append(rows[:4], long, rows[4], rows[5])
	t.Setenv("FF_OOM_LEN", "35")
	for _, c := range []struct {
		name string
		job  Job
		want string
	}{
		{"train", Job{Train: rows, Eval: tinySequences(2, 300, 2), Recipe: DefaultRecipe()}, "train, row 4 of batch size 1 at length 40 tokens"},
		{"eval", Job{Eval: rows, EvalOnly: true}, "eval, row 4 of batch size 1 at length 40 tokens"},
	} {
		t.Run(c.name, func(t *testing.T) {
			job := c.job
			job.ModelDir, job.Device, job.Python = dir, "cpu", sh
			job.AdapterOut = filepath.Join(dir, "out-"+c.name)
			_, err := Run(context.Background(), job, nil)
			var oom *OOMError
			if !errors.As(err, &oom) || app.CodeOf(err) != app.Failure || !strings.Contains(err.Error(), c.want) ||
				!strings.Contains(err.Error(), "Tried to allocate 20.00 GiB") {
				t.Fatalf("err %v, want an OOMError naming %q", err, c.want)
			}
			if _, err := os.Stat(job.AdapterOut); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("adapter left behind: %v", err)
			}
		})
	}
	// any other exception is a crash: exit 3 with the traceback's last lines
	t.Setenv("FF_OOM_KIND", "bug")
	_, err := Run(context.Background(), Job{ModelDir: dir, Eval: rows, EvalOnly: true, Device: "cpu", Python: sh}, nil)
	var crash *CrashError
	if !errors.As(err, &crash) || app.CodeOf(err) != app.Failure || !strings.Contains(err.Error(), "exit status 1") ||
		!strings.Contains(err.Error(), "TypeError: an injected bug") || !strings.Contains(err.Error(), "Traceback") {
		t.Fatalf("err %v, want a CrashError with the traceback", err)
	}
}
