package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 512

// SyntaxError is a JSON problem at a byte offset of a row.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset+1, e.Msg)
}

// ParseObject splits one JSON object into its top-level fields, validating
// the whole text (grammar and UTF-8). Values are sub-slices of line.
func ParseObject(line []byte) ([]Field, error) {
	s := scanner{b: line}
	s.ws()
	if s.i >= len(s.b) {
		return nil, &SyntaxError{s.i, "empty row"}
	}
	if s.b[s.i] != '{' {
		return nil, &SyntaxError{s.i, "row is not a JSON object"}
	}
	s.i++
	fields := make([]Field, 0, 4)
	s.ws()
	if s.peek() == '}' {
		s.i++
	} else {
		for {
			s.ws()
			if s.peek() != '"' {
				return nil, s.err("expected a string key")
			}
			kstart := s.i
			if err := s.str(); err != nil {
				return nil, err
			}
			key, err := internKey(s.b[kstart:s.i])
			if err != nil {
				return nil, &SyntaxError{kstart, err.Error()}
			}
			s.ws()
			if s.peek() != ':' {
				return nil, s.err("expected ':' after key")
			}
			s.i++
			s.ws()
			vstart := s.i
			if err := s.value(1); err != nil {
				return nil, err
			}
			fields = append(fields, Field{Key: key, Value: s.b[vstart:s.i:s.i]})
			s.ws()
			switch s.peek() {
			case ',':
				s.i++
				continue
			case '}':
				s.i++
			default:
				return nil, s.err("expected ',' or '}'")
			}
			break
		}
	}
	s.ws()
	if s.i != len(s.b) {
		return nil, s.err("extra data after the object")
	}
	return fields, nil
}

// Valid reports whether b is one valid JSON value (grammar and UTF-8).
func Valid(b []byte) error {
	s := scanner{b: b}
	s.ws()
	if err := s.value(0); err != nil {
		return err
	}
	s.ws()
	if s.i != len(b) {
		return s.err("extra data after the value")
	}
	return nil
}

// manyRunes is how many non-ASCII runes a row's strings decode one by one
// before the rest of the row is checked as a whole.
const manyRunes = 32

type scanner struct {
	b []byte
	i int
	// Non-ASCII runes in strings are decoded one by one; after manyRunes
	// of them the rest of the row is checked once (fast): valid UTF-8, the
	// usual case, lets strings skip non-ASCII bytes without decoding them.
	// Rows with few non-ASCII runes (most English text) are never checked.
	utf8OK      bool
	utf8Checked bool
	runes       int
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) err(msg string) error {
	if s.i >= len(s.b) {
		return &SyntaxError{s.i, msg + " (unexpected end of row)"}
	}
	return &SyntaxError{s.i, msg}
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) value(depth int) error {
	if depth > maxDepth {
		return s.err("nesting too deep")
	}
	switch c := s.peek(); {
	case c == '"':
		return s.str()
	case c == '{':
		s.i++
		s.ws()
		if s.peek() == '}' {
			s.i++
			return nil
		}
		for {
			s.ws()
			if s.peek() != '"' {
				return s.err("expected a string key")
			}
			if err := s.str(); err != nil {
				return err
			}
			s.ws()
			if s.peek() != ':' {
				return s.err("expected ':' after key")
			}
			s.i++
			s.ws()
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			switch s.peek() {
			case ',':
				s.i++
			case '}':
				s.i++
				return nil
			default:
				return s.err("expected ',' or '}'")
			}
		}
	case c == '[':
		s.i++
		s.ws()
		if s.peek() == ']' {
			s.i++
			return nil
		}
		for {
			s.ws()
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return nil
			default:
				return s.err("expected ',' or ']'")
			}
		}
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.num()
	default:
		return s.err("expected a value")
	}
}

func (s *scanner) lit(w string) error {
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return nil
	}
	return s.err("invalid literal")
}

func (s *scanner) num() error {
	start := s.i
	if s.peek() == '-' {
		s.i++
	}
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
		}
	default:
		return s.err("invalid number")
	}
	if s.peek() == '.' {
		s.i++
		d := s.i
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
		}
		if s.i == d {
			return s.err("invalid number")
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		d := s.i
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
		}
		if s.i == d {
			return s.err("invalid number")
		}
	}
	if s.i == start {
		return s.err("invalid number")
	}
	return nil
}

// str scans a string starting at its opening quote, validating escapes and UTF-8.
func (s *scanner) str() error {
	s.i++ // opening quote
	for s.i < len(s.b) {
		// Eight plain bytes at a time: no quote, backslash or control byte
		// (and, unless the row is known valid UTF-8, no non-ASCII byte).
		if s.i+8 <= len(s.b) {
			// Skip to the first byte the test flags (the lowest flag is
			// always a special byte or a harmless false alarm, never past one).
			var bad uint64
			if s.utf8OK {
				for bad = special8Text(binary.LittleEndian.Uint64(s.b[s.i:])); bad == 0 && s.i+16 <= len(s.b); bad = special8Text(binary.LittleEndian.Uint64(s.b[s.i:])) {
					s.i += 8
				}
			} else {
				for bad = special8(binary.LittleEndian.Uint64(s.b[s.i:])); bad == 0 && s.i+16 <= len(s.b); bad = special8(binary.LittleEndian.Uint64(s.b[s.i:])) {
					s.i += 8
				}
			}
			if bad == 0 {
				s.i += 8
				continue
			}
			s.i += bits.TrailingZeros64(bad) >> 3
		}
		if s.i >= len(s.b) {
			break
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			s.i++
			switch s.peek() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.b)-s.i < 5 || !isHex4(s.b[s.i+1:s.i+5]) {
					return s.err("invalid \\u escape")
				}
				s.i += 5
			default:
				return s.err("invalid escape")
			}
		case c < 0x20:
			return s.err("control character in string")
		case c < utf8.RuneSelf:
			s.i++
		case s.utf8OK:
			s.i++
		case !s.utf8Checked && s.runes >= manyRunes:
			s.utf8Checked = true
			s.utf8OK = utf8.Valid(s.b[s.i:]) // the bytes before are ASCII or decoded
		default:
			s.runes++
			if c >= 0xc2 && c < 0xe0 && s.i+1 < len(s.b) && s.b[s.i+1]&0xc0 == 0x80 {
				s.i += 2 // a valid two-byte rune
				continue
			}
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size == 1 {
				return s.err("invalid UTF-8")
			}
			s.i += size
		}
	}
	return s.err("unterminated string")
}

// plain8 reports whether none of the 8 bytes in x is a quote, a backslash,
// a control byte (< 0x20) or non-ASCII (>= 0x80): the SWAR tests of
// "Bit Twiddling Hacks" (haszero on x^pattern, hasless for < 0x20).
func plain8(x uint64) bool { return special8(x) == 0 }

// special8 marks with high bits the bytes plain8 rejects. Only the lowest
// mark is exact (a borrow can mark a plain byte above a special one), but
// no special byte goes unmarked.
func special8(x uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	quote := x ^ (lo * '"')
	bslash := x ^ (lo * '\\')
	bad := (quote - lo) &^ quote
	bad |= (bslash - lo) &^ bslash
	bad |= (x - lo*0x20) &^ x
	bad |= x
	return bad & hi
}

// plainText8 is plain8 for bytes known to be valid UTF-8: non-ASCII bytes
// are plain text. Bytes >= 0x80 are masked out of each test.
func plainText8(x uint64) bool { return special8Text(x) == 0 }

// special8Text is special8 for valid UTF-8: non-ASCII bytes are not marked,
// and a mark may be a false alarm on a plain byte (never a miss).
func special8Text(x uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	y := x &^ hi // the low seven bits; bytes >= 0x80 become >= 0x00 and are re-allowed below
	quote := y ^ (lo * '"')
	bslash := y ^ (lo * '\\')
	bad := (quote - lo) &^ quote
	bad |= (bslash - lo) &^ bslash
	bad |= (y - lo*0x20) &^ y
	return bad &^ x & hi
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

var errNotString = errors.New("not a JSON string")

// commonKeys are field names datasets repeat on every row; a row's keys are
// looked up here first so they cost no allocation.
var commonKeys = map[string]string{}

func init() {
	for _, k := range []string{"system", "conversations", "messages", "role", "content", "from", "value",
		"prompt", "completion", "response", "chosen", "rejected", "instruction", "input", "output",
		"instances", "id", "name", "source", "text", "label", "score", "metadata", "lang", "category"} {
		commonKeys[k] = k
	}
}

// internKey decodes a raw key, reusing the common key strings.
func internKey(raw []byte) (string, error) {
	if len(raw) >= 2 {
		if k, ok := commonKeys[string(raw[1:len(raw)-1])]; ok {
			return k, nil
		}
	}
	return unquote(raw)
}

// Unquote decodes a raw JSON string value (as found in a Field) to Go text.
// Lone surrogates in \u escapes become U+FFFD, as encoding/json does.
func Unquote(raw []byte) (string, error) { return unquote(raw) }

func unquote(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", errNotString
	}
	body := raw[1 : len(raw)-1]
	esc := -1
	for i, c := range body {
		if c == '\\' {
			esc = i
			break
		}
	}
	if esc < 0 {
		return string(body), nil
	}
	out, _, err := appendUnescape(make([]byte, 0, len(body)), body)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// appendUnescape appends the decoded text of a JSON string body (the part
// between the quotes) to out.
func appendUnescape(out, body []byte) (_ []byte, plain bool, err error) {
	plain = true
	for i := 0; i < len(body); {
		if body[i] != '\\' {
			j := bytes.IndexByte(body[i:], '\\')
			if j < 0 {
				return append(out, body[i:]...), plain, nil
			}
			out = append(out, body[i:i+j]...)
			i += j
			continue
		}
		if i+1 >= len(body) {
			return out, false, errors.New("bad escape")
		}
		switch body[i+1] {
		case '"', '\\', 'n', 'r', 't':
		default:
			plain = false // \u, \/, \b, \f: AppendString writes these differently
		}
		switch body[i+1] {
		case '"', '\\', '/':
			out = append(out, body[i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+6 > len(body) {
				return out, false, errors.New("bad \\u escape")
			}
			v, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 32)
			if err != nil {
				return out, false, errors.New("bad \\u escape")
			}
			r := rune(v)
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(body) && body[i] == '\\' && body[i+1] == 'u' {
					if v2, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 32); err == nil {
						if dec := utf16.DecodeRune(r, rune(v2)); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							i += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return out, false, errors.New("bad escape")
		}
		i += 2
	}
	return out, plain, nil
}
