package torchworker

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/flock-off/ff/lib/lora"
	"github.com/flock-off/ff/lib/model"
)

// configSites lists the linear layers of the checkpoint in modelDir as
// lib/model orders them, from config.json alone (no weights are read).
type configSites []lora.Site

func (s configSites) Sites() []lora.Site { return s }

func sitesOf(modelDir string) (configSites, error) {
	c, err := model.ReadConfig(filepath.Join(modelDir, "config.json"))
	if err != nil {
		return nil, err
	}
	H, I, hd := c.HiddenSize, c.IntermediateSize, c.HeadDims()
	kv := c.NumKeyValueHeads
	if kv == 0 {
		kv = c.NumAttentionHeads
	}
	qd, kd := c.NumAttentionHeads*hd, kv*hd
	var s configSites
	for i := 0; i < c.NumHiddenLayers; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		s = append(s,
			lora.Site{Name: p + "self_attn.q_proj", In: H, Out: qd},
			lora.Site{Name: p + "self_attn.k_proj", In: H, Out: kd},
			lora.Site{Name: p + "self_attn.v_proj", In: H, Out: kd},
			lora.Site{Name: p + "self_attn.o_proj", In: qd, Out: H},
			lora.Site{Name: p + "mlp.gate_proj", In: H, Out: I},
			lora.Site{Name: p + "mlp.up_proj", In: H, Out: I},
			lora.Site{Name: p + "mlp.down_proj", In: I, Out: H})
	}
	return s, nil
}

// initAdapter writes the fresh adapter of a training run into a temporary
// directory, drawn exactly as the CPU backend draws it (lora.New with the
// recipe's seed), so that both backends start from the same A matrices and
// a run is comparable across them. The caller removes the directory.
func initAdapter(j *Job) (string, error) {
	sites, err := sitesOf(j.ModelDir)
	if err != nil {
		return "", err
	}
	r := j.Recipe
	ad, err := lora.New(sites, lora.Config{R: r.LoraR, Alpha: r.LoraAlpha, Dropout: r.LoraDropout, Targets: r.Targets}, uint64(r.Seed))
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "ff-torch-init-")
	if err != nil {
		return "", err
	}
	if err := ad.Save(dir); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
