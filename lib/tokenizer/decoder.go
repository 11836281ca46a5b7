package tokenizer

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// decoder turns token strings back into text.
type decoder interface {
	decode(tokens []string) []string
}

// byteLevelDec maps byte-level tokens back to bytes and the bytes to text.
// Added tokens are kept as written and the bytes between them decoded on
// their own, as current Hugging Face releases and tokenizers.js do (an
// added token such as "é!" is not in the byte-level alphabet's sense).
type byteLevelDec struct{ added map[string]bool }

func (d *byteLevelDec) decode(tokens []string) []string {
	var out []string
	var buf []byte
	for _, t := range tokens {
		if d.added[t] {
			if len(buf) > 0 {
				out = append(out, lossyString(buf))
				buf = buf[:0]
			}
			out = append(out, t)
			continue
		}
		if b, ok := byteLevelDecode(t); ok {
			buf = append(buf, b...)
		} else {
			buf = append(buf, t...)
		}
	}
	if len(buf) > 0 {
		out = append(out, lossyString(buf))
	}
	return out
}

// setAdded tells byte-level decoders inside d which tokens are added tokens.
func setAdded(d decoder, added map[string]bool) {
	switch x := d.(type) {
	case *byteLevelDec:
		x.added = added
	case sequenceDec:
		for _, e := range x {
			setAdded(e, added)
		}
	}
}

// metaspaceDec turns ▁ back into spaces, dropping the prepended one.
type metaspaceDec struct {
	repl         string
	stripPrepend bool
}

func (d metaspaceDec) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		t = strings.ReplaceAll(t, d.repl, " ")
		if i == 0 && d.stripPrepend {
			t = strings.TrimPrefix(t, " ")
		}
		out[i] = t
	}
	return out
}

// byteFallbackDec turns runs of <0xXX> tokens into text; an invalid run
// becomes one U+FFFD per byte, as Hugging Face does.
type byteFallbackDec struct{}

func (byteFallbackDec) decode(tokens []string) []string {
	var out []string
	var run []byte
	flush := func() {
		if len(run) == 0 {
			return
		}
		if s := string(run); utf8.ValidString(s) {
			out = append(out, s)
		} else {
			out = append(out, strings.Repeat("\uFFFD", len(run)))
		}
		run = run[:0]
	}
	for _, t := range tokens {
		if b, ok := parseByteToken(t); ok {
			run = append(run, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}

// parseByteToken reads a "<0xXX>" token.
func parseByteToken(t string) (byte, bool) {
	if len(t) != 6 || !strings.HasPrefix(t, "<0x") || t[5] != '>' {
		return 0, false
	}
	v, err := strconv.ParseUint(t[3:5], 16, 8)
	if err != nil {
		return 0, false
	}
	return byte(v), true
}

type fuseDec struct{}

func (fuseDec) decode(tokens []string) []string { return []string{strings.Join(tokens, "")} }

// stripDec removes up to start/stop copies of content from each token's ends.
type stripDec struct {
	content     string
	start, stop int
}

func (d stripDec) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		for k := 0; k < d.start && strings.HasPrefix(t, d.content); k++ {
			t = t[len(d.content):]
		}
		for k := 0; k < d.stop && strings.HasSuffix(t, d.content); k++ {
			t = t[:len(t)-len(d.content)]
		}
		out[i] = t
	}
	return out
}

type replaceDec struct{ from, to string }

func (d replaceDec) decode(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = strings.ReplaceAll(t, d.from, d.to)
	}
	return out
}

type sequenceDec []decoder

func (q sequenceDec) decode(tokens []string) []string {
	for _, d := range q {
		tokens = d.decode(tokens)
	}
	return tokens
}
