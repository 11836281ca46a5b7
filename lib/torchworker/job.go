// Package torchworker runs ff-score's training and evaluation in PyTorch, on
// a GPU or on the CPU. The Go side stays in charge: it tokenizes the rows,
// decides the shuffle order and the recipe, and hands token ids and label
// masks to a Python worker shipped inside the binary. The worker speaks a
// line-oriented JSON protocol on its stdout (hello, progress, result or
// error); Run turns that into callbacks, a Result and typed errors.
//
// The worker needs only torch. Where transformers and peft import it uses
// them (the reference validator's model code, the only way to NF4); otherwise
// it runs its own plain-PyTorch Qwen2/Llama with peft-compatible LoRA.
package torchworker

import (
	"fmt"
	"io"
)

// Sequence is one tokenized row. Labels are aligned with IDs as Hugging Face
// writes them (the model shifts them by one); -100 masks a position.
type Sequence struct {
	IDs    []int32 `json:"ids"`
	Labels []int32 `json:"labels"`
}

// Ignore is the label value of a masked (non-assistant) position.
const Ignore = -100

// Recipe is the training recipe, the same fields as the CPU backend's.
type Recipe struct {
	LoraR       int      `json:"lora_r"`
	LoraAlpha   float64  `json:"lora_alpha"`
	LoraDropout float64  `json:"lora_dropout"`
	Targets     []string `json:"targets,omitempty"` // module names; empty = all linear layers but lm_head
	UseRSLoRA   bool     `json:"use_rslora,omitempty"`
	LR          float64  `json:"lr"`
	WarmupSteps int      `json:"warmup_steps"`
	Epochs      int      `json:"epochs"`
	GradAccum   int      `json:"grad_accum"`
	Clip        float64  `json:"clip"` // max global gradient norm; 0 = no clipping
	Seed        int64    `json:"seed"` // adapter init (when no AdapterIn) and dropout
}

// DefaultRecipe is the reference validator's recipe.
func DefaultRecipe() Recipe {
	return Recipe{LoraR: 16, LoraAlpha: 32, LoraDropout: 0.1, LR: 2e-4, WarmupSteps: 5,
		Epochs: 2, GradAccum: 8, Clip: 1.0, Seed: 42}
}

// Job is one scoring run for the worker.
type Job struct {
	ModelDir string     // config.json + model.safetensors (or a sharded index)
	Train    []Sequence // training rows
	// Order holds, per epoch, the indices into Train in the order they are
	// trained; the Go side decides the shuffle so both backends see the same
	// rows in the same order. Empty: every epoch in input order.
	Order [][]int
	Eval  []Sequence
	// BaseEval also evaluates before training (base_eval_loss).
	BaseEval bool
	EvalOnly bool
	Recipe   Recipe

	AdapterIn  string // peft adapter to start from (or evaluate); "" = fresh init
	AdapterOut string // peft adapter directory written on success only; "" = none

	Device string // "cuda:0", "cuda", "cpu"; "" = cuda:0 when usable, else cpu
	Dtype  string // "bf16" or "fp32" ("" = bf16 on CUDA, fp32 on CPU)
	Quant  string // "" or "nf4" (needs transformers, peft and bitsandbytes)
	Optim  string // "adamw" (default) or "paged_adamw_8bit" (needs bitsandbytes)
	// Impl picks the model code: "auto" (transformers+peft when importable),
	// "plain" (the worker's own PyTorch model) or "transformers".
	Impl    string
	Python  string // interpreter; "" = python3 on PATH
	Threads int    // CPU threads for torch; 0 = torch's default

	// Stderr, when set, receives the worker's stderr as it comes (--verbose);
	// the last lines are kept for error messages either way.
	Stderr io.Writer
}

// Progress is one report from the worker. Phase is "load", "base_eval",
// "train", "eval", "save" or "note" (Message is then talk for stderr).
type Progress struct {
	Phase   string  `json:"phase"`
	Epoch   int     `json:"epoch,omitempty"`
	Step    int     `json:"step,omitempty"`  // optimizer steps done
	Steps   int     `json:"steps,omitempty"` // optimizer steps in total
	Done    int     `json:"done,omitempty"`  // rows done in this phase
	Total   int     `json:"total,omitempty"` // rows in this phase
	Loss    float64 `json:"loss,omitempty"`  // loss of the last optimizer step
	LR      float64 `json:"lr,omitempty"`
	Tokens  int64   `json:"tokens,omitempty"` // tokens processed so far in this phase
	Seconds float64 `json:"seconds,omitempty"`
	Message string  `json:"message,omitempty"`
}

// Result is what a finished worker reports.
type Result struct {
	EvalLoss       float64   `json:"eval_loss"`
	EvalLosses     []float64 `json:"eval_losses"` // per eval row, the mean over its label tokens (0 for the rows in Unlabeled)
	Unlabeled      []int     `json:"-"`           // eval rows without label tokens, left out of EvalLoss
	BaseEvalLoss   *float64  `json:"base_eval_loss,omitempty"`
	BaseEvalLosses []float64 `json:"base_eval_losses,omitempty"`
	TrainLoss      *float64  `json:"train_loss,omitempty"` // mean of the optimizer steps' losses
	Steps          int       `json:"steps"`
	TrainTokens    int64     `json:"train_tokens"` // tokens fed to training (all epochs)
	EvalTokens     int64     `json:"eval_tokens"`
	TrainSeconds   float64   `json:"train_seconds"`
	Seconds        float64   `json:"seconds"` // worker wall time after loading
	Device         string    `json:"device"`
	DeviceName     string    `json:"device_name"`
	MemoryBytes    int64     `json:"memory_bytes"` // peak CUDA memory allocated (0 on CPU)
	Impl           string    `json:"impl"`         // "plain" or "transformers"
	Dtype          string    `json:"dtype"`
	Torch          string    `json:"torch"`
	AdapterOut     string    `json:"-"` // where the adapter landed (Job.AdapterOut) or ""
}

// TokensPerSecond is the training throughput (0 when nothing was trained).
func (r Result) TokensPerSecond() float64 {
	if r.TrainSeconds <= 0 {
		return 0
	}
	return float64(r.TrainTokens) / r.TrainSeconds
}

// Check validates a job before a worker is started; its errors are usage errors.
func (j *Job) Check() error {
	if j.ModelDir == "" {
		return fmt.Errorf("torch backend: no model directory")
	}
	if len(j.Eval) == 0 {
		return fmt.Errorf("torch backend: no evaluation rows")
	}
	if !j.EvalOnly && len(j.Train) == 0 {
		return fmt.Errorf("torch backend: no training rows")
	}
	for i, s := range append(append([]Sequence(nil), j.Train...), j.Eval...) {
		if len(s.IDs) != len(s.Labels) {
			return fmt.Errorf("torch backend: sequence %d has %d ids but %d labels", i, len(s.IDs), len(s.Labels))
		}
	}
	for e, ord := range j.Order {
		if len(ord) > len(j.Train) {
			return fmt.Errorf("torch backend: epoch %d order has %d entries for %d rows", e+1, len(ord), len(j.Train))
		}
		for _, i := range ord {
			if i < 0 || i >= len(j.Train) {
				return fmt.Errorf("torch backend: epoch %d order names row %d of %d", e+1, i, len(j.Train))
			}
		}
	}
	r := j.Recipe
	if !j.EvalOnly {
		if r.LoraR <= 0 || r.Epochs <= 0 || r.GradAccum <= 0 || r.LR < 0 || r.WarmupSteps < 0 || r.LoraDropout < 0 || r.LoraDropout >= 1 {
			return fmt.Errorf("torch backend: invalid recipe %+v", r)
		}
	}
	switch j.Dtype {
	case "", "bf16", "fp32":
	default:
		return fmt.Errorf("torch backend: --dtype %q: want bf16 or fp32", j.Dtype)
	}
	switch j.Quant {
	case "", "none", "nf4":
	default:
		return fmt.Errorf("torch backend: --quant %q: want nf4", j.Quant)
	}
	switch j.Optim {
	case "", "adamw", "paged_adamw_8bit":
	default:
		return fmt.Errorf("torch backend: --optim %q: want adamw or paged_adamw_8bit", j.Optim)
	}
	switch j.Impl {
	case "", "auto", "plain", "transformers":
	default:
		return fmt.Errorf("torch backend: impl %q: want auto, plain or transformers", j.Impl)
	}
	return nil
}
