// Package torchref is the PyTorch reference of ff-score's CPU recipe (the
// model package's reference forward with LoRA and dropout, torch's AdamW,
// clip_grad_norm_ and a LambdaLR of the linear schedule), used by ff-score's
// parity test and its benchmark. It is test tooling, not a backend (that is
// lib/torchworker).
package torchref

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/flock-off/ff/lib/train"
)

//go:embed ref.py
var script string

// Row is one tokenized row.
type Row struct {
	IDs    []int32 `json:"ids"`
	Labels []int32 `json:"labels"`
}

// LoRA is the adapter shape.
type LoRA struct {
	R       int     `json:"r"`
	Alpha   float64 `json:"alpha"`
	Dropout float64 `json:"dropout"`
}

// Job is what the reference runs.
type Job struct {
	// Forward is the path of the model developer's reference forward,
	// lib/model/testdata/reference.py (see ForwardPath).
	Forward     string       `json:"forward"`
	ModelDir    string       `json:"model_dir"`
	AdapterIn   string       `json:"adapter_in,omitempty"`
	LoRA        LoRA         `json:"lora"`
	Recipe      train.Recipe `json:"recipe"`
	Order       [][]int      `json:"order"`
	Train       []Row        `json:"train"`
	Eval        []Row        `json:"eval"`
	Threads     int          `json:"threads"`
	WantAdapter bool         `json:"want_adapter"`
}

// Result is what the reference measured.
type Result struct {
	BaseEvalLoss float64              `json:"base_eval_loss"`
	EvalLoss     float64              `json:"eval_loss"`
	TrainLoss    float64              `json:"train_loss"`
	StepLosses   []float64            `json:"step_losses"`
	TrainTokens  int64                `json:"train_tokens"`
	TrainSeconds float64              `json:"train_seconds"`
	Adapter      map[string][]float64 `json:"adapter"` // peft names without "base_model.model."
	// PeakRSSBytes is the Python process's peak resident memory.
	PeakRSSBytes int64 `json:"-"`
}

// ForwardPath is where the reference forward lives under the repository root.
func ForwardPath(root string) string {
	return filepath.Join(root, "lib", "model", "testdata", "reference.py")
}

// Rows converts training examples.
func Rows(ex []*train.Example) []Row {
	out := make([]Row, len(ex))
	for i, e := range ex {
		out[i] = Row{IDs: e.IDs, Labels: e.Labels}
	}
	return out
}

// Run runs the reference with python (a python3 that imports torch).
func Run(python string, job Job) (*Result, error) {
	in, err := json.Marshal(job)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = os.Environ()
	if job.Threads != 1 && os.Getenv("OMP_WAIT_POLICY") == "" {
		// torch's OpenMP threads spin between parallel regions; on a loaded
		// machine with few cores they starve OpenBLAS's threads and a
		// multi-threaded run collapses (about 6x slower here). Passive
		// waiting is the peer's best setting on shared machines. One
		// thread has no OpenMP team to wait, and keeps torch's default.
		cmd.Env = append(cmd.Env, "OMP_WAIT_POLICY=PASSIVE")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("torch reference: %v\n%s", err, tail(stderr.String()))
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("torch reference output: %v", err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.PeakRSSBytes = ru.Maxrss * 1024
	}
	return &res, nil
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}
