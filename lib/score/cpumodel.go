package score

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/lora"
	"github.com/flock-off/ff/lib/model"
	"github.com/flock-off/ff/lib/train"
)

// loraModel is a loaded base model with a LoRA adapter: what the CPU
// backend trains (lib/model computes, lib/lora holds the adapter).
type loraModel struct {
	m      *model.Model
	ad     *lora.Adapter
	g      *lora.Grads
	params [][]float32
	grads  [][]float32
}

// openLoRA loads job.ModelDir and job.AdapterIn, or a fresh adapter seeded
// by the recipe's seed, with the configured dropout.
func openLoRA(job *Job) (Adapted, error) {
	m, err := model.Load(job.ModelDir)
	if err != nil {
		return nil, app.Usagef("--model %s: %v", job.ModelDir, err)
	}
	m.Threads = job.Threads
	cfg := job.Config
	var ad *lora.Adapter
	if job.AdapterIn != "" {
		ad, err = lora.Load(job.AdapterIn, m)
		if err != nil {
			return nil, app.Usagef("--adapter-in %s: %v", job.AdapterIn, err)
		}
		ad.Config.Dropout = cfg.LoraDropout
	} else {
		ad, err = lora.New(m, lora.Config{R: cfg.LoraR, Alpha: cfg.LoraAlpha, Dropout: cfg.LoraDropout}, uint64(cfg.Seed))
		if err != nil {
			return nil, app.Usagef("%v", err)
		}
	}
	lm := &loraModel{m: m, ad: ad, g: lora.NewGrads(ad)}
	for _, p := range ad.Params(lm.g) {
		lm.params = append(lm.params, p.W)
		lm.grads = append(lm.grads, p.G)
	}
	return lm, nil
}

func (l *loraModel) Params() [][]float32 { return l.params }
func (l *loraModel) Grads() [][]float32  { return l.grads }

func (l *loraModel) Step(ex *train.Example, seed uint64) (float64, int, error) {
	return l.m.Step(ex.IDs, ex.Labels, l.ad, l.g, seed)
}

func (l *loraModel) Loss(ex *train.Example) (float64, int, error) {
	return l.m.Step(ex.IDs, ex.Labels, l.ad, nil, 0)
}

func (l *loraModel) SaveAdapter(dir string) error { return l.ad.Save(dir) }

// adapterShape reads r and lora_alpha of a peft adapter, which decide the
// adapter's shape and scale whatever the flags say.
func adapterShape(dir string) (r int, alpha float64, err error) {
	b, err := os.ReadFile(filepath.Join(dir, "adapter_config.json"))
	if err != nil {
		return 0, 0, err
	}
	var pc struct {
		R         int     `json:"r"`
		LoraAlpha float64 `json:"lora_alpha"`
	}
	if err := json.Unmarshal(b, &pc); err != nil {
		return 0, 0, fmt.Errorf("%s: %v", filepath.Join(dir, "adapter_config.json"), err)
	}
	return pc.R, pc.LoraAlpha, nil
}
