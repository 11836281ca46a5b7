package tokenizer

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizer rewrites a segment of text before pre-tokenization.
type normalizer interface {
	normalize(s string) string
}

type unicodeNorm struct{ form norm.Form }

// normalize leaves already-normalized text (the usual case) uncopied and
// checks it without allocating: ASCII is normal in every form.
func (u unicodeNorm) normalize(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii || u.form.QuickSpanString(s) == len(s) {
		return s
	}
	return u.form.String(s)
}

// lowercaseNorm lowercases rune by rune with Unicode's full mappings, as
// Rust's char::to_lowercase does: the one full mapping Go's simple
// ToLower lacks is İ (U+0130) → "i\u0307". No final-sigma context: Σ is
// always σ, as in Hugging Face.
type lowercaseNorm struct{}

func (lowercaseNorm) normalize(s string) string {
	if !strings.ContainsRune(s, '\u0130') {
		return strings.ToLower(s)
	}
	return strings.ToLower(strings.ReplaceAll(s, "\u0130", "i\u0307"))
}

// prependNorm prepends a string to non-empty text (Llama 2's "▁").
type prependNorm struct{ prefix string }

func (p prependNorm) normalize(s string) string {
	if s == "" {
		return s
	}
	return p.prefix + s
}

type replaceNorm struct {
	lit     string // String pattern
	re      *regexp.Regexp
	content string
}

func (r replaceNorm) normalize(s string) string {
	if r.re != nil {
		return r.re.ReplaceAllLiteralString(s, r.content)
	}
	return strings.ReplaceAll(s, r.lit, r.content)
}

type stripNorm struct{ left, right bool }

func (p stripNorm) normalize(s string) string {
	if p.left {
		s = strings.TrimLeftFunc(s, isWhitespace)
	}
	if p.right {
		s = strings.TrimRightFunc(s, isWhitespace)
	}
	return s
}

type sequenceNorm []normalizer

func (q sequenceNorm) normalize(s string) string {
	for _, n := range q {
		s = n.normalize(s)
	}
	return s
}
