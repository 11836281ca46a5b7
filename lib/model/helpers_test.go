package model

import (
	"math/rand/v2"
	"testing"

	"github.com/flock-off/ff/lib/lora"
)

// tinyConfigs are small random models covering what the families differ in:
// GQA, tied and untied embeddings, q/k/v biases, llama3 rope scaling.
func tinyConfigs() map[string]Config {
	return map[string]Config{
		"qwen2-tied-gqa": {
			Architectures: []string{"Qwen2ForCausalLM"}, HiddenSize: 32, IntermediateSize: 48, NumHiddenLayers: 2,
			NumAttentionHeads: 4, NumKeyValueHeads: 2, VocabSize: 67, RMSNormEps: 1e-6, RopeTheta: 1e6, TieWordEmbeddings: true,
		},
		"qwen2-untied-mha": {
			Architectures: []string{"Qwen2ForCausalLM"}, HiddenSize: 24, IntermediateSize: 40, NumHiddenLayers: 3,
			NumAttentionHeads: 3, NumKeyValueHeads: 3, VocabSize: 50, RMSNormEps: 1e-5, RopeTheta: 10000,
		},
		"llama3-scaled-gqa": {
			Architectures: []string{"LlamaForCausalLM"}, HiddenSize: 32, IntermediateSize: 64, NumHiddenLayers: 2,
			NumAttentionHeads: 4, NumKeyValueHeads: 1, HeadDim: 16, VocabSize: 61, RMSNormEps: 1e-5, RopeTheta: 500000, TieWordEmbeddings: true,
			RopeScaling: &RopeScaling{RopeType: "llama3", Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8},
		},
		"llama-untied-bias": {
			Architectures: []string{"LlamaForCausalLM"}, HiddenSize: 16, IntermediateSize: 24, NumHiddenLayers: 2,
			NumAttentionHeads: 2, NumKeyValueHeads: 2, VocabSize: 40, RMSNormEps: 1e-6, RopeTheta: 10000, AttentionBias: true, MLPBias: true,
		},
	}
}

// randomModel makes every tensor random (norms around 1, biases non-zero),
// so no term of the forward pass is trivially zero or one.
func randomModel(t testing.TB, c Config, seed uint64) *Model {
	t.Helper()
	m, err := New(c, seed)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 99))
	for _, p := range m.Params(nil) {
		for i := range p.W {
			switch {
			case len(p.Name) > 11 && p.Name[len(p.Name)-11:] == "norm.weight":
				p.W[i] = float32(1 + 0.2*r.NormFloat64())
			case len(p.Name) > 5 && p.Name[len(p.Name)-5:] == ".bias":
				p.W[i] = float32(0.1 * r.NormFloat64())
			default:
				p.W[i] = float32(0.15 * r.NormFloat64())
			}
		}
	}
	return m
}

// randomAdapter has non-zero B so every LoRA gradient is meaningful.
func randomAdapter(t testing.TB, m *Model, cfg lora.Config, seed uint64) *lora.Adapter {
	t.Helper()
	ad, err := lora.New(m, cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	for _, mod := range ad.Modules {
		for i := range mod.B {
			mod.B[i] = float32(0.1 * r.NormFloat64())
		}
	}
	return ad
}

func randomTokens(seed uint64, T, V int) (ids, labels []int32) {
	r := rand.New(rand.NewPCG(seed, 5))
	ids = make([]int32, T)
	labels = make([]int32, T)
	for i := range ids {
		ids[i] = int32(r.IntN(V))
		labels[i] = ids[i]
		if i < T/3 { // a masked prompt, as with chat data
			labels[i] = IgnoreIndex
		}
	}
	return ids, labels
}
