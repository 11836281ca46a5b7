package tokenizer

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

// rustPackage is Hugging Face's own Node.js bindings of the Rust library:
// a second reference, and the one that decides where the JS port differs.
const rustPackage = "tokenizers@0.23.2"

const rustScript = `
const fs = require('fs');
const { Tokenizer } = require('tokenizers');
const lines = fs.readFileSync(0, 'utf8').split('\n');
const head = JSON.parse(lines[0]);
const tok = Tokenizer.fromFile(head.tokenizer);
const texts = lines.slice(1).filter(l => l !== '').map(l => JSON.parse(l));
(async () => {
  const encs = await tok.encodeBatch(texts, { addSpecialTokens: false });
  const out = [];
  for (const e of encs) {
    const ids = e.getIds();
    out.push(JSON.stringify({ ids, text: await tok.decode(ids, false) }));
  }
  process.stdout.write(out.join('\n') + '\n');
})();
`

// rustEncode encodes texts with the Rust library through its Node.js bindings.
func rustEncode(t *testing.T, tokenizerJSON string, texts []string) []jsResult {
	t.Helper()
	dir := testenv.NodeModules(t, rustPackage)
	tokenizerJSON, _ = filepath.Abs(tokenizerJSON)
	var in bytes.Buffer
	head, _ := json.Marshal(map[string]string{"tokenizer": tokenizerJSON})
	in.Write(append(head, '\n'))
	for _, s := range texts {
		b, _ := json.Marshal(s)
		in.Write(append(b, '\n'))
	}
	out := testenv.Node(t, dir, rustScript, in.Bytes())
	var res []jsResult
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var r jsResult
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("node output: %v: %.200s", err, line)
		}
		res = append(res, r)
	}
	if len(res) != len(texts) {
		t.Fatalf("node returned %d results for %d texts", len(res), len(texts))
	}
	return res
}

// TestMatchesRust compares with the Rust library itself on the Qwen3
// tokenizer and the SentencePiece fixtures, including the texts where the
// JS port differs from Rust (Unicode numerals under Digits, U+FEFF).
func TestMatchesRust(t *testing.T) {
	texts := append(sharedTexts(t), edgeCases...)
	qwen := filepath.Join(testenv.Shared(t), "tokenizers", "qwen3")
	dirs := map[string]string{"qwen3": qwen}
	for name := range spVariants {
		dirs[name] = filepath.Join("testdata", name)
	}
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each waits on its own node process
			tok, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			ref := rustEncode(t, filepath.Join(dir, "tokenizer.json"), texts)
			compareWithRust(t, tok, texts, ref, name == "qwen3")
		})
	}
}
