package quality

import (
	"bufio"
	"encoding/binary"
	"io"
	"strings"
)

// DefaultRefusals are phrases that mark a refusal or assistant boilerplate
// (matched case-insensitively; ’ counts as ').
var DefaultRefusals = []string{
	"as an ai language model",
	"as a language model",
	"as a large language model",
	"as an ai assistant",
	"as an ai, i",
	"i'm sorry, but i cannot",
	"i'm sorry, but i can't",
	"i am sorry, but i cannot",
	"i cannot fulfill that request",
	"i cannot fulfill this request",
	"i can't assist with that",
	"i'm unable to provide",
	"i do not have personal opinions",
	"i don't have personal opinions",
	"my knowledge cutoff",
}

// Phrases is a list of lower-case phrases searched for in answers.
type Phrases struct {
	list   [][]byte
	first  [256]bool // first bytes of the phrases
	firsts []byte    // the same, listed, when all are lower-case letters (for the fast scan)
}

// NewPhrases builds a phrase list (lower-cased, empty entries dropped).
func NewPhrases(list []string) *Phrases {
	p := &Phrases{}
	for _, s := range list {
		s = strings.TrimSpace(strings.ToLower(strings.ReplaceAll(s, "’", "'")))
		if s != "" && !strings.HasPrefix(s, "#") {
			p.list = append(p.list, []byte(s))
			p.first[s[0]] = true
		}
	}
	for c := 'a'; c <= 'z'; c++ {
		if p.first[c] {
			p.firsts = append(p.firsts, byte(c))
		}
	}
	for c := 0; c < 256; c++ {
		if p.first[c] && (c < 'a' || c > 'z') {
			p.firsts = nil // some phrase starts with a non-letter: scan byte by byte
			break
		}
	}
	if len(p.firsts) > 4 {
		p.firsts = nil
	}
	return p
}

// ReadPhrases reads one phrase per line ('#' starts a comment line).
func ReadPhrases(r io.Reader) (*Phrases, error) {
	var list []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		list = append(list, sc.Text())
	}
	return NewPhrases(list), sc.Err()
}

// Find returns the first phrase that text contains at the start of a word
// (ASCII case-insensitively, ’ matching '), or "". One pass, no copy.
func (p *Phrases) Find(text []byte) string {
	if len(p.list) == 0 {
		return ""
	}
	for i := 0; i < len(text); i++ {
		// Skip eight ASCII bytes at a time when none can start a phrase.
		for p.firsts != nil && i+8 <= len(text) && !p.mayStart(binary.LittleEndian.Uint64(text[i:])) {
			i += 8
		}
		if i >= len(text) {
			break
		}
		c := lowerASCII(text[i])
		if !p.first[c] || i > 0 && asciiAlnum[text[i-1]&0x7f] && text[i-1] < 0x80 {
			continue
		}
		for _, ph := range p.list {
			if ph[0] == c && matchFold(text[i:], ph) {
				return string(ph)
			}
		}
	}
	return ""
}

// mayStart reports whether the 8 bytes in x hold a non-ASCII byte or one of
// the phrases' first letters in either case.
func (p *Phrases) mayStart(x uint64) bool {
	if x&hi8 != 0 {
		return true
	}
	low := x | lo8*0x20
	var hit uint64
	for _, c := range p.firsts {
		hit |= eq8(low, c)
	}
	return hit != 0
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchFold reports whether t starts with the lower-case phrase ph.
func matchFold(t, ph []byte) bool {
	j := 0
	for _, want := range ph {
		if j >= len(t) {
			return false
		}
		if want == '\'' && j+2 < len(t) && t[j] == 0xe2 && t[j+1] == 0x80 && t[j+2] == 0x99 { // ’
			j += 3
			continue
		}
		if lowerASCII(t[j]) != want {
			return false
		}
		j++
	}
	return true
}
