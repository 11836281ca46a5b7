package torchworker

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

// Stand-ins for transformers and peft, backed by the worker's plain model,
// with just the API surface py/hf.py uses. They check the worker's
// transformers branch (loading, adapter in and out, base evaluation with the
// adapter disabled, training, saving) where the real packages are absent;
// the real packages are only exercised on a machine that has them.
const fakeTransformers = `import types
import torch
import plain

__version__ = "0.0-standin"


class BitsAndBytesConfig:
    def __init__(self, **kw):
        self.kw = kw


class _Out:
    def __init__(self, logits):
        self.logits = logits


class _LM:
    def __init__(self, model_dir, dtype):
        self.inner = plain.Model(model_dir, "cpu", dtype)
        self.config = types.SimpleNamespace(use_cache=True)

    def to(self, device):
        return self

    def train(self, on=True):
        self.inner.train(on)

    def __call__(self, input_ids):
        assert input_ids.dim() == 2 and input_ids.shape[0] == 1, input_ids.shape
        return _Out(self.inner.logits(input_ids[0])[None])


class AutoModelForCausalLM:
    @staticmethod
    def from_pretrained(model_dir, torch_dtype=None, quantization_config=None, device_map=None):
        return _LM(model_dir, torch_dtype)
`

const fakePeft = `import contextlib
import json
import os
import stio
import train

__version__ = "0.0-standin"
PREFIX = "base_model.model."


class LoraConfig:
    def __init__(self, r, lora_alpha, lora_dropout, target_modules, bias, task_type, use_rslora=False):
        assert target_modules == "all-linear" or isinstance(target_modules, list), target_modules
        assert bias == "none" and task_type == "CAUSAL_LM"
        self.r, self.lora_alpha, self.lora_dropout, self.use_rslora = r, lora_alpha, lora_dropout, use_rslora
        self.target_modules = set(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])


class _Peft:
    def __init__(self, base, cfg):
        self.base, self.peft_config = base, {"default": cfg}

    def named_parameters(self):
        for k, p in self.base.inner.trainable():
            yield k.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight"), p

    def train(self, on=True):
        self.base.train(on)

    def __call__(self, input_ids):
        return self.base(input_ids=input_ids)

    @contextlib.contextmanager
    def disable_adapter(self):
        saved = [(lin, lin.lora) for _, _, lin in self.base.inner.modules()]
        for lin, _ in saved:
            lin.lora = None
        try:
            yield
        finally:
            for lin, l in saved:
                lin.lora = l


    def save_pretrained(self, path):
        sd = {k: v for k, v in self.base.inner.adapter_state().items()}
        stio.save(os.path.join(path, "adapter_model.safetensors"), sd)
        c = self.peft_config["default"]
        with open(os.path.join(path, "adapter_config.json"), "w") as f:
            json.dump({"r": c.r, "lora_alpha": c.lora_alpha, "lora_dropout": c.lora_dropout,
                       "target_modules": sorted(c.target_modules)}, f)

    def merge_and_unload(self):
        return self.base  # the stand-in keeps the adapter unmerged: same numbers


def get_peft_model(base, cfg):
    base.inner.add_lora(cfg.r, cfg.lora_alpha, cfg.lora_dropout, None, 0, cfg.use_rslora)
    return _Peft(base, cfg)


class PeftModel:
    @staticmethod
    def from_pretrained(base, path, is_trainable=False):
        assert is_trainable
        acfg, tensors = train.read_adapter(path)
        base.inner.load_lora(dict(tensors), acfg["lora_alpha"], acfg["r"], acfg["lora_dropout"])
        return _Peft(base, LoraConfig(acfg["r"], acfg["lora_alpha"], acfg["lora_dropout"], acfg["target_modules"], "none", "CAUSAL_LM"))


def get_peft_model_state_dict(m):
    return m.base.inner.adapter_state()


def prepare_model_for_kbit_training(m, use_gradient_checkpointing=True):
    return m
`

// standins writes the stand-in packages and puts them on PYTHONPATH.
func standins(t *testing.T) {
	pp := filepath.Join(t.TempDir(), "pkgs")
	for name, src := range map[string]string{"transformers": fakeTransformers, "peft": fakePeft} {
		os.MkdirAll(filepath.Join(pp, name), 0o755)
		if err := os.WriteFile(filepath.Join(pp, name, "__init__.py"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PYTHONPATH", pp)
}

// TestTorchQLoRABranch drives the worker directly (Run refuses NF4 without
// a GPU) through its QLoRA branch with the stand-ins: 4-bit load, training,
// adapter saved, then evaluation on a freshly loaded base with the trained
// adapter merged, which must give the plain branch's eval loss.
func TestTorchQLoRABranch(t *testing.T) {
	py := testenv.TorchPython(t)
	standins(t)
	dir := t.TempDir()
	writeTinyModel(t, dir, smallQwen, 1)
	rc := DefaultRecipe()
	rc.LoraDropout, rc.LR, rc.Epochs = 0, 1e-2, 1
	job := Job{ModelDir: dir, Train: tinySequences(10, 300, 1), Eval: tinySequences(3, 300, 2), Recipe: rc,
		Device: "cpu", Dtype: "fp32", Python: py, Impl: "plain"}
	plain, err := Run(context.Background(), job, nil)
	if err != nil {
		t.Fatal(err)
	}
	init, err := initAdapter(&job)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(init)
	out := t.TempDir()
	sdir, err := writeScripts()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sdir)
	cmd := exec.Command(py, "-u", filepath.Join(sdir, "worker.py"))
	w := wireJob{Protocol: ProtocolVersion, ModelDir: dir, Train: job.Train, Eval: job.Eval, Recipe: rc, AdapterIn: init,
		AdapterOut: out, Device: "cpu", Dtype: "bf16", Quant: "nf4", Impl: "transformers"}
	b, _ := json.Marshal(w)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, _ := cmd.StdinPipe() // kept open: its end means "parent gone"
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdin.Write(append(b, '\n'))
	var res *Result
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m, err := ParseMessage(sc.Bytes()); err == nil && m.Result != nil {
			res = m.Result
		} else if err == nil && m.Err != nil {
			t.Errorf("worker error: %+v", *m.Err)
		}
	}
	cmd.Wait()
	if res == nil {
		t.Fatalf("no result; stderr:\n%s", stderr.String())
	}
	if res.Impl != "transformers" || res.Dtype != "bf16" {
		t.Errorf("impl %q dtype %q", res.Impl, res.Dtype)
	}
	// the stand-in loads the bf16 base for training and the evaluation alike;
	// the plain run trained in fp32: agreement to bf16 precision
	if relErr(res.EvalLoss, plain.EvalLoss) > 2e-2 {
		t.Errorf("QLoRA branch eval %v, plain %v", res.EvalLoss, plain.EvalLoss)
	}
	if _, err := os.Stat(filepath.Join(out, "adapter_model.safetensors")); err != nil {
		t.Error(err)
	}
}

// TestTorchTransformersBranch: with transformers and peft importable, the
// worker takes its transformers branch (impl "transformers") and, the
// stand-ins computing what the plain model computes, gives the plain
// branch's losses.
func TestTorchTransformersBranch(t *testing.T) {
	py := testenv.TorchPython(t)
	dir := t.TempDir()
	standins(t)
	caps, err := Probe(context.Background(), py)
	if err != nil || !caps.HasHF() {
		t.Fatalf("stand-ins not seen: %+v %v", caps, err)
	}
	writeTinyModel(t, dir, smallQwen, 1)
	rc := DefaultRecipe()
	rc.LoraDropout, rc.LR = 0, 1e-2
	job := Job{ModelDir: dir, Train: tinySequences(10, 300, 1), Eval: tinySequences(3, 300, 2), Recipe: rc, BaseEval: true,
		Device: "cpu", Dtype: "fp32", Python: py}
	var res [2]Result
	for i, impl := range []string{"auto", "plain"} {
		job.Impl, job.AdapterOut = impl, filepath.Join(dir, "out-"+impl)
		if res[i], err = Run(context.Background(), job, nil); err != nil {
			t.Fatal(err)
		}
	}
	if res[0].Impl != "transformers" || res[1].Impl != "plain" {
		t.Fatalf("impl %q and %q, want transformers and plain", res[0].Impl, res[1].Impl)
	}
	if res[0].EvalLoss != res[1].EvalLoss || *res[0].BaseEvalLoss != *res[1].BaseEvalLoss || *res[0].TrainLoss != *res[1].TrainLoss {
		t.Errorf("transformers branch %v/%v/%v, plain %v/%v/%v (eval/base/train)", res[0].EvalLoss, *res[0].BaseEvalLoss,
			*res[0].TrainLoss, res[1].EvalLoss, *res[1].BaseEvalLoss, *res[1].TrainLoss)
	}
	checkPeftDir(t, job.AdapterOut, smallQwen.Layers, rc)
	checkPeftDir(t, filepath.Join(dir, "out-auto"), smallQwen.Layers, rc)
	// the adapter the transformers branch wrote evaluates the same in the plain branch
	ev, err := Run(context.Background(), Job{ModelDir: dir, Eval: job.Eval, EvalOnly: true, AdapterIn: filepath.Join(dir, "out-auto"),
		Device: "cpu", Python: py, Impl: "plain"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if relErr(ev.EvalLoss, res[0].EvalLoss) > 1e-6 {
		t.Errorf("reloaded %v, trained %v", ev.EvalLoss, res[0].EvalLoss)
	}
}
