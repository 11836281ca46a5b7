package minhash

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize appends the normalized form of text to dst, the way datatrove
// simplifies text before shingling: lowercase, punctuation and symbols
// removed, diacritics removed (NFD, marks dropped), every run of digits
// folded to a single "0" and whitespace collapsed to single spaces with
// none at the ends. Punctuation inside a word joins its halves
// ("short-sellers" → "shortsellers"), and digits separated only by
// punctuation stay one run ("1,000" → "0"), as in datatrove where the
// punctuation goes before the digits are folded.
//
// It also reports whether the text is mostly written without spaces
// (Han, Hiragana, Katakana, Hangul, Thai…), which calls for character
// n-grams instead of word n-grams.
func Normalize(dst []byte, text string) (out []byte, noSpaces bool) {
	var (
		pendingSpace bool // a space is owed before the next kept rune
		inDigits     bool // the last kept rune ended a digit run
		letters      int
		unspaced     int
	)
	start := len(dst)
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			cls := asciiClass[c]
			switch {
			case cls == clsSpace:
				pendingSpace, inDigits = true, false
				continue
			case cls == clsDrop:
				continue
			case cls == clsDigit:
				if inDigits {
					continue
				}
				cls, inDigits = '0', true
			default: // a letter, already lowercased in the table
				inDigits = false
				letters++
			}
			if pendingSpace {
				if len(dst) > start {
					dst = append(dst, ' ')
				}
				pendingSpace = false
			}
			dst = append(dst, cls)
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		var buf [4 * utf8.UTFMax]byte
		var out []byte
		switch {
		case r == utf8.RuneError && size == 1:
			// invalid byte: dropped like a symbol
		case unicode.IsSpace(r):
			pendingSpace, inDigits = true, false
		case unicode.IsDigit(r):
			if !inDigits {
				out = append(buf[:0], '0')
				inDigits = true
			}
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) ||
			unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r):
			// removed; marks (Mn) are the diacritics of decomposed text
		default:
			letters++
			if isUnspacedScript(r) {
				unspaced++
			}
			inDigits = false
			out = fold(buf[:0], r)
		}
		if len(out) > 0 {
			if pendingSpace {
				if len(dst) > start {
					dst = append(dst, ' ')
				}
				pendingSpace = false
			}
			dst = append(dst, out...)
		}
	}
	return dst, unspaced*2 > letters
}

// fold appends r lowercased and decomposed (NFD) without its combining marks.
func fold(dst []byte, r rune) []byte {
	r = unicode.ToLower(r)
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFD.Properties(buf[:n]).Decomposition()
	if d == nil {
		return append(dst, buf[:n]...)
	}
	for len(d) > 0 {
		q, sz := utf8.DecodeRune(d)
		if !unicode.Is(unicode.Mn, q) {
			dst = append(dst, d[:sz]...)
		}
		d = d[sz:]
	}
	return dst
}

// isUnspacedScript reports scripts that do not separate words with spaces.
func isUnspacedScript(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

const (
	clsSpace = 0
	clsDrop  = 1
	clsDigit = 2
)

// asciiClass maps an ASCII byte to its lowercase letter, or to one of the
// classes above (no letter is below 3).
var asciiClass = func() (t [128]byte) {
	for c := 0; c < 128; c++ {
		switch {
		case c >= 'a' && c <= 'z':
			t[c] = byte(c)
		case c >= 'A' && c <= 'Z':
			t[c] = byte(c) + 'a' - 'A'
		case c >= '0' && c <= '9':
			t[c] = clsDigit
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			t[c] = clsSpace
		default:
			t[c] = clsDrop
		}
	}
	return t
}()
