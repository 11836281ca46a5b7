package record

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// toParquet writes rows (JSONL text) to Parquet and returns the file.
func toParquet(t testing.TB, jsonl string) []byte {
	t.Helper()
	recs, bad, err := ReadAll(context.Background(), "-", strings.NewReader(jsonl))
	if err != nil || len(bad) > 0 {
		t.Fatalf("read: %v %v", err, bad)
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Parquet)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fromParquet reads a Parquet file back as JSONL lines.
func fromParquet(t testing.TB, file []byte) []string {
	t.Helper()
	r, err := NewReader(io.NopCloser(bytes.NewReader(file)), "test.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Source.Line != int64(len(out)+1) {
			t.Fatalf("row %d has source line %d", len(out)+1, rec.Source.Line)
		}
		out = append(out, string(rec.AppendJSON(nil)))
	}
}

// sameJSON compares two rows as JSON values, keeping key order and number text.
func sameJSON(a, b string) bool {
	norm := func(s string) string {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var toks []string
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			toks = append(toks, fmt.Sprintf("%T:%v", tok, tok))
		}
		return strings.Join(toks, "|")
	}
	return norm(a) == norm(b)
}

func TestParquetRoundTripCanonical(t *testing.T) {
	in := `{"system":null,"conversations":[{"role":"user","content":"Hi \u00e9 \"x\""},{"role":"assistant","content":"Hello\nthere"}],"id":7,"score":0.5,"ok":true,"tags":["a","b"],"meta":{"src":"t0","n":1}}
{"system":"Be brief.","conversations":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}],"id":8,"score":1,"ok":false,"tags":[],"meta":{"src":"x","n":2}}
`
	got := fromParquet(t, toParquet(t, in))
	want := strings.Split(strings.TrimSpace(in), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameJSON(got[i], want[i]) {
			t.Errorf("row %d:\n got %s\nwant %s", i+1, got[i], want[i])
		}
	}
}

// The documented schema: canonical columns as pyarrow / datasets expect.
func TestParquetSchemaIsDocumented(t *testing.T) {
	in := `{"system":null,"conversations":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}],"n":1,"x":1.5,"b":true,"mixed":1}
{"system":null,"conversations":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}],"n":2,"x":2,"b":false,"mixed":"one"}
`
	file := toParquet(t, in)
	f, err := parquet.OpenFile(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	got := f.Schema().String()
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
	optional int64 n (INT(64,true));
	optional double x;
	optional boolean b;
	optional binary mixed (JSON);
}`
	if strings.TrimSpace(got) != want {
		t.Errorf("schema:\n%s\nwant:\n%s", got, want)
	}
}

// randomRow makes a row of a fixed shape (the same keys in the same order,
// as datasets have) with random values, nulls and awkward text.
func randomRow(r *rand.Rand) string {
	str := func() string {
		pieces := []string{"a", "é", "\\n", "\\\"", "東京", " ", "\\u0001", "x y", "\\ud83d\\ude00", "<&>"}
		var b strings.Builder
		for n := r.IntN(6); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return `"` + b.String() + `"`
	}
	maybe := func(v string) string {
		if r.IntN(5) == 0 {
			return "null"
		}
		return v
	}
	var turns []string
	for n := r.IntN(4); n > 0; n-- {
		turns = append(turns, `{"role":`+str()+`,"content":`+str()+`}`)
	}
	nums := []string{"0", "-3", "12345678901", "0.25", "-1.5e-7", "1e+21", "3.0", "1E5", "-0"}
	var list []string
	for n := r.IntN(3); n > 0; n-- {
		list = append(list, maybe(fmt.Sprint(r.IntN(100))))
	}
	return `{"system":` + maybe(str()) +
		`,"conversations":[` + strings.Join(turns, ",") + `]` +
		`,"num":` + maybe(nums[r.IntN(len(nums))]) +
		`,"int":` + maybe(fmt.Sprint(r.IntN(1000)-500)) +
		`,"flag":` + maybe([]string{"true", "false"}[r.IntN(2)]) +
		`,"list":[` + strings.Join(list, ",") + `]` +
		`,"obj":` + maybe(`{"k":`+str()+`,"v":`+maybe(fmt.Sprint(r.IntN(9)))+`}`) + `}`
}

// Property: any set of rows of a regular shape comes back identical.
func TestParquetRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 40; trial++ {
		var lines []string
		for n := 1 + r.IntN(60); n > 0; n-- {
			lines = append(lines, randomRow(r))
		}
		in := strings.Join(lines, "\n") + "\n"
		got := fromParquet(t, toParquet(t, in))
		if len(got) != len(lines) {
			t.Fatalf("trial %d: %d rows back, want %d", trial, len(got), len(lines))
		}
		for i := range lines {
			if !sameJSON(got[i], lines[i]) {
				t.Fatalf("trial %d row %d:\n got %s\nwant %s", trial, i+1, got[i], lines[i])
			}
		}
	}
}

// Many rows: several row groups, rows after the inference window, and a
// later row that does not fit the schema is an error naming its line.
func TestParquetManyRowsAndLateMismatch(t *testing.T) {
	var b strings.Builder
	n := parquetRowGroup + inferRows + 17
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"system":null,"conversations":[{"role":"user","content":"q%d"},{"role":"assistant","content":"a%d"}],"i":%d}`+"\n", i, i, i)
	}
	got := fromParquet(t, toParquet(t, b.String()))
	if len(got) != n || !strings.Contains(got[n-1], fmt.Sprintf(`"i":%d`, n)) {
		t.Fatalf("got %d rows, last %q", len(got), got[len(got)-1])
	}

	bad := b.String() + `{"system":null,"conversations":[],"i":"not a number"}` + "\n"
	recs, _, _ := ReadAll(context.Background(), "-", strings.NewReader(bad))
	w, _ := NewWriter(io.Discard, Parquet)
	var err error
	for _, r := range recs {
		if err = w.Write(r); err != nil {
			break
		}
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("stdin:%d", n+1)) {
		t.Fatalf("late mismatch: err = %v, want one naming stdin:%d", err, n+1)
	}
}

// FuzzParquetRoundTrip: any JSON object row written alone comes back the same.
func FuzzParquetRoundTrip(f *testing.F) {
	for _, s := range []string{
		`{"system":null,"conversations":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}`,
		`{"a":[1,2.5,null],"b":{"c":[{"d":true}]},"e":"\u00e9"}`,
		`{"x":[],"y":{},"z":[[1],[2,3]],"w":1e400}`,
		`{"k":{"a":1,"a":2}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if _, err := ParseObject([]byte(line)); err != nil {
			return
		}
		recs, _, err := ReadAll(context.Background(), "-", strings.NewReader(line))
		if err != nil || len(recs) != 1 || len(recs[0].Fields) == 0 {
			return // not one row; or {} (Parquet has no zero-column files: documented)
		}
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, Parquet)
		if err := w.Write(recs[0]); err != nil {
			if strings.Contains(err.Error(), "appears twice") {
				return // documented: duplicate top-level keys cannot be columns
			}
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := fromParquet(t, buf.Bytes())
		if len(got) != 1 || !sameJSON(got[0], string(recs[0].AppendJSON(nil))) {
			t.Fatalf("round trip:\n got %v\nwant %s", got, recs[0].AppendJSON(nil))
		}
	})
}
