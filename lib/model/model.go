// Package model runs decoder-only transformers of the Llama lineage
// (Qwen2ForCausalLM, LlamaForCausalLM) on the CPU in float32: loading Hugging
// Face checkpoints, the forward pass, the causal-LM loss and its backward
// pass for LoRA adapters (package lora) or for every weight.
//
// Layout: activations are row-major [T, features]; a linear layer's weight
// is [out, in] as in PyTorch, so y = x·Wᵀ + b.
package model

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/flock-off/ff/lib/lora"
	"github.com/flock-off/ff/lib/tensor"
)

// Linear is one projection: W [Out, In], B [Out] or nil.
type Linear struct {
	Name    string // module path, e.g. "model.layers.3.mlp.up_proj"
	Out, In int
	W, B    []float32
}

// Layer is one decoder block's weights.
type Layer struct {
	InputNorm, PostNorm        []float32 // [H]
	Q, K, V, O, Gate, Up, Down Linear
}

// Weights are all parameters of a model. The same type holds gradients
// for full-parameter training.
type Weights struct {
	Embed  []float32 // [V, H]
	Layers []Layer
	Norm   []float32 // [H]
	LMHead []float32 // [V, H]; the same slice as Embed when embeddings are tied
}

// Model is a loaded or randomly initialised decoder.
type Model struct {
	Config Config
	Family *Family
	Weights
	// Threads bounds the goroutines one Step uses (default: all cores).
	Threads int
	// Recompute: 0 decides by size, 1 always keeps only each layer's input
	// and recomputes the rest in the backward pass, -1 never does.
	Recompute int
	// PackLimit bounds the bytes of packed copies of the frozen weights that
	// Step keeps to skip repacking them every step (0: 1 GiB; negative: none).
	PackLimit int64

	mu    sync.Mutex
	free  [2][]*workspace // idle workspaces: [0] forward-only, [1] training
	packs *packCache
}

// linears lists a layer's projections in a fixed order (the adapter site order).
func (l *Layer) linears() [7]*Linear {
	return [7]*Linear{&l.Q, &l.K, &l.V, &l.O, &l.Gate, &l.Up, &l.Down}
}

// alloc builds zero weights shaped for c (biases where the family has them).
func alloc(c Config, f *Family) Weights {
	H, I, V := c.HiddenSize, c.IntermediateSize, c.VocabSize
	hd := c.HeadDims()
	qd, kd := c.NumAttentionHeads*hd, c.NumKeyValueHeads*hd
	qkvB, oB, mlpB := f.Biases(c)
	lin := func(name string, out, in int, bias bool) Linear {
		l := Linear{Name: name, Out: out, In: in, W: make([]float32, out*in)}
		if bias {
			l.B = make([]float32, out)
		}
		return l
	}
	w := Weights{Embed: make([]float32, V*H), Norm: make([]float32, H)}
	for i := 0; i < c.NumHiddenLayers; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		w.Layers = append(w.Layers, Layer{
			InputNorm: make([]float32, H), PostNorm: make([]float32, H),
			Q:    lin(p+"self_attn.q_proj", qd, H, qkvB),
			K:    lin(p+"self_attn.k_proj", kd, H, qkvB),
			V:    lin(p+"self_attn.v_proj", kd, H, qkvB),
			O:    lin(p+"self_attn.o_proj", H, qd, oB),
			Gate: lin(p+"mlp.gate_proj", I, H, mlpB),
			Up:   lin(p+"mlp.up_proj", I, H, mlpB),
			Down: lin(p+"mlp.down_proj", H, I, mlpB),
		})
	}
	if c.TieWordEmbeddings {
		w.LMHead = w.Embed
	} else {
		w.LMHead = make([]float32, V*H)
	}
	return w
}

func newModel(c Config) (*Model, error) {
	f, err := c.family()
	if err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &Model{Config: c, Family: f, Weights: alloc(c, f), Threads: tensor.Threads()}, nil
}

// New builds a model with random weights as transformers initialises them:
// linear weights and embeddings N(0, initializer_range), biases zero, norms one.
func New(c Config, seed uint64) (*Model, error) {
	m, err := newModel(c)
	if err != nil {
		return nil, err
	}
	std := c.InitializerRange
	if std == 0 {
		std = 0.02
	}
	r := rand.New(rand.NewPCG(seed, 0x6d6f64656c))
	normal := func(s []float32) {
		for i := range s {
			s[i] = float32(r.NormFloat64() * std)
		}
	}
	ones := func(s []float32) {
		for i := range s {
			s[i] = 1
		}
	}
	normal(m.Embed)
	for i := range m.Layers {
		l := &m.Layers[i]
		ones(l.InputNorm)
		ones(l.PostNorm)
		for _, lin := range l.linears() {
			normal(lin.W)
		}
	}
	ones(m.Norm)
	if !c.TieWordEmbeddings {
		normal(m.LMHead)
	}
	return m, nil
}

// Sites lists the linear layers an adapter can attach to (lora.Base).
func (m *Model) Sites() []lora.Site {
	var s []lora.Site
	for i := range m.Layers {
		for _, l := range m.Layers[i].linears() {
			s = append(s, lora.Site{Name: l.Name, In: l.In, Out: l.Out})
		}
	}
	return s
}

// Param is a parameter with its gradient (the optimizer's flat view).
type Param = lora.Param

// NewGrads returns zero gradients shaped like m's weights (tied embeddings
// share one gradient, as they share one tensor).
func (m *Model) NewGrads() *Weights {
	g := alloc(m.Config, m.Family)
	return &g
}

// Params lists every weight of m with its gradient in g (nil for none),
// named as in the checkpoint; a tied lm_head is not listed twice.
func (m *Model) Params(g *Weights) []Param {
	var ps []Param
	add := func(name string, w []float32, gw func(*Weights) []float32) {
		if w == nil {
			return
		}
		p := Param{Name: name, W: w}
		if g != nil {
			p.G = gw(g)
		}
		ps = append(ps, p)
	}
	add("model.embed_tokens.weight", m.Embed, func(g *Weights) []float32 { return g.Embed })
	for i := range m.Layers {
		i := i
		l := &m.Layers[i]
		p := fmt.Sprintf("model.layers.%d.", i)
		add(p+"input_layernorm.weight", l.InputNorm, func(g *Weights) []float32 { return g.Layers[i].InputNorm })
		for j, lin := range l.linears() {
			j := j
			add(lin.Name+".weight", lin.W, func(g *Weights) []float32 { return g.Layers[i].linears()[j].W })
			add(lin.Name+".bias", lin.B, func(g *Weights) []float32 { return g.Layers[i].linears()[j].B })
		}
		add(p+"post_attention_layernorm.weight", l.PostNorm, func(g *Weights) []float32 { return g.Layers[i].PostNorm })
	}
	add("model.norm.weight", m.Norm, func(g *Weights) []float32 { return g.Norm })
	if !m.Config.TieWordEmbeddings {
		add("lm_head.weight", m.LMHead, func(g *Weights) []float32 { return g.LMHead })
	}
	return ps
}

// Zero clears every tensor of w.
func (w *Weights) Zero() {
	clear(w.Embed)
	clear(w.Norm)
	clear(w.LMHead)
	for i := range w.Layers {
		l := &w.Layers[i]
		clear(l.InputNorm)
		clear(l.PostNorm)
		for _, lin := range l.linears() {
			clear(lin.W)
			clear(lin.B)
		}
	}
}

// NumParams counts the model's distinct parameters.
func (m *Model) NumParams() int {
	n := 0
	for _, p := range m.Params(nil) {
		n += len(p.W)
	}
	return n
}
