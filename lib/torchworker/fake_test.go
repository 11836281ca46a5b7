package torchworker

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// The test binary doubles as a fake worker: Run starts "python -u -B
// worker.py", so with Job.Python set to the test binary and FAKE_WORKER
// naming a behaviour, TestMain plays the worker's side of the protocol
// without Python or torch.
const fakeEnv = "FF_TORCHWORKER_FAKE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeWorker(mode))
	}
	os.Exit(m.Run())
}

// fakeHello is what the fake says about itself; FF_FAKE_CUDA=1 adds a GPU.
func fakeHello(out *json.Encoder) {
	v := "4.44.0"
	h := map[string]any{"type": "hello", "protocol": ProtocolVersion, "python": "3.11.2", "executable": "fake",
		"torch": "2.4.0", "transformers": nil, "peft": nil, "bitsandbytes": nil, "cuda": []any{}}
	if os.Getenv("FF_FAKE_HF") == "1" {
		h["transformers"], h["peft"] = v, v
	}
	if os.Getenv("FF_FAKE_CUDA") == "1" {
		h["cuda"] = []any{map[string]any{"index": 0, "name": "NVIDIA Fake 4090", "memory_bytes": 24 << 30}}
	} else {
		h["cuda_error"] = "torch 2.4.0 is a CPU-only build"
	}
	if os.Getenv("FF_FAKE_PROTOCOL") != "" {
		h["protocol"], _ = strconv.Atoi(os.Getenv("FF_FAKE_PROTOCOL"))
	}
	out.Encode(h)
}

func fakeWorker(mode string) int {
	out := json.NewEncoder(os.Stdout)
	args := os.Args[1:]
	probe := len(args) > 0 && args[len(args)-1] == "--probe"
	switch mode {
	case "notorch":
		out.Encode(map[string]any{"type": "error", "kind": "missing", "package": "torch",
			"message": "ModuleNotFoundError: No module named 'torch'", "hint": hintTorch})
		return 3
	case "silent":
		return 0
	case "sleep":
		time.Sleep(time.Hour)
		return 0
	case "garbage":
		fmt.Println("Traceback (most recent call last):")
		fmt.Fprintln(os.Stderr, "SyntaxError: invalid syntax")
		return 1
	}
	if mode == "stray" {
		fmt.Println("a library printed this on stdout")
	}
	fakeHello(out)
	if probe {
		return 0
	}
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadBytes('\n')
	if err != nil {
		return 3
	}
	var job wireJob
	if err := json.Unmarshal(line, &job); err != nil {
		fmt.Fprintln(os.Stderr, "fake: bad job:", err)
		return 3
	}
	if p := os.Getenv("FF_FAKE_JOBFILE"); p != "" {
		os.WriteFile(p, line, 0o644)
		if job.AdapterIn != "" { // the fresh adapter Run drew, while it exists
			b, _ := os.ReadFile(filepath.Join(job.AdapterIn, "adapter_config.json"))
			os.WriteFile(p+".adapter", b, 0o644)
		}
	}
	progress := func(step int) {
		out.Encode(map[string]any{"type": "progress", "phase": "train", "epoch": 1, "step": step, "steps": 3, "loss": 2.5 - 0.1*float64(step)})
	}
	switch mode {
	case "ok", "stray":
		for s := 1; s <= 3; s++ {
			progress(s)
		}
		if job.AdapterOut != "" {
			os.WriteFile(filepath.Join(job.AdapterOut, "adapter_config.json"), []byte(`{"peft_type":"LORA"}`), 0o644)
			os.WriteFile(filepath.Join(job.AdapterOut, "adapter_model.safetensors"), []byte("fake"), 0o644)
		}
		out.Encode(map[string]any{"type": "result", "eval_loss": 1.25, "eval_losses": []any{1.0, nil, 1.5},
			"train_loss": 2.3, "steps": 3, "train_tokens": 600, "eval_tokens": 90, "train_seconds": 2.0,
			"device": job.Device, "dtype": job.Dtype, "device_name": "fake", "impl": "plain", "torch": "2.4.0"})
		return 0
	case "crash":
		progress(1)
		fmt.Fprintln(os.Stderr, "Traceback (most recent call last):")
		fmt.Fprintln(os.Stderr, `  File "train.py", line 1, in fit`)
		fmt.Fprintln(os.Stderr, "RuntimeError: boom")
		return 1
	case "oom":
		progress(1)
		out.Encode(map[string]any{"type": "error", "kind": "oom", "phase": "train", "row": 17, "length": 2048,
			"device": job.Device, "message": "CUDA out of memory. Tried to allocate 2.00 GiB"})
		return 3
	case "explained":
		out.Encode(map[string]any{"type": "error", "kind": "failure", "message": "UnsupportedModel: architecture GPT2LMHeadModel"})
		return 3
	case "resultthencrash":
		out.Encode(map[string]any{"type": "result", "eval_loss": 1.0, "eval_losses": []any{1.0}})
		return 1
	case "hang":
		// a child of our own, to check that the whole process group dies
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), fakeEnv+"=sleep")
		child.Start()
		os.WriteFile(os.Getenv("FF_FAKE_PIDFILE"), []byte(fmt.Sprintf("%d %d", os.Getpid(), child.Process.Pid)), 0o644)
		progress(1)
		time.Sleep(time.Hour)
		return 0
	}
	fmt.Fprintln(os.Stderr, "fake: unknown mode", mode)
	return 2
}
