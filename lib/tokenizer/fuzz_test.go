package tokenizer

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzEncode: no input panics, every id is in the vocabulary, and the
// byte-level tokenizer round-trips (up to NFC) wherever no added token is
// written in the text.
func FuzzEncode(f *testing.F) {
	for _, s := range append(append([]string{}, edgeCases...), trainCorpus...) {
		f.Add([]byte(s))
	}
	f.Add([]byte("\xed\xa0\x80\xf4\x90\x80\x80<|im_end|>\u0338"))
	bl, err := FromJSON(addedFlagsJSON(f), nil)
	if err != nil {
		f.Fatal(err)
	}
	sp, err := Load(filepath.Join("testdata", "sp-llama2"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := string(data)
		for _, tok := range []*Tokenizer{bl, sp} {
			ids := tok.Encode(s)
			for _, id := range ids {
				if id < 0 || int(id) >= tok.VocabSize() {
					t.Fatalf("id %d outside the vocabulary (%d)", id, tok.VocabSize())
				}
			}
			dec := tok.Decode(ids)
			if !utf8.ValidString(dec) {
				t.Fatalf("Decode gave invalid UTF-8 %q", dec)
			}
		}
		if strings.Contains(s, "<") || strings.Contains(s, "[SEP]") || strings.Contains(s, "é!") {
			return
		}
		want := norm.NFC.String(ValidUTF8(s))
		if got := bl.Decode(bl.Encode(s)); got != want {
			t.Fatalf("round trip %q → %q, want %q", s, got, want)
		}
	})
}

// FuzzFromJSON: a corrupt tokenizer.json is an error, never a panic.
func FuzzFromJSON(f *testing.F) {
	f.Add(miniJSON(f, nil))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}`))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": -1}, "merges": [["a"]]}, "added_tokens": [null]}`))
	f.Add([]byte(`{"normalizer": {"type": "Sequence", "normalizers": [null, {"type": "Prepend"}]}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "("}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := FromJSON(data, data)
		if err != nil {
			return
		}
		ids := tok.Encode("Hello, world! 123 <|im_end|> ▁x")
		tok.Decode(ids)
	})
}
