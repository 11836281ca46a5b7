package score

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzConfigFile: any bytes as --config give a config or an error, never a
// panic, and an accepted config that validates survives a JSON round trip.
func FuzzConfigFile(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"lora_r": 8, "lr": 1e-3, "shuffle": false}`, `{"epochs": -1}`, `{"lora_rank": 8}`,
		`{"lr": "fast"}`, `[1,2]`, `{"max_rows": 1e99}`, `{"lr_scheduler": "cosine"}`, ``,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "cfg.json")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c := DefaultConfig()
		if err := readConfigFile(p, &c); err != nil {
			return
		}
		if c.Validate() != nil {
			return
		}
		if c.LoraR < 1 || c.Epochs < 1 || c.GradAccum < 1 || c.MaxSeqLen < 2 {
			t.Fatalf("Validate accepted %+v", c)
		}
	})
}
