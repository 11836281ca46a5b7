package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata (fixtures and golden files from @huggingface/tokenizers)")

// spCorpus trains the SentencePiece-style fixtures. Letters such as q, x, z,
// digits, CJK and emoji are left out of the vocabulary on purpose, so byte
// fallback is exercised.
const spCorpus = `the cat sat on the mat and the dog sat on the log
a tokenizer turns the text into tokens and the tokens into ids
she sells sea shells by the sea shore the shells she sells are sea shells
hello world hello there the world is round and the world turns
Every Good Boy Does Fine, and Good dogs sit. Then they rest!`

// spVariants are the SentencePiece-BPE layouts Hugging Face writes: Llama 2
// / TinyLlama (Prepend + Replace normalizer, no pre-tokenizer), newer
// Llama-family conversions (Metaspace pre-tokenizer, prepend "first"), the
// older Metaspace that splits words (with a Metaspace decoder) and Gemma
// (Replace only, nothing prepended).
var spVariants = map[string]string{
	"sp-llama2": `"normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
  "pre_tokenizer": null,
  "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},`,
	"sp-metaspace": `"normalizer": null,
  "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false},
  "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},`,
	"sp-metaspace-split": `"normalizer": null,
  "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
  "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}]},`,
	"sp-gemma": `"normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
  "pre_tokenizer": null,
  "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]},`,
}

// spFixture writes a small SentencePiece-style BPE tokenizer.json: <unk>,
// <s>, </s>, the 256 <0xXX> byte tokens, the corpus's characters, then
// merges learned from the corpus (most frequent pair first, ties by text).
func spFixture(components string) []byte {
	const drop = "qxzQXZ0123456789"
	vocab := map[string]int{"<unk>": 0, "<s>": 1, "</s>": 2}
	var order []string
	add := func(s string) {
		if _, ok := vocab[s]; !ok {
			vocab[s] = len(vocab)
			order = append(order, s)
		}
	}
	for b := 0; b < 256; b++ {
		add(fmt.Sprintf("<0x%02X>", b))
	}
	var chars []string
	seen := map[rune]bool{}
	for _, r := range "▁" + strings.ReplaceAll(spCorpus, "\n", " ") {
		if r != ' ' && !seen[r] && !strings.ContainsRune(drop, r) {
			seen[r] = true
			chars = append(chars, string(r))
		}
	}
	sort.Strings(chars)
	for _, c := range chars {
		add(c)
	}
	var words [][]string
	for _, w := range strings.Fields(spCorpus) {
		var syms []string
		for _, r := range "▁" + w {
			syms = append(syms, string(r))
		}
		words = append(words, syms)
	}
	var merges [][2]string
	for len(merges) < 120 {
		counts := map[[2]string]int{}
		for _, w := range words {
			for i := 0; i+1 < len(w); i++ {
				if _, ok := vocab[w[i]]; ok {
					counts[[2]string{w[i], w[i+1]}]++
				}
			}
		}
		var best [2]string
		bestN := 1
		for p, n := range counts {
			if n > bestN || (n == bestN && bestN > 1 && p[0]+" "+p[1] < best[0]+" "+best[1]) {
				best, bestN = p, n
			}
		}
		if bestN < 2 {
			break
		}
		merges = append(merges, best)
		add(best[0] + best[1])
		for k, w := range words {
			var out []string
			for i := 0; i < len(w); i++ {
				if i+1 < len(w) && w[i] == best[0] && w[i+1] == best[1] {
					out = append(out, w[i]+w[i+1])
					i++
				} else {
					out = append(out, w[i])
				}
			}
			words[k] = out
		}
	}
	var b bytes.Buffer
	q := func(s string) string { j, _ := json.Marshal(s); return string(j) }
	b.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [\n")
	for i, s := range []string{"<unk>", "<s>", "</s>"} {
		sep := ","
		if i == 2 {
			sep = ""
		}
		fmt.Fprintf(&b, "    {\"id\": %d, \"content\": %s, \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}%s\n", i, q(s), sep)
	}
	b.WriteString("  ],\n  " + components + "\n  \"post_processor\": null,\n")
	b.WriteString("  \"model\": {\n    \"type\": \"BPE\", \"dropout\": null, \"unk_token\": \"<unk>\", \"continuing_subword_prefix\": null, \"end_of_word_suffix\": null,\n")
	b.WriteString("    \"fuse_unk\": true, \"byte_fallback\": true, \"ignore_merges\": false,\n    \"vocab\": {\n")
	all := append([]string{"<unk>", "<s>", "</s>"}, order...)
	for i, s := range all {
		sep := ","
		if i == len(all)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "      %s: %d%s\n", q(s), vocab[s], sep)
	}
	b.WriteString("    },\n    \"merges\": [\n")
	for i, m := range merges {
		sep := ","
		if i == len(merges)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "      %s%s\n", q(m[0]+" "+m[1]), sep) // the "a b" string encoding
	}
	b.WriteString("    ]\n  }\n}\n")
	return b.Bytes()
}

const spConfig = `{
  "add_bos_token": true,
  "add_eos_token": false,
  "bos_token": "<s>",
  "eos_token": "</s>",
  "unk_token": "<unk>",
  "clean_up_tokenization_spaces": false,
  "tokenizer_class": "LlamaTokenizer"
}
`

// spGoldenTexts are the texts whose reference ids are kept in testdata.
var spGoldenTexts = []string{
	"the cat sat on the mat",
	"Hello world",
	"  two leading spaces and trailing  ",
	"quiz 42 xyz",
	"你好 👍🏽 café",
	"<s>the dog</s> sat<unk>",
	"line\nbreak\ttab",
	"",
	" ",
	"bad \xff byte",
}

type golden struct {
	Text string  `json:"text"`
	IDs  []int32 `json:"ids"`
	Dec  string  `json:"decoded"`
}

// TestSentencePieceGolden checks the SentencePiece-BPE fixtures against
// ids recorded from @huggingface/tokenizers (go test -update re-records).
func TestSentencePieceGolden(t *testing.T) {
	for name, comps := range spVariants {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			gpath := filepath.Join(dir, "expected.jsonl")
			if *update {
				os.MkdirAll(dir, 0o755)
				os.WriteFile(filepath.Join(dir, "tokenizer.json"), spFixture(comps), 0o644)
				os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(spConfig), 0o644)
				ref := jsEncode(t, filepath.Join(dir, "tokenizer.json"), filepath.Join(dir, "tokenizer_config.json"), spGoldenTexts)
				var out bytes.Buffer
				for i, s := range spGoldenTexts {
					b, _ := json.Marshal(golden{s, ref[i].IDs, ref[i].Text})
					out.Write(append(b, '\n'))
				}
				os.WriteFile(gpath, out.Bytes(), 0o644)
			}
			tok, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(gpath)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			n := 0
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var g golden
				if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
					t.Fatal(err)
				}
				n++
				ids := tok.Encode(g.Text)
				if !equalIDs(ids, g.IDs) {
					t.Errorf("%q: go %v, reference %v", g.Text, ids, g.IDs)
					continue
				}
				if len(ids) > 0 {
					if dec := tok.Decode(ids); dec != g.Dec {
						t.Errorf("%q: decode %q, reference %q", g.Text, dec, g.Dec)
					}
				}
			}
			if n != len(spGoldenTexts) {
				t.Fatalf("%s has %d rows, want %d: run go test -update", gpath, n, len(spGoldenTexts))
			}
		})
	}
}

// TestSentencePieceMatchesReference runs the full comparison (shared data
// and edge cases) on each SentencePiece-BPE fixture.
func TestSentencePieceMatchesReference(t *testing.T) {
	texts := append(sharedTexts(t), edgeCases...)
	for name := range spVariants {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each waits on its own node process
			dir := filepath.Join("testdata", name)
			tok, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			ref := jsEncode(t, filepath.Join(dir, "tokenizer.json"), filepath.Join(dir, "tokenizer_config.json"), texts)
			compareWithReference(t, tok, texts, ref, false)
			// Lossless where no added token is written in the text (each
			// text segment gets its own prefix, as in Hugging Face), and, with
			// prepend_scheme "first", where the text does not start with a
			// space (the prefix is then not added, yet one space is stripped).
			checked := 0
			for _, s := range texts {
				if strings.Contains(s, "<s>") || strings.Contains(s, "</s>") || strings.Contains(s, "<unk>") || !utf8.ValidString(s) {
					continue
				}
				if strings.HasPrefix(name, "sp-metaspace") && strings.HasPrefix(s, " ") {
					continue
				}
				checked++
				if got := tok.Decode(tok.Encode(s)); got != s && s != "" {
					t.Errorf("decode(encode(%.60q)) = %.60q", s, got)
				}
			}
			t.Logf("%d texts identical to the reference, %d round-trip checked", len(texts), checked)
		})
	}
}

// TestSentencePieceAddedTokensMatchReference: a normalized added token is
// matched in its normalized spelling (with Llama 2's Prepend, "▁<extra>"),
// and unnormalized ones with lstrip/rstrip swallow the spaces beside them.
func TestSentencePieceAddedTokensMatchReference(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "sp-llama2", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	next := len(m["model"].(map[string]any)["vocab"].(map[string]any))
	tok := func(id int, content string, lstrip, rstrip, normalized bool) map[string]any {
		return map[string]any{"id": id, "content": content, "single_word": false, "lstrip": lstrip, "rstrip": rstrip, "normalized": normalized, "special": false}
	}
	m["added_tokens"] = append(m["added_tokens"].([]any),
		tok(next, "<extra>", false, false, true),
		tok(next+1, "<sp>", true, true, false))
	out, _ := json.Marshal(m)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tokenizer.json"), out, 0o644)
	os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(spConfig), 0o644)
	tk, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"hello <extra> world",
		"<extra>start",
		"a<extra>b",
		"the   <sp>   cat",
		"<sp>",
		"x <sp><extra> y",
	}
	if ids := tk.Encode("hello <extra> world"); !contains(ids, int32(next)) {
		t.Errorf("normalized added token not matched: %v", ids)
	}
	ref := jsEncode(t, filepath.Join(dir, "tokenizer.json"), filepath.Join(dir, "tokenizer_config.json"), texts)
	compareWithReference(t, tk, texts, ref, false)
	compareIDsWithRust(t, tk, texts, rustEncode(t, filepath.Join(dir, "tokenizer.json"), texts))
}
