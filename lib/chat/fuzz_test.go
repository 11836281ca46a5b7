package chat

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseRow: any line is a row or an error, never a panic; a parsed
// row encodes with labels that are either -100 or the input id.
func FuzzParseRow(f *testing.F) {
	rows, err := os.ReadFile(filepath.Join("testdata", "rows.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range splitLines(rows) {
		f.Add(line)
	}
	f.Add([]byte(`{"system": null, "conversations": [{"role": "user", "content": "<|im_end|>"}, {"role": "assistant", "content": "\u001c"}]}`))
	f.Add([]byte(`{"conversations": [{"role": 1}]}`))
	tok := load(f, modelDir(f, "qwen2", nil))
	tmpl, _ := Lookup("qwen")
	f.Fuzz(func(t *testing.T, line []byte) {
		row, err := ParseRow(line)
		if err != nil {
			return
		}
		ids, labels, err := Encode(tok, tmpl, row)
		if err != nil {
			return
		}
		if len(ids) != len(labels) {
			t.Fatalf("%d ids, %d labels", len(ids), len(labels))
		}
		for i := range ids {
			if labels[i] != Ignore && labels[i] != ids[i] {
				t.Fatalf("label %d at %d is neither -100 nor the id %d", labels[i], i, ids[i])
			}
		}
	})
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	start := 0
	for i, c := range b {
		if c == '\n' {
			out = append(out, b[start:i])
			start = i + 1
		}
	}
	if start < len(b) {
		out = append(out, b[start:])
	}
	return out
}
