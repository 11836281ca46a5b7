package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/flock-off/ff/lib/chat"
	"github.com/flock-off/ff/lib/model"
	"github.com/flock-off/ff/lib/record"
	"github.com/flock-off/ff/lib/tokenizer"
	"github.com/flock-off/ff/lib/train"
)

// Pre-training: every token of the chat-formatted corpus is a label, so the
// model learns the template and the domain; LoRA fine-tuning then has the
// assistant answers to learn.
const (
	pretrainSeqLen = 384
	modelSeed      = 20261125
)

func pretrainRecipe(epochs int) train.Recipe {
	r := train.Default()
	r.Epochs, r.GradAccum, r.LR, r.WarmupSteps = epochs, 16, 3e-3, 20
	r.WeightDecay, r.Seed = 0.01, 7
	return r
}

// fullModel trains every weight of a model (lib/train's view of StepFull).
type fullModel struct {
	m      *model.Model
	g      *model.Weights
	ps, gs [][]float32
}

func newFullModel(m *model.Model) *fullModel {
	f := &fullModel{m: m, g: m.NewGrads()}
	for _, p := range m.Params(f.g) {
		f.ps = append(f.ps, p.W)
		f.gs = append(f.gs, p.G)
	}
	return f
}

func (f *fullModel) Params() [][]float32 { return f.ps }
func (f *fullModel) Grads() [][]float32  { return f.gs }
func (f *fullModel) Step(ex *train.Example, _ uint64) (float64, int, error) {
	return f.m.StepFull(ex.IDs, ex.Labels, f.g)
}

// encodeAll chat-encodes rows with every position a label.
func encodeAll(tok *tokenizer.Tokenizer, tmpl chat.Template, rows []*record.Record, maxLen int) ([]*train.Example, int, error) {
	var out []*train.Example
	tokens := 0
	for _, r := range rows {
		row, err := chat.ParseRow(r.Raw)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %v", r.Source, err)
		}
		ids, _, err := chat.Encode(tok, tmpl, row)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %v", r.Source, err)
		}
		if len(ids) > maxLen {
			ids = ids[:maxLen]
		}
		out = append(out, &train.Example{IDs: ids, Labels: ids, Source: r.Source.String()})
		tokens += len(ids)
	}
	return out, tokens, nil
}

// pretrain builds the model from dir/config.json, trains it on data and
// saves it into dir.
func pretrain(dir string, data []*train.Example, epochs, threads int) error {
	cfg, err := model.ReadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return err
	}
	m, err := model.New(cfg, modelSeed)
	if err != nil {
		return err
	}
	m.Threads = threads
	fmt.Fprintf(os.Stderr, "mktiny: %d parameters, %d epochs over %d rows\n", m.NumParams(), epochs, len(data))
	fm := newFullModel(m)
	last := time.Now()
	res, err := train.Run(context.Background(), fm, data, pretrainRecipe(epochs), func(p train.Progress) {
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			fmt.Fprintf(os.Stderr, "mktiny: epoch %d/%d step %d/%d loss %.4f %.0f tok/s\n", p.Epoch, p.Epochs, p.Step, p.Steps,
				p.Loss, float64(p.Tokens)/p.Elapsed.Seconds())
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "mktiny: pre-trained in %s, train loss %.4f\n", res.Elapsed.Round(time.Second), res.TrainLoss)
	return m.Save(dir)
}
