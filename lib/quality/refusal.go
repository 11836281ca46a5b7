package quality

import (
	"bufio"
	"bytes"
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
type Phrases struct{ list [][]byte }

// NewPhrases builds a phrase list (lower-cased, empty entries dropped).
func NewPhrases(list []string) *Phrases {
	p := &Phrases{}
	for _, s := range list {
		s = strings.TrimSpace(strings.ToLower(strings.ReplaceAll(s, "’", "'")))
		if s != "" && !strings.HasPrefix(s, "#") {
			p.list = append(p.list, []byte(s))
		}
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

// Find returns the first phrase text contains, or "". buf is scratch space.
func (p *Phrases) Find(text []byte, buf *[]byte) string {
	if len(p.list) == 0 {
		return ""
	}
	low := (*buf)[:0]
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == 0xe2 && i+2 < len(text) && text[i+1] == 0x80 && text[i+2] == 0x99: // ’
			c = '\''
			i += 2
		}
		low = append(low, c)
	}
	*buf = low
	for _, ph := range p.list {
		if bytes.Contains(low, ph) {
			return string(ph)
		}
	}
	return ""
}
