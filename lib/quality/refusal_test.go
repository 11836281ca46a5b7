package quality

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestPhrasesFind(t *testing.T) {
	p := NewPhrases(DefaultRefusals)
	for _, tc := range []struct{ text, want string }{
		{"As an AI language model, I cannot do that.", "as an ai language model"},
		{"Well... AS AN AI LANGUAGE MODEL I refuse", "as an ai language model"},
		{"I’m sorry, but I can’t help.", "i'm sorry, but i can't"},
		{"The answer is 42.", ""},
		{"has an ai language model", ""}, // "as" inside a word is not a phrase start
		{"Ünïcödé first. As a language model, no.", "as a language model"},
	} {
		if got := p.Find([]byte(tc.text)); got != tc.want {
			t.Errorf("Find(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// The eight-bytes-at-a-time scan must agree with a plain search at every
// alignment.
func TestPhrasesFindMatchesNaive(t *testing.T) {
	p := NewPhrases(DefaultRefusals)
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"as", "an", "AI", "ai", "language", "model", "I'm", "I’m", "i", "sorry,", "but", "cannot", "x", "é", "my", "knowledge", "cutoff", "has", "(as", "éas"}
	for k := 0; k < 5000; k++ {
		var b strings.Builder
		for n := r.IntN(30); n > 0; n-- {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(" \n"[r.IntN(2)])
		}
		text := b.String()
		want := ""
		low := strings.ToLower(text)
		for i := 0; i < len(low) && want == ""; i++ {
			if i > 0 && low[i-1] < 0x80 && asciiAlnum[low[i-1]] {
				continue
			}
			for _, ph := range p.list {
				if strings.HasPrefix(low[i:], string(ph)) {
					want = string(ph)
					break
				}
			}
		}
		got := p.Find([]byte(text))
		if (got == "") != (want == "") {
			t.Fatalf("Find(%q) = %q, want %q", text, got, want)
		}
		// The search fused into the measuring pass finds the same phrase.
		st := TextStats{phrases: p}
		st.Measure([]byte(text), false, false)
		if st.Refusal != got {
			t.Fatalf("Measure found %q in %q, Find %q", st.Refusal, text, got)
		}
	}
}
