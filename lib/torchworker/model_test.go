package torchworker

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/safetensors"
)

// tinyShape is a small decoder, enough to exercise GQA, biases, tied or
// untied embeddings and Llama 3 RoPE scaling in a fraction of a second.
type tinyShape struct {
	Arch                  string // "qwen2" or "llama"
	Hidden, Inter, Layers int
	Heads, KVHeads, Vocab int
	Tied                  bool
	RopeScaling           bool
}

// writeTinyModel writes config.json and model.safetensors with seeded
// random weights into dir.
func writeTinyModel(t testing.TB, dir string, s tinyShape, seed uint64) {
	t.Helper()
	cfg := map[string]any{
		"architectures": []string{map[string]string{"qwen2": "Qwen2ForCausalLM", "llama": "LlamaForCausalLM"}[s.Arch]},
		"model_type":    s.Arch, "hidden_size": s.Hidden, "intermediate_size": s.Inter,
		"num_hidden_layers": s.Layers, "num_attention_heads": s.Heads, "num_key_value_heads": s.KVHeads,
		"vocab_size": s.Vocab, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu",
		"tie_word_embeddings": s.Tied, "max_position_embeddings": 4096,
	}
	if s.RopeScaling {
		cfg["rope_scaling"] = map[string]any{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
			"high_freq_factor": 4.0, "original_max_position_embeddings": 16}
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var ts []safetensors.Tensor
	add := func(name string, base float32, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = base + float32(rng.NormFloat64()*0.1)
		}
		ts = append(ts, safetensors.Tensor{Name: name, DType: safetensors.F32, Shape: shape, Data: data})
	}
	hd := s.Hidden / s.Heads
	add("model.embed_tokens.weight", 0, s.Vocab, s.Hidden)
	add("model.norm.weight", 1, s.Hidden)
	if !s.Tied {
		add("lm_head.weight", 0, s.Vocab, s.Hidden)
	}
	for i := 0; i < s.Layers; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		add(p+"input_layernorm.weight", 1, s.Hidden)
		add(p+"post_attention_layernorm.weight", 1, s.Hidden)
		for _, l := range []struct {
			name    string
			out, in int
			qkv     bool
		}{{"q_proj", s.Heads * hd, s.Hidden, true}, {"k_proj", s.KVHeads * hd, s.Hidden, true},
			{"v_proj", s.KVHeads * hd, s.Hidden, true}, {"o_proj", s.Hidden, s.Heads * hd, false}} {
			add(p+"self_attn."+l.name+".weight", 0, l.out, l.in)
			if s.Arch == "qwen2" && l.qkv {
				add(p+"self_attn."+l.name+".bias", 0, l.out)
			}
		}
		add(p+"mlp.gate_proj.weight", 0, s.Inter, s.Hidden)
		add(p+"mlp.up_proj.weight", 0, s.Inter, s.Hidden)
		add(p+"mlp.down_proj.weight", 0, s.Hidden, s.Inter)
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), ts, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
}

// tinySequences makes n rows of random ids; labels mask the first third
// (the "prompt") of each row.
func tinySequences(n, vocab int, seed uint64) []Sequence {
	rng := rand.New(rand.NewPCG(seed, 11))
	out := make([]Sequence, n)
	for i := range out {
		T := 8 + rng.IntN(24)
		s := Sequence{IDs: make([]int32, T), Labels: make([]int32, T)}
		for j := range s.IDs {
			s.IDs[j] = int32(rng.IntN(vocab))
			s.Labels[j] = s.IDs[j]
			if j < T/3 {
				s.Labels[j] = Ignore
			}
		}
		out[i] = s
	}
	return out
}
