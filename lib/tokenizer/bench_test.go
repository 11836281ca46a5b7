package tokenizer

import (
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

// BenchmarkEncodeQwen3 encodes the shared real data with the Qwen3
// tokenizer, one row at a time (b.SetBytes: MB/s is reported).
func BenchmarkEncodeQwen3(b *testing.B) {
	tok, err := Load(filepath.Join(testenv.Shared(b), "tokenizers", "qwen3"))
	if err != nil {
		b.Fatal(err)
	}
	texts := sharedTexts(b)
	n := 0
	for _, s := range texts {
		n += len(s)
	}
	b.SetBytes(int64(n))
	var ids []int32
	tokens := 0
	for b.Loop() {
		tokens = 0
		for _, s := range texts {
			ids = tok.AppendEncode(ids[:0], s)
			tokens += len(ids)
		}
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkEncodeColdCache is the first pass over the data: every word is new.
func BenchmarkEncodeColdCache(b *testing.B) {
	dir := filepath.Join(testenv.Shared(b), "tokenizers", "qwen3")
	texts := sharedTexts(b)
	n := 0
	for _, s := range texts {
		n += len(s)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		b.StopTimer()
		tok, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, s := range texts {
			tok.Encode(s)
		}
	}
}

// BenchmarkLoadQwen3 is the start-up cost: parsing tokenizer.json and building maps.
func BenchmarkLoadQwen3(b *testing.B) {
	dir := filepath.Join(testenv.Shared(b), "tokenizers", "qwen3")
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}
