package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/flock-off/ff/lib/internal/testenv"
)

// jsPackage is the reference implementation the tests compare with.
const jsPackage = "@huggingface/tokenizers@0.2.0"

// jsScript encodes each JSON-string line of stdin with the tokenizer named
// on the first line and prints {"ids": [...], "text": decode(ids)} per line.
const jsScript = `
const fs = require('fs');
const { Tokenizer } = require('@huggingface/tokenizers');
const lines = fs.readFileSync(0, 'utf8').split('\n');
const head = JSON.parse(lines[0]);
const cfg = head.config ? JSON.parse(fs.readFileSync(head.config, 'utf8')) : {};
const tok = new Tokenizer(JSON.parse(fs.readFileSync(head.tokenizer, 'utf8')), cfg);
const out = [];
for (const line of lines.slice(1)) {
  if (line === '') continue;
  const ids = tok.encode(JSON.parse(line), { add_special_tokens: false }).ids;
  const text = ids.length ? tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false }) : '';
  out.push(JSON.stringify({ ids, text }));
}
process.stdout.write(out.join('\n') + '\n');
`

type jsResult struct {
	IDs  []int32 `json:"ids"`
	Text string  `json:"text"`
}

// jsEncode encodes texts with @huggingface/tokenizers (installing it once
// per machine; skipped only when npm cannot be reached).
func jsEncode(t *testing.T, tokenizerJSON, configJSON string, texts []string) []jsResult {
	t.Helper()
	dir := testenv.NodeModules(t, jsPackage)
	tokenizerJSON, _ = filepath.Abs(tokenizerJSON) // node runs elsewhere
	configJSON, _ = filepath.Abs(configJSON)
	var in bytes.Buffer
	head, _ := json.Marshal(map[string]string{"tokenizer": tokenizerJSON, "config": configJSON})
	in.Write(head)
	in.WriteByte('\n')
	for _, s := range texts {
		b, _ := json.Marshal(s) // invalid UTF-8 becomes U+FFFD per byte, as ValidUTF8 does
		in.Write(b)
		in.WriteByte('\n')
	}
	out := testenv.Node(t, dir, jsScript, in.Bytes())
	var res []jsResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	for sc.Scan() {
		var r jsResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("node output: %v: %.200s", err, sc.Text())
		}
		res = append(res, r)
	}
	if len(res) != len(texts) {
		t.Fatalf("node returned %d results for %d texts", len(res), len(texts))
	}
	return res
}

// sharedTexts is every string value of every row of ../shared/data/real.
func sharedTexts(t testing.TB) []string {
	t.Helper()
	root := filepath.Join(testenv.Shared(t), "data", "real")
	var texts []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".jsonl") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			var v any
			if json.Unmarshal(line, &v) == nil {
				texts = collectStrings(texts, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) == 0 {
		t.Fatalf("no texts under %s", root)
	}
	return texts
}

func collectStrings(dst []string, v any) []string {
	switch x := v.(type) {
	case string:
		if x != "" {
			dst = append(dst, x)
		}
	case []any:
		for _, e := range x {
			dst = collectStrings(dst, e)
		}
	case map[string]any:
		for _, e := range x {
			dst = collectStrings(dst, e)
		}
	}
	return dst
}

// edgeCases are the texts where tokenizers usually disagree.
var edgeCases = []string{
	"",
	" ",
	"Hello world",
	" Hello  world ",
	"你好，世界！这是一个测试。日本語のテキストも。한국어 텍스트",
	"👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs, ❤️",
	"e\u0301 cafe\u0301 n\u0303 \u0041\u030A a\u0308\u0304", // combining marks (NFC composes some)
	"Ǆ ǅ ǆ ﬁ ① ² ½ Ⅻ",
	"\t\t  \n\n\n   x    \n \r\n\r\n  \t",
	strings.Repeat(" ", 100) + "end",
	strings.Repeat("\n", 40),
	"      leading and trailing      ",
	"0123456789 12345678901234567890 3.14159 1,000,000 -42 ٣٤٥ ४२",
	"line one\r\nline two\r\n\r\nline three\rfour\n",
	"Hi<|im_start|>user\nsecret<|im_end|><|endoftext|>tail",
	"<|im_start|><|im_start|> <|im_end|>  <|endoftext|>\n",
	"<think>reasoning</think> <tool_call>{\"a\":1}</tool_call>",
	"<|im_start", "|im_end|>", "<|imstart|>",
	"bad \xff\xfe bytes \xc3\x28 and \xe2\x82 cut",
	"I'm you're we've they'll she'd it's DON'T I'M 'S 'tis",
	"don't\u2019s rock'n'roll ''quoted''",
	"a\u00a0b\u2003c\u3000d\u200be\ufeff f\u0085g",
	"x = [1, 2, 3]; y = {\"k\": 'v'} // comment\n\tif (a && b || !c) { return; }",
	"https://example.com/path?q=1&x=%20#frag user@mail.org",
	"Ünïcödé ÀÉÎÕÜ ŒœßẞİI ſ K Ω",
	"\x00\x01\x1f\x7f control",
	"A" + strings.Repeat("a", 500),
	strings.Repeat("ab ", 300),
	"!!!???...,,,;;;:::---___***",
	"mixed123abc456 v2.0.1 COVID-19 H2O",
	"Русский текст, ελληνικά, עברית, العربية, हिन्दी, ไทย",
	"'s's's",
	"\u2028\u2029 separators",
	"x'ſ y'K z'LL", // ſ and the Kelvin sign fold to s and k in full Unicode case folding
	"x\u0085\u0085y \u00a0\u00a0word  \u00a0\n x \u3000\n",
	"tabs\t\t\tand\v\fvertical",
	"a\x1c\x1d b\x1e\x1f c",                       // separators Python strips but \s does not match
	"x\U0001E030\U0001E031y z\U00011F04w \u0CF3a", // Unicode 15 letters and marks
	"q\u1C89r s\U00010D40t n\U0001CCF0m",          // Unicode 16 additions: unassigned to Go's 15.0 tables
	"\u180Ex \u180E y a\u2060b \U0001FAE8",        // format characters, newer emoji
}

func TestQwen3MatchesReference(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "tokenizers", "qwen3")
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	texts := append(sharedTexts(t), edgeCases...)
	ref := jsEncode(t, filepath.Join(dir, "tokenizer.json"), filepath.Join(dir, "tokenizer_config.json"), texts)
	compareWithReference(t, tok, texts, ref, true)
	t.Logf("%d texts (%d from ../shared, %d edge cases) encode identically", len(texts), len(texts)-len(edgeCases), len(edgeCases))
}

// compareWithReference requires identical ids and decodings, and, when the
// tokenizer is lossless, decode(encode(x)) == the normalized x.
func compareWithReference(t *testing.T, tok *Tokenizer, texts []string, ref []jsResult, lossless bool) {
	t.Helper()
	compare(t, tok, texts, ref, lossless, true)
}

// compareWithRust is compareWithReference against the Rust library, with no
// allowance for the JS port's decoding of U+FEFF.
func compareWithRust(t *testing.T, tok *Tokenizer, texts []string, ref []jsResult, lossless bool) {
	t.Helper()
	compare(t, tok, texts, ref, lossless, false)
}

// compareIDsWithRust compares ids only: how added tokens decode has changed
// between Rust releases (a normalized added token may decode in its
// normalized spelling, a byte-level one through the byte map).
func compareIDsWithRust(t *testing.T, tok *Tokenizer, texts []string, ref []jsResult) {
	t.Helper()
	for i, text := range texts {
		if ids := tok.Encode(text); !equalIDs(ids, ref[i].IDs) {
			t.Errorf("text %d %.120q:\n go   %v\n rust %v", i, text, head(ids), head(ref[i].IDs))
		}
	}
}

func compare(t *testing.T, tok *Tokenizer, texts []string, ref []jsResult, lossless, jsPort bool) {
	t.Helper()
	bad := 0
	for i, text := range texts {
		ids := tok.Encode(text)
		if !equalIDs(ids, ref[i].IDs) {
			bad++
			if bad <= 5 {
				t.Errorf("text %d %.120q:\n go %v\n js %v", i, text, head(ids), head(ref[i].IDs))
			}
			continue
		}
		dec := tok.Decode(ids)
		// The JS ByteFallback decoder runs each byte run through TextDecoder,
		// which drops a leading U+FEFF; Hugging Face's Rust decoder keeps it.
		if dec != ref[i].Text && !(jsPort && strings.ReplaceAll(dec, "\ufeff", "") == ref[i].Text) {
			t.Errorf("text %d %.80q: decode differs:\n go %.120q\n js %.120q", i, text, dec, ref[i].Text)
		}
		if lossless {
			want := ValidUTF8(text)
			if tok.normalizer != nil {
				want = tok.normalizer.normalize(want)
			}
			if dec != want {
				t.Errorf("text %d: decode(encode(x)) = %.120q, want %.120q", i, dec, want)
			}
		}
	}
	if bad > 0 {
		name := rustPackage
		if jsPort {
			name = jsPackage
		}
		t.Errorf("%d of %d texts encode differently from %s", bad, len(texts), name)
	}
}

func equalIDs(a, b []int32) bool {
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

func head(ids []int32) []int32 {
	if len(ids) > 40 {
		return ids[:40]
	}
	return ids
}

// TestPreTokenizerVariantsMatchReference swaps other pre-tokenizers into the
// Qwen3 vocabulary and compares each with the reference: Llama 3's split
// regex with ignore_merges, GPT-2's ByteLevel(use_regex), and a pattern Go's
// regexp handles (the general fallback) after Digits, and a normalizer
// sequence (NFKC, Replace, Lowercase).
func TestPreTokenizerVariantsMatchReference(t *testing.T) {
	src := filepath.Join(testenv.Shared(t), "tokenizers", "qwen3")
	data, err := os.ReadFile(filepath.Join(src, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	split := func(re string) map[string]any {
		return map[string]any{"type": "Split", "pattern": map[string]any{"Regex": re}, "behavior": "Isolated", "invert": false}
	}
	byteLevel := func(useRegex bool) map[string]any {
		return map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": useRegex}
	}
	variants := map[string]func(m map[string]any){
		"llama3": func(m map[string]any) {
			m["normalizer"] = nil
			m["pre_tokenizer"] = map[string]any{"type": "Sequence", "pretokenizers": []any{split(patternLlama), byteLevel(false)}}
			m["model"].(map[string]any)["ignore_merges"] = true
		},
		"gpt2": func(m map[string]any) {
			m["normalizer"] = nil
			m["pre_tokenizer"] = byteLevel(true)
		},
		"nfkc-replace-lowercase": func(m map[string]any) {
			m["normalizer"] = map[string]any{"type": "Sequence", "normalizers": []any{
				map[string]any{"type": "NFKC"},
				map[string]any{"type": "Replace", "pattern": map[string]any{"String": "\t"}, "content": "  "},
				map[string]any{"type": "Lowercase"},
			}}
		},
		"fallback": func(m map[string]any) {
			m["pre_tokenizer"] = map[string]any{"type": "Sequence", "pretokenizers": []any{
				map[string]any{"type": "Digits", "individual_digits": false},
				split(` ?[A-Za-z]+|[0-9]+`),
				byteLevel(false),
			}}
		},
	}
	// Every fifth shared text keeps this test quick; the full set runs on Qwen3 itself.
	var all []string
	for i, s := range sharedTexts(t) {
		if i%5 == 0 {
			all = append(all, s)
		}
	}
	all = append(all, edgeCases...)
	all = append(all, "ΣΑΣ ΟΔΟΣ İstanbul", "ﬁne ① ㎏ Ⅻ ｶﾞ") // final sigma, dotted İ, compatibility forms
	for name, edit := range variants {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each waits on its own node process
			jsTexts, rustTexts := all, all
			switch name {
			case "fallback":
				// Digits follows Rust's char::is_numeric (any \p{N}); the JS
				// port uses ASCII \d, so texts with other numerals differ there.
				jsTexts = filter(all, func(s string) bool { return !hasNonASCIINumber(s) })
			case "nfkc-replace-lowercase":
				// Case and compatibility mappings of characters from Unicode
				// 15 and 16 depend on each library's Unicode version.
				rustTexts = filter(all, func(s string) bool { return !strings.ContainsAny(s, "\U0001E030\u1C89") })
				// Lowercase is per character in Rust (Σ → σ always); the JS
				// port's toLowerCase writes a word-final ς. Rust decides.
				jsTexts = filter(rustTexts, func(s string) bool { return !strings.ContainsRune(s, 'Σ') })
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			edit(m)
			out, _ := json.Marshal(m)
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "tokenizer.json"), out, 0o644)
			cfg, _ := os.ReadFile(filepath.Join(src, "tokenizer_config.json"))
			os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), cfg, 0o644)
			tok, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			ref := jsEncode(t, filepath.Join(dir, "tokenizer.json"), filepath.Join(dir, "tokenizer_config.json"), jsTexts)
			compareWithReference(t, tok, jsTexts, ref, true)
			compareWithRust(t, tok, rustTexts, rustEncode(t, filepath.Join(dir, "tokenizer.json"), rustTexts), true)
		})
	}
}

func filter(texts []string, keep func(string) bool) []string {
	var out []string
	for _, s := range texts {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

func hasNonASCIINumber(s string) bool {
	for _, r := range s {
		if r > 127 && unicode.IsNumber(r) {
			return true
		}
	}
	return false
}
