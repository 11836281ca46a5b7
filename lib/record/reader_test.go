package record

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func TestJSONLReaderRowsAndErrors(t *testing.T) {
	in := "\xef\xbb\xbf{\"a\":1}\r\n\n   \n{\"b\": [1, 2], \"a\" : \"x\"}\n{bad}\n[1]\n{\"s\":\"\xff\"}\n{\"last\":true}"
	r := newJSONLReader(strings.NewReader(in), io.NopCloser(nil), "in.jsonl")
	type got struct {
		line int64
		keys string
		err  string
	}
	var rows []got
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			rows = append(rows, got{re.Source.Line, "", re.Error()})
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, f := range rec.Fields {
			keys = append(keys, f.Key+"="+string(f.Value))
		}
		rows = append(rows, got{rec.Source.Line, strings.Join(keys, ","), ""})
	}
	want := []got{
		{1, "a=1", ""},
		{4, "b=[1, 2],a=\"x\"", ""},
		{5, "", "in.jsonl:5: invalid JSON at byte 2: expected a string key"},
		{6, "", "in.jsonl:6: invalid JSON at byte 1: row is not a JSON object"},
		{7, "", "in.jsonl:7: invalid JSON at byte 7: invalid UTF-8"},
		{8, "last=true", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %+v", rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, rows[i], want[i])
		}
	}
}

// Rows longer than a block, and many of them, come back whole and in order.
func TestJSONLReaderLongLines(t *testing.T) {
	long := strings.Repeat("x", 3*blockSize)
	var b strings.Builder
	for i := 0; i < 3; i++ {
		b.WriteString(`{"t":"` + long + `"}` + "\n")
		b.WriteString(`{"n":1}` + "\n")
	}
	recs, bad, err := ReadAll(context.Background(), "-", strings.NewReader(b.String()))
	if err != nil || len(bad) != 0 || len(recs) != 6 {
		t.Fatalf("recs %d bad %d err %v", len(recs), len(bad), err)
	}
	if v, _ := recs[4].Get("t"); len(v) != len(long)+2 {
		t.Errorf("long row has %d bytes", len(v))
	}
	if recs[5].Source.Line != 6 {
		t.Errorf("line %d", recs[5].Source.Line)
	}
}

func TestOpenCompressed(t *testing.T) {
	dir := t.TempDir()
	rows := "{\"a\":1}\n{\"a\":2}\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(rows))
	zw.Close()
	zs, _ := zstd.NewWriter(nil)
	files := map[string][]byte{"x.jsonl.gz": gz.Bytes(), "x.jsonl.zst": zs.EncodeAll([]byte(rows), nil), "x.jsonl": []byte(rows)}
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		recs, bad, err := ReadAll(context.Background(), p, nil)
		if err != nil || len(bad) > 0 || len(recs) != 2 || recs[1].Source.String() != p+":2" {
			t.Errorf("%s: %d rows, %v, %v", name, len(recs), bad, err)
		}
	}
}

// JSONL out keeps key order, raw values and unknown fields byte for byte
// (compacted).
func TestJSONLRoundTripKeepsOrder(t *testing.T) {
	in := `{"z":1,"a":{"y":[1,2],"b":"\u00e9"},"m":null}` + "\n"
	recs, _, _ := ReadAll(context.Background(), "-", strings.NewReader(in))
	var out bytes.Buffer
	w, _ := NewWriter(&out, JSONL)
	w.Write(recs[0])
	w.Close()
	if out.String() != in {
		t.Errorf("got %s", out.String())
	}
}

// FuzzJSONLReader: any input never panics; every row is a record whose JSON
// re-parses, or a RowError naming FILE:LINE; lines are increasing.
func FuzzJSONLReader(f *testing.F) {
	for _, s := range []string{"{\"a\":1}\n{\"b\":[true,null,{\"c\":\"\\u00e9\"}]}\n", "{bad\n", "\xef\xbb\xbf{}\r\n", "{\"a\":\"\\ud800\"}", "[[[[", "{\"k\":1e999}\n\n{\"x\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newJSONLReader(bytes.NewReader(data), io.NopCloser(nil), "f.jsonl")
		last := int64(0)
		for {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *RowError
			if errors.As(err, &re) {
				if re.Source.Line <= last || !strings.HasPrefix(re.Error(), re.Source.String()+": ") {
					t.Fatalf("bad row error %q after line %d", re.Error(), last)
				}
				last = re.Source.Line
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Source.Line <= last {
				t.Fatalf("line %d after %d", rec.Source.Line, last)
			}
			last = rec.Source.Line
			if _, err := ParseObject(rec.AppendJSON(nil)); err != nil {
				t.Fatalf("re-encoded row does not parse: %v", err)
			}
		}
	})
}
