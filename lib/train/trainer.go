package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Example is one tokenized training row. Labels hold -100 where a position
// is not scored; Source names the row (FILE:LINE) for error messages.
type Example struct {
	IDs    []int32
	Labels []int32
	Source string
}

// Model is what training needs of a model with trainable parameters.
type Model interface {
	// Params are the trainable tensors, updated in place by the optimizer.
	Params() [][]float32
	// Grads are the gradient tensors, shaped like Params.
	Grads() [][]float32
	// Step runs ex forward and backward and adds the gradient of its summed
	// label-token loss (not the mean) to Grads. Dropout masks are drawn from
	// dropoutSeed so that a run is reproducible.
	Step(ex *Example, dropoutSeed uint64) (sumLoss float64, nLabel int, err error)
}

// Progress is reported after every optimizer step.
type Progress struct {
	Epoch, Epochs int     // 1-based epoch
	Step, Steps   int     // optimizer steps done, of the whole run
	Loss          float64 // this step's loss (label-token mean over its window)
	LR            float64 // learning rate used by this step
	GradNorm      float64 // norm of the accumulated gradient before clipping
	Tokens        int64   // tokens processed so far
	Elapsed       time.Duration
}

// Result sums up a run.
type Result struct {
	// TrainLoss is the mean over optimizer steps of each step's loss, as
	// transformers reports train_loss.
	TrainLoss float64
	Steps     int
	Tokens    int64 // tokens processed (all epochs)
	Elapsed   time.Duration
}

// Order is the order in which one epoch visits n examples: a permutation
// drawn from (seed, epoch) when shuffling, else input order.
func (r Recipe) Order(n, epoch int) []int {
	if !r.Shuffle {
		o := make([]int, n)
		for i := range o {
			o[i] = i
		}
		return o
	}
	rng := rand.New(rand.NewPCG(uint64(r.Seed), uint64(epoch)))
	return rng.Perm(n)
}

// DropoutSeed is the seed of the dropout masks of one example visit.
func (r Recipe) DropoutSeed(epoch, pos int) uint64 {
	// splitmix64 over (seed, epoch, position): distinct, well-mixed seeds.
	z := uint64(r.Seed)*0x9E3779B97F4A7C15 ^ uint64(epoch)<<32 ^ uint64(pos)
	z += 0x9E3779B97F4A7C15
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// Run trains m on data with recipe r. report (may be nil) is called after
// each optimizer step. A cancelled ctx stops between examples and returns
// ctx's error; the parameters are then partly trained and must be discarded.
func Run(ctx context.Context, m Model, data []*Example, r Recipe, report func(Progress)) (Result, error) {
	if err := r.Validate(); err != nil {
		return Result{}, err
	}
	if len(data) == 0 {
		return Result{}, fmt.Errorf("no training examples")
	}
	params, grads := m.Params(), m.Grads()
	opt := NewAdamW(params, r.Beta1, r.Beta2, r.Eps, r.WeightDecay)
	total := r.TotalSteps(len(data))
	window := r.BatchSize * r.GradAccum // examples per optimizer step
	start := time.Now()
	var res Result
	var lossSum float64
	for epoch := 0; epoch < r.Epochs; epoch++ {
		order := r.Order(len(data), epoch)
		for lo := 0; lo < len(order); lo += window {
			hi := min(lo+window, len(order))
			Zero(grads)
			var sum float64
			var nLabel int
			for pos := lo; pos < hi; pos++ {
				if err := ctx.Err(); err != nil {
					return res, err
				}
				ex := data[order[pos]]
				s, n, err := m.Step(ex, r.DropoutSeed(epoch, pos))
				if err != nil {
					return res, fmt.Errorf("%s: %w", ex.Source, err)
				}
				sum += s
				nLabel += n
				res.Tokens += int64(len(ex.IDs))
			}
			// The window's loss is its summed token loss over its token
			// count, so the gradient is scaled the same way.
			loss := 0.0
			if nLabel > 0 {
				loss = sum / float64(nLabel)
				Scale(grads, float32(1/float64(nLabel)))
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return res, fmt.Errorf("training diverged: loss %v at step %d", loss, res.Steps+1)
			}
			norm := ClipGradNorm(grads, r.MaxGradNorm)
			lr := r.LRAt(res.Steps, total)
			opt.Step(params, grads, lr)
			res.Steps++
			lossSum += loss
			if report != nil {
				report(Progress{Epoch: epoch + 1, Epochs: r.Epochs, Step: res.Steps, Steps: total,
					Loss: loss, LR: lr, GradNorm: norm, Tokens: res.Tokens, Elapsed: time.Since(start)})
			}
		}
	}
	res.TrainLoss = lossSum / float64(res.Steps)
	res.Elapsed = time.Since(start)
	return res, nil
}
