package dedup

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/flock-off/ff/lib/record"
)

// TextSpec says which fields make up the text of a row. With no fields the
// row's shape decides: all turns of "conversations"/"messages" (SFT), else
// "prompt" + "chosen" (DPO), else "prompt" + "completion"/"response", else
// "text", else "instruction" + "input" + "output". A system prompt is left
// out by default: it is usually the same on every row.
type TextSpec struct {
	Fields []string
}

// ParseFields reads --fields a,b,c.
func ParseFields(s string) TextSpec {
	var t TextSpec
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			t.Fields = append(t.Fields, f)
		}
	}
	return t
}

// autoShapes: a shape applies when its key field is present.
var autoShapes = []struct {
	key    string
	fields []string
}{
	{"conversations", []string{"conversations"}},
	{"messages", []string{"messages"}},
	{"chosen", []string{"prompt", "chosen"}},
	{"completion", []string{"prompt", "completion"}},
	{"response", []string{"prompt", "response"}},
	{"text", []string{"text"}},
	{"output", []string{"instruction", "input", "output"}},
	{"instruction", []string{"instruction", "input", "output"}},
	{"prompt", []string{"prompt"}},
}

// Append appends the row's text to dst (parts separated by newlines) and
// reports whether any of the fields was present.
func (t TextSpec) Append(dst []byte, r *record.Record) ([]byte, bool) {
	if len(t.Fields) > 0 {
		return appendFields(dst, r, t.Fields)
	}
	for _, s := range autoShapes {
		if r.Has(s.key) {
			return appendFields(dst, r, s.fields)
		}
	}
	return dst, false
}

func appendFields(dst []byte, r *record.Record, fields []string) ([]byte, bool) {
	found := false
	for _, f := range fields {
		if v, ok := r.Get(f); ok {
			found = true
			dst, _ = appendText(dst, v, 0)
		}
	}
	return dst, found
}

// appendText appends the strings of a JSON value: a string itself, every
// element of an array, and of an object only its "content", "value" or
// "text" (the message text of OpenAI and ShareGPT turns), so roles and other
// metadata stay out of the text. It returns the unread rest of v; malformed
// JSON ends the walk without a panic.
func appendText(dst, v []byte, depth int) ([]byte, []byte) {
	v = skipSpace(v)
	if len(v) == 0 || depth > 64 {
		return dst, nil
	}
	switch v[0] {
	case '"':
		start := len(dst)
		dst, v = appendUnquoted(dst, v)
		if len(dst) > start {
			dst = append(dst, '\n')
		}
		return dst, v
	case '[':
		v = v[1:]
		for {
			v = skipSpace(v)
			if len(v) == 0 {
				return dst, nil
			}
			if v[0] == ']' {
				return dst, v[1:]
			}
			if v[0] == ',' {
				v = v[1:]
				continue
			}
			before := len(v)
			dst, v = appendText(dst, v, depth+1)
			if len(v) >= before {
				return dst, nil
			}
		}
	case '{':
		v = v[1:]
		for {
			v = skipSpace(v)
			if len(v) == 0 {
				return dst, nil
			}
			switch v[0] {
			case '}':
				return dst, v[1:]
			case ',':
				v = v[1:]
				continue
			case '"':
			default:
				return dst, nil
			}
			var key []byte
			key, v = appendUnquoted(nil, v)
			v = skipSpace(v)
			if len(v) == 0 || v[0] != ':' {
				return dst, nil
			}
			v = v[1:]
			before := len(v)
			switch string(key) {
			case "content", "value", "text":
				dst, v = appendText(dst, v, depth+1)
			default:
				v = skipValue(v, depth+1)
			}
			if len(v) >= before {
				return dst, nil
			}
		}
	}
	return dst, skipValue(v, depth)
}

func skipSpace(v []byte) []byte {
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t' || v[0] == '\n' || v[0] == '\r') {
		v = v[1:]
	}
	return v
}

// skipValue returns what follows the JSON value at the start of v.
func skipValue(v []byte, depth int) []byte {
	v = skipSpace(v)
	if len(v) == 0 {
		return nil
	}
	switch v[0] {
	case '"':
		for i := 1; i < len(v); i++ {
			switch v[i] {
			case '\\':
				i++
			case '"':
				return v[i+1:]
			}
		}
		return nil
	case '[', '{':
		// Count brackets outside strings.
		level := 0
		for i := 0; i < len(v); i++ {
			switch v[i] {
			case '[', '{':
				level++
			case ']', '}':
				level--
				if level == 0 {
					return v[i+1:]
				}
			case '"':
				rest := skipValue(v[i:], depth)
				if rest == nil {
					return nil
				}
				i = len(v) - len(rest) - 1
			}
		}
		return nil
	}
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			if i == 0 {
				return v[1:]
			}
			return v[i:]
		}
	}
	return nil
}

// appendUnquoted decodes the JSON string at the start of v (which starts
// with a quote) onto dst and returns what follows it.
func appendUnquoted(dst, v []byte) ([]byte, []byte) {
	i := 1
	for i < len(v) {
		c := v[i]
		switch {
		case c == '"':
			return dst, v[i+1:]
		case c != '\\':
			j := i + 1
			for j < len(v) && v[j] != '"' && v[j] != '\\' {
				j++
			}
			dst = append(dst, v[i:j]...)
			i = j
			continue
		}
		if i+1 >= len(v) {
			return dst, nil
		}
		e := v[i+1]
		i += 2
		switch e {
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		case 'r':
			dst = append(dst, '\r')
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'u':
			r, ok := hex4(v[i:])
			if !ok {
				return dst, nil
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(v[min(i+2, len(v)):]); ok && i+1 < len(v) && v[i] == '\\' && v[i+1] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // \" \\ \/
			dst = append(dst, e)
		}
	}
	return dst, nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
