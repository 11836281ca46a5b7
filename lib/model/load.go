package model

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flock-off/ff/lib/safetensors"
)

// Load reads a Hugging Face checkpoint directory: config.json plus
// model.safetensors or a sharded model.safetensors.index.json. Tensors may be
// F32, BF16 or F16; each is converted to float32 once and its mapped pages
// released, so the file and the float32 copy are not both resident.
func Load(dir string) (*Model, error) {
	c, err := ReadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	files, where, err := openCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	// Allocate only what the checkpoint can fill: a config.json that does
	// not belong to these files fails here, not by running out of memory.
	var have int64
	for _, f := range files {
		for _, t := range f.Tensors() {
			have += int64(t.Elems())
		}
	}
	if need := c.paramCount(); need > have+have/8+1<<20 {
		return nil, fmt.Errorf("%s: config.json implies about %d weights, the checkpoint holds %d", dir, need, have)
	}
	m, err := newModel(c)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, p := range m.Params(nil) {
		want[p.Name] = true
		f := where[p.Name]
		if f == nil {
			return nil, fmt.Errorf("%s: checkpoint has no tensor %q", dir, p.Name)
		}
		info, _ := f.Info(p.Name)
		if want := m.shapeOf(p.Name, len(p.W)); !sameShape(info.Shape, want) {
			return nil, fmt.Errorf("%s: tensor %q has shape %v, config.json implies %v", f.Path, p.Name, info.Shape, want)
		}
		if err := f.Float32Into(p.Name, p.W); err != nil {
			return nil, err
		}
		f.Release(p.Name)
	}
	for name, f := range where {
		if want[name] || strings.HasSuffix(name, "rotary_emb.inv_freq") || (name == "lm_head.weight" && c.TieWordEmbeddings) {
			continue
		}
		return nil, fmt.Errorf("%s: unexpected tensor %q for %s", f.Path, name, c.Arch())
	}
	return m, nil
}

// openCheckpoint opens the safetensors files of dir and maps each tensor
// name to the file holding it.
func openCheckpoint(dir string) ([]*safetensors.File, map[string]*safetensors.File, error) {
	var names []string
	index := filepath.Join(dir, "model.safetensors.index.json")
	if raw, err := os.ReadFile(index); err == nil {
		var idx struct {
			WeightMap map[string]string `json:"weight_map"`
		}
		if err := json.Unmarshal(raw, &idx); err != nil {
			return nil, nil, fmt.Errorf("%s: %v", index, err)
		}
		seen := map[string]bool{}
		for _, f := range idx.WeightMap {
			if !seen[f] {
				seen[f] = true
				names = append(names, f)
			}
		}
		sort.Strings(names)
	} else if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err == nil {
		names = []string{"model.safetensors"}
	} else {
		return nil, nil, fmt.Errorf("%s: neither model.safetensors nor model.safetensors.index.json", dir)
	}
	var files []*safetensors.File
	where := map[string]*safetensors.File{}
	for _, n := range names {
		f, err := safetensors.Open(filepath.Join(dir, n))
		if err != nil {
			for _, g := range files {
				g.Close()
			}
			return nil, nil, err
		}
		files = append(files, f)
		for _, t := range f.Tensors() {
			if prev := where[t.Name]; prev != nil {
				return nil, nil, fmt.Errorf("%s: tensor %q also in %s", f.Path, t.Name, prev.Path)
			}
			where[t.Name] = f
		}
	}
	return files, where, nil
}

// Save writes config.json and model.safetensors (float32) into dir.
func (m *Model) Save(dir string) error { return m.SaveAs(dir, safetensors.F32) }

// SaveAs is Save with the tensors stored as dtype (F32, BF16 or F16).
func (m *Model) SaveAs(dir string, dtype safetensors.DType) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	c := m.Config
	c.Architectures = []string{m.Family.Arch}
	c.TorchDtype = map[safetensors.DType]string{safetensors.F32: "float32", safetensors.BF16: "bfloat16", safetensors.F16: "float16"}[dtype]
	js, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	var ts []safetensors.Tensor
	for _, p := range m.Params(nil) {
		ts = append(ts, safetensors.Tensor{Name: p.Name, DType: dtype, Shape: m.shapeOf(p.Name, len(p.W)), Data: p.W})
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), ts, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), append(js, '\n'), 0o644)
}

// shapeOf gives the PyTorch shape of a named parameter with n elements.
func (m *Model) shapeOf(name string, n int) []int {
	H := m.Config.HiddenSize
	switch {
	case strings.HasSuffix(name, "norm.weight") || strings.HasSuffix(name, ".bias"):
		return []int{n}
	case name == "model.embed_tokens.weight" || name == "lm_head.weight":
		return []int{m.Config.VocabSize, H}
	}
	for i := range m.Layers {
		for _, l := range m.Layers[i].linears() {
			if l.Name+".weight" == name {
				return []int{l.Out, l.In}
			}
		}
	}
	return []int{n}
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
