package score

import (
	"context"

	"github.com/flock-off/ff/lib/train"
)

// Job is one scoring run as a backend sees it: tokenized rows and the recipe.
type Job struct {
	ModelDir   string
	Config     Config
	Train      []*train.Example // empty with EvalOnly
	Eval       []*train.Example
	EvalOnly   bool
	AdapterIn  string // peft adapter to start from; "" = a fresh adapter from Config.Seed
	AdapterOut string // where to save the trained adapter; "" = nowhere
	Threads    int
	// Progress is called after every optimizer step (may be nil).
	Progress func(train.Progress)
	// EvalProgress is called after every evaluated row (may be nil).
	EvalProgress func(done, total int)
}

// Outcome is what a backend measured.
type Outcome struct {
	BaseEvalLoss float64  // before training (the base model, or AdapterIn)
	EvalLoss     float64  // after training (= BaseEvalLoss with EvalOnly)
	TrainLoss    *float64 // nil with EvalOnly
	Steps        int
	TrainTokens  int64   // tokens processed by training, all epochs
	TrainSeconds float64 // wall time of training alone
	Device       string  // e.g. "cuda:0 (NVIDIA H100)"; "" for the CPU backend
	MemoryBytes  int64   // peak accelerator memory, where known
}

// Backend trains and evaluates.
type Backend interface {
	Name() string
	// Score evaluates, trains unless job.EvalOnly, evaluates again and saves
	// the adapter to job.AdapterOut (atomically) on success.
	Score(ctx context.Context, job *Job) (Outcome, error)
	// Losses returns each example's loss (mean over its label tokens) under
	// the base model or job.AdapterIn.
	Losses(ctx context.Context, job *Job, examples []*train.Example) ([]float64, error)
}

// meanLoss is the evaluation loss of a set: the mean over examples of each
// example's mean label-token loss (what the reference reports with
// evaluation batch size 1).
func meanLoss(losses []float64) float64 {
	var s float64
	for _, l := range losses {
		s += l
	}
	return s / float64(len(losses))
}
