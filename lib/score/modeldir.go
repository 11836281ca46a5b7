package score

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// modelDir is what ff-score checks of a model directory before loading it.
type modelDir struct {
	Dir       string
	VocabSize int
	Weights   []string // safetensors files, in index order
}

// checkModelDir names every missing file at once, so a user fixes a
// directory in one go.
func checkModelDir(dir string) (*modelDir, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--model %s: not a directory", dir)
	}
	var missing []string
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	for _, f := range []string{"config.json", "tokenizer.json"} {
		if !exists(f) {
			missing = append(missing, f)
		}
	}
	md := &modelDir{Dir: dir}
	switch {
	case exists("model.safetensors"):
		md.Weights = []string{"model.safetensors"}
	case exists("model.safetensors.index.json"):
		shards, err := indexShards(filepath.Join(dir, "model.safetensors.index.json"))
		if err != nil {
			return nil, err
		}
		for _, s := range shards {
			if !exists(s) {
				missing = append(missing, s)
			}
		}
		md.Weights = shards
	default:
		missing = append(missing, "model.safetensors (or model.safetensors.index.json)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("--model %s: missing %s", dir, strings.Join(missing, ", "))
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	var cfg struct {
		VocabSize int `json:"vocab_size"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, "config.json"), err)
	}
	if cfg.VocabSize <= 0 {
		return nil, fmt.Errorf("%s: no vocab_size", filepath.Join(dir, "config.json"))
	}
	md.VocabSize = cfg.VocabSize
	return md, nil
}

func indexShards(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	seen := map[string]bool{}
	var shards []string
	for _, f := range idx.WeightMap {
		if !seen[f] {
			seen[f] = true
			shards = append(shards, f)
		}
	}
	sort.Strings(shards)
	if len(shards) == 0 {
		return nil, fmt.Errorf("%s: empty weight_map", path)
	}
	return shards, nil
}

// SHA256 is the hash of the weights: of model.safetensors, or of the shards
// concatenated in name order.
func (m *modelDir) SHA256() (string, error) {
	h := sha256.New()
	for _, w := range m.Weights {
		f, err := os.Open(filepath.Join(m.Dir, w))
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %v", w, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkAdapterDir checks that dir holds a peft adapter.
func checkAdapterDir(dir string) error {
	var missing []string
	for _, f := range []string{"adapter_config.json", "adapter_model.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("--adapter-in %s: missing %s (a peft adapter directory)", dir, strings.Join(missing, ", "))
	}
	return nil
}
