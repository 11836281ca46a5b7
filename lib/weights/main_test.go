package weights

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden runs ff-weights in-process on each testdata/golden/CASE
// (args, input files) and compares stdout and stderr with the .golden files.
func TestGolden(t *testing.T) {
	cases, _ := filepath.Glob("testdata/golden/*")
	if len(cases) == 0 {
		t.Fatal("no golden cases")
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			argsText, err := os.ReadFile(filepath.Join(dir, "args"))
			if err != nil {
				t.Fatal(err)
			}
			wd, _ := os.Getwd()
			if err := os.Chdir(dir); err != nil {
				t.Fatal(err)
			}
			defer os.Chdir(wd)
			var out, errb bytes.Buffer
			code := Main(strings.Fields(string(argsText)), strings.NewReader(""), &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			for name, got := range map[string][]byte{"stdout.golden": out.Bytes(), "stderr.golden": errb.Bytes()} {
				if *update {
					os.WriteFile(name, got, 0o644)
					continue
				}
				want, err := os.ReadFile(name)
				if err != nil {
					t.Fatalf("%v (run go test -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
				}
			}
		})
	}
}

func TestMainErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	comp := write("c.json", `{"id":"1","bench":2.6,"minb":2.4,"maxb":2.8,"bheight":0.05,"pow":2}`)
	badComp := write("bad.json", `{"id":"1","bench":2.6,"minb":2.8,"maxb":2.4,"bheight":0.05,"pow":2}`)
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		msg   string
	}{
		{"missing competition", nil, "", 2, "competition"},
		{"competition file missing", []string{"--competition", filepath.Join(dir, "nope.json")}, "", 3, "nope.json"},
		{"competition file not JSON", []string{"--competition", write("notjson.json", "{")}, "", 2, "notjson.json"},
		{"invalid curve", []string{"--competition", badComp}, "", 2, "minb"},
		{"parquet output", []string{"--competition", comp, "-o", filepath.Join(dir, "w.parquet")}, "", 2, "JSON lines only"},
		{"unknown plot format", []string{"--competition", comp, "--plot", filepath.Join(dir, "w.jpg")}, "", 2, "w.jpg"},
		{"unknown policy", []string{"--competition", comp, "--policy", "best"}, "", 2, "policy"},
		{"malformed row", []string{"--competition", comp}, "{\"uid\":1,\"hotkey\":\"a\",\"eval_loss\":2.5}\n{bad\n", 1, "stdin:2:"},
		{"missing eval_loss", []string{"--competition", comp}, "{\"uid\":1,\"hotkey\":\"a\"}\n", 1, "stdin:1: missing field \"eval_loss\""},
		{"duplicate uid", []string{"--competition", comp}, "{\"uid\":1,\"hotkey\":\"a\",\"eval_loss\":2.5}\n{\"uid\":1,\"hotkey\":\"b\",\"eval_loss\":2.5}\n", 1, "stdin:2: uid 1 already"},
		{"uid not in metagraph", []string{"--competition", comp, "--metagraph", write("m.jsonl", `{"uid":0,"hotkey":"x"}`)}, "{\"uid\":1,\"hotkey\":\"a\",\"eval_loss\":2.5}\n", 1, "not in the metagraph"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := Main(tt.args, strings.NewReader(tt.stdin), &out, &errb)
		if code != tt.code || !strings.Contains(errb.String(), tt.msg) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d mentioning %q", tt.name, code, errb.String(), tt.code, tt.msg)
		}
		if code != 0 && out.Len() > 0 {
			t.Errorf("%s: wrote data despite failing: %s", tt.name, out.String())
		}
	}
}

func TestPlot(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{".png", ".svg"} {
		p := filepath.Join(dir, "w"+ext)
		args := []string{"--competition", "testdata/golden/normalized/competition.json", "--quiet", "--plot", p, "testdata/golden/normalized/scores.jsonl"}
		var out, errb bytes.Buffer
		if code := Main(args, nil, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 500 {
			t.Fatalf("%s: %v, %d bytes", p, err, len(b))
		}
		if ext == ".png" && !bytes.HasPrefix(b, []byte("\x89PNG")) || ext == ".svg" && !bytes.Contains(b[:200], []byte("<svg")) {
			t.Errorf("%s is not a %s file", p, ext)
		}
	}
}

func TestHelpOneDefaultPerFlag(t *testing.T) {
	var out, errb bytes.Buffer
	Main([]string{"--help"}, nil, &out, &errb)
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Count(l, "(default:") > 1 {
			t.Errorf("help line with two defaults: %q", l)
		}
	}
}

func TestFailedPlotLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	comp := filepath.Join(dir, "c.json")
	os.WriteFile(comp, []byte(`{"id":"1","bench":2.6,"minb":2.4,"maxb":2.8,"bheight":0.05,"pow":2}`), 0o644)
	out := filepath.Join(dir, "w.jsonl")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"--competition", comp, "--plot", filepath.Join(dir, "no", "such", "dir", "w.svg"), "-o", out},
		strings.NewReader(`{"uid":1,"hotkey":"a","eval_loss":2.5}`+"\n"), &stdout, &stderr)
	if code != 3 || !strings.Contains(stderr.String(), "w.svg") || strings.Contains(stderr.String(), ".tmp-") {
		t.Errorf("exit %d, stderr %q; want 3 naming w.svg", code, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("-o file left behind by a failed run: %v", err)
	}
}
