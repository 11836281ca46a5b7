package lora

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/safetensors"
)

// fakeBase is a two-layer model's linear layers.
type fakeBase struct{}

func (fakeBase) Sites() []Site {
	var s []Site
	for i := 0; i < 2; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		s = append(s,
			Site{p + "self_attn.q_proj", 8, 8}, Site{p + "self_attn.k_proj", 8, 4}, Site{p + "self_attn.v_proj", 8, 4},
			Site{p + "self_attn.o_proj", 8, 8}, Site{p + "mlp.gate_proj", 8, 12}, Site{p + "mlp.up_proj", 8, 12}, Site{p + "mlp.down_proj", 12, 8})
	}
	return s
}

func TestNewInitialisesLikePeft(t *testing.T) {
	a, err := New(fakeBase{}, Config{R: 4, Alpha: 8, Dropout: 0.1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Modules) != 14 || a.Scale() != 2 {
		t.Fatalf("%d modules, scale %v", len(a.Modules), a.Scale())
	}
	for _, m := range a.Modules {
		bound := 1 / math.Sqrt(float64(m.In))
		var maxAbs float64
		for _, v := range m.A {
			maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
		}
		if maxAbs > bound || maxAbs < bound/4 {
			t.Errorf("%s: max |A| = %v, want U(±%v)", m.Name, maxAbs, bound)
		}
		for _, v := range m.B {
			if v != 0 {
				t.Fatalf("%s: B not zero", m.Name)
			}
		}
	}
	b, _ := New(fakeBase{}, Config{R: 4, Alpha: 8}, 1)
	if b.Modules[3].A[5] != a.Modules[3].A[5] {
		t.Error("same seed, different adapter")
	}
	only, _ := New(fakeBase{}, Config{R: 2, Alpha: 2, Targets: []string{"q_proj", "v_proj"}}, 1)
	if len(only.Modules) != 4 || only.Module("model.layers.1.self_attn.v_proj") == nil || only.Module("model.layers.1.mlp.up_proj") != nil {
		t.Errorf("targets q_proj,v_proj: %d modules", len(only.Modules))
	}
	if _, err := New(fakeBase{}, Config{R: 0}, 1); err == nil {
		t.Error("r = 0 accepted")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	a, _ := New(fakeBase{}, Config{R: 4, Alpha: 16, Dropout: 0.05}, 3)
	for i, m := range a.Modules {
		for j := range m.B {
			m.B[j] = float32(i*100+j) * 1e-3
		}
	}
	dir := t.TempDir()
	if err := a.Save(dir); err != nil {
		t.Fatal(err)
	}
	b, err := Load(dir, fakeBase{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Config.R != 4 || b.Config.Alpha != 16 || b.Config.Dropout != 0.05 || len(b.Modules) != len(a.Modules) {
		t.Fatalf("config %+v, %d modules", b.Config, len(b.Modules))
	}
	pa, pb := a.Params(nil), b.Params(nil)
	for i := range pa {
		if pa[i].Name != pb[i].Name {
			t.Fatalf("param %d: %s vs %s", i, pa[i].Name, pb[i].Name)
		}
		for j := range pa[i].W {
			if math.Float32bits(pa[i].W[j]) != math.Float32bits(pb[i].W[j]) {
				t.Fatalf("%s[%d] changed", pa[i].Name, j)
			}
		}
	}
	// The file uses peft's key names and shapes.
	f, err := safetensors.Open(filepath.Join(dir, "adapter_model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, ok := f.Info("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight")
	if !ok || info.Shape[0] != 4 || info.Shape[1] != 12 {
		t.Errorf("down_proj lora_A: %+v %v", info, ok)
	}
	var cfg map[string]any
	raw, _ := os.ReadFile(filepath.Join(dir, "adapter_config.json"))
	json.Unmarshal(raw, &cfg)
	if cfg["peft_type"] != "LORA" || cfg["r"] != 4.0 || cfg["lora_alpha"] != 16.0 || cfg["task_type"] != "CAUSAL_LM" {
		t.Errorf("adapter_config.json = %s", raw)
	}
}

func TestLoadErrors(t *testing.T) {
	a, _ := New(fakeBase{}, Config{R: 4, Alpha: 8}, 1)
	good := t.TempDir()
	a.Save(good)
	cfgRaw, _ := os.ReadFile(filepath.Join(good, "adapter_config.json"))
	write := func(cfgEdit func(map[string]any), tensors []safetensors.Tensor) string {
		dir := t.TempDir()
		var cfg map[string]any
		json.Unmarshal(cfgRaw, &cfg)
		if cfgEdit != nil {
			cfgEdit(cfg)
		}
		b, _ := json.Marshal(cfg)
		os.WriteFile(filepath.Join(dir, "adapter_config.json"), b, 0o644)
		safetensors.WriteFile(filepath.Join(dir, "adapter_model.safetensors"), tensors, nil)
		return dir
	}
	q := "base_model.model.model.layers.0.self_attn.q_proj"
	tests := []struct {
		name string
		dir  string
		want string
	}{
		{"dora", write(func(c map[string]any) { c["use_dora"] = true }, nil), "not supported"},
		{"unknown module", write(nil, []safetensors.Tensor{{Name: "base_model.model.model.layers.9.mlp.up_proj.lora_A.weight", Shape: []int{4, 8}, Data: make([]float32, 32)}}), "no linear layer"},
		{"bad key", write(nil, []safetensors.Tensor{{Name: "weird", Shape: []int{1}, Data: []float32{0}}}), "unexpected tensor"},
		{"bad shape", write(nil, []safetensors.Tensor{{Name: q + ".lora_A.weight", Shape: []int{2, 8}, Data: make([]float32, 16)}}), "want [4 8]"},
		{"half missing", write(nil, []safetensors.Tensor{{Name: q + ".lora_A.weight", Shape: []int{4, 8}, Data: make([]float32, 32)}}), "only one of"},
	}
	for _, tt := range tests {
		if _, err := Load(tt.dir, fakeBase{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}
