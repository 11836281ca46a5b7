package torchworker

import (
	"context"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

func TestTorchSmoke(t *testing.T) {
	py := testenv.TorchPython(t)
	dir := t.TempDir()
	writeTinyModel(t, dir, tinyShape{Arch: "qwen2", Hidden: 64, Inter: 96, Layers: 2, Heads: 4, KVHeads: 2, Vocab: 300, Tied: true}, 1)
	job := Job{ModelDir: dir, Train: tinySequences(20, 300, 1), Eval: tinySequences(6, 300, 2), Recipe: DefaultRecipe(),
		BaseEval: true, Device: "cpu", Dtype: "fp32", Python: py, AdapterOut: dir + "/adapter"}
	res, err := Run(context.Background(), job, func(p Progress) { t.Logf("%+v", p) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
}
