package record

import (
	"bytes"
	"errors"
)

// ErrNotArray and ErrNotObject are what EachElement and EachField return for a
// value of another kind.
var (
	ErrNotArray  = errors.New("not a JSON array")
	ErrNotObject = errors.New("not a JSON object")
)

// Kind is the JSON kind of a raw value, told by its first byte.
type Kind byte

const (
	KindInvalid Kind = iota
	KindNull
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
)

// KindOf tells the kind of a raw JSON value (leading whitespace allowed).
func KindOf(raw []byte) Kind {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case 'n':
			return KindNull
		case 't', 'f':
			return KindBool
		case '"':
			return KindString
		case '[':
			return KindArray
		case '{':
			return KindObject
		}
		if c == '-' || (c >= '0' && c <= '9') {
			return KindNumber
		}
		return KindInvalid
	}
	return KindInvalid
}

// EachElement calls f with each element of the JSON array raw (as sub-slices
// of raw). Values inside Records were validated when read, so this walks the
// structure without validating it again; it never reads out of bounds and
// reports a broken structure as an error.
func EachElement(raw []byte, f func(elem []byte) error) error {
	i := skipWS(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return ErrNotArray
	}
	i = skipWS(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return nil
	}
	for {
		i = skipWS(raw, i)
		end, err := skip(raw, i)
		if err != nil {
			return err
		}
		if err := f(raw[i:end:end]); err != nil {
			return err
		}
		i = skipWS(raw, end)
		if i >= len(raw) {
			return errBroken
		}
		switch raw[i] {
		case ',':
			i++
		case ']':
			return nil
		default:
			return errBroken
		}
	}
}

// EachField calls f with each key (still quoted, as in the text) and value
// of the JSON object raw, in order. See EachElement about validation.
func EachField(raw []byte, f func(key, val []byte) error) error {
	i := skipWS(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return ErrNotObject
	}
	_, err := eachField(raw, i, f)
	return err
}

// EachObject walks a JSON array of objects in one pass: for each element
// it calls field with each key and value (as EachField does), then done.
// An element that is not an object stops the walk with ErrNotObject (after
// done ran for the elements before it). It gives what EachElement with
// EachField inside gives, without going over each element twice.
func EachObject(raw []byte, field func(key, val []byte) error, done func() error) error {
	i := skipWS(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return ErrNotArray
	}
	i = skipWS(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return nil
	}
	for {
		i = skipWS(raw, i)
		if i >= len(raw) {
			return errBroken
		}
		if raw[i] != '{' {
			if _, err := skip(raw, i); err != nil {
				return err
			}
			return ErrNotObject
		}
		end, err := eachField(raw, i, field)
		if err != nil {
			return err
		}
		if err := done(); err != nil {
			return err
		}
		i = skipWS(raw, end)
		if i >= len(raw) {
			return errBroken
		}
		switch raw[i] {
		case ',':
			i++
		case ']':
			return nil
		default:
			return errBroken
		}
	}
}

// eachField walks the object whose '{' is at raw[i], calling f for each
// field, and returns the index just after its '}'.
func eachField(raw []byte, i int, f func(key, val []byte) error) (int, error) {
	i = skipWS(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return i + 1, nil
	}
	for {
		i = skipWS(raw, i)
		if i >= len(raw) || raw[i] != '"' {
			return 0, errBroken
		}
		kend, err := skip(raw, i)
		if err != nil {
			return 0, err
		}
		j := skipWS(raw, kend)
		if j >= len(raw) || raw[j] != ':' {
			return 0, errBroken
		}
		j = skipWS(raw, j+1)
		vend, err := skip(raw, j)
		if err != nil {
			return 0, err
		}
		if err := f(raw[i:kend:kend], raw[j:vend:vend]); err != nil {
			return 0, err
		}
		i = skipWS(raw, vend)
		if i >= len(raw) {
			return 0, errBroken
		}
		switch raw[i] {
		case ',':
			i++
		case '}':
			return i + 1, nil
		default:
			return 0, errBroken
		}
	}
}

// KeyIs reports whether the quoted key (as EachField gives it) is name.
// Keys with escapes never match; datasets do not escape their column names.
func KeyIs(quoted []byte, name string) bool {
	return len(quoted) == len(name)+2 && string(quoted[1:len(quoted)-1]) == name
}

var errBroken = errors.New("broken JSON structure")

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skip returns the end of the value starting at b[i].
func skip(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errBroken
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); {
			q := bytes.IndexByte(b[j:], '"')
			if q < 0 {
				return 0, errBroken
			}
			j += q
			// The quote ends the string unless an odd run of backslashes escapes it.
			k := j - 1
			for k > i && b[k] == '\\' {
				k--
			}
			if (j-1-k)%2 == 0 {
				return j + 1, nil
			}
			j++
		}
		return 0, errBroken
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skip(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errBroken
	default:
		j := i
		for j < len(b) {
			c := b[j]
			if c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				break
			}
			j++
		}
		if j == i {
			return 0, errBroken
		}
		return j, nil
	}
}

// AppendUnquoted appends the text of the raw JSON string to dst. It returns
// dst unchanged and an error when raw is not a string.
func AppendUnquoted(dst, raw []byte) ([]byte, error) {
	out, _, err := AppendUnquotedPlain(dst, raw)
	return out, err
}

// AppendUnquotedPlain is AppendUnquoted that also reports whether raw uses
// only the escapes AppendString writes (\" \\ \n \r \t), in one pass.
func AppendUnquotedPlain(dst, raw []byte) (out []byte, plain bool, err error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return dst, false, errNotString
	}
	body := raw[1 : len(raw)-1]
	i := bytes.IndexByte(body, '\\')
	if i < 0 {
		return append(dst, body...), true, nil
	}
	n := len(dst)
	out, plain, err = appendUnescape(append(dst, body[:i]...), body[i:])
	if err != nil {
		return dst[:n], false, err
	}
	return out, plain, nil
}

// StringBody returns the text of a raw JSON string without copying when it
// has no escapes (ok=false otherwise, or when raw is not a string).
func StringBody(raw []byte) (body []byte, ok bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false
	}
	body = raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') >= 0 {
		return nil, false
	}
	return body, true
}
