package model

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/lora"
	"github.com/flock-off/ff/lib/safetensors"
)

// Recomputing activations, the thread count and the logit chunking must not
// change a single bit of the loss or the gradients.
func TestStepIsDeterministic(t *testing.T) {
	c := tinyConfigs()["qwen2-tied-gqa"]
	m := randomModel(t, c, 5)
	ad := randomAdapter(t, m, lora.Config{R: 8, Alpha: 16, Dropout: 0.1}, 6)
	ids, labels := randomTokens(7, 150, c.VocabSize) // several logit chunks (see TestMain)
	run := func(threads, recompute int) (float64, *lora.Grads) {
		m.Threads, m.Recompute = threads, recompute
		// Odd thread counts run without packed weights, even ones with them.
		m.PackLimit = 0
		if threads%2 == 1 {
			m.PackLimit = -1
		}
		m.WeightsChanged()
		g := lora.NewGrads(ad)
		s, n, err := m.Step(ids, labels, ad, g, 9)
		if err != nil || n != 100 {
			t.Fatalf("n = %d, err = %v", n, err)
		}
		return s, g
	}
	s0, g0 := run(1, -1)
	for _, v := range [][2]int{{1, 1}, {2, -1}, {3, -1}, {4, 1}} {
		s, g := run(v[0], v[1])
		if s != s0 {
			t.Errorf("threads %d recompute %d: loss %v, want %v", v[0], v[1], s, s0)
		}
		for i, mg := range g.Modules {
			for j := range mg.A {
				if mg.A[j] != g0.Modules[i].A[j] {
					t.Fatalf("threads %d recompute %d: %s A[%d] differs", v[0], v[1], mg.Name, j)
				}
			}
		}
	}
	// Gradients accumulate: two calls give twice one call.
	m.Threads, m.Recompute = 2, 0
	g := lora.NewGrads(ad)
	m.Step(ids, labels, ad, g, 9)
	m.Step(ids, labels, ad, g, 9)
	for i, mg := range g.Modules {
		for j := range mg.B {
			if math.Abs(float64(mg.B[j]-2*g0.Modules[i].B[j])) > 1e-5*(1+math.Abs(float64(mg.B[j]))) {
				t.Fatalf("%s B[%d]: two steps %v, one step %v", mg.Name, j, mg.B[j], g0.Modules[i].B[j])
			}
		}
	}
}

// A fresh adapter (B = 0) leaves the base model's loss unchanged, and
// evaluation applies no dropout.
func TestFreshAdapterIsIdentity(t *testing.T) {
	c := tinyConfigs()["llama3-scaled-gqa"]
	m := randomModel(t, c, 1)
	ad, err := lora.New(m, lora.Config{R: 4, Alpha: 8, Dropout: 0.5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ids, labels := randomTokens(2, 30, c.VocabSize)
	base, err := m.Loss(ids, labels, nil)
	if err != nil {
		t.Fatal(err)
	}
	with, _ := m.Loss(ids, labels, ad)
	if base != with {
		t.Errorf("loss with a fresh adapter %v, base %v", with, base)
	}
	if base < 1 || base > 10 {
		t.Errorf("implausible loss %v for a random model", base)
	}
}

func TestStepRejectsBadInput(t *testing.T) {
	m := randomModel(t, tinyConfigs()["qwen2-tied-gqa"], 1)
	tests := []struct {
		ids, labels []int32
		want        string
	}{
		{nil, nil, "empty"},
		{[]int32{1, 2}, []int32{1}, "labels for"},
		{[]int32{1, 999}, nil, "outside the vocabulary"},
		{[]int32{1, 2}, []int32{1, -5}, "label -5"},
	}
	for _, tt := range tests {
		if _, _, err := m.Step(tt.ids, tt.labels, nil, nil, 0); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Step(%v, %v): err = %v, want %q", tt.ids, tt.labels, err, tt.want)
		}
	}
}

// Save then Load gives the same model, also from BF16 and from a sharded checkpoint.
func TestSaveLoad(t *testing.T) {
	for name, c := range tinyConfigs() {
		t.Run(name, func(t *testing.T) {
			m := randomModel(t, c, 3)
			ids, labels := randomTokens(4, 16, c.VocabSize)
			want, _ := m.Loss(ids, labels, nil)
			dir := t.TempDir()
			if err := m.Save(dir); err != nil {
				t.Fatal(err)
			}
			m2, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := m2.Loss(ids, labels, nil); got != want {
				t.Errorf("loss after load %v, want %v", got, want)
			}
			for _, dt := range []safetensors.DType{safetensors.BF16, safetensors.F16} {
				bdir := t.TempDir()
				if err := m.SaveAs(bdir, dt); err != nil {
					t.Fatal(err)
				}
				m3, err := Load(bdir)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := m3.Loss(ids, labels, nil)
				if math.Abs(got-want) > 0.05*want || got == want {
					t.Errorf("%s loss %v, float32 %v", dt, got, want)
				}
			}
		})
	}
}

func TestLoadSharded(t *testing.T) {
	c := tinyConfigs()["qwen2-untied-mha"]
	m := randomModel(t, c, 8)
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	// Split model.safetensors into two shards with an index.
	f, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var parts [2][]safetensors.Tensor
	index := map[string]string{}
	for i, info := range f.Tensors() {
		w, _ := f.Float32(info.Name)
		parts[i%2] = append(parts[i%2], safetensors.Tensor{Name: info.Name, Shape: info.Shape, Data: w})
		index[info.Name] = []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}[i%2]
	}
	f.Close()
	for i, p := range parts {
		safetensors.WriteFile(filepath.Join(dir, []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}[i]), p, nil)
	}
	writeJSON(t, filepath.Join(dir, "model.safetensors.index.json"), map[string]any{"metadata": map[string]any{}, "weight_map": index})
	removeFile(t, filepath.Join(dir, "model.safetensors"))
	m2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids, labels := randomTokens(1, 12, c.VocabSize)
	a, _ := m.Loss(ids, labels, nil)
	b, _ := m2.Loss(ids, labels, nil)
	if a != b {
		t.Errorf("sharded loss %v, want %v", b, a)
	}
}

// An adapter saved and loaded gives the same loss to the last bit.
func TestAdapterRoundTripSameLoss(t *testing.T) {
	for name, c := range tinyConfigs() {
		t.Run(name, func(t *testing.T) {
			m := randomModel(t, c, 31)
			ad := randomAdapter(t, m, lora.Config{R: 8, Alpha: 16, Dropout: 0.1}, 32)
			ids, labels := randomTokens(33, 40, c.VocabSize)
			want, err := m.Loss(ids, labels, ad)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := ad.Save(dir); err != nil {
				t.Fatal(err)
			}
			back, err := lora.Load(dir, m)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := m.Loss(ids, labels, back)
			if math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("loss after round trip %v, before %v", got, want)
			}
		})
	}
}

// After weights change in place, WeightsChanged makes Step see the new values.
func TestWeightsChangedDropsPackedCopies(t *testing.T) {
	c := tinyConfigs()["qwen2-untied-mha"]
	m := randomModel(t, c, 1)
	ids, labels := randomTokens(2, 20, c.VocabSize)
	before, _ := m.Loss(ids, labels, nil)
	for i := range m.Layers[0].Up.W {
		m.Layers[0].Up.W[i] *= 3
	}
	m.WeightsChanged()
	after, _ := m.Loss(ids, labels, nil)
	m.PackLimit = -1
	m.WeightsChanged()
	unpacked, _ := m.Loss(ids, labels, nil)
	if after == before || after != unpacked {
		t.Errorf("loss before %v, after change %v, without packing %v", before, after, unpacked)
	}
}

// Steps may run concurrently (evaluation in parallel): each call takes its
// own workspace and gets the same result as alone.
func TestStepConcurrent(t *testing.T) {
	c := tinyConfigs()["qwen2-tied-gqa"]
	m := randomModel(t, c, 51)
	ad := randomAdapter(t, m, lora.Config{R: 4, Alpha: 8, Dropout: 0.1}, 52)
	type job struct {
		ids, labels []int32
		loss        float64
		g           *lora.Grads
	}
	jobs := make([]*job, 6)
	for i := range jobs {
		ids, labels := randomTokens(uint64(60+i), 20+7*i, c.VocabSize)
		jobs[i] = &job{ids: ids, labels: labels}
	}
	run := func(j *job, train bool) (float64, *lora.Grads) {
		var g *lora.Grads
		if train {
			g = lora.NewGrads(ad)
		}
		s, _, err := m.Step(j.ids, j.labels, ad, g, 3)
		if err != nil {
			t.Error(err)
		}
		return s, g
	}
	for i, j := range jobs {
		j.loss, j.g = run(j, i%2 == 0)
	}
	done := make(chan struct{})
	for i, j := range jobs {
		go func() {
			defer func() { done <- struct{}{} }()
			s, g := run(j, i%2 == 0)
			if s != j.loss {
				t.Errorf("job %d: concurrent loss %v, alone %v", i, s, j.loss)
			}
			if g != nil && g.Modules[0].A[0] != j.g.Modules[0].A[0] {
				t.Errorf("job %d: concurrent gradient differs", i)
			}
		}()
	}
	for range jobs {
		<-done
	}
}
