package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

// The generator is deterministic: two builds (a short pre-training on a few
// rows, at different thread counts) give byte-identical files, and the
// tokenizer it learns is the one bundled in testdata/tiny.
func TestBuildIsDeterministic(t *testing.T) {
	root := testenv.RepoRoot(t)
	corpus := filepath.Join(root, "testdata", "tiny", "corpus")
	a, b := t.TempDir(), t.TempDir()
	if err := build(corpus, a, 1, 2, 24); err != nil {
		t.Fatal(err)
	}
	if err := build(corpus, b, 1, 1, 24); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, _ := os.ReadFile(filepath.Join(b, f))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two builds", f)
		}
	}
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json", "config.json"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, err := os.ReadFile(filepath.Join(root, "testdata", "tiny", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("testdata/tiny/%s is not what mktiny builds: run go run ./lib/internal/mktiny", f)
		}
	}
}
