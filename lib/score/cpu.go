package score

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/train"
)

// Adapted is a base model with a trainable adapter, as the CPU backend
// drives it.
type Adapted interface {
	train.Model
	// Loss is the forward pass alone (no dropout, no gradient): the summed
	// label-token loss of ex and the number of label tokens.
	Loss(ex *train.Example) (sumLoss float64, nLabel int, err error)
	// SaveAdapter writes the adapter in peft format into dir (which exists).
	SaveAdapter(dir string) error
}

// cpuBackend trains in this process with lib/train.
type cpuBackend struct {
	// open loads the model named by the job with job.AdapterIn, or a fresh
	// adapter seeded by job.Config.Seed.
	open func(job *Job) (Adapted, error)
}

func (b *cpuBackend) Name() string { return "cpu" }

// losses evaluates examples one by one (batch size 1, as the reference).
func losses(ctx context.Context, m Adapted, ex []*train.Example, progress func(done, total int)) ([]float64, error) {
	out := make([]float64, len(ex))
	for i, e := range ex {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sum, n, err := m.Loss(e)
		if err != nil {
			return nil, app.Failf("%s: %v", e.Source, err)
		}
		if n == 0 {
			return nil, app.Dataf("%s: no label tokens", e.Source)
		}
		out[i] = sum / float64(n)
		if progress != nil {
			progress(i+1, len(ex))
		}
	}
	return out, nil
}

func (b *cpuBackend) Score(ctx context.Context, j *Job) (Outcome, error) {
	m, err := b.open(j)
	if err != nil {
		return Outcome{}, err
	}
	base, err := losses(ctx, m, j.Eval, j.EvalProgress)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{BaseEvalLoss: meanLoss(base)}
	out.EvalLoss = out.BaseEvalLoss
	if j.EvalOnly {
		return out, nil
	}
	start := time.Now()
	res, err := train.Run(ctx, m, j.Train, j.Config.Recipe, j.Progress)
	if err != nil {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		return Outcome{}, app.Failf("training: %v", err)
	}
	out.TrainSeconds = time.Since(start).Seconds()
	out.TrainLoss = &res.TrainLoss
	out.Steps, out.TrainTokens = res.Steps, res.Tokens
	after, err := losses(ctx, m, j.Eval, j.EvalProgress)
	if err != nil {
		return Outcome{}, err
	}
	out.EvalLoss = meanLoss(after)
	if math.IsNaN(out.EvalLoss) {
		return Outcome{}, app.Failf("training diverged: eval loss is NaN")
	}
	if j.AdapterOut != "" {
		if err := ctx.Err(); err != nil {
			return Outcome{}, err
		}
		if err := saveDirAtomic(j.AdapterOut, m.SaveAdapter); err != nil {
			return Outcome{}, fmt.Errorf("--adapter-out %s: %w", j.AdapterOut, err)
		}
	}
	return out, nil
}

func (b *cpuBackend) Losses(ctx context.Context, j *Job, ex []*train.Example) ([]float64, error) {
	m, err := b.open(j)
	if err != nil {
		return nil, err
	}
	return losses(ctx, m, ex, j.EvalProgress)
}
