package chat

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/urfave/cli/v2"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runTokensCmd runs `ff-score tokens` in-process through a tiny app that
// mounts TokensCommand the way ff-score does.
func runTokensCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	a := &cli.App{Name: "ff-score", Commands: []*cli.Command{TokensCommand()}}
	var out, errb bytes.Buffer
	code = app.Run(a, append([]string{"tokens"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

type tokensLine struct {
	InputIDs []int32  `json:"input_ids"`
	Labels   []int32  `json:"labels"`
	Tokens   []string `json:"tokens"`
	NTokens  int      `json:"n_tokens"`
	NLabels  int      `json:"n_labels"`
}

func parseLines(t *testing.T, s string) []tokensLine {
	t.Helper()
	var out []tokensLine
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var l tokensLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

func TestTokensGolden(t *testing.T) {
	dir := modelDir(t, "qwen2", nil)
	code, stdout, stderr := runTokensCmd(t, "", "--model", dir, "--quiet", filepath.Join("testdata", "rows.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden := filepath.Join("testdata", "tokens.golden")
	if *update {
		os.WriteFile(golden, []byte(stdout), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", golden, stdout)
	}
	tok := load(t, dir)
	for i, l := range parseLines(t, stdout) {
		if len(l.InputIDs) != len(l.Labels) || len(l.Tokens) != len(l.InputIDs) || l.NTokens != len(l.InputIDs) {
			t.Errorf("row %d: lengths ids %d labels %d tokens %d n_tokens %d", i, len(l.InputIDs), len(l.Labels), len(l.Tokens), l.NTokens)
		}
		n := 0
		for k, lab := range l.Labels {
			if lab != Ignore {
				n++
				if lab != l.InputIDs[k] {
					t.Errorf("row %d: label %d at %d is not the input id %d", i, lab, k, l.InputIDs[k])
				}
			}
		}
		if n != l.NLabels || n == 0 {
			t.Errorf("row %d: %d labels, n_labels %d", i, n, l.NLabels)
		}
		if got := strings.Join(l.Tokens, ""); tok.Decode(l.InputIDs) == "" || got == "" {
			t.Errorf("row %d: empty tokens", i)
		}
	}
}

func TestTokensMissingModelDir(t *testing.T) {
	nope := filepath.Join(t.TempDir(), "nope")
	code, stdout, stderr := runTokensCmd(t, "", "--model", nope)
	if code != app.Failure || stdout != "" || !strings.Contains(stderr, nope) {
		t.Errorf("--model %s: exit %d, stderr %q; want 3 naming it", nope, code, stderr)
	}
}

func TestTokensRefusesParquet(t *testing.T) {
	dir := modelDir(t, "qwen2", nil)
	code, stdout, stderr := runTokensCmd(t, "", "--model", dir, "-o", filepath.Join(t.TempDir(), "tok.parquet"))
	if code != app.Usage || stdout != "" || !strings.Contains(stderr, "JSON lines only") {
		t.Errorf("-o tok.parquet: exit %d, stderr %q; want 2", code, stderr)
	}
}

func TestTokensCommandCapsErrors(t *testing.T) {
	dir := modelDir(t, "qwen2", nil)
	rows := strings.Repeat("not json\n", maxNamedErrors+30)
	code, stdout, stderr := runTokensCmd(t, rows, "--model", dir)
	if code != app.DataProblem || stdout != "" {
		t.Errorf("exit %d, stdout %q; want 1 and nothing", code, stdout)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != maxNamedErrors+2 { // named rows, "more ...", summary
		t.Errorf("%d stderr lines, want %d:\n%s", len(lines), maxNamedErrors+2, stderr)
	}
	if !strings.Contains(stderr, fmt.Sprintf("%d malformed", maxNamedErrors+30)) {
		t.Errorf("summary lacks the full count:\n%s", stderr)
	}
}

func TestTokensCommand(t *testing.T) {
	dir := modelDir(t, "qwen2", nil)
	rows := `{"system": null, "conversations": [{"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "4"}]}
not json
{"conversations": [{"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}]}
`
	code, stdout, stderr := runTokensCmd(t, rows, "--model", dir)
	if code != app.DataProblem {
		t.Errorf("malformed rows: exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "stdin:2:") || !strings.Contains(stderr, "stdin:3:") {
		t.Errorf("stderr must name FILE:LINE of each bad row:\n%s", stderr)
	}
	if !strings.Contains(stderr, "1 rows") || !strings.Contains(stderr, "2 malformed") {
		t.Errorf("summary: %s", stderr)
	}
	if n := len(parseLines(t, stdout)); n != 1 {
		t.Errorf("%d output rows, want 1", n)
	}

	// Truncation, counted in the summary; JSON summary for CI.
	code, stdout, stderr = runTokensCmd(t, strings.SplitN(rows, "\n", 2)[0]+"\n", "--model", dir, "--max-seq-len", "5", "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if l := parseLines(t, stdout); len(l) != 1 || l[0].NTokens != 5 || len(l[0].Labels) != 5 {
		t.Errorf("--max-seq-len 5: %+v", l)
	}
	if !strings.Contains(stderr, `"truncated":1`) || !strings.Contains(stderr, `"tokens":5`) {
		t.Errorf("json summary: %s", stderr)
	}

	// --text: plain text, every token a label.
	code, stdout, stderr = runTokensCmd(t, `{"text": "Say hi"}`+"\n"+`{"other": 1}`+"\n", "--model", dir, "--text", "--threads", "2")
	if code != app.DataProblem || !strings.Contains(stderr, `stdin:2: --text needs`) {
		t.Errorf("--text with a row lacking text: exit %d, %s", code, stderr)
	}
	l := parseLines(t, stdout)
	if len(l) != 1 || l[0].NLabels != l[0].NTokens || l[0].NTokens == 0 {
		t.Errorf("--text: %+v", l)
	}

	// -o writes the file atomically.
	out := filepath.Join(t.TempDir(), "tokens.jsonl")
	if code, _, stderr := runTokensCmd(t, strings.SplitN(rows, "\n", 2)[0]+"\n", "--model", dir, "-o", out, "-q"); code != 0 {
		t.Fatalf("-o: exit %d %s", code, stderr)
	}
	if b, err := os.ReadFile(out); err != nil || len(parseLines(t, string(b))) != 1 {
		t.Errorf("-o file: %v %q", err, b)
	}
}

func TestTokensUsage(t *testing.T) {
	dir := modelDir(t, "qwen2", nil)
	for _, args := range [][]string{
		{},
		{"--model", dir, "--template", "nope"},
		{"--model", t.TempDir()},
		{"--model", dir, "--template", "llama3"}, // markers missing from this tokenizer
		{"--model", dir, "a.jsonl", "b.jsonl"},
		{"--model", dir, "--max-seq-len", "-1"},
	} {
		if code, _, stderr := runTokensCmd(t, "", args...); code != app.Usage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
	if code, _, _ := runTokensCmd(t, "", "--model", dir, "no-such-file.jsonl"); code != app.Failure {
		t.Errorf("missing dataset: exit %d, want 3", code)
	}
}

// TestQwen3RowsMatchReference encodes the test rows with the real Qwen3
// tokenizer and compares with @huggingface/tokenizers encoding each
// formatted segment on its own, as the validator's Python does.
func TestQwen3RowsMatchReference(t *testing.T) {
	qdir := filepath.Join(testenv.Shared(t), "tokenizers", "qwen3")
	// The segments, written out by hand from the validator's templates.
	sys := "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
	u := func(s string) string { return "<|im_start|>user\n" + s + "<|im_end|>\n<|im_start|>assistant\n" }
	a := func(s string) string { return s + "<|im_end|>\n" }
	rowsMatchReference(t, qdir, "qwen2", [][]string{
		{sys, u("What is 2 + 2?"), a("4")},
		{sys, u("Say hi"), a("Hi!"), u("Again"), a("Hi again.")},
		{"<|im_start|>system\nBe brief.<|im_end|>\n", u("Write <|im_end|> inside text"), a("你好，世界 👋")},
		{"<|im_start|>system\n<|im_end|>\n", u("odd trailing turn"), a("ok")},
		{"<|im_start|>system\nx<|im_end|>\n", u("stripped like Python"), a("{content} braces stay")},
	})
}

// TestTinyLlamaRowsMatchReference does the same with the tinyllama template
// on a Llama 2-layout SentencePiece tokenizer, where every segment gets its
// own "▁" prefix and the markers are plain text.
func TestTinyLlamaRowsMatchReference(t *testing.T) {
	sys := "<|system|>\nYou are a helpful assistant.\n<|endoftext|>\n"
	u := func(s string) string { return "<|user|>\n" + s + "\n<|endoftext|>\n<|assistant|>\n" }
	a := func(s string) string { return s + "<|endoftext|>\n" }
	rowsMatchReference(t, filepath.Join("..", "tokenizer", "testdata", "sp-llama2"), "llama", [][]string{
		{sys, u("What is 2 + 2?"), a("4")},
		{sys, u("Say hi"), a("Hi!"), u("Again"), a("Hi again.")},
		{"<|system|>\nBe brief.\n<|endoftext|>\n", u("Write <|im_end|> inside text"), a("你好，世界 👋")},
		{"<|system|>\n\n<|endoftext|>\n", u("odd trailing turn"), a("ok")},
		{"<|system|>\nx\n<|endoftext|>\n", u("stripped like Python"), a("{content} braces stay")},
	})
}

// rowsMatchReference runs testdata/rows.jsonl through `tokens` with the
// tokenizer of tokDir and compares with the reference encoding of the
// given segments (system, then user/assistant pairs) one by one.
func rowsMatchReference(t *testing.T, tokDir, modelType string, rows [][]string) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(tokDir, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type": "`+modelType+`", "vocab_size": 32000}`), 0o644)
	code, stdout, stderr := runTokensCmd(t, "", "--model", dir, "-q", filepath.Join("testdata", "rows.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := parseLines(t, stdout)
	var segs []string
	for _, r := range rows {
		segs = append(segs, r...)
	}
	ref := jsSegments(t, tokDir, segs)
	k := 0
	for i, r := range rows {
		var ids, labels []int32
		for j := range r {
			ids = append(ids, ref[k]...)
			for _, id := range ref[k] {
				if j > 0 && j%2 == 0 { // assistant segments
					labels = append(labels, id)
				} else {
					labels = append(labels, Ignore)
				}
			}
			k++
		}
		if i >= len(got) || !equal(got[i].InputIDs, ids) || !equal(got[i].Labels, labels) {
			t.Errorf("row %d:\n go %v\n js %v", i, got[i].InputIDs, ids)
		}
	}
}

func equal(a, b []int32) bool {
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

func jsSegments(t *testing.T, dir string, texts []string) [][]int32 {
	t.Helper()
	mods := testenv.NodeModules(t, "@huggingface/tokenizers@0.2.0")
	script := `
const fs = require('fs');
const { Tokenizer } = require('@huggingface/tokenizers');
const dir = process.argv[2] || process.env.TOK_DIR;
const [head, ...lines] = fs.readFileSync(0, 'utf8').split('\n');
const d = JSON.parse(head);
const tok = new Tokenizer(JSON.parse(fs.readFileSync(d + '/tokenizer.json', 'utf8')), JSON.parse(fs.readFileSync(d + '/tokenizer_config.json', 'utf8')));
process.stdout.write(lines.filter(l => l !== '').map(l => JSON.stringify(tok.encode(JSON.parse(l), { add_special_tokens: false }).ids)).join('\n') + '\n');
`
	var in bytes.Buffer
	abs, _ := filepath.Abs(dir)
	b, _ := json.Marshal(abs)
	in.Write(append(b, '\n'))
	for _, s := range texts {
		b, _ := json.Marshal(s)
		in.Write(append(b, '\n'))
	}
	out := testenv.Node(t, mods, script, in.Bytes())
	var res [][]int32
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var ids []int32
		if err := json.Unmarshal([]byte(line), &ids); err != nil {
			t.Fatal(err)
		}
		res = append(res, ids)
	}
	if len(res) != len(texts) {
		t.Fatalf("node: %d results for %d texts", len(res), len(texts))
	}
	return res
}
