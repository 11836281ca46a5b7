package tokenizer

import (
	"unicode/utf8"
)

// byteChar maps each byte to the printable rune GPT-2's byte-level alphabet
// uses for it: printable Latin-1 bytes stand for themselves, the other 68
// bytes are shifted to U+0100 and up in byte order. Vocabularies of
// byte-level models are written in this alphabet ("Ġ" is the space byte).
var byteChar [256]rune

// charByte is the inverse of byteChar.
var charByte = map[rune]byte{}

func init() {
	n := rune(0)
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			byteChar[b] = rune(b)
		} else {
			byteChar[b] = 256 + n
			n++
		}
		charByte[byteChar[b]] = byte(b)
	}
}

// byteLevelEncode writes s's bytes in the byte-level alphabet.
func byteLevelEncode(s string) string {
	buf := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		buf = utf8.AppendRune(buf, byteChar[s[i]])
	}
	return string(buf)
}

// byteLevelDecode maps a byte-level token back to its raw bytes; ok is false
// when a rune is outside the alphabet (an added token such as "<|im_end|>"
// written with ordinary characters), in which case the caller uses the text.
func byteLevelDecode(tok string) ([]byte, bool) {
	out := make([]byte, 0, len(tok))
	for _, r := range tok {
		b, ok := charByte[r]
		if !ok {
			return nil, false
		}
		out = append(out, b)
	}
	return out, true
}
