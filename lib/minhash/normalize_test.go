package minhash

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		noSpaces bool
	}{
		{"", "", false},
		{"Hello, World!", "hello world", false},
		{"  Short-sellers\tare\n\nseeing   green ", "shortsellers are seeing green", false},
		{"Café naïve résumé", "cafe naive resume", false},
		{"In 2024 we sold 1,000 units at $3.50", "in 0 we sold 0 units at 0", false},
		{"a1b22c", "a0b0c", false},
		{"route 66 / exit 12", "route 0 exit 0", false},
		{"ÅNGSTRÖM", "angstrom", false},
		{"dwindling\\band", "dwindlingband", false},
		{"¡Qué tal! «bien» — ¿y tú?", "que tal bien y tu", false},
		{"東京は日本の首都です。", "東京は日本の首都てす", true}, // the voicing mark is Mn after NFD, as in datatrove,
		{"Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ１２", "ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ0", false},
		{"tab\u00a0nbsp\u2003em", "tab nbsp em", false},
		{"zero\u200bwidth", "zerowidth", false},
		{"- - -", "", false},
		{"x \xff y", "x y", false},
	}
	for _, tt := range tests {
		got, noSpaces := Normalize(nil, tt.in)
		if string(got) != tt.want || noSpaces != tt.noSpaces {
			t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tt.in, got, noSpaces, tt.want, tt.noSpaces)
		}
	}
}

func TestNormalizeAppends(t *testing.T) {
	got, _ := Normalize([]byte("keep:"), " A b ")
	if string(got) != "keep:a b" {
		t.Fatalf("got %q", got)
	}
}

func TestShingles(t *testing.T) {
	words := func(s string) []uint64 { return Shingles(nil, []byte(s), 3, false) }
	if n := len(words("a b")); n != 0 {
		t.Fatalf("2 words, n=3: %d shingles, want 0 (a short text)", n)
	}
	a := words("the quick brown fox jumps")
	if len(a) != 3 {
		t.Fatalf("5 words, n=3: %d shingles, want 3", len(a))
	}
	// Same trigram at a different position hashes the same; order matters.
	b := words("fox jumps the quick brown")
	if a[0] != b[2] {
		t.Errorf("'the quick brown' hashed differently at another position")
	}
	if c := words("quick the brown"); c[0] == a[0] {
		t.Errorf("word order does not change the shingle hash")
	}
	ch := Shingles(nil, []byte("東京は 日本"), 2, true)
	if len(ch) != 4 { // 東京 京は は日 日本
		t.Errorf("char bigrams of 5 runes: %d, want 4", len(ch))
	}
	if len(Set(words("a b c a b c a b c"))) != 3 {
		t.Errorf("Set did not remove the repeated trigrams")
	}
}

func FuzzNormalizeShingles(f *testing.F) {
	for _, s := range []string{"", "Hello, World!", "Café 1,000 ÅNGSTRÖM", "東京は日本の首都です。", "a\u0301b\u200b c", "\xff\xfe", "１２３ ４５", "- 9 -"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = 1 + (n&0xff)%8
		norm, noSpaces := Normalize(nil, s)
		if !utf8.Valid(norm) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, norm)
		}
		if bytes.HasPrefix(norm, []byte(" ")) || bytes.HasSuffix(norm, []byte(" ")) || bytes.Contains(norm, []byte("  ")) {
			t.Fatalf("Normalize(%q) = %q: stray spaces", s, norm)
		}
		if bytes.Contains(norm, []byte("00")) {
			t.Fatalf("Normalize(%q) = %q: a digit run was not folded", s, norm)
		}
		for _, r := range string(norm) {
			if r != ' ' && r != '0' && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r) {
				t.Fatalf("Normalize(%q) = %q: punctuation %q left", s, norm, r)
			}
		}
		again, _ := Normalize(nil, string(norm))
		if !bytes.Equal(again, norm) {
			t.Fatalf("not idempotent: %q → %q → %q", s, norm, again)
		}
		sh := Shingles(nil, norm, n, noSpaces)
		units := len(bytes.Fields(norm))
		if noSpaces {
			units = utf8.RuneCount(bytes.ReplaceAll(norm, []byte(" "), nil))
		}
		if want := max(0, units-n+1); len(sh) != want {
			t.Fatalf("%q: %d units, n=%d: %d shingles, want %d", norm, units, n, len(sh), want)
		}
	})
}
