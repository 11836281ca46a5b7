package quality

import (
	"strings"
	"testing"
)

var benchAnswer = []byte(strings.Repeat("Photosynthesis is the process by which green plants use sunlight, water and carbon dioxide to make glucose and oxygen. ", 8) +
	"\n\n1. First point here.\n2. Second point there.\n\n```python\ndef f(x):\n    return x * 2\n```")

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
