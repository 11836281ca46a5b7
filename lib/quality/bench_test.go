package quality

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// benchAnswer is ~1 KB of varied prose with a list and code, like a chat answer.
var benchAnswer = func() []byte {
	words := strings.Fields(`the of and to in is you that it he was for on are as with his they at be this have from
	or one had by word but not what all were we when your can said there use an each which she do how their if will
	up other about out many then them these so some her would make like him into time has look two more write go see
	number no way could people my than first water been call who oil its now find long down day did get come made may
	part model data training answer question example function value result because however therefore include`)
	r := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	for b.Len() < 900 {
		b.WriteString(words[r.IntN(len(words))])
		if r.IntN(12) == 0 {
			b.WriteString(". ")
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString("\n\n1. First point here.\n2. Second point there.\n\n```python\ndef f(x):\n    return x * 2\n```")
	return []byte(b.String())
}()

func benchFilter(b *testing.B, filters string) {
	on, _ := ParseFilters(filters)
	c := &Checker{On: on, T: DefaultThresholds, Refusals: NewPhrases(DefaultRefusals)}
	b.SetBytes(int64(len(benchAnswer)))
	for i := 0; i < b.N; i++ {
		c.Answer(benchAnswer)
	}
}

func BenchmarkAnswerDefault(b *testing.B) { benchFilter(b, "default") }
func BenchmarkAnswerWords(b *testing.B)   { benchFilter(b, "min_words") }
func BenchmarkAnswerLines(b *testing.B)   { benchFilter(b, "dup_lines") }
func BenchmarkAnswerNgram(b *testing.B)   { benchFilter(b, "top_ngram") }
func BenchmarkAnswerRefusal(b *testing.B) { benchFilter(b, "refusal") }

func BenchmarkNormalize(b *testing.B) {
	n, _ := ParseNormalizer("all")
	b.SetBytes(int64(len(benchAnswer)))
	for i := 0; i < b.N; i++ {
		n.Text(nil, benchAnswer)
	}
}
