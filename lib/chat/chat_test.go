package chat

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/tokenizer"
)

var corpus = []string{
	"You are a helpful assistant. What is 2 + 2? The answer is 4.",
	"Say hi. Hi! Again. Hi again. Be brief. Write inside text.",
	"system user assistant model\n\n",
}

// modelDir writes a tiny trained tokenizer with the given special tokens
// and a config.json of modelType into a temporary directory.
func modelDir(t testing.TB, modelType string, special []string) string {
	t.Helper()
	dir := t.TempDir()
	if err := tokenizer.WriteTrainedByteLevelBPE(dir, corpus, 400, special); err != nil {
		t.Fatal(err)
	}
	if modelType != "" {
		cfg := `{"model_type": "` + modelType + `", "vocab_size": 400}`
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func load(t testing.TB, dir string) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// segments encodes texts one by one and concatenates them, the way the
// validator builds a row; masked[i] tells whether segment i is not a label.
func segments(tok *tokenizer.Tokenizer, texts []string, masked []bool) (ids, labels []int32) {
	for i, s := range texts {
		seg := tok.Encode(s)
		ids = append(ids, seg...)
		for _, id := range seg {
			if masked[i] {
				labels = append(labels, Ignore)
			} else {
				labels = append(labels, id)
			}
		}
	}
	return ids, labels
}

func sp(s string) *string { return &s }

func TestEncodeQwen(t *testing.T) {
	tok := load(t, modelDir(t, "qwen2", nil))
	tmpl, _ := Lookup("qwen")
	sys := "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
	user := func(s string) string { return "<|im_start|>user\n" + s + "<|im_end|>\n<|im_start|>assistant\n" }
	asst := func(s string) string { return s + "<|im_end|>\n" }
	tests := []struct {
		name   string
		row    Row
		texts  []string
		masked []bool
	}{
		{"null system → default; contents stripped",
			Row{nil, []Message{{"user", "  What is 2 + 2?  "}, {"assistant", "\n4\n"}}},
			[]string{sys, user("What is 2 + 2?"), asst("4")}, []bool{true, true, false}},
		{"system stripped",
			Row{sp("  Be brief. "), []Message{{"user", "Say hi"}, {"assistant", "Hi!"}}},
			[]string{"<|im_start|>system\nBe brief.<|im_end|>\n", user("Say hi"), asst("Hi!")}, []bool{true, true, false}},
		{"empty system is kept empty",
			Row{sp(""), []Message{{"user", "a"}, {"assistant", "b"}}},
			[]string{"<|im_start|>system\n<|im_end|>\n", user("a"), asst("b")}, []bool{true, true, false}},
		{"two turns, trailing unpaired turn dropped",
			Row{nil, []Message{{"user", "a"}, {"assistant", "b"}, {"user", "c"}, {"assistant", "d"}, {"user", "e"}}},
			[]string{sys, user("a"), asst("b"), user("c"), asst("d")}, []bool{true, true, false, true, false}},
		{"python whitespace and braces",
			Row{nil, []Message{{"user", "\x1c hi \u00a0"}, {"assistant", " {content} "}}},
			[]string{sys, user("hi"), asst("{content}")}, []bool{true, true, false}},
	}
	for _, tt := range tests {
		ids, labels, err := Encode(tok, tmpl, tt.row)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		wantIDs, wantLabels := segments(tok, tt.texts, tt.masked)
		if !reflect.DeepEqual(ids, wantIDs) || !reflect.DeepEqual(labels, wantLabels) {
			t.Errorf("%s:\n ids    %v\n want   %v\n labels %v\n want   %v", tt.name, ids, wantIDs, labels, wantLabels)
		}
	}
}

func TestEncodeFamilies(t *testing.T) {
	row := Row{nil, []Message{{"user", "hi"}, {"assistant", "yo"}}}
	withSys := Row{sp("ignored by gemma"), row.Conversations}
	tests := []struct {
		template string
		special  []string
		row      Row
		texts    []string
	}{
		{"llama3", []string{"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}, row,
			[]string{"<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", "yo<|eot_id|>"}},
		{"llama3", []string{"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}, Row{sp("sys"), row.Conversations},
			[]string{"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nsys<|eot_id|>", "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", "yo<|eot_id|>"}},
		// Gemma's tokenizer has no <|eot_id|>: the validator's format
		// ends turns with it as plain text, and so do we.
		{"gemma", []string{"<bos>", "<start_of_turn>", "<end_of_turn>"}, row,
			[]string{"<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n", "yo<|eot_id|>"}},
		{"gemma", []string{"<bos>", "<start_of_turn>", "<end_of_turn>"}, withSys,
			[]string{"<bos>", "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n", "yo<|eot_id|>"}},
		// TinyLlama's markers are plain text to its tokenizer (only <unk>, <s>, </s> are added).
		{"tinyllama", []string{"<unk>", "<s>", "</s>"}, row,
			[]string{"<|system|>\nYou are a helpful assistant.\n<|endoftext|>\n", "<|user|>\nhi\n<|endoftext|>\n<|assistant|>\n", "yo<|endoftext|>\n"}},
	}
	for _, tt := range tests {
		tok := load(t, modelDir(t, "", tt.special))
		tmpl, err := Lookup(tt.template)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(tok, tmpl); err != nil {
			t.Fatalf("%s: %v", tt.template, err)
		}
		masked := make([]bool, len(tt.texts))
		for i := range masked {
			masked[i] = i < len(tt.texts)-1
		}
		ids, labels, err := Encode(tok, tmpl, tt.row)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs, wantLabels := segments(tok, tt.texts, masked)
		if !reflect.DeepEqual(ids, wantIDs) || !reflect.DeepEqual(labels, wantLabels) {
			t.Errorf("%s %v:\n ids  %v\n want %v", tt.template, tt.row.System, ids, wantIDs)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	tok := load(t, modelDir(t, "qwen2", nil))
	tmpl, _ := Lookup("qwen")
	_, _, err := Encode(tok, tmpl, Row{nil, []Message{{"assistant", "a"}, {"user", "b"}}})
	if err == nil || !strings.Contains(err.Error(), "alternate") {
		t.Errorf("wrong role order: %v", err)
	}
	for _, raw := range []string{
		`{"system": 3, "conversations": []}`,
		`{"system": "s"}`,
		`{"conversations": [{"role": "user", "content": 5}]}`,
		`{"conversations": [{"role": "user"}]}`,
		`{"conversations": "no"}`,
		`[1]`,
	} {
		if _, err := ParseRow([]byte(raw)); err == nil {
			t.Errorf("ParseRow(%s): want an error", raw)
		}
	}
	row, err := ParseRow([]byte(`{"system": null, "conversations": [], "extra": 1}`))
	if err != nil || row.System != nil {
		t.Errorf("null system: %+v %v", row, err)
	}
}

func TestTruncate(t *testing.T) {
	ids, labels := Truncate([]int32{1, 2, 3}, []int32{-100, 2, 3}, 2)
	if !reflect.DeepEqual(ids, []int32{1, 2}) || !reflect.DeepEqual(labels, []int32{-100, 2}) {
		t.Errorf("Truncate = %v %v", ids, labels)
	}
	if ids, _ := Truncate([]int32{1, 2, 3}, []int32{1, 2, 3}, 0); len(ids) != 3 {
		t.Error("maxLen 0 must keep everything")
	}
	ids, labels = EncodePlain(load(t, modelDir(t, "", nil)), "plain text")
	if !reflect.DeepEqual(ids, labels) || len(ids) == 0 {
		t.Errorf("EncodePlain: %v %v", ids, labels)
	}
}

func TestForModel(t *testing.T) {
	tests := []struct{ modelType, vocab, want string }{
		{"qwen2", "151936", "qwen"},
		{"qwen3", "151936", "qwen"},
		{"gemma", "256000", "gemma"},
		{"llama", "128256", "llama3"},
		{"llama", "32000", "tinyllama"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"`+tt.modelType+`","vocab_size":`+tt.vocab+`}`), 0o644)
		got, err := ForModel(dir, "")
		if err != nil || got.Name != tt.want {
			t.Errorf("%s/%s: %q %v, want %q", tt.modelType, tt.vocab, got.Name, err, tt.want)
		}
		if got, _ := ForModel(dir, "gemma"); got.Name != "gemma" {
			t.Errorf("--template must win over config.json")
		}
	}
	dir := t.TempDir()
	if _, err := ForModel(dir, ""); err == nil {
		t.Error("no config.json: want an error")
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"bert"}`), 0o644)
	if _, err := ForModel(dir, ""); err == nil || !strings.Contains(err.Error(), "bert") {
		t.Errorf("unknown model_type: %v", err)
	}
	if _, err := Lookup("nope"); err == nil {
		t.Error("unknown template name: want an error")
	}
}

func TestCheck(t *testing.T) {
	tok := load(t, modelDir(t, "", nil)) // Qwen markers only
	llama, _ := Lookup("llama3")
	if err := Check(tok, llama); err == nil || !strings.Contains(err.Error(), "<|eot_id|>") {
		t.Errorf("llama3 template on a Qwen tokenizer: %v", err)
	}
	qwen, _ := Lookup("qwen")
	if err := Check(tok, qwen); err != nil {
		t.Error(err)
	}
}
