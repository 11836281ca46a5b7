package clean

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/convert"
	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/quality"
	"github.com/flock-off/ff/lib/record"
	"github.com/parquet-go/parquet-go"
)

func runMain(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	good := `{"prompt":"Q","completion":"A good answer."}` + "\n"
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  int
	}{
		{"ok", good, nil, app.OK},
		{"rejection is not an error", `{"text":"x"}`, nil, app.OK},
		{"malformed", "{x\n", nil, app.DataProblem},
		{"malformed kept in rejects", "{x\n", []string{"--rejects", filepath.Join(t.TempDir(), "r.jsonl")}, app.OK},
		{"check with a rejection", `{"text":"x"}`, []string{"--check"}, app.DataProblem},
		{"check clean", good, []string{"--check"}, app.OK},
		{"bad flag", good, []string{"--no-such-flag"}, app.Usage},
		{"bad --to", good, []string{"--to", "x"}, app.Usage},
		{"missing file", "", []string{"/nonexistent/in.jsonl"}, app.Failure},
	} {
		if code, _, errs := runMain(t, tc.stdin, tc.args...); code != tc.want {
			t.Errorf("%s: exit %d, want %d (%s)", tc.name, code, tc.want, errs)
		}
	}
}

// Output is the same whatever the number of threads, and in input order.
func TestDeterministicAcrossThreads(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 20000; i++ {
		switch i % 4 {
		case 0:
			in.WriteString(`{"prompt":"Question ` + strings.Repeat("x", i%50) + `","completion":"Answer number ` + strings.Repeat("y ", i%30) + `end."}` + "\n")
		case 1:
			in.WriteString(`{"instruction":"Do it","output":""}` + "\n") // empty_turn
		case 2:
			in.WriteString("{broken\n")
		default:
			in.WriteString(`{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello ` + strings.Repeat("z", i%7) + `"}]}` + "\n")
		}
	}
	dir := t.TempDir()
	var first string
	for _, threads := range []string{"1", "2", "7"} {
		rej := filepath.Join(dir, "rej"+threads)
		_, out, _ := runMain(t, in.String(), "--threads", threads, "--rejects", rej)
		rejects, _ := os.ReadFile(rej)
		got := out + "\n--\n" + string(rejects)
		if first == "" {
			first = got
		} else if got != first {
			t.Fatalf("--threads %s output differs from --threads 1", threads)
		}
	}
	if n := strings.Count(first, "\n"); n != 20000+2 { // every row written or rejected, plus the separator
		t.Errorf("%d lines out, want 20000", n-2)
	}
}

// Every shared real file converts to canonical SFT: read = wrote + rejected,
// and each written row is itself valid canonical SFT (it re-validates).
func TestRealDataConvertsToCanonicalSFT(t *testing.T) {
	shared := testenv.Shared(t)
	files, _ := filepath.Glob(filepath.Join(shared, "data", "real", "self-instruct", "*.jsonl"))
	more, _ := filepath.Glob(filepath.Join(shared, "data", "real", "self-instruct", "t0", "*.jsonl"))
	files = append(files, more...)
	if len(files) < 2 {
		t.Fatalf("no real data under %s", shared)
	}
	dir := t.TempDir()
	for _, f := range files {
		name := filepath.Base(f)
		out, stats := filepath.Join(dir, name), filepath.Join(dir, name+".stats")
		code, _, errs := runMain(t, "", "-o", out, "--stats", stats, f)
		if code != app.OK {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		st := readStats(t, stats)
		if st.Read == 0 || st.Read != st.Wrote+st.Rejected {
			t.Errorf("%s: read %d != wrote %d + rejected %d", name, st.Read, st.Wrote, st.Rejected)
		}
		if st.Malformed != 0 {
			t.Errorf("%s: %d malformed rows", name, st.Malformed)
		}
		recs, bad, err := record.ReadAll(context.Background(), out, nil)
		if err != nil || len(bad) > 0 || int64(len(recs)) != st.Wrote {
			t.Fatalf("%s: output has %d rows (%v %v), stats say %d", name, len(recs), err, bad, st.Wrote)
		}
		conv := &convert.Converter{To: convert.SFT}
		for _, rec := range recs {
			if rec.Fields[0].Key != "system" || rec.Fields[1].Key != "conversations" {
				t.Fatalf("%s: row %s does not start with system, conversations", rec.Source, rec.AppendJSON(nil))
			}
			row, err := conv.Convert(rec)
			if err != nil || row.Format != convert.FormatFLock {
				t.Fatalf("%s: output row is not FLock SFT: %v", rec.Source, err)
			}
			if p := quality.Validate(row, convert.SFT, quality.DefaultLimits); p != nil {
				t.Fatalf("%s: output row fails validation: %v", rec.Source, p)
			}
		}
	}
}

// A Parquet file written by ff-clean has the documented schema (docs/ff-clean.md):
// system string, conversations list<struct<role string, content string>>, then
// the other fields with inferred types; reading it back gives the JSONL rows.
func TestParquetOutputSchema(t *testing.T) {
	dir := t.TempDir()
	in := `{"id":1,"instruction":"Name a colour.","output":"Red."}` + "\n" +
		`{"id":2,"prompt":"Say hi.","completion":"Hi there."}` + "\n"
	pq := filepath.Join(dir, "out.parquet")
	if code, _, errs := runMain(t, in, "-o", pq); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(pq)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	want := `message row {
	optional binary system (STRING);
	optional group conversations (LIST) {
		repeated group list {
			optional group element {
				optional binary role (STRING);
				optional binary content (STRING);
			}
		}
	}
	optional int64 id (INT(64,true));
}`
	if got := strings.TrimSpace(f.Schema().String()); got != want {
		t.Errorf("schema:\n%s\nwant:\n%s", got, want)
	}
	_, jsonl, _ := runMain(t, in)
	_, back, _ := runMain(t, "", "--normalize", "none", "--filters", "none", pq)
	if back != jsonl {
		t.Errorf("Parquet read back:\n%s\nwant:\n%s", back, jsonl)
	}
}
