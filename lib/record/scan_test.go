package record

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// plainByte is what plainText8 tests eight bytes at a time.
func plainByte(c byte) bool { return c >= 0x80 || c >= 0x20 && c != '"' && c != '\\' }

func TestPlainTextWords(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	special := []byte{'"', '\\', 0, 0x1f, 0x20, 0x7f, 0x80, 0xe2, 0xff, 'a', ' '}
	var buf [8]byte
	for k := 0; k < 200000; k++ {
		for i := range buf {
			if r.IntN(4) == 0 {
				buf[i] = special[r.IntN(len(special))]
			} else {
				buf[i] = byte(r.IntN(256))
			}
		}
		want := true
		for _, c := range buf {
			want = want && plainByte(c)
		}
		x := binary.LittleEndian.Uint64(buf[:])
		// A false "not plain" only sends bytes to the exact byte-wise path
		// (borrows next to non-ASCII bytes cause some); a false "plain" would
		// let a quote or control byte through.
		if plainText8(x) && !want {
			t.Fatalf("% x: plainText8 lets a special byte through", buf)
		}
	}
}

// Long strings (several eight-byte steps) validate as encoding/json does,
// and invalid UTF-8 is refused wherever it starts.
func TestLongStringsValidate(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	alphabet := []string{"a", "b", " ", "é", "東", `\n`, `\"`, `\\`, `\u00e9`, "\"", "\\", "\x01", "\t", `\x`, "\xff", "\xc3", "\xe6\x9d"}
	for k := 0; k < 20000; k++ {
		b := []byte(`{"k":"`)
		if k%2 == 0 { // enough non-ASCII runes before to check the rest at once
			b = []byte(`{"p":"` + strings.Repeat("é", manyRunes) + `","k":"`)
		}
		for n := r.IntN(80); n > 0; n-- {
			b = append(b, alphabet[r.IntN(len(alphabet))]...)
		}
		b = append(b, `"}`...)
		_, err := ParseObject(b)
		// (encoding/json lets invalid UTF-8 through; rows must be valid text)
		if got, want := err == nil, json.Valid(b) && utf8.Valid(b); got != want {
			t.Fatalf("%q: ParseObject error %v, want valid %v", b, err, want)
		}
	}
}
