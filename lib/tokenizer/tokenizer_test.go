package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// miniJSON is a tiny byte-level tokenizer with the given components.
func miniJSON(t testing.TB, edit func(m map[string]any)) []byte {
	t.Helper()
	tj, err := TrainByteLevelBPE(trainCorpus, 300, nil)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(tj, &m); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m)
	}
	out, _ := json.Marshal(m)
	return out
}

func TestUnsupportedComponentsAreNamed(t *testing.T) {
	tests := []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"normalizer", func(m map[string]any) { m["normalizer"] = map[string]any{"type": "BertNormalizer"} }, `normalizer "BertNormalizer"`},
		{"precompiled", func(m map[string]any) { m["normalizer"] = map[string]any{"type": "Precompiled"} }, `normalizer "Precompiled"`},
		{"pre_tokenizer", func(m map[string]any) { m["pre_tokenizer"] = map[string]any{"type": "Punctuation"} }, `pre_tokenizer "Punctuation"`},
		{"regex", func(m map[string]any) {
			m["pre_tokenizer"] = map[string]any{"type": "Split", "pattern": map[string]any{"Regex": `(?<=a)b`}, "behavior": "Isolated"}
		}, "unsupported regex"},
		{"model", func(m map[string]any) { m["model"].(map[string]any)["type"] = "WordPiece" }, `model "WordPiece"`},
		{"dropout", func(m map[string]any) { m["model"].(map[string]any)["dropout"] = 0.1 }, "dropout"},
		{"decoder", func(m map[string]any) { m["decoder"] = map[string]any{"type": "CTC"} }, `decoder "CTC"`},
		{"post_processor", func(m map[string]any) { m["post_processor"] = map[string]any{"type": "Weird"} }, `post_processor "Weird"`},
		{"merge", func(m map[string]any) { m["model"].(map[string]any)["merges"] = []any{"a b c"} }, "merges[0]"},
	}
	for _, tt := range tests {
		_, err := FromJSON(miniJSON(t, tt.edit), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one naming %s", tt.name, err, tt.want)
		}
	}
}

// TestMergeEncodings: merges written as "a b" strings and as pairs load alike.
func TestMergeEncodings(t *testing.T) {
	pairs, err := FromJSON(miniJSON(t, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	strs, err := FromJSON(miniJSON(t, func(m map[string]any) {
		mm := m["model"].(map[string]any)
		var out []any
		for _, p := range mm["merges"].([]any) {
			pp := p.([]any)
			out = append(out, pp[0].(string)+" "+pp[1].(string))
		}
		mm["merges"] = out
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(trainCorpus, edgeCases...) {
		a, b := pairs.Encode(s), strs.Encode(s)
		if !equalIDs(a, b) {
			t.Fatalf("%q: pairs %v, strings %v", s, a, b)
		}
	}
}

func TestIgnoreMerges(t *testing.T) {
	// With ignore_merges a piece found whole in the vocabulary is one token
	// even where the merges would build it differently; Llama 3 sets it.
	tok, err := FromJSON(miniJSON(t, func(m map[string]any) {
		mm := m["model"].(map[string]any)
		mm["ignore_merges"] = true
		mm["vocab"].(map[string]any)["Ġunmergeable"] = 5000
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ids := tok.Encode(" unmergeable"); len(ids) != 1 || ids[0] != 5000 {
		t.Errorf("ignore_merges: %v, want [5000]", ids)
	}
}

// addedFlagsJSON adds tokens exercising lstrip, rstrip, normalized and
// non-special added tokens to the mini tokenizer.
func addedFlagsJSON(t testing.TB) []byte {
	return miniJSON(t, func(m map[string]any) {
		added := m["added_tokens"].([]any)
		tok := func(id int, content string, lstrip, rstrip, normalized, special bool) map[string]any {
			return map[string]any{"id": id, "content": content, "single_word": false, "lstrip": lstrip, "rstrip": rstrip, "normalized": normalized, "special": special}
		}
		added = append(added,
			tok(300, "<mask>", true, false, false, true),
			tok(301, "[SEP]", false, true, false, true),
			tok(302, "é!", false, false, true, false), // matched after NFC
			tok(303, "<tool>", false, false, false, false),
		)
		m["added_tokens"] = added
	})
}

var addedTexts = []string{
	"fill   <mask>   here",
	"a [SEP]   b [SEP]\n\nc",
	"cafe\u0301! caf\u00e9!",
	"<tool>call</tool> <tool><tool>",
	"<mask><mask>[SEP][SEP]",
	"<|im_start|>system\nYou are<|im_end|>",
	"   <mask>",
	"[SEP]   ",
}

func TestAddedTokenFlagsMatchReference(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tokenizer.json"), addedFlagsJSON(t), 0o644)
	os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), ByteLevelConfigJSON(nil), 0o644)
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := tok.Encode("fill   <mask>   here")
	if !contains(ids, 300) {
		t.Errorf("<mask> not matched: %v", ids)
	}
	if ids := tok.Encode("cafe\u0301!"); !contains(ids, 302) {
		t.Errorf("normalized added token not matched after NFC: %v", ids)
	}
	ref := jsEncode(t, filepath.Join(dir, "tokenizer.json"), filepath.Join(dir, "tokenizer_config.json"), addedTexts)
	compareWithReference(t, tok, addedTexts, ref, false)
	compareIDsWithRust(t, tok, addedTexts, rustEncode(t, filepath.Join(dir, "tokenizer.json"), addedTexts))
}

func contains(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestAPI(t *testing.T) {
	tok, err := FromJSON(miniJSON(t, nil), ByteLevelConfigJSON(nil))
	if err != nil {
		t.Fatal(err)
	}
	id, ok := tok.TokenID("<|im_end|>")
	if !ok {
		t.Fatal("TokenID(<|im_end|>) missing")
	}
	if s, ok := tok.IDToken(id); !ok || s != "<|im_end|>" {
		t.Errorf("IDToken(%d) = %q, %v", id, s, ok)
	}
	if _, ok := tok.IDToken(-1); ok {
		t.Error("IDToken(-1) found")
	}
	if _, ok := tok.TokenID("no such token"); ok {
		t.Error("TokenID of an absent token found")
	}
	if got := tok.Tokens([]int32{id, 1 << 20}); got[0] != "<|im_end|>" || got[1] != "" {
		t.Errorf("Tokens = %q", got)
	}
	if tok.Decode([]int32{1 << 20}) != "" {
		t.Error("unknown ids must be skipped by Decode")
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("Load of an empty directory: want an error")
	}
}

func TestSingleWordAddedToken(t *testing.T) {
	tok, err := FromJSON(miniJSON(t, func(m map[string]any) {
		m["added_tokens"] = append(m["added_tokens"].([]any), map[string]any{
			"id": 300, "content": "cat", "single_word": true, "lstrip": false, "rstrip": false, "normalized": false, "special": false})
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ids := tok.Encode("a cat sat"); !contains(ids, 300) {
		t.Errorf("whole word: %v", ids)
	}
	if ids := tok.Encode("concatenate"); contains(ids, 300) {
		t.Errorf("inside a word: %v", ids)
	}
}

func TestEncodeBatch(t *testing.T) {
	tok, err := FromJSON(miniJSON(t, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	texts := append(append([]string{}, edgeCases...), trainCorpus...)
	for _, threads := range []int{0, 1, 3} {
		got := tok.EncodeBatch(texts, threads)
		for i, s := range texts {
			if !equalIDs(got[i], tok.Encode(s)) {
				t.Fatalf("threads %d, text %d: batch %v, single %v", threads, i, got[i], tok.Encode(s))
			}
		}
	}
	if len(tok.EncodeBatch(nil, 4)) != 0 {
		t.Error("empty batch")
	}
}

// TestCacheDoesNotChangeResults: a second pass (every word from the cache)
// and a parallel pass give the ids of the first.
func TestCacheDoesNotChangeResults(t *testing.T) {
	tok, err := Load(filepath.Join("testdata", "sp-llama2"))
	if err != nil {
		t.Fatal(err)
	}
	bl, err := FromJSON(addedFlagsJSON(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	texts := append(append([]string{}, edgeCases...), trainCorpus...)
	for _, tk := range []*Tokenizer{tok, bl} {
		first := make([][]int32, len(texts))
		for i, s := range texts {
			first[i] = tk.Encode(s)
		}
		batch := tk.EncodeBatch(texts, 4)
		for i, s := range texts {
			if again := tk.Encode(s); !equalIDs(again, first[i]) || !equalIDs(batch[i], first[i]) {
				t.Fatalf("%q: first %v, again %v, batch %v", s, first[i], again, batch[i])
			}
		}
	}
}
