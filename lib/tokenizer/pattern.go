package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// The split patterns of the byte-level models we know, as they appear in
// tokenizer.json. Each uses the look-ahead `\s+(?!\S)`, which Go's regexp
// cannot express, so each is matched by hand (gptPattern) instead.
const (
	patternGPT2  = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	patternQwen2 = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	patternLlama = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// matcher finds the leftmost match of a pattern in s at or after byte i and
// returns its bounds, or -1, -1 when there is none.
type matcher interface {
	find(s string, i int) (start, end int)
}

// gptPattern matches the GPT-2 family of split regexes exactly, alternative
// by alternative in the regex's order, with the regex's backtracking worked
// out by hand (see each step). Character classes follow Oniguruma's Unicode
// semantics: \p{L} letters, \p{N} numbers, \s the White_Space property.
type gptPattern struct {
	qwenStyle bool // Qwen2/Llama 3 alternatives; false: GPT-2's
	caseFold  bool // (?i:...) around the contractions
	maxDigits int  // \p{N} repeat limit: 1 (Qwen2), 3 (Llama 3), 0 = unbounded with optional space (GPT-2)
}

func knownPattern(p string) matcher {
	switch p {
	case patternGPT2:
		return &gptPattern{}
	case patternQwen2:
		return &gptPattern{qwenStyle: true, caseFold: true, maxDigits: 1}
	case patternLlama:
		return &gptPattern{qwenStyle: true, caseFold: true, maxDigits: 3}
	}
	return nil
}

const (
	clsOther = iota
	clsLetter
	clsNumber
	clsSpace
)

var asciiClass [128]uint8

func init() {
	for c := 0; c < 128; c++ {
		asciiClass[c] = classOfSlow(rune(c))
	}
}

func classOfSlow(r rune) uint8 {
	switch {
	case unicode.IsLetter(r):
		return clsLetter
	case unicode.IsNumber(r):
		return clsNumber
	case unicode.IsSpace(r):
		return clsSpace
	}
	return clsOther
}

func classOf(r rune) uint8 {
	if r < 128 {
		return asciiClass[r]
	}
	return classOfSlow(r)
}

// at decodes the rune at byte i of s (utf8.RuneError, 0 at the end).
func at(s string, i int) (rune, int) {
	if i >= len(s) {
		return utf8.RuneError, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// run advances from i over runes of class cls and returns where they stop.
func run(s string, i int, cls uint8) int {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if asciiClass[c] != cls {
				break
			}
			i++
			continue
		}
		r, n := at(s, i)
		if classOf(r) != cls {
			break
		}
		i += n
	}
	return i
}

func (p *gptPattern) find(s string, i int) (int, int) {
	for i < len(s) {
		if e := p.matchAt(s, i); e > i {
			return i, e
		}
		_, n := at(s, i)
		i += n
	}
	return -1, -1
}

// matchAt returns the end of the match starting at i, or -1.
func (p *gptPattern) matchAt(s string, i int) int {
	r, n := at(s, i)
	cls := classOf(r)
	r2, n2 := at(s, i+n)
	cls2 := classOf(r2)
	if n2 == 0 {
		cls2 = 255 // end of text: no class
	}

	// 's|'t|'re|'ve|'m|'ll|'d
	if r == '\'' {
		if e := p.contraction(s, i+n); e > 0 {
			return e
		}
	}

	if p.qwenStyle {
		// [^\r\n\p{L}\p{N}]?\p{L}+ : the optional prefix is tried first, but
		// a letter can never be the prefix, so a letter starts the run itself.
		if cls == clsLetter {
			return run(s, i, clsLetter)
		}
		if r != '\r' && r != '\n' && cls != clsNumber && cls2 == clsLetter {
			return run(s, i+n, clsLetter)
		}
		// \p{N} or \p{N}{1,3}
		if cls == clsNumber {
			e := i + n
			for k := 1; k < p.maxDigits; k++ {
				r3, n3 := at(s, e)
				if n3 == 0 || classOf(r3) != clsNumber {
					break
				}
				e += n3
			}
			return e
		}
	} else {
		// ` ?\p{L}+` then ` ?\p{N}+`
		if cls == clsLetter || cls == clsNumber {
			return run(s, i, cls)
		}
		if r == ' ' && (cls2 == clsLetter || cls2 == clsNumber) {
			return run(s, i+n, cls2)
		}
	}

	// ` ?[^\s\p{L}\p{N}]+` (Qwen/Llama: then [\r\n]*)
	start := -1
	if cls == clsOther {
		start = i
	} else if r == ' ' && cls2 == clsOther {
		start = i + n
	}
	if start >= 0 {
		e := run(s, start, clsOther)
		if p.qwenStyle {
			for e < len(s) && (s[e] == '\r' || s[e] == '\n') {
				e++
			}
		}
		return e
	}

	if cls != clsSpace {
		return -1
	}
	k := run(s, i, clsSpace) // end of the whitespace run
	if p.qwenStyle {
		// \s*[\r\n]+ : \s* gives back until [\r\n]+ fits, so the match ends
		// just after the last \r or \n of the run.
		for j := k - 1; j >= i; j-- {
			if s[j] == '\r' || s[j] == '\n' {
				return j + 1
			}
		}
	}
	// \s+(?!\S) : the whole run at the end of text; otherwise give back the
	// last whitespace rune so the look-ahead sees whitespace, if any is left.
	if k == len(s) {
		return k
	}
	_, last := utf8.DecodeLastRuneInString(s[:k])
	if k-last > i {
		return k - last
	}
	// \s+
	return k
}

// contraction matches the letters of 's 't 're 've 'm 'll 'd after the quote.
func (p *gptPattern) contraction(s string, i int) int {
	lower := func(j int) byte {
		if j >= len(s) {
			return 0
		}
		c := s[j]
		if p.caseFold && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		return c
	}
	switch lower(i) {
	case 's', 't', 'm', 'd':
		return i + 1
	case 'r', 'v':
		if lower(i+1) == 'e' {
			return i + 2
		}
	case 'l':
		if lower(i+1) == 'l' {
			return i + 2
		}
	}
	return -1
}
