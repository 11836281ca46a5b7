package dedup

import (
	"encoding/json"
	"testing"

	"github.com/flock-off/ff/lib/record"
)

func TestTextSpec(t *testing.T) {
	tests := []struct {
		row, fields, want string
		found             bool
	}{
		{`{"system":"sys","conversations":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`, "", "a\nb\n", true},
		{`{"messages":[{"role":"user","content":[{"type":"text","text":"x\u00e9"}]}]}`, "", "xé\n", true},
		{`{"conversations":[{"from":"human","value":"q"},{"from":"gpt","value":"r"}]}`, "", "q\nr\n", true},
		{`{"prompt":"p","chosen":"c","rejected":"r"}`, "", "p\nc\n", true},
		{`{"prompt":[{"role":"user","content":"p"}],"chosen":[{"role":"assistant","content":"c"}]}`, "", "p\nc\n", true},
		{`{"prompt":"p","completion":"c"}`, "", "p\nc\n", true},
		{`{"text":"t \"q\" \ud83d\ude00"}`, "", "t \"q\" 😀\n", true},
		{`{"instruction":"i","input":"","output":"o"}`, "", "i\no\n", true},
		{`{"meta":1}`, "", "", false},
		{`{"a":"x","b":{"content":"y","role":"z"},"c":[1,true,null,"w"]}`, "b,c", "y\nw\n", true},
		{`{"system":"s","conversations":[]}`, "system", "s\n", true},
	}
	for _, tt := range tests {
		fields, err := record.ParseObject([]byte(tt.row))
		if err != nil {
			t.Fatal(err)
		}
		got, found := ParseFields(tt.fields).Append(nil, &record.Record{Fields: fields})
		if string(got) != tt.want || found != tt.found {
			t.Errorf("%s --fields %q: got %q, %v; want %q, %v", tt.row, tt.fields, got, found, tt.want, tt.found)
		}
	}
}

// appendText walks raw JSON of any shape; on valid JSON strings it must
// agree with encoding/json, and on anything it must return without panic.
func FuzzAppendText(f *testing.F) {
	for _, s := range []string{`"a\nb"`, `[{"role":"user","content":"hi"}]`, `{"content":[{"text":"x"}]}`, `"\ud83d\ude00"`, `"\ud83d"`, `[1,[2,{"a":"b"}],"c"]`, `{"content":`, `"\u00`, `[[[[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, _ := appendText(nil, raw, 0)
		var s string
		if json.Unmarshal(raw, &s) == nil && record.Valid(raw) == nil {
			want := s
			if want != "" {
				want += "\n"
			}
			if string(got) != want {
				t.Fatalf("appendText(%q) = %q, encoding/json says %q", raw, got, want)
			}
		}
		skipValue(raw, 0)
	})
}
