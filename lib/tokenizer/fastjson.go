package tokenizer

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// The vocabulary and merges are most of a tokenizer.json (150k entries
// each for Qwen2); decoding them through reflection costs most of Load.
// These scanners read exactly those two shapes and report anything else as
// errShape, after which the caller uses encoding/json instead.

var errShape = errors.New("unexpected JSON shape")

type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) byte(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a JSON string; escapes and invalid UTF-8 (which encoding/json
// replaces by U+FFFD) are rare in vocabularies and go through encoding/json.
func (s *jsonScanner) str() (string, error) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", errShape
	}
	start := s.i
	escaped, nonASCII := false, false
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '\\':
			escaped = true
			j++
		case c >= utf8.RuneSelf:
			nonASCII = true
		case c == '"':
			s.i = j + 1
			if !escaped && (!nonASCII || utf8.Valid(s.b[start+1:j])) {
				return string(s.b[start+1 : j]), nil
			}
			var out string
			if err := json.Unmarshal(s.b[start:j+1], &out); err != nil {
				return "", err
			}
			return out, nil
		case c < 0x20:
			return "", errShape
		}
	}
	return "", errShape
}

func (s *jsonScanner) int32() (int32, error) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 32)
	if err != nil {
		return 0, errShape
	}
	return int32(v), nil
}

func (s *jsonScanner) end() error {
	s.ws()
	if s.i != len(s.b) {
		return errShape
	}
	return nil
}

// scanVocab reads {"token": id, ...}.
func scanVocab(raw []byte) (map[string]int32, error) {
	s := &jsonScanner{b: raw}
	if !s.byte('{') {
		return nil, errShape
	}
	vocab := make(map[string]int32, len(raw)/16)
	if s.byte('}') {
		return vocab, s.end()
	}
	for {
		k, err := s.str()
		if err != nil {
			return nil, err
		}
		if !s.byte(':') {
			return nil, errShape
		}
		v, err := s.int32()
		if err != nil {
			return nil, err
		}
		vocab[k] = v
		if s.byte(',') {
			continue
		}
		if s.byte('}') {
			return vocab, s.end()
		}
		return nil, errShape
	}
}

// scanMerges reads ["a b", ...] or [["a", "b"], ...]; strings are returned
// whole (split by the caller) and pairs as they are.
func scanMerges(raw []byte) (strs []string, pairs [][2]string, err error) {
	s := &jsonScanner{b: raw}
	if !s.byte('[') {
		return nil, nil, errShape
	}
	if s.byte(']') {
		return nil, nil, s.end()
	}
	for {
		if s.byte('[') {
			a, err := s.str()
			if err != nil {
				return nil, nil, err
			}
			if !s.byte(',') {
				return nil, nil, errShape
			}
			b, err := s.str()
			if err != nil {
				return nil, nil, err
			}
			if !s.byte(']') || strs != nil {
				return nil, nil, errShape
			}
			pairs = append(pairs, [2]string{a, b})
		} else {
			m, err := s.str()
			if err != nil || pairs != nil {
				return nil, nil, errShape
			}
			strs = append(strs, m)
		}
		if s.byte(',') {
			continue
		}
		if s.byte(']') {
			return strs, pairs, s.end()
		}
		return nil, nil, errShape
	}
}
