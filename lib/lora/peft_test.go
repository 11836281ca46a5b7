package lora

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// An adapter_config.json as a recent peft (0.19) writes it, with every
// field that version has, parses to the right Config.
func TestParsePeftConfig(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "peft-0.19-adapter_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseModel != "Qwen/Qwen2.5-1.5B-Instruct" || c.R != 16 || c.Alpha != 32 || c.Dropout != 0.1 || len(c.Targets) != 7 || !c.Targeted("model.layers.3.mlp.down_proj") || c.Targeted("lm_head") {
		t.Errorf("config %+v", c)
	}
	bad := map[string]string{
		`"rank_pattern": {}`:      `"rank_pattern": {"q_proj": 8}`,
		`"alpha_pattern": {}`:     `"alpha_pattern": {"v_proj": 4}`,
		`"use_rslora": false`:     `"use_rslora": true`,
		`"lora_bias": false`:      `"lora_bias": true`,
		`"peft_type": "LORA"`:     `"peft_type": "IA3"`,
		`"r": 16`:                 `"r": 0`,
		`"lora_dropout": 0.1`:     `"lora_dropout": 1.5`,
		`"target_modules": [`:     `"target_modules": [3, `,
		`"bias": "none"`:          `"bias": "all"`,
		`"fan_in_fan_out": false`: `"fan_in_fan_out": true`,
	}
	for from, to := range bad {
		edited := strings.Replace(string(raw), from, to, 1)
		if edited == string(raw) {
			t.Fatalf("fixture lacks %s", from)
		}
		if _, err := ParseConfig([]byte(edited)); err == nil {
			t.Errorf("%s accepted", to)
		}
	}
}

// The adapter_config.json Save writes is pinned by a golden file
// (go test -run Golden ./lib/lora -update rewrites it).
func TestSavedConfigGolden(t *testing.T) {
	a, _ := New(fakeBase{}, Config{R: 16, Alpha: 32, Dropout: 0.1, BaseModel: "Qwen/Qwen2.5-0.5B"}, 1)
	dir := t.TempDir()
	if err := a.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "adapter_config.json"))
	golden := filepath.Join("testdata", "saved-adapter_config.json")
	if *update {
		os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("adapter_config.json changed:\n%s\nwant:\n%s", got, want)
	}
	if _, err := ParseConfig(got); err != nil {
		t.Errorf("own output does not parse: %v", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	raw, _ := os.ReadFile(filepath.Join("testdata", "peft-0.19-adapter_config.json"))
	f.Add(raw)
	f.Add([]byte(`{"r": 4, "lora_alpha": 8, "target_modules": "all-linear"}`))
	f.Add([]byte(`{"r": -1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err != nil {
			return
		}
		if c.R <= 0 || c.Dropout < 0 || c.Dropout >= 1 {
			t.Fatalf("accepted invalid config %+v", c)
		}
	})
}
