"""ff-score's torch worker. Shipped inside the ff-score binary and started by
it; not meant to be run by hand.

Protocol (see lib/torchworker/protocol.go): one JSON object per line on the
original stdout: a hello with the capabilities, then progress lines and a
result or an error. The job arrives as one JSON line on stdin after the
hello; stdin stays open and its end means the parent is gone.
"""
import importlib.util
import json
import math
import os
import platform
import sys
import threading
import time
import traceback

PROTOCOL = 1
TORCH_HINT = ("install PyTorch for this interpreter (pip install torch, CUDA builds at pytorch.org; "
              "Debian/Ubuntu CPU build: apt-get install python3-torch) or pass --python with one that has it")


class Channel:
    """Protocol lines on a private copy of stdout; fd 1 itself is pointed at
    stderr so that prints from libraries cannot corrupt the protocol."""

    def __init__(self):
        self.f = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self.lock = threading.Lock()

    def send(self, **msg):
        msg = {k: finite(v) for k, v in msg.items()}
        line = json.dumps(msg, allow_nan=False, default=str)
        with self.lock:
            self.f.write(line + "\n")
            self.f.flush()


def version(name):
    if importlib.util.find_spec(name) is None:
        return None
    try:
        from importlib.metadata import version as v

        return v(name)
    except Exception:
        return "unknown"


def capabilities(torch):
    caps = {
        "type": "hello", "protocol": PROTOCOL, "python": platform.python_version(),
        "executable": sys.executable, "torch": torch.__version__,
        "transformers": version("transformers"), "peft": version("peft"),
        "bitsandbytes": version("bitsandbytes"), "cuda": [],
    }
    if torch.version.cuda is None and getattr(torch.version, "hip", None) is None:
        caps["cuda_error"] = f"torch {torch.__version__} is a CPU-only build"
        return caps
    try:
        if not torch.cuda.is_available():
            caps["cuda_error"] = "torch.cuda.is_available() is false (no GPU or no driver)"
            return caps
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            caps["cuda"].append({"index": i, "name": p.name, "memory_bytes": p.total_memory})
    except Exception as e:  # a broken driver must not hide the CPU path
        caps["cuda_error"] = f"{type(e).__name__}: {e}"
    return caps


def watch_parent():
    """Exit when the parent closes our stdin (it died or was killed)."""
    try:
        while sys.stdin.buffer.read(1 << 16):
            pass
    except Exception:
        pass
    os._exit(3)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def finite(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def run(job, ch, torch):
    import train

    device = job["device"]
    if job.get("threads"):
        torch.set_num_threads(int(job["threads"]))
    dtype = {"bf16": torch.bfloat16, "fp32": torch.float32}[job["dtype"]]
    impl = job.get("impl") or "auto"
    if impl == "auto":
        impl = "transformers" if (version("transformers") and version("peft")) or job.get("quant") else "plain"
    t0 = time.time()
    ch.send(type="progress", phase="load", message=f"loading {job['model_dir']} on {device} ({job['dtype']}, {impl})")
    ch.send(type="progress", phase="note", message=f"torch {torch.__version__}, {impl} model code, {device}, {job['dtype']}")
    if device.startswith("cuda"):
        torch.cuda.set_device(torch.device(device))
        torch.cuda.reset_peak_memory_stats()
        if job["dtype"] == "fp32":  # fp32 means fp32: no TF32 matmuls (parity with the CPU)
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
    try:
        if impl == "transformers":
            import hf

            model = hf.Model(job["model_dir"], device, dtype, job.get("quant") or "")
        else:
            import plain

            model = plain.Model(job["model_dir"], device, dtype)
    except (RuntimeError, MemoryError) as e:
        if train.is_oom(e):
            raise train.OOM("load", None, 0, str(e).splitlines()[0])
        raise
    rc = job["recipe"]
    r, alpha, rslora = rc.get("lora_r", 16), rc.get("lora_alpha", 32.0), bool(rc.get("use_rslora"))
    if job.get("adapter_in"):
        acfg, tensors = train.read_adapter(job["adapter_in"])
        r, alpha, rslora = acfg["r"], acfg["lora_alpha"], bool(acfg.get("use_rslora"))
        if impl == "transformers":
            model.load_adapter(job["adapter_in"])
        else:
            model.load_lora(dict(tensors), alpha, r, rc.get("lora_dropout", 0.0), rslora)
    elif not job.get("eval_only"):
        model.add_lora(r, alpha, rc.get("lora_dropout", 0.0), rc.get("targets"), rc.get("seed", 0), rslora)
    loaded = time.time()

    res = {"type": "result", "device": device, "dtype": job["dtype"], "impl": impl, "torch": torch.__version__,
           "device_name": torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else cpu_name(),
           "steps": 0, "train_tokens": 0, "train_seconds": 0.0}
    if job.get("base_eval") and not job.get("eval_only"):
        ctx = model.m.disable_adapter() if impl == "transformers" else _without_lora(model)
        with ctx:
            mean, losses, _ = train.evaluate(model, job["eval"], "base_eval", device, ch.send)
        res["base_eval_loss"], res["base_eval_losses"] = finite(mean), [finite(x) for x in losses]
    if not job.get("eval_only"):
        loss, steps, tokens, secs = train.fit(model, job, device, ch.send)
        res.update(train_loss=finite(loss), steps=steps, train_tokens=tokens, train_seconds=secs)
    if job.get("adapter_out") and not job.get("eval_only"):
        ch.send(type="progress", phase="save", message="saving the adapter")
        train.write_adapter(job["adapter_out"], model, rc, os.path.basename(os.path.normpath(job["model_dir"])), r, alpha, rslora)
    if impl == "transformers" and job.get("quant") == "nf4" and not job.get("eval_only"):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            model = model.merged_for_eval(job["model_dir"], tmp)
    mean, losses, etok = train.evaluate(model, job["eval"], "eval", device, ch.send)
    res.update(eval_loss=finite(mean), eval_losses=[finite(x) for x in losses], eval_tokens=etok)
    if device.startswith("cuda"):
        res["memory_bytes"] = torch.cuda.max_memory_allocated(torch.device(device))
    res["seconds"] = time.time() - loaded
    if res.get("eval_loss") is None:
        raise ValueError("the evaluation set has no label tokens (eval_loss undefined)")
    ch.send(**res)


class _without_lora:
    """Temporarily detaches the plain model's adapters (base-model loss)."""

    def __init__(self, model):
        self.model = model
        self.saved = []

    def __enter__(self):
        for _, _, lin in self.model.modules():
            self.saved.append((lin, lin.lora))
            lin.lora = None

    def __exit__(self, *a):
        for lin, l in self.saved:
            lin.lora = l


def main():
    ch = Channel()
    try:
        import torch
    except Exception as e:
        ch.send(type="error", kind="missing", package="torch", message=f"{type(e).__name__}: {e}", hint=TORCH_HINT)
        return 3
    ch.send(**capabilities(torch))
    if "--probe" in sys.argv[1:]:
        return 0
    line = sys.stdin.readline()
    if not line.strip():
        return 3  # the parent refused the capabilities or went away
    job = json.loads(line)
    if job.get("protocol") != PROTOCOL:
        ch.send(type="error", kind="failure", message=f"job speaks protocol {job.get('protocol')}, worker {PROTOCOL}")
        return 3
    threading.Thread(target=watch_parent, daemon=True).start()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import plain
    import stio
    import train

    try:
        run(job, ch, torch)
    except train.OOM as e:
        if job["device"].startswith("cuda"):
            torch.cuda.empty_cache()
        ch.send(type="error", kind="oom", phase=e.phase, row=e.row, length=e.length, device=job["device"], message=e.detail)
        return 3
    except (plain.UnsupportedModel, stio.FormatError, FileNotFoundError, KeyError, ValueError) as e:
        traceback.print_exc()
        ch.send(type="error", kind="failure", message=f"{type(e).__name__}: {e}")
        return 3
    except ImportError as e:
        ch.send(type="error", kind="missing", package=getattr(e, "name", None) or str(e), message=str(e),
                hint="pip install transformers peft bitsandbytes")
        return 3
    return 0


if __name__ == "__main__":
    try:
        code = main()
    except BaseException:  # a bug: the traceback is what the parent shows
        traceback.print_exc()
        code = 1
    sys.stderr.flush()
    # os._exit: the stdin watcher thread would otherwise trip over
    # interpreter shutdown while it blocks on a read.
    os._exit(code)
