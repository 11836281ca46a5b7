package score

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/torchworker"
	"github.com/flock-off/ff/lib/train"
	"github.com/urfave/cli/v2"
)

func torchFlags() []cli.Flag { return torchworker.Flags() }

// pickBackend maps --backend to a Backend; auto asks a worker whether it
// sees a CUDA device and falls back to the CPU backend otherwise.
func pickBackend(c *cli.Context, name string, cpu func() Backend) (Backend, error) {
	opts := torchworker.OptionsFrom(c)
	switch name {
	case "cpu":
		return cpu(), nil
	case "torch":
		return &torchBackend{opts: opts}, nil
	case "auto":
		caps, err := torchworker.Probe(c.Context, opts.Python)
		if err == nil && caps.UsableCUDA() {
			return &torchBackend{opts: opts}, nil
		}
		if c.Context.Err() != nil {
			return nil, c.Context.Err()
		}
		why := "no usable CUDA device"
		if err != nil {
			why = err.Error()
		}
		app.NewLog(c).Infof("--backend auto: using the CPU backend (%s)", why)
		return cpu(), nil
	}
	return nil, app.Usagef("--backend %q: want cpu, torch or auto", name)
}

// torchBackend hands the tokenized job to lib/torchworker.
type torchBackend struct {
	opts torchworker.Options
}

func (b *torchBackend) Name() string { return "torch" }

func (b *torchBackend) job(j *Job) (torchworker.Job, error) {
	cfg := j.Config
	d := train.Default()
	if cfg.Beta1 != d.Beta1 || cfg.Beta2 != d.Beta2 || cfg.Eps != d.Eps || cfg.WeightDecay != d.WeightDecay || cfg.LRScheduler != d.LRScheduler {
		return torchworker.Job{}, app.Usagef("--backend torch runs AdamW (0.9, 0.999, 1e-8), no weight decay, linear schedule only")
	}
	tj := torchworker.Job{
		ModelDir: j.ModelDir, Eval: sequences(j.Eval), BaseEval: true, EvalOnly: j.EvalOnly,
		AdapterIn: j.AdapterIn, AdapterOut: j.AdapterOut, Threads: j.Threads,
		Recipe: torchworker.Recipe{
			LoraR: cfg.LoraR, LoraAlpha: cfg.LoraAlpha, LoraDropout: cfg.LoraDropout,
			LR: cfg.LR, WarmupSteps: cfg.WarmupSteps, Epochs: cfg.Epochs,
			// Loss is normalized by the window's token count, so B rows per
			// micro-batch × A micro-batches is the same step as B·A rows.
			GradAccum: cfg.BatchSize * cfg.GradAccum, Clip: cfg.MaxGradNorm, Seed: cfg.Seed,
		},
	}
	b.opts.Apply(&tj)
	if !j.EvalOnly {
		tj.Train = sequences(j.Train)
		for e := 0; e < cfg.Epochs; e++ {
			tj.Order = append(tj.Order, cfg.Order(len(j.Train), e))
		}
	}
	return tj, nil
}

func sequences(ex []*train.Example) []torchworker.Sequence {
	out := make([]torchworker.Sequence, len(ex))
	for i, e := range ex {
		out[i] = torchworker.Sequence{IDs: e.IDs, Labels: e.Labels}
	}
	return out
}

func (b *torchBackend) run(ctx context.Context, j *Job) (torchworker.Result, error) {
	tj, err := b.job(j)
	if err != nil {
		return torchworker.Result{}, err
	}
	start := time.Now()
	return torchworker.Run(ctx, tj, func(p torchworker.Progress) {
		switch p.Phase {
		case "train":
			if j.Progress != nil {
				j.Progress(train.Progress{Epoch: p.Epoch, Epochs: j.Config.Epochs, Step: p.Step, Steps: p.Steps,
					Loss: p.Loss, LR: p.LR, Tokens: p.Tokens, Elapsed: time.Since(start)})
			}
		case "base_eval", "eval":
			if j.EvalProgress != nil && p.Total > 0 {
				j.EvalProgress(p.Done, p.Total)
			}
		}
	})
}

func (b *torchBackend) Score(ctx context.Context, j *Job) (Outcome, error) {
	res, err := b.run(ctx, j)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{EvalLoss: res.EvalLoss, BaseEvalLoss: res.EvalLoss, TrainLoss: res.TrainLoss,
		Steps: res.Steps, TrainTokens: res.TrainTokens, TrainSeconds: res.TrainSeconds,
		Device: res.Device, MemoryBytes: res.MemoryBytes}
	if res.DeviceName != "" {
		out.Device = fmt.Sprintf("%s (%s)", res.Device, res.DeviceName)
	}
	if res.BaseEvalLoss != nil {
		out.BaseEvalLoss = *res.BaseEvalLoss
	}
	return out, nil
}

func (b *torchBackend) Losses(ctx context.Context, j *Job, ex []*train.Example) ([]float64, error) {
	jj := *j
	jj.Eval, jj.EvalOnly, jj.Train = ex, true, nil
	res, err := b.run(ctx, &jj)
	if err != nil {
		return nil, err
	}
	if len(res.EvalLosses) != len(ex) {
		return nil, app.Exit(app.Failure, errors.New("torch backend: the worker returned a loss count that does not match the rows"))
	}
	return res.EvalLosses, nil
}
