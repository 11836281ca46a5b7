package model

import (
	"testing"

	"github.com/flock-off/ff/lib/lora"
)

// Bench25M is the benchmark model of issue 5: Qwen2-shaped, ~25M parameters.
var Bench25M = Config{
	Architectures: []string{"Qwen2ForCausalLM"}, HiddenSize: 512, IntermediateSize: 1376, NumHiddenLayers: 8,
	NumAttentionHeads: 8, NumKeyValueHeads: 2, VocabSize: 8192, RMSNormEps: 1e-6, RopeTheta: 1e6, TieWordEmbeddings: true,
}

func BenchmarkStepLoRA25M(b *testing.B) {
	m, err := New(Bench25M, 1)
	if err != nil {
		b.Fatal(err)
	}
	ad, _ := lora.New(m, lora.Config{R: 16, Alpha: 32}, 1)
	g := lora.NewGrads(ad)
	ids, labels := randomTokens(1, 256, Bench25M.VocabSize)
	for i := range labels {
		labels[i] = ids[i]
	}
	m.Step(ids, labels, ad, g, 0)
	b.ResetTimer()
	for range b.N {
		if _, _, err := m.Step(ids, labels, ad, g, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(256*b.N)/b.Elapsed().Seconds(), "tok/s")
}

func BenchmarkStepLoRA25MOneThread(b *testing.B) {
	m, err := New(Bench25M, 1)
	if err != nil {
		b.Fatal(err)
	}
	m.Threads = 1
	ad, _ := lora.New(m, lora.Config{R: 16, Alpha: 32}, 1)
	g := lora.NewGrads(ad)
	ids, labels := randomTokens(1, 256, Bench25M.VocabSize)
	m.Step(ids, labels, ad, g, 0)
	b.ResetTimer()
	for range b.N {
		m.Step(ids, labels, ad, g, 0)
	}
	b.ReportMetric(float64(256*b.N)/b.Elapsed().Seconds(), "tok/s")
}
