package convert

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/record"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// convertAll converts every row of testdata/formats.jsonl to target and
// renders the result (or the error) one line per row.
func convertAll(t *testing.T, to Target) []byte {
	recs, bad, err := record.ReadAll(context.Background(), filepath.Join("testdata", "formats.jsonl"), nil)
	if err != nil || len(bad) > 0 {
		t.Fatal(err, bad)
	}
	c := &Converter{To: to}
	var out bytes.Buffer
	for _, rec := range recs {
		row, err := c.Convert(rec)
		if err != nil {
			out.WriteString("error: " + err.Error() + "\n")
			continue
		}
		out.WriteString(row.Format + " ")
		out.Write(row.AppendJSON(nil, to, false))
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func TestFormatsGolden(t *testing.T) {
	for _, to := range []Target{SFT, DPO} {
		got := convertAll(t, to)
		golden := filepath.Join("testdata", "formats."+to.String()+".golden")
		if *update {
			os.WriteFile(golden, got, 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s conversion differs from %s:\n%s", to, golden, got)
		}
	}
}

func TestConvertedRowsAreValidJSON(t *testing.T) {
	for _, line := range strings.Split(string(convertAll(t, SFT)), "\n") {
		if i := strings.IndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "error:") {
			if err := record.Valid([]byte(line[i+1:])); err != nil {
				t.Errorf("%s: %v", line, err)
			}
		}
	}
}

// FuzzConvert: any JSON object converts or fails with an *Error, never
// panics, and a converted row is a valid canonical JSON object.
func FuzzConvert(f *testing.F) {
	data, _ := os.ReadFile(filepath.Join("testdata", "formats.jsonl"))
	for _, l := range strings.Split(string(data), "\n") {
		f.Add(l, false)
	}
	f.Add(`{"chosen":"Human: x Assistant:","rejected":"\n\nAssistant:"}`, true)
	f.Fuzz(func(t *testing.T, line string, dpo bool) {
		fields, err := record.ParseObject([]byte(line))
		if err != nil {
			return
		}
		to := SFT
		if dpo {
			to = DPO
		}
		c := &Converter{To: to}
		row, err := c.Convert(&record.Record{Fields: fields, Source: record.Source{File: "f", Line: 1}})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			return
		}
		out := row.AppendJSON(nil, to, false)
		got, err := record.ParseObject(out)
		if err != nil {
			t.Fatalf("output %s: %v", out, err)
		}
		want := "conversations"
		if to == DPO {
			want = "prompt"
		}
		if got[0].Key != "system" || got[1].Key != want {
			t.Fatalf("output %s does not start with the canonical fields", out)
		}
	})
}
