package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/safetensors"
)

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func removeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrors(t *testing.T) {
	c := tinyConfigs()["qwen2-tied-gqa"]
	good := t.TempDir()
	m := randomModel(t, c, 1)
	if err := m.Save(good); err != nil {
		t.Fatal(err)
	}
	cfgRaw, _ := os.ReadFile(filepath.Join(good, "config.json"))
	stRaw, _ := os.ReadFile(filepath.Join(good, "model.safetensors"))
	tests := []struct {
		name   string
		config func(map[string]any)
		st     []byte
		want   string
	}{
		{"unknown architecture", func(c map[string]any) { c["architectures"] = []string{"GPT2LMHeadModel"} }, stRaw, "unknown architecture"},
		{"bad heads", func(c map[string]any) { c["num_key_value_heads"] = 3 }, stRaw, "multiple of num_key_value_heads"},
		{"rope type", func(c map[string]any) { c["rope_scaling"] = map[string]any{"rope_type": "yarn", "factor": 2} }, stRaw, "not supported"},
		{"shape mismatch", func(c map[string]any) { c["intermediate_size"] = 50 }, stRaw, "config.json implies"},
		{"config of a bigger model", func(c map[string]any) { c["hidden_size"] = 4096; c["intermediate_size"] = 11008 }, stRaw, "implies about"},
		{"truncated weights", nil, stRaw[:len(stRaw)-100], "model.safetensors"},
		{"untied needs lm_head", func(c map[string]any) { c["tie_word_embeddings"] = false }, stRaw, `no tensor "lm_head.weight"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var cfg map[string]any
			json.Unmarshal(cfgRaw, &cfg)
			if tt.config != nil {
				tt.config(cfg)
			}
			writeJSON(t, filepath.Join(dir, "config.json"), cfg)
			os.WriteFile(filepath.Join(dir, "model.safetensors"), tt.st, 0o644)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// An unexpected tensor is reported, not ignored.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), cfgRaw, 0o644)
	f, _ := safetensors.Open(filepath.Join(good, "model.safetensors"))
	var ts []safetensors.Tensor
	for _, info := range f.Tensors() {
		w, _ := f.Float32(info.Name)
		ts = append(ts, safetensors.Tensor{Name: info.Name, Shape: info.Shape, Data: w})
	}
	f.Close()
	ts = append(ts, safetensors.Tensor{Name: "model.extra.weight", Shape: []int{1}, Data: []float32{1}})
	safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), ts, nil)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "unexpected tensor") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, c := range tinyConfigs() {
		b, _ := json.Marshal(c)
		f.Add(b)
	}
	f.Add([]byte(`{"architectures":["LlamaForCausalLM"],"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":0,"vocab_size":4}`))
	f.Add([]byte(`{"architectures":["Qwen2ForCausalLM"],"rope_scaling":{"rope_type":"llama3"}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ParseConfig(raw)
		if err != nil {
			return
		}
		// A valid config must give consistent dimensions.
		if c.HeadDims() <= 0 || c.NumAttentionHeads%c.NumKeyValueHeads != 0 || c.paramCount() <= 0 {
			t.Fatalf("accepted inconsistent config %+v", c)
		}
		ropeInvFreq(c)
	})
}
