package quality

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// naiveStats is the obvious rune-by-rune definition the SWAR code must match.
func naiveStats(text string) (words, nonSpace, alnum, symbols int, fields []string) {
	fields = strings.FieldsFunc(text, unicode.IsSpace)
	words = len(fields)
	for _, r := range text {
		if !unicode.IsSpace(r) {
			nonSpace++
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				alnum++
			}
		}
	}
	for _, f := range fields {
		if strings.Trim(f, "#") == "" {
			symbols++
		}
	}
	symbols += strings.Count(text, "...") + strings.Count(text, "…")
	return
}

// naiveTopNgram is Gopher's top n-gram share over whitespace words, counting
// n-grams that occur at least twice.
func naiveTopNgram(text string, n int) float64 {
	w := strings.FieldsFunc(text, unicode.IsSpace)
	count := map[string]int{}
	best, bestKey := 0, ""
	for i := 0; i+n <= len(w); i++ {
		k := strings.Join(w[i:i+n], " ")
		count[k]++
		if count[k] > best {
			best, bestKey = count[k], k
		}
	}
	if best < 2 {
		return 0
	}
	return float64(best*len(bestKey)) / float64(len(text))
}

var pieces = []string{"the", "cat", "sat", "on", "mat", "Über", "東京", "naïve", "#", "##", "...", "…", ".", "..", "x1", "a-b",
	" ", " ", " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u3000", "12", "é", "Ωmega", "#tag", "e\u0301"}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(60); n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
		if r.IntN(3) > 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func TestMeasureMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var s TextStats
	for k := 0; k < 3000; k++ {
		text := randomText(r)
		s.Measure([]byte(text), true, true)
		words, nonSpace, alnum, symbols, fields := naiveStats(text)
		if s.Words != words || s.NonSpace != nonSpace || s.Alnum != alnum || s.SymbolWords != symbols {
			t.Fatalf("%q: got words %d nonspace %d alnum %d symbols %d, want %d %d %d %d",
				text, s.Words, s.NonSpace, s.Alnum, s.SymbolWords, words, nonSpace, alnum, symbols)
		}
		var plain TextStats // the counting-only path must agree
		plain.Measure([]byte(text), false, false)
		if plain.Words != words || plain.NonSpace != nonSpace || plain.Alnum != alnum || plain.SymbolWords != symbols {
			t.Fatalf("%q: counting-only path: words %d nonspace %d alnum %d symbols %d, want %d %d %d %d",
				text, plain.Words, plain.NonSpace, plain.Alnum, plain.SymbolWords, words, nonSpace, alnum, symbols)
		}
		for i, f := range fields {
			if got := text[s.wordAt[i] : s.wordAt[i]+s.wordLen[i]]; got != f {
				t.Fatalf("%q: word %d is %q, want %q", text, i, got, f)
			}
		}
		var shares [3]float64
		for _, n := range []int{2, 3, 4} {
			got, want := s.TopNgramShare(n), naiveTopNgram(text, n)
			if math.Abs(got-want) > 1e-9 {
				t.Fatalf("%q: top %d-gram share %v, want %v", text, n, got, want)
			}
			shares[n-2] = want
		}
		// The pruned filter decides as the exact shares do, at several limits.
		for _, lim := range [][3]float64{{0.2, 0.18, 0.16}, {0.05, 0.05, 0.05}, {0.5, 0.02, 0.3}} {
			wantN := 0
			for k := 0; k < 3 && wantN == 0; k++ {
				if shares[k] > lim[k] {
					wantN = k + 2
				}
			}
			if gotN, share := s.TopNgramOver(lim); gotN != wantN || gotN > 0 && math.Abs(share-shares[gotN-2]) > 1e-9 {
				t.Fatalf("%q limits %v: TopNgramOver = %d %v, want %d (shares %v)", text, lim, gotN, share, wantN, shares)
			}
		}
	}
}

func TestDuplicateLinesAndParagraphs(t *testing.T) {
	var s TextStats
	text := "alpha beta\ngamma\nalpha beta\n\nalpha beta\ngamma\nalpha beta\n\nomega"
	s.Measure([]byte(text), true, true)
	// lines: 7 non-blank, 3 repeat an earlier one ("alpha beta" x3, "gamma" x1)
	if s.lines != 7 || s.dupLines != 4 {
		t.Errorf("lines %d dup %d, want 7 and 4", s.lines, s.dupLines)
	}
	if s.paras != 3 || s.dupParas != 1 {
		t.Errorf("paragraphs %d dup %d, want 3 and 1", s.paras, s.dupParas)
	}
	if got := s.DupLineFrac(); math.Abs(got-4.0/7) > 1e-9 {
		t.Errorf("DupLineFrac %v", got)
	}
}

// The rune class tables agree with the unicode package on every rune.
func TestRuneClassesMatchUnicode(t *testing.T) {
	cl := runeClasses()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		space, alnum := cl.class(r)
		wantSpace := unicode.IsSpace(r)
		wantAlnum := !wantSpace && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if space != wantSpace || alnum != wantAlnum {
			t.Fatalf("%U: space %v alnum %v, want %v %v", r, space, alnum, wantSpace, wantAlnum)
		}
	}
}
