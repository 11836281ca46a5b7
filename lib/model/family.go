package model

import "sort"

// Family is what differs between decoder architectures of the
// Llama lineage; everything else (RMSNorm, RoPE, GQA attention, SwiGLU MLP)
// is shared. A new family is one small file that calls Register.
type Family struct {
	Arch      string // config.json "architectures" entry, e.g. "Qwen2ForCausalLM"
	ModelType string // config.json "model_type"
	// Biases says which projections carry a bias under cfg.
	Biases func(cfg Config) (qkv, o, mlp bool)
}

var families = map[string]*Family{}

// Register makes a family loadable by its architecture name.
func Register(f *Family) { families[f.Arch] = f }

// Architectures lists the registered architecture names.
func Architectures() []string {
	var a []string
	for k := range families {
		a = append(a, k)
	}
	sort.Strings(a)
	return a
}
