package lora

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/flock-off/ff/lib/safetensors"
)

// keyPrefix is what peft puts before a module path in adapter_model.safetensors.
const keyPrefix = "base_model.model."

// peftConfig is adapter_config.json as peft writes it (fields we read or write).
type peftConfig struct {
	PeftType          string   `json:"peft_type"`
	TaskType          string   `json:"task_type"`
	BaseModel         string   `json:"base_model_name_or_path"`
	R                 int      `json:"r"`
	LoraAlpha         float64  `json:"lora_alpha"`
	LoraDropout       float64  `json:"lora_dropout"`
	TargetModules     any      `json:"target_modules"`
	Bias              string   `json:"bias"`
	FanInFanOut       bool     `json:"fan_in_fan_out"`
	InferenceMode     bool     `json:"inference_mode"`
	InitLoraWeights   bool     `json:"init_lora_weights"`
	UseRSLora         bool     `json:"use_rslora"`
	UseDora           bool     `json:"use_dora"`
	ModulesToSave     []string `json:"modules_to_save"`
	RankPattern       any      `json:"rank_pattern"`
	AlphaPattern      any      `json:"alpha_pattern"`
	LayersToTransform any      `json:"layers_to_transform"`
	LoraBias          bool     `json:"lora_bias,omitempty"`
}

// Save writes a in peft format into dir (created if needed).
func (a *Adapter) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	targets := a.Config.targets()
	pc := peftConfig{
		PeftType: "LORA", TaskType: "CAUSAL_LM", BaseModel: a.Config.BaseModel, R: a.Config.R, LoraAlpha: a.Config.Alpha,
		LoraDropout: a.Config.Dropout, TargetModules: targets, Bias: "none", InferenceMode: true, InitLoraWeights: true,
		RankPattern: map[string]any{}, AlphaPattern: map[string]any{},
	}
	js, err := json.MarshalIndent(pc, "", "  ")
	if err != nil {
		return err
	}
	var ts []safetensors.Tensor
	for _, m := range a.Modules {
		ts = append(ts,
			safetensors.Tensor{Name: keyPrefix + m.Name + ".lora_A.weight", DType: safetensors.F32, Shape: []int{a.Config.R, m.In}, Data: m.A},
			safetensors.Tensor{Name: keyPrefix + m.Name + ".lora_B.weight", DType: safetensors.F32, Shape: []int{m.Out, a.Config.R}, Data: m.B})
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "adapter_model.safetensors"), ts, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "adapter_config.json"), append(js, '\n'), 0o644)
}

// Load reads a peft LoRA adapter from dir for base model b. Every tensor
// must belong to a linear layer of b with the right shape; unknown keys,
// missing halves and options this package does not implement are errors.
func Load(dir string, b Base) (*Adapter, error) {
	cfgPath := filepath.Join(dir, "adapter_config.json")
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", cfgPath, err)
	}
	stPath := filepath.Join(dir, "adapter_model.safetensors")
	f, err := safetensors.Open(stPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The modules present in the file decide which layers are adapted
	// (peft may have resolved a regex or "all-linear" when it saved).
	sites := map[string]Site{}
	for _, s := range b.Sites() {
		sites[s.Name] = s
	}
	a := &Adapter{Config: cfg, byName: map[string]*Module{}}
	for _, ti := range f.Tensors() {
		name, ok := strings.CutPrefix(ti.Name, keyPrefix)
		var half string
		if ok {
			if n, ok2 := strings.CutSuffix(name, ".lora_A.weight"); ok2 {
				name, half = n, "A"
			} else if n, ok2 := strings.CutSuffix(name, ".lora_B.weight"); ok2 {
				name, half = n, "B"
			}
		}
		if half == "" {
			return nil, fmt.Errorf("%s: unexpected tensor %q (want %s<module>.lora_A.weight / lora_B.weight)", stPath, ti.Name, keyPrefix)
		}
		s, ok := sites[name]
		if !ok {
			return nil, fmt.Errorf("%s: tensor %q: the base model has no linear layer %q", stPath, ti.Name, name)
		}
		m := a.byName[name]
		if m == nil {
			m = &Module{Name: name, In: s.In, Out: s.Out}
			a.byName[name] = m
			a.Modules = append(a.Modules, m)
		}
		want := []int{cfg.R, s.In}
		if half == "B" {
			want = []int{s.Out, cfg.R}
		}
		if len(ti.Shape) != 2 || ti.Shape[0] != want[0] || ti.Shape[1] != want[1] {
			return nil, fmt.Errorf("%s: tensor %q has shape %v, want %v (r = %d)", stPath, ti.Name, ti.Shape, want, cfg.R)
		}
		w, err := f.Float32(ti.Name)
		if err != nil {
			return nil, err
		}
		if half == "A" {
			m.A = w
		} else {
			m.B = w
		}
	}
	// Keep the base model's layer order, so Params is stable whatever the file order.
	ordered := a.Modules[:0:0]
	for _, s := range b.Sites() {
		if m := a.byName[s.Name]; m != nil {
			if m.A == nil || m.B == nil {
				return nil, fmt.Errorf("%s: module %q has only one of lora_A / lora_B", stPath, s.Name)
			}
			ordered = append(ordered, m)
		}
	}
	a.Modules = ordered
	if len(a.Modules) == 0 {
		return nil, fmt.Errorf("%s: no LoRA tensors", stPath)
	}
	return a, nil
}

// ParseConfig reads peft's adapter_config.json content. Options that would
// change the computation and are not implemented (DoRA, rsLoRA, per-module
// rank or alpha patterns, adapter biases, fan_in_fan_out) are errors rather
// than silently ignored.
func ParseConfig(raw []byte) (Config, error) {
	var pc peftConfig
	if err := json.Unmarshal(raw, &pc); err != nil {
		return Config{}, err
	}
	if pc.PeftType != "" && pc.PeftType != "LORA" {
		return Config{}, fmt.Errorf("peft_type %q, only LORA is supported", pc.PeftType)
	}
	if pc.UseDora || pc.UseRSLora || pc.FanInFanOut || pc.LoraBias || (pc.Bias != "" && pc.Bias != "none") {
		return Config{}, fmt.Errorf("use_dora, use_rslora, fan_in_fan_out, lora_bias and bias other than \"none\" are not supported")
	}
	if nonEmpty(pc.RankPattern) || nonEmpty(pc.AlphaPattern) {
		return Config{}, fmt.Errorf("rank_pattern and alpha_pattern are not supported (one r and lora_alpha for every module)")
	}
	cfg := Config{R: pc.R, Alpha: pc.LoraAlpha, Dropout: pc.LoraDropout, BaseModel: pc.BaseModel}
	switch t := pc.TargetModules.(type) {
	case string:
		cfg.Targets = []string{t}
	case []any:
		for _, v := range t {
			s, ok := v.(string)
			if !ok {
				return Config{}, fmt.Errorf("target_modules entry %v is not a string", v)
			}
			cfg.Targets = append(cfg.Targets, s)
		}
	}
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func nonEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case map[string]any:
		return len(v) > 0
	}
	return true
}
