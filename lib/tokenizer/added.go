package tokenizer

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AddedToken is one entry of tokenizer.json's added_tokens: matched in the
// text before BPE and never split.
type AddedToken struct {
	ID         int32  `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// addedMatcher finds added tokens leftmost-longest, like the Aho-Corasick
// automaton Hugging Face builds: candidates are grouped by first byte and
// tried longest first.
type addedMatcher struct {
	byFirst [256][]*AddedToken
	any     bool
}

func newAddedMatcher(toks []*AddedToken) *addedMatcher {
	m := &addedMatcher{}
	for _, t := range toks {
		if t.Content == "" {
			continue
		}
		m.byFirst[t.Content[0]] = append(m.byFirst[t.Content[0]], t)
		m.any = true
	}
	for i := range m.byFirst {
		sort.SliceStable(m.byFirst[i], func(a, b int) bool {
			return len(m.byFirst[i][a].Content) > len(m.byFirst[i][b].Content)
		})
	}
	return m
}

// segment is a stretch of text, or an added token (id ≥ 0) that covers it.
type segment struct {
	text  string
	id    int32
	start int // byte offset of text in the string split
}

// split cuts s into text and added-token segments. lstrip/rstrip tokens
// swallow the whitespace beside them; single_word tokens only match
// between word boundaries.
func (m *addedMatcher) split(out []segment, s string, base int) []segment {
	if !m.any {
		return append(out, segment{s, -1, base})
	}
	prev := 0
	for i := 0; i < len(s); i++ {
		cands := m.byFirst[s[i]]
		if len(cands) == 0 {
			continue
		}
		for _, t := range cands {
			if !strings.HasPrefix(s[i:], t.Content) {
				continue
			}
			a, b := i, i+len(t.Content)
			if t.SingleWord && !(wordBoundaryBefore(s, a) && wordBoundaryAfter(s, b)) {
				continue
			}
			if t.LStrip {
				a = prev + len(strings.TrimRightFunc(s[prev:a], isWhitespace))
			}
			if t.RStrip {
				b = len(s) - len(strings.TrimLeftFunc(s[b:], isWhitespace))
			}
			if a > prev {
				out = append(out, segment{s[prev:a], -1, base + prev})
			}
			out = append(out, segment{s[a:b], t.ID, base + a})
			prev = b
			i = b - 1
			break
		}
	}
	if prev < len(s) {
		out = append(out, segment{s[prev:], -1, base + prev})
	}
	return out
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func wordBoundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r)
}

func wordBoundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isWordRune(r)
}
