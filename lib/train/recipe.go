// Package train fits trainable parameters with the reference validator's
// recipe: AdamW, a linear learning-rate schedule with warm-up, gradient
// accumulation as current transformers does it (one optimizer step's loss is
// the sum of its label-token losses divided by their number), clipping of the
// accumulated gradient, seeded shuffling and several epochs. It knows nothing
// about models: a Model computes one example's summed loss and gradient.
package train

import "fmt"

// Recipe is the training recipe. The zero value is not useful; start from
// Default (the FLock reference validator's training_args).
type Recipe struct {
	Epochs      int     `json:"epochs"`
	BatchSize   int     `json:"batch_size"`
	GradAccum   int     `json:"grad_accum"`
	LR          float64 `json:"lr"`
	WarmupSteps int     `json:"warmup_steps"`
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	Eps         float64 `json:"eps"`
	WeightDecay float64 `json:"weight_decay"`
	MaxGradNorm float64 `json:"max_grad_norm"`
	Seed        int64   `json:"seed"`
	Shuffle     bool    `json:"shuffle"`
	LRScheduler string  `json:"lr_scheduler"`
}

// Default is the reference recipe: batch 1 × accumulation 8, 2 epochs,
// lr 2e-4 linear with 5 warm-up steps, AdamW (0.9, 0.999, 1e-8) without weight
// decay, clipping at 1.0, seed 42, shuffled.
func Default() Recipe {
	return Recipe{
		Epochs: 2, BatchSize: 1, GradAccum: 8,
		LR: 2e-4, WarmupSteps: 5, LRScheduler: "linear",
		Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0,
		MaxGradNorm: 1.0, Seed: 42, Shuffle: true,
	}
}

// Validate reports the first value that makes no sense.
func (r Recipe) Validate() error {
	switch {
	case r.Epochs < 1:
		return fmt.Errorf("epochs must be at least 1 (got %d)", r.Epochs)
	case r.BatchSize < 1:
		return fmt.Errorf("batch size must be at least 1 (got %d)", r.BatchSize)
	case r.GradAccum < 1:
		return fmt.Errorf("gradient accumulation must be at least 1 (got %d)", r.GradAccum)
	case !(r.LR >= 0):
		return fmt.Errorf("learning rate must be >= 0 (got %g)", r.LR)
	case r.WarmupSteps < 0:
		return fmt.Errorf("warm-up steps must be >= 0 (got %d)", r.WarmupSteps)
	case !(r.Beta1 >= 0 && r.Beta1 < 1), !(r.Beta2 >= 0 && r.Beta2 < 1):
		return fmt.Errorf("AdamW betas must be in [0,1) (got %g, %g)", r.Beta1, r.Beta2)
	case !(r.Eps > 0):
		return fmt.Errorf("AdamW eps must be > 0 (got %g)", r.Eps)
	case !(r.WeightDecay >= 0):
		return fmt.Errorf("weight decay must be >= 0 (got %g)", r.WeightDecay)
	case !(r.MaxGradNorm >= 0):
		return fmt.Errorf("max grad norm must be >= 0 (0 disables clipping; got %g)", r.MaxGradNorm)
	case r.LRScheduler != "linear" && r.LRScheduler != "constant":
		return fmt.Errorf("lr scheduler must be linear or constant (got %q)", r.LRScheduler)
	}
	return nil
}

// MicroBatches is the number of micro-batches of one epoch over n examples.
func (r Recipe) MicroBatches(n int) int { return (n + r.BatchSize - 1) / r.BatchSize }

// StepsPerEpoch is the number of optimizer steps of one epoch over n
// examples: a last, partial accumulation window still makes a step.
func (r Recipe) StepsPerEpoch(n int) int {
	mb := r.MicroBatches(n)
	return (mb + r.GradAccum - 1) / r.GradAccum
}

// TotalSteps is the number of optimizer steps of the whole run; it sets the
// length of the linear schedule.
func (r Recipe) TotalSteps(n int) int { return r.Epochs * r.StepsPerEpoch(n) }
