package quality

import (
	"bufio"
	"encoding/binary"
	"io"
	"math/bits"
	"slices"
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
	prefix []uint32  // first four bytes of each phrase, OR 0x20 (0: no quick test)
	first  [256]bool // first bytes of the phrases
	firsts []byte    // the same, listed, when all are lower-case letters (for the fast scan)
	// first4 holds up to four first letters, each repeated in all eight
	// byte lanes (see firstLetters); nFirst says how many.
	first4 [4]uint64
	nFirst int
	// byFirst lists, per first byte, its phrases and their distinct
	// four-byte prefixes, and whether one of them has no usable prefix.
	byFirst [256]*phraseBucket
}

type phraseBucket struct {
	phrases  []int
	prefixes []uint32
	anyAt    bool // a phrase without a quick prefix test: always look
	// second marks the bytes (lower-cased) that can follow the first one
	// in a match: a cheap test before the prefixes and phrases.
	second [256]bool
}

// NewPhrases builds a phrase list (lower-cased, empty entries dropped).
func NewPhrases(list []string) *Phrases {
	p := &Phrases{}
	for _, s := range list {
		s = strings.TrimSpace(strings.ToLower(strings.ReplaceAll(s, "’", "'")))
		if s != "" && !strings.HasPrefix(s, "#") {
			p.list = append(p.list, []byte(s))
			p.first[s[0]] = true
			var pre uint32
			if len(s) >= 4 && !strings.Contains(s[:4], "'") { // ' may be ’ in the text
				pre = binary.LittleEndian.Uint32([]byte(s)) | 0x20202020
			}
			p.prefix = append(p.prefix, pre)
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
	for i, c := range p.firsts {
		p.first4[i] = lo8 * uint64(c)
	}
	p.nFirst = len(p.firsts)
	for k, ph := range p.list {
		b := p.byFirst[ph[0]]
		if b == nil {
			b = &phraseBucket{}
			p.byFirst[ph[0]] = b
		}
		b.phrases = append(b.phrases, k)
		switch {
		case len(ph) < 2:
			for c := range b.second {
				b.second[c] = true
			}
		case ph[1] == '\'':
			b.second['\''], b.second[0xe2] = true, true // ’ is E2 80 99
		default:
			b.second[ph[1]] = true
		}
		if p.prefix[k] == 0 {
			b.anyAt = true
		} else if !slices.Contains(b.prefixes, p.prefix[k]) {
			b.prefixes = append(b.prefixes, p.prefix[k])
		}
	}
	return p
}

// firstLetters marks (high bit) the bytes of the lower-cased ASCII chunk
// low that are a phrase's first letter.
func (p *Phrases) firstLetters(low uint64) uint64 {
	var m uint64
	switch p.nFirst {
	case 4:
		m |= zero8(low ^ p.first4[3])
		fallthrough
	case 3:
		m |= zero8(low ^ p.first4[2])
		fallthrough
	case 2:
		m |= zero8(low ^ p.first4[1])
		fallthrough
	case 1:
		m |= zero8(low ^ p.first4[0])
	}
	return m
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
// (ASCII case-insensitively, ’ matching '), or "". One pass, no copy: ASCII
// is scanned eight bytes at a time for word starts with a phrase's first letter.
func (p *Phrases) Find(text []byte) string {
	if len(p.list) == 0 {
		return ""
	}
	i := 0
	if p.firsts != nil {
		prevNonAlnum := uint64(0x80) // the byte before the text counts as a word break
		for ; i+8 <= len(text); i += 8 {
			x := binary.LittleEndian.Uint64(text[i:])
			if x&hi8 != 0 {
				if ph := p.findFrom(text, i, i+8); ph != "" {
					return ph
				}
				prevNonAlnum = 0
				if c := text[i+7]; c >= 0x80 || !asciiAlnum[c] { // as findFrom: non-ASCII breaks words
					prevNonAlnum = 0x80
				}
				continue
			}
			low := x | lo8*0x20
			alnum := ge8(x, '0')&^ge8(x, '9'+1) | ge8(low, 'a')&^ge8(low, 'z'+1)
			nonAlnum := ^alnum & hi8
			cand := p.firstLetters(low) & (nonAlnum<<8 | prevNonAlnum)
			prevNonAlnum = nonAlnum >> 56 & 0x80
			for cand != 0 {
				b := bits.TrailingZeros64(cand) / 8
				cand &= cand - 1
				if ph := p.at(text, i+b); ph != "" {
					return ph
				}
			}
		}
	}
	return p.findFrom(text, i, len(text))
}

// findFrom looks for phrases starting in text[i:end], byte by byte.
func (p *Phrases) findFrom(text []byte, i, end int) string {
	for ; i < end; i++ {
		if !p.first[lowerASCII(text[i])] || i > 0 && text[i-1] < 0x80 && asciiAlnum[text[i-1]] {
			continue
		}
		if ph := p.at(text, i); ph != "" {
			return ph
		}
	}
	return ""
}

// at returns the phrase that starts at text[i], if any.
func (p *Phrases) at(text []byte, i int) string {
	c := lowerASCII(text[i])
	b := p.byFirst[c]
	if b == nil || i+1 < len(text) && !b.second[lowerASCII(text[i+1])] {
		return ""
	}
	var x uint32
	if i+4 <= len(text) {
		x = binary.LittleEndian.Uint32(text[i:]) | 0x20202020
		if !b.anyAt && !slices.Contains(b.prefixes, x) {
			return "" // the usual case: no phrase starts with these four bytes
		}
	}
	for _, k := range b.phrases {
		if pre := p.prefix[k]; pre != 0 && x != 0 && pre != x {
			continue
		}
		if matchFold(text[i:], p.list[k]) {
			return string(p.list[k])
		}
	}
	return ""
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
