package tokenizer

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// preTokenizer cuts normalized text into the pieces BPE works on: it
// appends the pieces of src to dst (which must not share src's array).
// first tells whether src starts the input (Metaspace's "first").
type preTokenizer interface {
	split(dst, src []string, first bool) []string
}

// splitBehavior is what Split does with each match (HF's SplitDelimiterBehavior).
type splitBehavior int

const (
	isolated splitBehavior = iota
	removed
	mergedWithPrevious
	mergedWithNext
	contiguous
)

// splitPre is the Split pre-tokenizer.
type splitPre struct {
	m        matcher
	behavior splitBehavior
	invert   bool
}

func (p *splitPre) split(dst, src []string, _ bool) []string {
	for _, s := range src {
		dst = p.splitOne(dst, s)
	}
	return dst
}

func (p *splitPre) splitOne(out []string, s string) []string {
	if p.behavior == isolated && !p.invert {
		// The common case (every byte-level model): gaps and matches alike become pieces.
		prev := 0
		for i := 0; i < len(s); {
			a, b := p.m.find(s, i)
			if a < 0 {
				break
			}
			if a > prev {
				out = append(out, s[prev:a])
			}
			out = append(out, s[a:b])
			prev, i = b, b
		}
		if prev < len(s) {
			out = append(out, s[prev:])
		}
		return out
	}
	type span struct {
		a, b  int
		match bool
	}
	var spans []span
	prev := 0
	for i := 0; i < len(s); {
		a, b := p.m.find(s, i)
		if a < 0 {
			break
		}
		if a > prev {
			spans = append(spans, span{prev, a, false})
		}
		spans = append(spans, span{a, b, true})
		prev, i = b, b
	}
	if prev < len(s) {
		spans = append(spans, span{prev, len(s), false})
	}
	if p.invert {
		for k := range spans {
			spans[k].match = !spans[k].match
		}
	}
	switch p.behavior {
	case isolated:
		for _, sp := range spans {
			out = append(out, s[sp.a:sp.b])
		}
	case removed:
		for _, sp := range spans {
			if !sp.match {
				out = append(out, s[sp.a:sp.b])
			}
		}
	case mergedWithPrevious:
		start := 0
		for k, sp := range spans {
			if sp.match || k == len(spans)-1 {
				out = append(out, s[start:sp.b])
				start = sp.b
			}
		}
	case mergedWithNext:
		start := 0
		for k, sp := range spans {
			if sp.match && sp.a > start {
				out = append(out, s[start:sp.a])
				start = sp.a
			}
			if k == len(spans)-1 {
				out = append(out, s[start:sp.b])
			}
		}
	case contiguous:
		for k, sp := range spans {
			if k > 0 && sp.match && spans[k-1].match {
				out[len(out)-1] = s[spans[k-1].a:sp.b]
				spans[k].a = spans[k-1].a
				continue
			}
			out = append(out, s[sp.a:sp.b])
		}
	}
	return out
}

// regexMatcher is the general fallback: a pattern Go's regexp can compile.
type regexMatcher struct{ re *regexp.Regexp }

func (r regexMatcher) find(s string, i int) (int, int) {
	for i <= len(s) {
		loc := r.re.FindStringIndex(s[i:])
		if loc == nil {
			return -1, -1
		}
		if loc[1] > loc[0] {
			return i + loc[0], i + loc[1]
		}
		// An empty match splits nothing: look again one rune further on.
		j := i + loc[0]
		if j >= len(s) {
			return -1, -1
		}
		_, n := utf8.DecodeRuneInString(s[j:])
		i = j + n
	}
	return -1, -1
}

// literalMatcher is Split's {"String": "..."} pattern.
type literalMatcher struct{ lit string }

func (l literalMatcher) find(s string, i int) (int, int) {
	if l.lit == "" {
		return -1, -1
	}
	k := strings.Index(s[i:], l.lit)
	if k < 0 {
		return -1, -1
	}
	return i + k, i + k + len(l.lit)
}

// byteLevelPre is the ByteLevel pre-tokenizer. The byte-to-alphabet mapping
// itself is folded into the BPE model (which then works on raw bytes), so
// this only adds the prefix space and, with use_regex, GPT-2's split.
type byteLevelPre struct {
	addPrefixSpace bool
	regex          *splitPre
}

func (p *byteLevelPre) split(dst, src []string, first bool) []string {
	if p.addPrefixSpace {
		for k, s := range src {
			if !strings.HasPrefix(s, " ") {
				src[k] = " " + s
			}
		}
	}
	if p.regex != nil {
		return p.regex.split(dst, src, first)
	}
	return append(dst, src...)
}

// identity reports whether the step changes nothing (ByteLevel without
// prefix space or regex: its byte mapping lives in the BPE model).
func (p *byteLevelPre) identity() bool { return !p.addPrefixSpace && p.regex == nil }

// metaspacePre replaces spaces by the replacement rune (▁), prepends one
// as the scheme says, and optionally splits before each replacement rune.
type metaspacePre struct {
	repl    string
	prepend string // "always", "first" or "never"
	splitAt bool
}

func (p *metaspacePre) split(out, src []string, first bool) []string {
	for k, s := range src {
		s = strings.ReplaceAll(s, " ", p.repl)
		if (p.prepend == "always" || (p.prepend == "first" && first && k == 0)) && !strings.HasPrefix(s, p.repl) {
			s = p.repl + s
		}
		if !p.splitAt {
			out = append(out, s)
			continue
		}
		start := 0
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], p.repl)
			if j < 0 {
				break
			}
			if i+j > start {
				out = append(out, s[start:i+j])
				start = i + j
			}
			i += j + len(p.repl)
		}
		if start < len(s) {
			out = append(out, s[start:])
		}
	}
	return out
}

// digitsPre splits numbers from the rest, each digit alone if individual.
type digitsPre struct{ individual bool }

func (p *digitsPre) split(out, src []string, _ bool) []string {
	for _, s := range src {
		start := 0
		prevDigit := false
		for i, r := range s {
			d := unicode.IsNumber(r)
			if i > start && (d != prevDigit || (d && p.individual)) {
				out = append(out, s[start:i])
				start = i
			}
			prevDigit = d
		}
		if start < len(s) {
			out = append(out, s[start:])
		}
	}
	return out
}

// whitespaceSplitPre splits on whitespace, dropping it.
type whitespaceSplitPre struct{}

func (whitespaceSplitPre) split(out, src []string, _ bool) []string {
	for _, s := range src {
		out = append(out, strings.FieldsFunc(s, unicode.IsSpace)...)
	}
	return out
}

// sequencePre applies pre-tokenizers in order.
type sequencePre []preTokenizer

func (q sequencePre) split(dst, src []string, first bool) []string {
	for _, p := range q[:len(q)-1] {
		src = p.split(nil, src, first)
	}
	return q[len(q)-1].split(dst, src, first)
}

// simplify drops steps that change nothing and unwraps a one-step sequence,
// so Qwen2's Sequence[Split, ByteLevel] runs as the Split alone.
func simplify(p preTokenizer) preTokenizer {
	switch x := p.(type) {
	case *byteLevelPre:
		if x.identity() {
			return nil
		}
	case sequencePre:
		var out sequencePre
		for _, e := range x {
			if e = simplify(e); e != nil {
				out = append(out, e)
			}
		}
		switch len(out) {
		case 0:
			return nil
		case 1:
			return out[0]
		}
		return out
	}
	return p
}
