package record

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEachElement: the non-validating walkers agree with encoding/json on
// valid input and never panic on any input.
func FuzzEachElement(f *testing.F) {
	for _, s := range []string{`[1,"a\"b",{"c":[2]},null]`, `{"a":1,"b":"\\"}`, `["\\\\\""]`, `[`, `{"a"`, `"x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var elems []string
		errArr := EachElement(raw, func(el []byte) error { elems = append(elems, string(el)); return nil })
		var keys []string
		errObj := EachField(raw, func(k, v []byte) error { keys = append(keys, string(k)); return nil })
		if Valid(raw) != nil {
			return
		}
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) == nil {
			if errArr != nil || len(arr) != len(elems) {
				t.Fatalf("array %s: %d elements, walker %d (%v)", raw, len(arr), len(elems), errArr)
			}
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil && errObj != nil {
			t.Fatalf("object %s: walker error %v", raw, errObj)
		}
	})
}

func TestAppendUnquoted(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`"plain"`, "plain"},
		{`"a\nb\"c\\d\u00e9\ud83d\ude00"`, "a\nb\"c\\dé😀"},
		{`"\ud800x"`, "\ufffdx"},
	} {
		got, err := AppendUnquoted([]byte("pre:"), []byte(tc.raw))
		if err != nil || string(got) != "pre:"+tc.want {
			t.Errorf("%s: got %q, %v", tc.raw, got, err)
		}
	}
	if _, err := AppendUnquoted(nil, []byte(`12`)); err == nil {
		t.Error("a number unquoted without error")
	}
}

// FuzzParseObject: on valid UTF-8, ParseObject accepts exactly the JSON
// objects encoding/json accepts (and never panics on anything).
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{`{"a":"é\"\\u00e9 \u00e9"}`, `{"a":"\u0001"}`, "{\"a\":\"\x01\"}", `{"a":[1,2,{"b":null}]}`, `{"a":"東京\n"}`, `{"a" 1}`, `{"£":"¢"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseObject(b)
		if !utf8.Valid(b) {
			return
		}
		trimmed := bytes.TrimLeft(b, " \t\r\n")
		want := json.Valid(b) && len(trimmed) > 0 && trimmed[0] == '{'
		if (err == nil) != want {
			t.Fatalf("%q: ParseObject error %v, encoding/json valid object %v", b, err, want)
		}
	})
}

// FuzzEachObject: on valid JSON, one walk gives the fields and element
// ends that EachElement with EachField inside gives; it never panics.
func FuzzEachObject(f *testing.F) {
	for _, s := range []string{`[{"role":"user","content":"a\"b"},{"role":"assistant","content":"c\\"}]`,
		`[{},{"a":[1,{"b":2}]}]`, `[{"a":1},"x"]`, `[1]`, `[]`, `[{"a":"}"} , {"b":null}]`, `[{"a"`, `{"a":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var two []string
		errTwo := EachElement(raw, func(el []byte) error {
			if err := EachField(el, func(k, v []byte) error { two = append(two, string(k)+"="+string(v)); return nil }); err != nil {
				return err
			}
			two = append(two, "|")
			return nil
		})
		var one []string
		errOne := EachObject(raw,
			func(k, v []byte) error { one = append(one, string(k)+"="+string(v)); return nil },
			func() error { one = append(one, "|"); return nil })
		if errTwo != nil || Valid(raw) != nil {
			return // (callers walk rows that were validated first)
		}
		if errOne != nil || strings.Join(one, "\n") != strings.Join(two, "\n") {
			t.Fatalf("%s: one walk %q (%v), two walks %q", raw, one, errOne, two)
		}
	})
}
