"""PyTorch reference for ff's model package: the Qwen2/Llama decoder forward
pass (written for the tests from the Hugging Face modeling code's semantics),
the causal-LM loss, and gradients by autograd.

usage: reference.py MODEL_DIR ADAPTER_DIR|- TOKENS_JSON OUT_DIR [--full] [--threads N]
       reference.py --jobs JOBS_JSON   (many runs in one process: torch starts slowly)
       reference.py MODEL_DIR ADAPTER_DIR TOKENS_JSON --bench N   (time N LoRA steps)
       reference.py MODEL_DIR ADAPTER_DIR TOKENS_JSON --serve   (one timed step per stdin line)
       reference.py --matmul M,N,K,REPS   (torch sgemm GFLOPS)

TOKENS_JSON: {"ids": [...], "labels": [...]}. Writes OUT_DIR/result.json
({"sum_loss": float, "n_label": int}) and OUT_DIR/grads.safetensors (F32): the
LoRA gradients keyed like the adapter file, or with --full every weight's
gradient keyed like the checkpoint. Needs only torch (and the stdlib).
"""
import argparse
import json
import math
import os
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:end]), dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).to(torch.float32)
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        b = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rope_inv_freq(cfg, dim):
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type", "default"))
    if kind == "llama3":
        factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        wave = 2 * math.pi / inv
        scaled = torch.where(wave > old / low, inv / factor, inv)
        smooth = (old / wave - low) / (high - low)
        blended = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wave >= old / high) & (wave <= old / low)
        inv = torch.where(medium, blended, scaled)
    elif kind != "default":
        raise SystemExit("unsupported rope_scaling " + kind)
    return inv


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rmsnorm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


class Lora:
    def __init__(self, tensors, cfg):
        self.t = tensors
        self.scale = cfg["lora_alpha"] / cfg["r"]

    def delta(self, name, x):
        a = self.t.get("base_model.model." + name + ".lora_A.weight")
        if a is None:
            return 0
        b = self.t["base_model.model." + name + ".lora_B.weight"]
        return (x @ a.t()) @ b.t() * self.scale


def forward(cfg, w, lora, ids, labels):
    arch = cfg["architectures"][0]
    H = cfg["hidden_size"]
    nh, nkv = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd = cfg.get("head_dim") or H // nh
    eps = cfg.get("rms_norm_eps", 1e-6)
    T = len(ids)

    def linear(name, x):
        y = x @ w[name + ".weight"].t()
        if name + ".bias" in w:
            y = y + w[name + ".bias"]
        if lora is not None:
            y = y + lora.delta(name, x)
        return y

    inv = rope_inv_freq(cfg, hd)
    pos = torch.arange(T, dtype=torch.float32)
    freqs = pos[:, None] * inv[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.full((T, T), float("-inf")).triu(1)

    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rmsnorm(x, w[p + "input_layernorm.weight"], eps)
        q = linear(p + "self_attn.q_proj", h).view(T, nh, hd).transpose(0, 1)
        k = linear(p + "self_attn.k_proj", h).view(T, nkv, hd).transpose(0, 1)
        v = linear(p + "self_attn.v_proj", h).view(T, nkv, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=0)
        v = v.repeat_interleave(nh // nkv, dim=0)
        s = q @ k.transpose(1, 2) / math.sqrt(hd) + mask
        a = torch.softmax(s, dim=-1) @ v
        a = a.transpose(0, 1).reshape(T, nh * hd)
        x = x + linear(p + "self_attn.o_proj", a)
        h = rmsnorm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = linear(p + "mlp.gate_proj", h)
        u = linear(p + "mlp.up_proj", h)
        x = x + linear(p + "mlp.down_proj", torch.nn.functional.silu(g) * u)
    x = rmsnorm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    logits = x @ head.t()
    lab = torch.tensor(labels[1:])
    loss = torch.nn.functional.cross_entropy(logits[:-1], lab, ignore_index=-100, reduction="sum")
    return loss, int((lab != -100).sum())


def run_job(model_dir, adapter_dir, tokens, out, full):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    lora = None
    params = {}
    if adapter_dir != "-":
        lt = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
        lcfg = json.load(open(os.path.join(adapter_dir, "adapter_config.json")))
        for t in lt.values():
            t.requires_grad_(True)
        lora = Lora(lt, lcfg)
        params = lt
    if full:
        for t in w.values():
            t.requires_grad_(True)
        params = w
    tok = json.load(open(tokens))
    loss, n = forward(cfg, w, lora, tok["ids"], tok["labels"])
    if params:
        loss.backward()
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, "grads.safetensors"), {k: v.grad for k, v in params.items() if v.grad is not None})
    json.dump({"sum_loss": loss.item(), "n_label": n}, open(os.path.join(out, "result.json"), "w"))


def bench(model_dir, adapter_dir, tokens, steps):
    """Times forward+backward (LoRA gradients) of one sequence, steps times."""
    import time

    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    lt = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
    lcfg = json.load(open(os.path.join(adapter_dir, "adapter_config.json")))
    for t in lt.values():
        t.requires_grad_(True)
    lora = Lora(lt, lcfg)
    tok = json.load(open(tokens))
    loss, n = forward(cfg, w, lora, tok["ids"], tok["labels"])  # warm-up
    loss.backward()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        for t in lt.values():
            t.grad = None
        loss, n = forward(cfg, w, lora, tok["ids"], tok["labels"])
        loss.backward()
        times.append(time.perf_counter() - start)
    return {"seconds": times, "sum_loss": loss.item(), "n_label": n, "threads": torch.get_num_threads()}


def serve(model_dir, adapter_dir, tokens):
    """For benchmarks: one timed LoRA training step per line read from
    stdin, answering {"seconds": wall, "cpu": process CPU seconds, "sum_loss"}."""
    import time

    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    lt = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
    lcfg = json.load(open(os.path.join(adapter_dir, "adapter_config.json")))
    for t in lt.values():
        t.requires_grad_(True)
    lora = Lora(lt, lcfg)
    tok = json.load(open(tokens))
    for _ in sys.stdin:
        start, cpu = time.perf_counter(), time.process_time()
        for t in lt.values():
            t.grad = None
        loss, n = forward(cfg, w, lora, tok["ids"], tok["labels"])
        loss.backward()
        res = {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "sum_loss": loss.item()}
        print(json.dumps(res), flush=True)


def matmul_gflops(m, n, k, reps):
    """sgemm throughput of torch (its BLAS) for C[m,n] = A[m,k]·B[n,k]ᵀ."""
    import time

    a, b = torch.randn(m, k), torch.randn(n, k)
    a @ b.t()
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        a @ b.t()
        best = min(best, time.perf_counter() - start)
    return 2 * m * n * k / best / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir", nargs="?", default="-", help="checkpoint directory, or a JSON file listing jobs with --jobs")
    ap.add_argument("adapter_dir", nargs="?", default="-")
    ap.add_argument("tokens", nargs="?")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--jobs", action="store_true", help="model_dir is a JSON list of {model, adapter, tokens, out, full}")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bench", type=int, default=0, help="time this many LoRA training steps; print JSON")
    ap.add_argument("--matmul", help="M,N,K,REPS: print torch sgemm GFLOPS")
    ap.add_argument("--serve", action="store_true", help="one timed LoRA step per stdin line (benchmarks)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.matmul:
        m, n, k, reps = map(int, args.matmul.split(","))
        print(json.dumps({"gflops": matmul_gflops(m, n, k, reps), "threads": torch.get_num_threads()}))
        return
    if args.bench:
        print(json.dumps(bench(args.model_dir, args.adapter_dir, args.tokens, args.bench)))
        return
    if args.serve:
        serve(args.model_dir, args.adapter_dir, args.tokens)
        return
    if args.jobs:
        for j in json.load(open(args.model_dir)):
            run_job(j["model"], j.get("adapter") or "-", j["tokens"], j["out"], j.get("full", False))
    else:
        run_job(args.model_dir, args.adapter_dir, args.tokens, args.out, args.full)


if __name__ == "__main__":
    main()
