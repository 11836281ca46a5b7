package model

import (
	"encoding/json"
	"fmt"
	"os"
)

// Config is the part of a Hugging Face config.json the decoder needs.
type Config struct {
	Architectures         []string     `json:"architectures"`
	ModelType             string       `json:"model_type"`
	HiddenSize            int          `json:"hidden_size"`
	IntermediateSize      int          `json:"intermediate_size"`
	NumHiddenLayers       int          `json:"num_hidden_layers"`
	NumAttentionHeads     int          `json:"num_attention_heads"`
	NumKeyValueHeads      int          `json:"num_key_value_heads"`
	HeadDim               int          `json:"head_dim,omitempty"`
	VocabSize             int          `json:"vocab_size"`
	MaxPositionEmbeddings int          `json:"max_position_embeddings,omitempty"`
	RMSNormEps            float64      `json:"rms_norm_eps"`
	RopeTheta             float64      `json:"rope_theta"`
	RopeScaling           *RopeScaling `json:"rope_scaling,omitempty"`
	TieWordEmbeddings     bool         `json:"tie_word_embeddings"`
	AttentionBias         bool         `json:"attention_bias,omitempty"` // Llama: bias on q, k, v and o
	MLPBias               bool         `json:"mlp_bias,omitempty"`       // Llama: bias on gate, up and down
	HiddenAct             string       `json:"hidden_act,omitempty"`
	UseSlidingWindow      bool         `json:"use_sliding_window,omitempty"`
	InitializerRange      float64      `json:"initializer_range,omitempty"`
	TorchDtype            string       `json:"torch_dtype,omitempty"`
	BOSTokenID            *int         `json:"bos_token_id,omitempty"`
	EOSTokenID            any          `json:"eos_token_id,omitempty"`
}

// RopeScaling is config.json's rope_scaling; only "default" and "llama3" are implemented.
type RopeScaling struct {
	RopeType                      string  `json:"rope_type,omitempty"`
	Type                          string  `json:"type,omitempty"` // older spelling of rope_type
	Factor                        float64 `json:"factor,omitempty"`
	LowFreqFactor                 float64 `json:"low_freq_factor,omitempty"`
	HighFreqFactor                float64 `json:"high_freq_factor,omitempty"`
	OriginalMaxPositionEmbeddings int     `json:"original_max_position_embeddings,omitempty"`
}

func (r *RopeScaling) kind() string {
	if r == nil {
		return "default"
	}
	if r.RopeType != "" {
		return r.RopeType
	}
	if r.Type != "" {
		return r.Type
	}
	return "default"
}

// Arch is the architecture name (the first of Architectures).
func (c Config) Arch() string {
	if len(c.Architectures) == 0 {
		return ""
	}
	return c.Architectures[0]
}

// HeadDims is the per-head dimension (head_dim, else hidden/heads).
func (c Config) HeadDims() int {
	if c.HeadDim > 0 {
		return c.HeadDim
	}
	if c.NumAttentionHeads == 0 {
		return 0
	}
	return c.HiddenSize / c.NumAttentionHeads
}

// ReadConfig parses a config.json file.
func ReadConfig(path string) (Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	c, err := ParseConfig(raw)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}

// ParseConfig parses and validates config.json content, filling the
// family's defaults.
func ParseConfig(raw []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(raw, &c); err != nil {
		return Config{}, err
	}
	if _, err := c.family(); err != nil {
		return Config{}, err
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// paramCount is the number of weights c implies (without allocating them).
func (c Config) paramCount() int64 {
	H, I, V, L := int64(c.HiddenSize), int64(c.IntermediateSize), int64(c.VocabSize), int64(c.NumHiddenLayers)
	hd := int64(c.HeadDims())
	qd, kd := int64(c.NumAttentionHeads)*hd, int64(c.NumKeyValueHeads)*hd
	perLayer := 2*H + H*qd + 2*H*kd + qd*H + 3*H*I + qd + 2*kd + H + 2*I + H // generous: every bias
	n := V*H + L*perLayer + H
	if !c.TieWordEmbeddings {
		n += V * H
	}
	return n
}

// family finds the registered family and fills its defaults into c.
func (c *Config) family() (*Family, error) {
	f := families[c.Arch()]
	if f == nil {
		return nil, fmt.Errorf("unknown architecture %q (supported: %v)", c.Arch(), Architectures())
	}
	if c.NumKeyValueHeads == 0 {
		c.NumKeyValueHeads = c.NumAttentionHeads
	}
	if c.RMSNormEps == 0 {
		c.RMSNormEps = 1e-6
	}
	if c.RopeTheta == 0 {
		c.RopeTheta = 10000
	}
	if c.ModelType == "" {
		c.ModelType = f.ModelType
	}
	return f, nil
}

func (c Config) validate() error {
	switch {
	case c.HiddenSize <= 0 || c.IntermediateSize <= 0 || c.NumHiddenLayers <= 0 || c.VocabSize <= 0:
		return fmt.Errorf("hidden_size, intermediate_size, num_hidden_layers and vocab_size must be positive")
	case c.HiddenSize > 1<<20 || c.IntermediateSize > 1<<22 || c.NumHiddenLayers > 1<<12 || c.VocabSize > 1<<24 || c.NumAttentionHeads > 1<<12 || c.HeadDim > 1<<14:
		return fmt.Errorf("implausibly large dimensions")
	case c.NumAttentionHeads <= 0 || c.NumKeyValueHeads <= 0 || c.NumAttentionHeads%c.NumKeyValueHeads != 0:
		return fmt.Errorf("num_attention_heads %d must be a positive multiple of num_key_value_heads %d", c.NumAttentionHeads, c.NumKeyValueHeads)
	case c.HeadDims() <= 0 || c.HeadDims()%2 != 0:
		return fmt.Errorf("head dimension %d must be positive and even", c.HeadDims())
	case c.HiddenAct != "" && c.HiddenAct != "silu":
		return fmt.Errorf("hidden_act %q, only silu is supported", c.HiddenAct)
	case c.UseSlidingWindow:
		return fmt.Errorf("use_sliding_window is not supported")
	}
	switch k := c.RopeScaling.kind(); k {
	case "default":
	case "llama3":
		r := c.RopeScaling
		if r.Factor <= 0 || r.LowFreqFactor <= 0 || r.HighFreqFactor <= r.LowFreqFactor || r.OriginalMaxPositionEmbeddings <= 0 {
			return fmt.Errorf("rope_scaling llama3 needs factor > 0, 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings")
		}
	default:
		return fmt.Errorf("rope_scaling type %q is not supported (default, llama3)", k)
	}
	return nil
}
