// Package lora holds low-rank adapters as peft builds them: for a frozen
// linear layer y = W·x (+ b), the adapted layer is
//
//	y = W·x (+ b) + scale · B·(A·dropout(x)),  scale = alpha / r,
//
// with A [r, in] initialised Kaiming-uniform (a = √5, i.e. U(±1/√in)) and
// B [out, r] zero, so a fresh adapter leaves the model unchanged. Adapters
// load and save in peft's format (adapter_config.json + adapter_model.safetensors).
//
// The package does not know the model: the base model lists its linear
// layers (Sites) and the model package applies the adapter in its forward
// and backward passes.
package lora

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// AllLinear is peft's target_modules="all-linear" for Qwen2/Llama decoders
// (every linear layer of the blocks; lm_head excluded).
var AllLinear = []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}

// Config is the adapter's hyper-parameters (peft's LoraConfig).
type Config struct {
	R       int      // rank
	Alpha   float64  // lora_alpha; scale = Alpha / R
	Dropout float64  // lora_dropout, applied to the adapter input only
	Targets []string // module name suffixes; nil means AllLinear
	// BaseModel is recorded as base_model_name_or_path (informational).
	BaseModel string
}

// Site is a linear layer of a base model an adapter can attach to.
type Site struct {
	Name    string // module path, e.g. "model.layers.0.self_attn.q_proj"
	In, Out int
}

// Base is a model that lists its linear layers.
type Base interface{ Sites() []Site }

// Module is the adapter on one linear layer.
type Module struct {
	Name    string
	In, Out int
	A       []float32 // [R, In]
	B       []float32 // [Out, R]
}

// Adapter is a set of modules sharing one Config.
type Adapter struct {
	Config  Config
	Modules []*Module
	byName  map[string]*Module
}

// Scale is alpha / r.
func (a *Adapter) Scale() float32 { return float32(a.Config.Alpha / float64(a.Config.R)) }

// Module returns the adapter on the named linear layer, or nil.
func (a *Adapter) Module(name string) *Module {
	if a == nil {
		return nil
	}
	return a.byName[name]
}

func (c Config) targets() []string {
	if len(c.Targets) == 0 {
		return AllLinear
	}
	return c.Targets
}

// Targeted reports whether the module called name is adapted under c: its
// last path component equals one of the targets (peft's suffix match).
func (c Config) Targeted(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	for _, t := range c.targets() {
		if t == "all-linear" || t == last || strings.HasSuffix(name, "."+t) {
			return true
		}
	}
	return false
}

func (c Config) validate() error {
	if c.R <= 0 {
		return fmt.Errorf("lora: rank r = %d, want > 0", c.R)
	}
	if c.Dropout < 0 || c.Dropout >= 1 {
		return fmt.Errorf("lora: dropout %v, want in [0, 1)", c.Dropout)
	}
	return nil
}

// empty builds zeroed modules for every targeted site of b.
func empty(b Base, cfg Config) (*Adapter, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	a := &Adapter{Config: cfg, byName: map[string]*Module{}}
	for _, s := range b.Sites() {
		if !cfg.Targeted(s.Name) {
			continue
		}
		m := &Module{Name: s.Name, In: s.In, Out: s.Out, A: make([]float32, cfg.R*s.In), B: make([]float32, s.Out*cfg.R)}
		a.Modules = append(a.Modules, m)
		a.byName[s.Name] = m
	}
	if len(a.Modules) == 0 {
		return nil, fmt.Errorf("lora: no linear layer matches target modules %v", cfg.targets())
	}
	return a, nil
}

// New creates an adapter on every targeted linear layer of b, initialised as
// peft does: A ~ U(-1/√in, 1/√in) (Kaiming-uniform with a = √5), B = 0.
// The same seed gives the same adapter.
func New(b Base, cfg Config, seed uint64) (*Adapter, error) {
	a, err := empty(b, cfg)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0x6c6f7261))
	for _, m := range a.Modules {
		bound := 1 / math.Sqrt(float64(m.In))
		for i := range m.A {
			m.A[i] = float32((2*r.Float64() - 1) * bound)
		}
	}
	return a, nil
}

// Grads holds d(loss)/d(parameter) for every module of an adapter, in the
// same order and shapes.
type Grads struct {
	Modules []*ModuleGrads
	byName  map[string]*ModuleGrads
}

// ModuleGrads is the gradient of one Module.
type ModuleGrads struct {
	Name string
	A, B []float32
}

// NewGrads returns zero gradients shaped like a.
func NewGrads(a *Adapter) *Grads {
	g := &Grads{byName: map[string]*ModuleGrads{}}
	for _, m := range a.Modules {
		mg := &ModuleGrads{Name: m.Name, A: make([]float32, len(m.A)), B: make([]float32, len(m.B))}
		g.Modules = append(g.Modules, mg)
		g.byName[m.Name] = mg
	}
	return g
}

// Module returns the gradient of the named module, or nil.
func (g *Grads) Module(name string) *ModuleGrads {
	if g == nil {
		return nil
	}
	return g.byName[name]
}

// Zero clears every gradient.
func (g *Grads) Zero() {
	for _, m := range g.Modules {
		clear(m.A)
		clear(m.B)
	}
}

// Param is one trainable tensor with its gradient: the flat view optimizers use.
type Param struct {
	Name string    // peft key without the "base_model.model." prefix, e.g. "model.layers.0.mlp.up_proj.lora_A.weight"
	W, G []float32 // parameter and gradient, same length
}

// Params lists every parameter of a with its gradient in g (g may be nil),
// in a fixed order (module order, A before B).
func (a *Adapter) Params(g *Grads) []Param {
	var ps []Param
	for i, m := range a.Modules {
		var ga, gb []float32
		if g != nil {
			ga, gb = g.Modules[i].A, g.Modules[i].B
		}
		ps = append(ps, Param{Name: m.Name + ".lora_A.weight", W: m.A, G: ga}, Param{Name: m.Name + ".lora_B.weight", W: m.B, G: gb})
	}
	return ps
}

// Clone returns a deep copy of a.
func (a *Adapter) Clone() *Adapter {
	c := &Adapter{Config: a.Config, byName: map[string]*Module{}}
	c.Config.Targets = append([]string(nil), a.Config.Targets...)
	for _, m := range a.Modules {
		n := &Module{Name: m.Name, In: m.In, Out: m.Out, A: append([]float32(nil), m.A...), B: append([]float32(nil), m.B...)}
		c.Modules = append(c.Modules, n)
		c.byName[n.Name] = n
	}
	return c
}
