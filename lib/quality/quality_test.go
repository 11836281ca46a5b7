package quality

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/flock-off/ff/lib/convert"
	"golang.org/x/text/unicode/norm"
)

func TestNormalizer(t *testing.T) {
	all, _ := ParseNormalizer("all")
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"  padded \n", "padded"},
		{"a\r\nb\rc", "a\nb\nc"},
		{"bell\x07 and\x00 nul\u0085", "bell and nul"},
		{"tab\tkept", "tab\tkept"},
		{"e\u0301", "é"}, // NFD to NFC
		{"a\n\n\n\nb", "a\n\nb"},
		{"a\n \n\t\n b", "a\n \n b"},
		{"\u00a0 nbsp ends \u3000", "nbsp ends"},
		{"東京 café", "東京 café"},
	} {
		got, _ := all.Text(nil, []byte(tc.in))
		if string(got) != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	none, _ := ParseNormalizer("none")
	if got, changed := none.Text(nil, []byte(" x\r\n")); changed || string(got) != " x\r\n" {
		t.Errorf("none changed %q", got)
	}
	if _, err := ParseNormalizer("nfc,bogus"); err == nil {
		t.Error("unknown normalization accepted")
	}
}

// FuzzNormalize: never panics, output is valid UTF-8 without control
// characters, and normalizing twice changes nothing.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"a\r\n\n\nb ", "e\u0301\u0085", "\xff\xfe", "\n\n \n", "\u00a0x\u3000"} {
		f.Add(s)
	}
	all, _ := ParseNormalizer("all")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // texts come from validated JSON
		}
		once, _ := all.Text(nil, []byte(s))
		twice, changed := all.Text(nil, once)
		if changed {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
		for _, r := range string(once) {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f {
				t.Fatalf("control %U left in %q", r, once)
			}
		}
	})
}

func TestRedactPII(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"mail me at jane.doe+x@example.co.uk today", "mail me at <EMAIL> today"},
		{"call +1 (555) 123-4567 or 555.123.4567", "call <PHONE> or <PHONE>"},
		{"server 192.168.0.1 and 999.1.1.1", "server <IP_ADDRESS> and 999.1.1.1"},
		{"v6 2001:db8::8a2e:370:7334 here", "v6 <IP_ADDRESS> here"},
		{"card 4111 1111 1111 1111 ok", "card <CREDIT_CARD> ok"},
		{"not a card 4111 1111 1111 1112", "not a card 4111 1111 1111 1112"},
		{"in 1999 we had 42 cats at 12:30", "in 1999 we had 42 cats at 12:30"},
	} {
		counts := PIICounts{}
		got, _ := RedactPII([]byte(tc.in), counts)
		if string(got) != tc.want {
			t.Errorf("RedactPII(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	counts := PIICounts{}
	RedactPII([]byte("a@b.io c@d.io 10.0.0.1"), counts)
	if counts[PIIEmail] != 2 || counts[PIIIP] != 1 {
		t.Errorf("counts %v", counts)
	}
}

func FuzzRedactPII(f *testing.F) {
	f.Add("x@y.zz 4111111111111111 ::1 +44 20 7946 0958")
	f.Fuzz(func(t *testing.T, s string) {
		got, _ := RedactPII([]byte(s), PIICounts{})
		again, changed := RedactPII(got, PIICounts{})
		if changed && string(again) != string(got) && strings.Count(string(again), "<") < strings.Count(string(got), "<") {
			t.Fatalf("redaction lost placeholders: %q -> %q", got, again)
		}
	})
}

func TestLang(t *testing.T) {
	var d LangDetector
	for _, tc := range []struct{ text, want string }{
		{"The cat is on the table and it is sleeping.", "en"},
		{"Der Hund ist nicht auf dem Tisch, und die Katze auch nicht.", "de"},
		{"Le chat est sur la table et il dort dans la maison.", "fr"},
		{"El perro está en la casa y no quiere salir con los niños.", "es"},
		{"东京是日本的首都，也是一个很大的城市。", "zh"},
		{"東京は日本の首都です。とても大きい都市です。", "ja"},
		{"Москва является столицей России и крупным городом.", "ru"},
		{"ok", Und},
	} {
		d.Reset()
		d.Add([]byte(tc.text))
		if got := d.Lang(); got != tc.want {
			t.Errorf("Lang(%q) = %s, want %s", tc.text, got, tc.want)
		}
	}
	if _, err := ParseLangs("en,xx"); err == nil {
		t.Error("unknown language accepted")
	}
}

func row(turns ...string) *convert.Row {
	r := &convert.Row{}
	for i, t := range turns {
		role := convert.User
		if i%2 == 1 {
			role = convert.Assistant
		}
		r.Turns = append(r.Turns, convert.Message{Role: role, Text: []byte(t)})
	}
	return r
}

func TestValidate(t *testing.T) {
	lim := Limits{MaxChars: 20, MaxTurns: 4}
	for _, tc := range []struct {
		row  *convert.Row
		to   convert.Target
		want string
	}{
		{row("q", "a"), convert.SFT, ""},
		{row("q"), convert.SFT, "role_order"},
		{row("q", ""), convert.SFT, "empty_turn"},
		{row("q", "a", "q", "a", "q", "a"), convert.SFT, "too_many_turns"},
		{row("q", strings.Repeat("é", 30)), convert.SFT, "too_long"},
		{&convert.Row{Turns: []convert.Message{{Role: convert.Assistant, Text: []byte("a")}}}, convert.SFT, "role_order"},
		{&convert.Row{Turns: row("q").Turns, Chosen: convert.Message{Text: []byte("x")}, Rejected: convert.Message{Text: []byte("x")}}, convert.DPO, "same_answers"},
		{&convert.Row{Turns: row("q").Turns, Chosen: convert.Message{Role: convert.Assistant, Text: []byte("x")}, Rejected: convert.Message{Role: convert.Assistant, Text: []byte("y")}}, convert.DPO, ""},
	} {
		p := Validate(tc.row, tc.to, lim)
		got := ""
		if p != nil {
			got = p.Rule
		}
		if got != tc.want {
			t.Errorf("Validate(%v) = %v, want %q", tc.row.Turns, p, tc.want)
		}
	}
}

func TestFilters(t *testing.T) {
	on, _ := ParseFilters("default")
	c := &Checker{On: on, T: DefaultThresholds, Refusals: NewPhrases(DefaultRefusals)}
	long := "Photosynthesis is the process by which green plants use sunlight, water and carbon dioxide to make glucose and oxygen. " +
		"It happens in the chloroplasts, mostly in the leaves, and it is the base of nearly every food chain on Earth."
	for _, tc := range []struct{ text, want string }{
		{long, ""},
		{"4", ""}, // short answers pass: the statistics filters need 20 words
		{strings.Repeat("buy cheap pills now\n", 10), FilterDupLines},
		{strings.Repeat("the best the best the best ", 20), FilterTopNgram},
		{strings.Repeat("# ## ... word ", 10), FilterSymbols},
		{strings.Repeat("{}[]();<>=+- x ", 10), FilterNonAlnum},
		{strings.Repeat("supercalifragilisticexpialidocious antidisestablishmentarianism ", 12), FilterWordLength},
		{"As an AI language model, I cannot have opinions. " + long, FilterRefusal},
		{strings.Repeat("word ", 10001), FilterMaxWords},
	} {
		p := c.Answer([]byte(tc.text))
		got := ""
		if p != nil {
			got = p.Rule
		}
		if got != tc.want {
			t.Errorf("Answer(%.40q…) = %v, want %q", tc.text, p, tc.want)
		}
	}
	// Repeated paragraphs are repeated lines too: dup_paragraphs shows when dup_lines is off.
	on2, _ := ParseFilters("default,-dup_lines")
	c = &Checker{On: on2, T: DefaultThresholds}
	if p := c.Answer([]byte("Para one is here.\nsecond line\n\nPara one is here.\nsecond line\n\nx\n\nother")); p == nil || p.Rule != FilterDupParas {
		t.Errorf("repeated paragraphs: %v", p)
	}
	none, _ := ParseFilters("default,-refusal")
	if none[FilterRefusal] || !none[FilterTopNgram] {
		t.Errorf("-refusal: %v", none)
	}
	if _, err := ParseFilters("bogus"); err == nil {
		t.Error("unknown filter accepted")
	}
}

// needsWorkBytes is needsWork byte by byte (the definition the fast scan
// must agree with).
func needsWorkBytes(n *Normalizer, s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if n.Trim && (isSpaceByte(s[0]) || isSpaceByte(s[len(s)-1]) || s[0] >= utf8.RuneSelf || s[len(s)-1] >= utf8.RuneSelf) {
		return true
	}
	checkNFC, lineBlank, blanks := false, true, 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f:
			if c != ' ' {
				lineBlank = false
			}
		case c == '\n':
			if lineBlank {
				blanks++
				if blanks >= 2 && n.BlankLines {
					return true
				}
			} else {
				blanks = 0
			}
			lineBlank = true
		case c == '\t':
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(s[i:])
			i += size
			lineBlank = false
			if r <= 0x9f {
				if n.Control {
					return true
				}
			} else if !nfcStable(r) {
				checkNFC = true
			}
			continue
		default:
			if n.Control {
				return true
			}
		}
		i++
	}
	return checkNFC && n.NFC && !norm.NFC.IsNormal(s)
}

func TestNeedsWorkMatchesBytewise(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "word", " ", "  ", "\t", "\n", "\n\n", " \n", "\t\n", "\r", "\x01", "\x7f", "é", "e\u0301", "東", "\u0085", "x y z q"}
	ns := []Normalizer{{true, true, true, true, true}, {BlankLines: true}, {Control: true}, {NFC: true}, {BlankLines: true, Trim: true}}
	for k := 0; k < 20000; k++ {
		var b strings.Builder
		for j := r.IntN(30); j >= 0; j-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := []byte(b.String())
		for i := range ns {
			if got, want := ns[i].needsWork(s), needsWorkBytes(&ns[i], s); got != want {
				t.Fatalf("%q %+v: needsWork %v, want %v", s, ns[i], got, want)
			}
		}
	}
}
