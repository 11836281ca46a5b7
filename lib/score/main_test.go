package score

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/flock-off/ff/lib/app"
)

type outcome struct {
	code           int
	stdout, stderr string
}

func runWith(t *testing.T, d deps, stdin string, args ...string) outcome {
	t.Helper()
	var out, errb bytes.Buffer
	code := app.Run(newApp(d), args, strings.NewReader(stdin), &out, &errb)
	return outcome{code, out.String(), errb.String()}
}

func goodRows(n int) []string {
	var rows []string
	for i := 0; i < n; i++ {
		rows = append(rows, sftRow("say the word", "the word is banana"))
	}
	return rows
}

func decodeResult(t *testing.T, s string) (Result, []string) {
	t.Helper()
	var r Result
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("result %q: %v", s, err)
	}
	// key order as documented
	dec := json.NewDecoder(strings.NewReader(s))
	dec.Token()
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	return r, keys
}

func TestResultJSON(t *testing.T) {
	model := fakeModelDir(t, 300)
	eval := writeLines(t, "eval.jsonl", sftRow("say the word", "the word is banana"), sftRow("again", "banana"))
	data := writeLines(t, "data.jsonl", goodRows(20)...)
	o := runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "--quiet", "--lr", "0.05", data)
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	r, keys := decodeResult(t, o.stdout)
	want := []string{"eval_loss", "base_eval_loss", "train_loss", "rows", "train_tokens", "eval_tokens", "seconds",
		"tokens_per_second", "model", "model_sha256", "dataset_sha256", "eval_sha256", "config", "backend", "version"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys %v\nwant %v", keys, want)
	}
	if !(r.EvalLoss < r.BaseEvalLoss) || r.TrainLoss == nil || r.Rows != 20 || r.Backend != "cpu" {
		t.Fatalf("result %+v", r)
	}
	if r.TrainTokens != 20*int64(len("say the word")+len("the word is banana")) || r.EvalTokens == 0 {
		t.Fatalf("tokens: train %d eval %d", r.TrainTokens, r.EvalTokens)
	}
	if r.Config.LR != 0.05 || r.Config.LoraR != 16 || r.Config.GradAccum != 8 || !r.Config.Shuffle || r.Config.MaxSeqLen != 2048 {
		t.Fatalf("config echo %+v", r.Config)
	}
	if len(r.ModelSHA256) != 64 || r.DatasetSHA256 == nil || len(*r.DatasetSHA256) != 64 || len(r.EvalSHA256) != 64 {
		t.Fatalf("hashes %q %v %q", r.ModelSHA256, r.DatasetSHA256, r.EvalSHA256)
	}
	// deterministic to the last bit
	o2 := runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "--quiet", "--lr", "0.05", data)
	r2, _ := decodeResult(t, o2.stdout)
	if r2.EvalLoss != r.EvalLoss || *r2.TrainLoss != *r.TrainLoss {
		t.Fatalf("two runs differ: %v %v", r.EvalLoss, r2.EvalLoss)
	}
	// stdin is the dataset when no path is given
	o3 := runWith(t, fakeDeps(nil), strings.Join(goodRows(20), "\n"), "--model", model, "--eval", eval, "--quiet", "--lr", "0.05")
	r3, _ := decodeResult(t, o3.stdout)
	if r3.EvalLoss != r.EvalLoss || *r3.DatasetSHA256 != *r.DatasetSHA256 {
		t.Fatalf("stdin run differs: %+v", r3)
	}
}

func TestEvalOnly(t *testing.T) {
	model := fakeModelDir(t, 256)
	eval := writeLines(t, "eval.jsonl", sftRow("q", "answer"))
	o := runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "--eval-only")
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	r, _ := decodeResult(t, o.stdout)
	// a zero table gives every byte the same probability: ln 256
	if d := r.EvalLoss - 5.545177444479562; d > 1e-9 || d < -1e-9 || r.TrainLoss != nil || r.DatasetSHA256 != nil || r.Rows != 0 {
		t.Fatalf("eval-only result %+v", r)
	}
	if !strings.Contains(o.stderr, "eval_loss") {
		t.Fatalf("no summary on stderr: %q", o.stderr)
	}
}

func TestConfigFileAndFlags(t *testing.T) {
	model := fakeModelDir(t, 256)
	eval := writeLines(t, "eval.jsonl", sftRow("q", "answer"))
	cfg := filepath.Join(t.TempDir(), "cfg.json")
	os.WriteFile(cfg, []byte(`{"lora_r": 8, "epochs": 1, "lr": 0.001, "shuffle": false, "max_rows": 3}`), 0o644)
	o := runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "--eval-only", "--config", cfg, "--lr", "0.002", "--seed", "7")
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	r, _ := decodeResult(t, o.stdout)
	c := r.Config
	if c.LoraR != 8 || c.Epochs != 1 || c.LR != 0.002 || c.Shuffle || c.MaxRows != 3 || c.Seed != 7 || c.LoraAlpha != 32 {
		t.Fatalf("effective config %+v", c)
	}
	os.WriteFile(cfg, []byte(`{"lora_rank": 8}`), 0o644)
	o = runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "--eval-only", "--config", cfg)
	if o.code != app.Usage || !strings.Contains(o.stderr, "lora_rank") {
		t.Fatalf("unknown config field: exit %d %q", o.code, o.stderr)
	}
	o = runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "--eval-only", "--lora-dropout", "1.5")
	if o.code != app.Usage || !strings.Contains(o.stderr, "lora_dropout") {
		t.Fatalf("bad value: exit %d %q", o.code, o.stderr)
	}
}

func TestBadInputs(t *testing.T) {
	eval := writeLines(t, "eval.jsonl", sftRow("q", "answer"))
	good := fakeModelDir(t, 256)
	noAsst := writeLines(t, "noasst.jsonl", `{"system":null,"conversations":[{"role":"user","content":"q"}]}`)
	allBad := writeLines(t, "bad.jsonl", `{"conversations":[{"role":"robot","content":"x"}]}`, `not json`)
	missing := t.TempDir()
	os.WriteFile(filepath.Join(missing, "config.json"), []byte(`{"vocab_size":10}`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"missing model files", []string{"--model", missing, "--eval", eval, "--eval-only"}, app.Usage, "missing tokenizer.json, model.safetensors"},
		{"vocab mismatch", []string{"--model", fakeModelDir(t, 100), "--eval", eval, "--eval-only"}, app.Usage, "tokenizer has 256 tokens but the model's vocab_size is 100"},
		{"eval without assistant tokens", []string{"--model", good, "--eval", noAsst, "--eval-only"}, app.DataProblem, "no row of the evaluation set has assistant tokens"},
		{"all rows rejected", []string{"--model", good, "--eval", eval, allBad}, app.DataProblem, "all 2 rows were rejected"},
		{"no eval", []string{"--model", good}, app.Usage, "eval"},
		{"bad backend", []string{"--model", good, "--eval", eval, "--backend", "gpu"}, app.Usage, "--backend"},
		{"parquet result", []string{"--model", good, "--eval", eval, "--eval-only", "-o", filepath.Join(missing, "score.parquet")}, app.Usage, "JSON lines only"},
		{"no such model dir", []string{"--model", filepath.Join(missing, "nope"), "--eval", eval, "--eval-only"}, app.Failure, "nope"},
		{"no such adapter dir", []string{"--model", good, "--eval", eval, "--eval-only", "--adapter-in", filepath.Join(missing, "nope")}, app.Failure, "nope"},
		{"missing --config file", []string{"--model", good, "--eval", eval, "--eval-only", "--config", filepath.Join(missing, "nope.json")}, app.Failure, "nope.json"},
		{"bad --config file", []string{"--model", good, "--eval", eval, "--eval-only", "--config", writeLines(t, "cfg.json", `{"lora_rank": 8}`)}, app.Usage, "lora_rank"},
	} {
		o := runWith(t, fakeDeps(nil), "", tc.args...)
		if o.code != tc.code || !strings.Contains(o.stderr, tc.msg) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tc.name, o.code, o.stderr, tc.code, tc.msg)
		}
	}
}

func TestRejectedRowsAreReported(t *testing.T) {
	model := fakeModelDir(t, 256)
	eval := writeLines(t, "eval.jsonl", sftRow("q", "answer"))
	rows := append(goodRows(3), `{"conversations": [`, `{"conversations":[{"role":"robot","content":"x"}]}`)
	data := writeLines(t, "data.jsonl", rows...)
	o := runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, data)
	if o.code != app.DataProblem {
		t.Fatalf("exit %d, want 1 (rows skipped without --rejects): %s", o.code, o.stderr)
	}
	if !strings.Contains(o.stderr, "data.jsonl:4: malformed") || !strings.Contains(o.stderr, "data.jsonl:5: encode") {
		t.Fatalf("stderr does not name FILE:LINE: %q", o.stderr)
	}
	r, _ := decodeResult(t, o.stdout)
	if r.Rows != 3 {
		t.Fatalf("rows %d, want 3", r.Rows)
	}
	rej := filepath.Join(t.TempDir(), "rej.jsonl")
	o = runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "--rejects", rej, data)
	if o.code != 0 {
		t.Fatalf("with --rejects: exit %d: %s", o.code, o.stderr)
	}
	b, _ := os.ReadFile(rej)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"_raw"`) || !strings.Contains(lines[1], `"rule":"encode"`) ||
		!strings.Contains(lines[1], `data.jsonl:5`) {
		t.Fatalf("rejects file:\n%s", b)
	}
}

func TestMaxRowsTakesTheFirstRows(t *testing.T) {
	model := fakeModelDir(t, 256)
	eval := writeLines(t, "eval.jsonl", sftRow("q", "answer"))
	rows := append(goodRows(4), sftRow("other", "different text entirely"))
	data := writeLines(t, "data.jsonl", rows...)
	first := writeLines(t, "first.jsonl", goodRows(4)...)
	a := runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "--max-rows", "4", "-q", data)
	b := runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "-q", first)
	ra, _ := decodeResult(t, a.stdout)
	rb, _ := decodeResult(t, b.stdout)
	if ra.Rows != 4 || ra.EvalLoss != rb.EvalLoss || *ra.DatasetSHA256 != *rb.DatasetSHA256 {
		t.Fatalf("--max-rows 4: %+v vs first four rows %+v", ra, rb)
	}
}

func TestPerRow(t *testing.T) {
	model := fakeModelDir(t, 256)
	eval := writeLines(t, "eval.jsonl", sftRow("q", "answer"))
	data := writeLines(t, "data.jsonl", sftRow("a", "bb"), `{"keep":1,"system":null,"conversations":[{"role":"user","content":"x"},{"role":"assistant","content":"yy"}]}`)
	o := runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "--per-row", data)
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], `{"keep":1,`) || !strings.Contains(lines[1], `"_loss":5.545177`) {
		t.Fatalf("per-row output:\n%s", o.stdout)
	}
}

func TestAdapterOutAndInterrupt(t *testing.T) {
	model := fakeModelDir(t, 256)
	eval := writeLines(t, "eval.jsonl", sftRow("q", "answer"))
	data := writeLines(t, "data.jsonl", goodRows(16)...)
	out := filepath.Join(t.TempDir(), "adapter")
	o := runWith(t, fakeDeps(nil), "", "--model", model, "--eval", eval, "--adapter-out", out, "-q", data)
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "adapter_model.safetensors")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{out, filepath.Join(out, "adapter_model.safetensors"), filepath.Join(out, "adapter_config.json")} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm()&0o044 != 0o044 {
			t.Errorf("%s: mode %v, want readable by group and others like any saved adapter", p, st.Mode())
		}
	}
	// SIGINT in the middle of training: exit 130 and no adapter.
	out2 := filepath.Join(t.TempDir(), "adapter")
	interrupt := func(n int) {
		if n == 5 {
			syscall.Kill(os.Getpid(), syscall.SIGINT)
			for range 1000 { // let the signal arrive before the next step
				if _, err := os.Stat(out2); err == nil {
					break
				}
				syscall.Nanosleep(&syscall.Timespec{Nsec: 1e6}, nil)
			}
		}
	}
	o = runWith(t, fakeDeps(interrupt), "", "--model", model, "--eval", eval, "--adapter-out", out2, "-q", data)
	if o.code != app.Interrupted {
		t.Fatalf("exit %d after SIGINT, want 130: %s", o.code, o.stderr)
	}
	entries, _ := os.ReadDir(filepath.Dir(out2))
	if len(entries) != 0 {
		t.Fatalf("interrupted run left %v", entries)
	}
}

func TestTokensSubcommand(t *testing.T) {
	d := defaultDeps()
	tiny := filepath.Join("..", "..", "testdata", "tiny")
	o := runWith(t, d, sftRow("hi", "hello"), "tokens", "--model", tiny)
	if o.code != 0 || !strings.Contains(o.stdout, `"input_ids"`) || !strings.Contains(o.stdout, `"labels"`) {
		t.Fatalf("tokens: exit %d\n%s\n%s", o.code, o.stdout, o.stderr)
	}
}
