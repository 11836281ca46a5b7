package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

// FuzzScanVocab: on valid JSON the fast scanner either declines (errShape)
// or agrees with encoding/json.
func FuzzScanVocab(f *testing.F) {
	f.Add([]byte(`{"a": 0, "b\"\\": 1, "\u0120x": 2}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"a": 1.0}`))
	f.Add([]byte(`{"a": 99999999999}`))
	f.Add([]byte(` { "a" : -3 , "a" : 4 } `))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		got, err := scanVocab(raw)
		if err != nil {
			return
		}
		var want map[string]int32
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("scanner accepted %q, encoding/json: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scanner %v, encoding/json %v", raw, got, want)
		}
	})
}

func FuzzScanMerges(f *testing.F) {
	f.Add([]byte(`["a b", "c d"]`))
	f.Add([]byte(`[["a", "b"], ["\u0120", "\\"]]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[["a", "b"], "c d"]`))
	f.Add([]byte(`[["a"]]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		strs, pairs, err := scanMerges(raw)
		if err != nil {
			return
		}
		if pairs != nil {
			var want [][]string
			if err := json.Unmarshal(raw, &want); err != nil || len(want) != len(pairs) {
				t.Fatalf("%q: scanner pairs %v, encoding/json %v %v", raw, pairs, want, err)
			}
			for i := range want {
				if len(want[i]) != 2 || want[i][0] != pairs[i][0] || want[i][1] != pairs[i][1] {
					t.Fatalf("%q: pair %d: %v vs %v", raw, i, pairs[i], want[i])
				}
			}
			return
		}
		var want []string
		if err := json.Unmarshal(raw, &want); err != nil || !reflect.DeepEqual(strs, want) && len(want) > 0 {
			t.Fatalf("%q: scanner %v, encoding/json %v %v", raw, strs, want, err)
		}
	})
}

// TestScannersOnRealFiles: the fast path agrees with encoding/json on the
// Qwen3 tokenizer (pairs) and the SentencePiece fixture (strings).
func TestScannersOnRealFiles(t *testing.T) {
	t.Run("sp-llama2", func(t *testing.T) { checkScanners(t, filepath.Join("testdata", "sp-llama2", "tokenizer.json")) })
	t.Run("qwen3", func(t *testing.T) {
		checkScanners(t, filepath.Join(testenv.Shared(t), "tokenizers", "qwen3", "tokenizer.json"))
	})
}

func checkScanners(t *testing.T, p string) {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Model struct {
			Vocab  json.RawMessage
			Merges json.RawMessage
		}
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	got, err := scanVocab(spec.Model.Vocab)
	if err != nil {
		t.Fatalf("%s: scanVocab: %v", p, err)
	}
	var want map[string]int32
	json.Unmarshal(spec.Model.Vocab, &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: vocab differs from encoding/json", p)
	}
	if _, _, err := scanMerges(spec.Model.Merges); err != nil {
		t.Errorf("%s: scanMerges: %v", p, err)
	}
}
