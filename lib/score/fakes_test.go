package score

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/record"
	"github.com/flock-off/ff/lib/train"
	"github.com/urfave/cli/v2"
)

// byteEncoder is a stand-in tokenizer for the command's tests: one token
// per byte, user turns masked, assistant turns labelled.
type byteEncoder struct{}

func (byteEncoder) Encode(rec *record.Record) ([]int32, []int32, error) {
	var turns []struct{ Role, Content string }
	ok, err := rec.Decode("conversations", &turns)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, errors.New("no conversations field")
	}
	var ids, labels []int32
	for _, t := range turns {
		if t.Role != "user" && t.Role != "assistant" {
			return nil, nil, fmt.Errorf("unknown role %q", t.Role)
		}
		for _, b := range []byte(t.Content) {
			ids = append(ids, int32(b))
			if t.Role == "assistant" {
				labels = append(labels, int32(b))
			} else {
				labels = append(labels, ignoreLabel)
			}
		}
	}
	return ids, labels, nil
}

// byteBigram is a stand-in model: next-byte logits from a 256×256 table
// that is the "adapter" (trainable, starting at zero).
type byteBigram struct {
	W, G   []float32
	steps  int
	onStep func(n int)
}

func newByteBigram() *byteBigram {
	return &byteBigram{W: make([]float32, 256*256), G: make([]float32, 256*256)}
}

func (b *byteBigram) Params() [][]float32 { return [][]float32{b.W} }
func (b *byteBigram) Grads() [][]float32  { return [][]float32{b.G} }

func (b *byteBigram) pass(ex *train.Example, grad bool) (float64, int, error) {
	var sum float64
	n := 0
	p := make([]float64, 256)
	for t := 0; t+1 < len(ex.IDs); t++ {
		y := ex.Labels[t+1]
		if y < 0 {
			continue
		}
		row := b.W[int(ex.IDs[t])*256 : int(ex.IDs[t])*256+256]
		var z float64
		for j, l := range row {
			p[j] = math.Exp(float64(l))
			z += p[j]
		}
		sum += math.Log(z) - float64(row[y])
		n++
		if grad {
			g := b.G[int(ex.IDs[t])*256 : int(ex.IDs[t])*256+256]
			for j := range g {
				g[j] += float32(p[j] / z)
			}
			g[y] -= 1
		}
	}
	return sum, n, nil
}

func (b *byteBigram) Step(ex *train.Example, _ uint64) (float64, int, error) {
	b.steps++
	if b.onStep != nil {
		b.onStep(b.steps)
	}
	return b.pass(ex, true)
}
func (b *byteBigram) Loss(ex *train.Example) (float64, int, error) { return b.pass(ex, false) }
func (b *byteBigram) SaveAdapter(dir string) error {
	js, _ := json.Marshal(b.W[:16])
	if err := os.WriteFile(filepath.Join(dir, "adapter_config.json"), []byte(`{"r":1}`), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "adapter_model.safetensors"), js, 0o644)
}

// fakeDeps wires the stand-ins; onStep (may be nil) runs at every training example.
func fakeDeps(onStep func(int)) deps {
	return deps{
		encoder: func(string, string) (Encoder, int, error) { return byteEncoder{}, 256, nil },
		backend: func(c *cli.Context, name string) (Backend, error) {
			return pickBackend(c, name, func() Backend {
				return &cpuBackend{open: func(*Job) (Adapted, error) {
					m := newByteBigram()
					m.onStep = onStep
					return m, nil
				}}
			})
		},
	}
}

// fakeModelDir writes a model directory the command accepts.
func fakeModelDir(t *testing.T, vocab int) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"config.json":       fmt.Sprintf(`{"model_type":"qwen2","vocab_size":%d}`, vocab),
		"model.safetensors": "weights",
		"tokenizer.json":    "{}",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func sftRow(user, assistant string) string {
	b, _ := json.Marshal(map[string]any{"system": nil, "conversations": []map[string]string{
		{"role": "user", "content": user}, {"role": "assistant", "content": assistant}}})
	return string(b)
}

func writeLines(t *testing.T, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
