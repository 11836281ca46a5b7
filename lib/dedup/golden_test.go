package dedup

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// runMain runs ff-dedup in-process and returns its exit code, stdout and stderr.
func runMain(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// Golden cluster reports, kept and removed rows of the small fixture: exact
// duplicates after normalization (case, punctuation, digits, diacritics),
// word-level near duplicates, short rows, DPO rows, a row without text,
// Japanese text (character shingles) and the keep rules.
func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"default", nil},
		{"keep-longest-t07", []string{"--keep", "longest", "--threshold", "0.7"}},
		{"keep-score-t07", []string{"--keep", "field:score", "--threshold", "0.7"}},
		{"against-eval", []string{"--against", "testdata/eval.jsonl"}},
		{"against-eval-report", []string{"--against", "testdata/eval.jsonl", "--report"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cl, rm := filepath.Join(dir, "clusters.jsonl"), filepath.Join(dir, "removed.jsonl")
			args := append([]string{"--quiet", "--clusters", cl, "--removed", rm}, tc.args...)
			args = append(args, "testdata/input.jsonl")
			code, out, stderr := runMain(t, "", args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			clb, err1 := os.ReadFile(cl)
			rmb, err2 := os.ReadFile(rm)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			checkGolden(t, tc.name+".kept.jsonl", []byte(out))
			checkGolden(t, tc.name+".clusters.jsonl", clb)
			checkGolden(t, tc.name+".removed.jsonl", rmb)
		})
	}
}

// The same input gives byte-identical output and reports at any thread count.
func TestDeterministicAcrossThreads(t *testing.T) {
	files := t0Files(t)
	var first [3]string
	for i, threads := range []string{"1", "3", "8"} {
		dir := t.TempDir()
		cl := filepath.Join(dir, "c.jsonl")
		code, out, stderr := runMain(t, "", append([]string{"--threads", threads, "--clusters", cl}, files...)...)
		if code != 0 {
			t.Fatalf("--threads %s: exit %d: %s", threads, code, stderr)
		}
		clb, err := os.ReadFile(cl)
		if err != nil {
			t.Fatal(err)
		}
		got := [3]string{out, string(clb), stderr}
		if i == 0 {
			first = got
			if strings.Count(string(clb), "\n") < 100 {
				t.Fatalf("only %d clusters: the fixture is not what this test expects", strings.Count(string(clb), "\n"))
			}
			continue
		}
		for k, what := range []string{"kept rows", "cluster report", "summary"} {
			if got[k] != first[k] {
				t.Errorf("--threads %s: %s differ from --threads 1", threads, what)
			}
		}
	}
}
