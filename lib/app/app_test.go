package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func testApp(action cli.ActionFunc) *cli.App {
	return &cli.App{
		Name:   "ff-test",
		Flags:  append([]cli.Flag{&cli.StringFlag{Name: "need", Required: true}}, CommonFlags()...),
		Action: action,
	}
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		err  error
		code int
		msg  string
	}{
		{"ok", []string{"--need", "x"}, nil, OK, ""},
		{"data", []string{"--need", "x"}, Dataf("3 bad rows"), DataProblem, "ff-test: 3 bad rows"},
		{"usage error", []string{"--need", "x"}, Usagef("bad --mode"), Usage, "bad --mode"},
		{"failure", []string{"--need", "x"}, errors.New("disk full"), Failure, "disk full"},
		{"interrupted", []string{"--need", "x"}, context.Canceled, Interrupted, "interrupted"},
		{"quiet exit", []string{"--need", "x"}, Exit(DataProblem, nil), DataProblem, ""},
		{"missing required flag", nil, nil, Usage, `Required flag "need" not set (see ff-test --help)`},
		{"unknown flag", []string{"--nope"}, nil, Usage, "flag provided but not defined"},
		{"bad log format", []string{"--need", "x", "--log-format", "xml"}, nil, Usage, `--log-format "xml"`},
		{"negative threads", []string{"--need", "x", "--threads", "-1"}, nil, Usage, "--threads -1"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := Run(testApp(func(*cli.Context) error { return tt.err }), tt.args, strings.NewReader(""), &out, &errb)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", tt.name, code, tt.code, errb.String())
		}
		if tt.msg != "" && !strings.Contains(errb.String(), tt.msg) {
			t.Errorf("%s: stderr %q lacks %q", tt.name, errb.String(), tt.msg)
		}
		if out.Len() != 0 {
			t.Errorf("%s: stdout must stay data-only, got %q", tt.name, out.String())
		}
		if code == Usage && strings.Contains(errb.String(), "GLOBAL OPTIONS") {
			t.Errorf("%s: a usage error buries its message under the help text:\n%s", tt.name, errb.String())
		}
	}
}

func TestCommandMistakes(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{nil, "missing command"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"help", "bogus"}, "No help topic"},
	}
	for _, tt := range tests {
		a := &cli.App{Name: "ff-test", Commands: []*cli.Command{{Name: "go", Action: func(*cli.Context) error { return nil }}}}
		var out, errb bytes.Buffer
		if code := Run(a, tt.args, nil, &out, &errb); code != Usage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tt.args, code, Usage, errb.String())
		}
		if !strings.Contains(errb.String(), tt.msg) {
			t.Errorf("%q: stderr %q lacks %q", tt.args, errb.String(), tt.msg)
		}
		if tt.args == nil && out.Len() != 0 {
			t.Errorf("no command: help went to stdout: %q", out.String())
		}
	}
}

func TestLogJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		err  error
		code int
	}{
		{"failure", []string{"--need", "x", "--log-format", "json"}, errors.New("open in.jsonl: no such file"), Failure},
		{"missing required flag", []string{"--log-format=json"}, nil, Usage},
		{"unknown flag", []string{"--log-format", "json", "--nope"}, nil, Usage},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := Run(testApp(func(*cli.Context) error { return tt.err }), tt.args, strings.NewReader(""), &out, &errb)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d", tt.name, code, tt.code)
		}
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Errorf("%s: stderr line is not JSON: %q", tt.name, l)
			} else if m["level"] != "error" || m["exit"] != float64(tt.code) {
				t.Errorf("%s: %v: want level error, exit %d", tt.name, m, tt.code)
			}
		}
	}
}

func TestHelpThreadsDefault(t *testing.T) {
	var out, errb bytes.Buffer
	Run(testApp(nil), []string{"--help"}, nil, &out, &errb)
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, "--threads") && (!strings.HasSuffix(l, "(default: all cores)") || strings.Count(l, "default") != 1) {
			t.Errorf("--threads help line %q: want one default, all cores", l)
		}
	}
}

func TestHelpListsExitStatus(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run(testApp(nil), []string{"--help"}, nil, &out, &errb); code != OK {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "EXIT STATUS") || !strings.Contains(out.String(), "130") {
		t.Errorf("help lacks the exit status table:\n%s", out.String())
	}
}

func TestOutputAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.jsonl")
	o, err := CreateOutput(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.WriteString("partial\n")
	o.Abort()
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("aborted output exists: %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	o, _ = CreateOutput(p, nil)
	o.WriteString("whole\n")
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatal("output visible before Commit")
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	o.Abort() // after Commit: no effect
	if b, _ := os.ReadFile(p); string(b) != "whole\n" {
		t.Fatalf("got %q", b)
	}
}

func TestOutputErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "no", "such", "out.jsonl"), dir} {
		_, err := CreateOutput(p, nil)
		if CodeOf(err) != Failure || !strings.Contains(fmt.Sprint(err), "create "+p+":") || strings.Contains(fmt.Sprint(err), ".tmp-") {
			t.Errorf("CreateOutput(%s): %v; want an I/O error naming it", p, err)
		}
		err = WriteFileAtomic(p, nil, 0o644)
		if err == nil || !strings.Contains(err.Error(), "create "+p+":") || strings.Contains(err.Error(), ".tmp-") {
			t.Errorf("WriteFileAtomic(%s): %v; want an error naming it", p, err)
		}
	}
}

func TestNoCommitAfterInterrupt(t *testing.T) {
	interrupted.Store(true)
	defer interrupted.Store(false)
	dir := t.TempDir()
	p := filepath.Join(dir, "out.jsonl")
	o, err := CreateOutput(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.WriteString("looks whole\n")
	if err := o.Commit(); CodeOf(err) != Interrupted {
		t.Errorf("Commit after SIGINT: %v, want interrupted", err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "stats.json"), []byte("{}"), 0o644); CodeOf(err) != Interrupted {
		t.Errorf("WriteFileAtomic after SIGINT: %v, want interrupted", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left after an interrupted run: %v", left)
	}
}

func TestJSONLOnly(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
	}{
		{nil, OK},
		{[]string{"-o", "out.jsonl"}, OK},
		{[]string{"--output-format", "jsonl"}, OK},
		{[]string{"-o", "out.Parquet"}, Usage},
		{[]string{"--output-format", "parquet"}, Usage},
	} {
		a := &cli.App{Name: "ff-test", Flags: OutputFlags(), Action: JSONLOnly}
		var out, errb bytes.Buffer
		if code := Run(a, tt.args, nil, &out, &errb); code != tt.code {
			t.Errorf("%q: exit %d, want %d (%s)", tt.args, code, tt.code, errb.String())
		}
	}
}

func TestInterruptIsPerRun(t *testing.T) {
	interrupted.Store(true) // left over from an earlier run in this process
	defer interrupted.Store(false)
	p := filepath.Join(t.TempDir(), "out.jsonl")
	code := Run(testApp(func(*cli.Context) error {
		o, err := CreateOutput(p, nil)
		if err != nil {
			return err
		}
		o.WriteString("x\n")
		return o.Commit()
	}), []string{"--need", "x"}, nil, io.Discard, io.Discard)
	if code != OK {
		t.Errorf("a run after an interrupted one: exit %d", code)
	}
}

func TestLogReportsFormat(t *testing.T) {
	if !NewLogTo(io.Discard, "ff-test", true, false).JSON() || NewLogTo(io.Discard, "ff-test", false, false).JSON() {
		t.Error("Log.JSON does not report --log-format json")
	}
}

func TestLogJSON(t *testing.T) {
	var b bytes.Buffer
	l := NewLogTo(&b, "ff-x", true, false)
	l.Summary("read 3 rows", KV{"read", 3})
	s := b.String()
	for _, want := range []string{`"prog":"ff-x"`, `"level":"summary"`, `"msg":"read 3 rows"`, `"read":3`} {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %s", s, want)
		}
	}
	b.Reset()
	NewLogTo(&b, "ff-x", false, true).Summary("quiet")
	if b.Len() != 0 {
		t.Errorf("--quiet printed %q", b.String())
	}
}

func TestOutputToDevice(t *testing.T) {
	// A non-regular file (here /dev/null) is written in place, never renamed over.
	o, err := CreateOutput(os.DevNull, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.WriteString("x\n")
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(os.DevNull)
	if err != nil || st.Mode().IsRegular() {
		t.Fatalf("%s was replaced: %v %v", os.DevNull, st.Mode(), err)
	}
}

func TestInterleave(t *testing.T) {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}},
	}
	sub := &cli.Command{Name: "overlap", Flags: []cli.Flag{&cli.IntFlag{Name: "n"}}}
	tests := []struct{ in, want string }{
		{"a.jsonl -o out.jsonl", "-o out.jsonl a.jsonl"},
		{"a.jsonl -q b.jsonl --output=x", "-q --output=x a.jsonl b.jsonl"},
		{"-o x a.jsonl", "-o x a.jsonl"},
		{"a.jsonl -- -o", "a.jsonl -- -o"},
		{"- -q", "-q -"},
		{"overlap a b -n 3", "overlap -n 3 a b"},
		{"-q overlap a -n 3", "-q overlap -n 3 a"},
		{"a.jsonl --unknown b", "--unknown a.jsonl b"},
	}
	for _, tt := range tests {
		got := strings.Join(interleave(flags, []*cli.Command{sub}, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("interleave(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFlagsAfterFiles(t *testing.T) {
	var got string
	a := &cli.App{Name: "ff-test", Flags: OutputFlags(), Action: func(c *cli.Context) error {
		got = c.String(FlagOutput) + " " + strings.Join(c.Args().Slice(), ",")
		return nil
	}}
	var out, errb bytes.Buffer
	if code := Run(a, []string{"in.jsonl", "-o", "out.jsonl", "more.jsonl"}, nil, &out, &errb); code != OK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got != "out.jsonl in.jsonl,more.jsonl" {
		t.Errorf("got %q", got)
	}
}

func TestOutputMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "o.jsonl")
	o, _ := CreateOutput(p, nil)
	o.WriteString("x\n")
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}
