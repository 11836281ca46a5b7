"""A plain-PyTorch Qwen2/Llama decoder with peft-style LoRA, for when
transformers and peft are not importable (a distribution's torch package).

Shapes: T tokens of one sequence (batch size 1), H hidden, nh query heads,
nkv key/value heads, hd head size, I intermediate, V vocabulary.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

import stio

# scaled_dot_product_attention (torch >= 2.0); FF_TORCH_SDPA=0 turns it off.
SDPA = getattr(F, "scaled_dot_product_attention", None) if os.environ.get("FF_TORCH_SDPA", "1") != "0" else None
ARCHS = {"Qwen2ForCausalLM": "qwen2", "LlamaForCausalLM": "llama"}
LINEARS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class UnsupportedModel(Exception):
    pass


class Config:
    def __init__(self, model_dir):
        path = os.path.join(model_dir, "config.json")
        try:
            with open(path) as f:
                c = json.load(f)
        except (OSError, ValueError) as e:
            raise UnsupportedModel(f"{path}: {e}")
        archs = c.get("architectures") or []
        kind = next((ARCHS[a] for a in archs if a in ARCHS), None)
        if kind is None:
            kind = {"qwen2": "qwen2", "llama": "llama"}.get(c.get("model_type"))
        if kind is None:
            raise UnsupportedModel(f"{path}: architecture {archs or c.get('model_type')} is not Qwen2ForCausalLM or LlamaForCausalLM")
        if c.get("hidden_act", "silu") != "silu":
            raise UnsupportedModel(f"{path}: hidden_act {c.get('hidden_act')} (only silu)")
        missing = [k for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size") if not isinstance(c.get(k), int)]
        if missing:
            raise UnsupportedModel(f"{path}: no integer {', '.join(missing)}")
        self.kind = kind
        self.hidden = c["hidden_size"]
        self.inter = c["intermediate_size"]
        self.layers = c["num_hidden_layers"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.head_dim = c.get("head_dim") or self.hidden // self.heads
        self.vocab = c["vocab_size"]
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.theta = c.get("rope_theta", 10000.0)
        self.rope_scaling = c.get("rope_scaling")
        self.tied = bool(c.get("tie_word_embeddings", False))
        self.qkv_bias = True if kind == "qwen2" else bool(c.get("attention_bias", False))
        self.o_bias = False if kind == "qwen2" else bool(c.get("attention_bias", False))
        self.mlp_bias = False if kind == "qwen2" else bool(c.get("mlp_bias", False))
        self.sliding = bool(c.get("use_sliding_window", False))


def inv_freq(cfg):
    """RoPE inverse frequencies [hd/2], with Llama 3's scaling when configured."""
    d = cfg.head_dim
    f = 1.0 / (cfg.theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    rs = cfg.rope_scaling
    if not rs:
        return f
    kind = rs.get("rope_type", rs.get("type"))
    if kind in (None, "default"):
        return f
    if kind != "llama3":
        raise UnsupportedModel(f"rope_scaling type {kind} (only llama3)")
    factor = rs["factor"]
    low, high = rs["low_freq_factor"], rs["high_freq_factor"]
    old = rs["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old / low, old / high
    wavelen = 2 * math.pi / f
    scaled = torch.where(wavelen > low_wavelen, f / factor, f)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, scaled)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rms_norm(x, w, eps):
    # statistics in float32 whatever the weights are, as transformers does
    dt = x.dtype
    x32 = x.float()
    x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)
    return w * x32.to(dt)


class LoRA:
    """One adapter: A [r, in], B [out, r], output scaled by alpha/r, dropout on
    the adapter's input only (as peft does)."""

    def __init__(self, a, b, scale, dropout):
        self.A = a
        self.B = b
        self.scale = scale
        self.dropout = dropout


class Linear:
    def __init__(self, w, b=None):
        self.w = w  # [out, in], frozen
        self.b = b
        self.lora = None

    def __call__(self, x, training):
        y = F.linear(x, self.w, self.b)
        if self.lora is None:
            return y
        l = self.lora
        h = x.to(l.A.dtype)
        if training and l.dropout > 0:
            h = F.dropout(h, p=l.dropout, training=True)
        return y + (F.linear(F.linear(h, l.A), l.B) * l.scale).to(y.dtype)


class Model:
    """A decoder-only causal LM; forward takes ids [T] and returns logits [T, V]."""

    def __init__(self, model_dir, device, dtype):
        self.cfg = cfg = Config(model_dir)
        self.device, self.dtype = device, dtype
        sd = stio.load_checkpoint(model_dir)

        def take(name, required=True):
            t = sd.pop(name, None)
            if t is None:
                if required:
                    raise UnsupportedModel(f"{model_dir}: checkpoint has no tensor {name}")
                return None
            return t.to(device=device, dtype=dtype)

        def lin(prefix, out_dim, in_dim, bias):
            w = take(prefix + ".weight")
            if tuple(w.shape) != (out_dim, in_dim):
                raise UnsupportedModel(f"{model_dir}: {prefix}.weight has shape {tuple(w.shape)}, config says {(out_dim, in_dim)}")
            return Linear(w, take(prefix + ".bias") if bias else None)

        H, hd = cfg.hidden, cfg.head_dim
        self.embed = take("model.embed_tokens.weight")
        if tuple(self.embed.shape) != (cfg.vocab, H):
            raise UnsupportedModel(f"{model_dir}: embed_tokens has shape {tuple(self.embed.shape)}, config says {(cfg.vocab, H)}")
        self.blocks = []
        for i in range(cfg.layers):
            p = f"model.layers.{i}."
            self.blocks.append({
                "ln1": take(p + "input_layernorm.weight"),
                "ln2": take(p + "post_attention_layernorm.weight"),
                "q_proj": lin(p + "self_attn.q_proj", cfg.heads * hd, H, cfg.qkv_bias),
                "k_proj": lin(p + "self_attn.k_proj", cfg.kv_heads * hd, H, cfg.qkv_bias),
                "v_proj": lin(p + "self_attn.v_proj", cfg.kv_heads * hd, H, cfg.qkv_bias),
                "o_proj": lin(p + "self_attn.o_proj", H, cfg.heads * hd, cfg.o_bias),
                "gate_proj": lin(p + "mlp.gate_proj", cfg.inter, H, cfg.mlp_bias),
                "up_proj": lin(p + "mlp.up_proj", cfg.inter, H, cfg.mlp_bias),
                "down_proj": lin(p + "mlp.down_proj", H, cfg.inter, cfg.mlp_bias),
            })
        self.norm = take("model.norm.weight")
        head = take("lm_head.weight", required=not cfg.tied)
        self.lm_head = head if head is not None else self.embed
        self.inv_freq = inv_freq(cfg).to(device)
        self.training = False
        self.lora_names = []  # peft key prefixes in model order

    # ---- LoRA ----

    def modules(self):
        """(peft module path, Linear) for every adapted-capable linear layer."""
        for i, blk in enumerate(self.blocks):
            for n in LINEARS:
                part = "self_attn" if n in ("q_proj", "k_proj", "v_proj", "o_proj") else "mlp"
                yield f"base_model.model.model.layers.{i}.{part}.{n}", n, blk[n]

    def add_lora(self, r, alpha, dropout, targets, seed, use_rslora=False):
        """Fresh adapters: A Kaiming-uniform (a=sqrt(5)), B zero, as peft."""
        scale = alpha / math.sqrt(r) if use_rslora else alpha / r
        g = torch.Generator().manual_seed(int(seed))
        for path, name, lin in self.modules():
            if targets and name not in targets:
                continue
            out_dim, in_dim = lin.w.shape
            bound = 1.0 / math.sqrt(in_dim)  # kaiming_uniform_ with a=sqrt(5)
            a = (torch.rand(r, in_dim, generator=g, dtype=torch.float32) * 2 - 1) * bound
            b = torch.zeros(out_dim, r, dtype=torch.float32)
            lin.lora = LoRA(a.to(self.device).requires_grad_(), b.to(self.device).requires_grad_(), scale, dropout)

    def load_lora(self, tensors, alpha, r, dropout, use_rslora=False):
        """Adapters from a peft state dict (keys PATH.lora_A.weight / lora_B.weight)."""
        scale = alpha / math.sqrt(r) if use_rslora else alpha / r
        seen = 0
        for path, name, lin in self.modules():
            a = tensors.pop(path + ".lora_A.weight", None)
            b = tensors.pop(path + ".lora_B.weight", None)
            if a is None and b is None:
                continue
            if a is None or b is None:
                raise UnsupportedModel(f"adapter has only one of lora_A/lora_B for {path}")
            out_dim, in_dim = lin.w.shape
            if tuple(a.shape) != (r, in_dim) or tuple(b.shape) != (out_dim, r):
                raise UnsupportedModel(f"adapter {path}: lora_A {tuple(a.shape)}, lora_B {tuple(b.shape)} do not fit r={r} and the layer {(out_dim, in_dim)}")
            lin.lora = LoRA(a.float().to(self.device).requires_grad_(), b.float().to(self.device).requires_grad_(), scale, dropout)
            seen += 1
        if tensors:
            raise UnsupportedModel(f"adapter has tensors this model does not have: {sorted(tensors)[:3]}")
        if seen == 0:
            raise UnsupportedModel("adapter has no LoRA tensors")

    def trainable(self):
        """[(peft key, parameter)] in model order."""
        out = []
        for path, _, lin in self.modules():
            if lin.lora is not None:
                out.append((path + ".lora_A.weight", lin.lora.A))
                out.append((path + ".lora_B.weight", lin.lora.B))
        return out

    def targets(self):
        return sorted({name for _, name, lin in self.modules() if lin.lora is not None})

    def adapter_state(self):
        return {k: p.detach().float().cpu() for k, p in self.trainable()}

    def train(self, on):
        self.training = on

    # ---- forward ----

    def logits(self, ids):
        cfg = self.cfg
        T = ids.shape[0]
        nh, nkv, hd = cfg.heads, cfg.kv_heads, cfg.head_dim
        pos = torch.arange(T, device=self.device, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv_freq)  # [T, hd/2]
        emb = torch.cat((freqs, freqs), dim=-1)  # [T, hd]
        cos, sin = emb.cos().to(self.dtype), emb.sin().to(self.dtype)
        mask = None if SDPA is not None else torch.full((T, T), float("-inf"), device=self.device).triu(1)  # causal
        tr = self.training
        h = self.embed[ids]  # [T, H]
        for blk in self.blocks:
            x = rms_norm(h, blk["ln1"], cfg.eps)
            q = blk["q_proj"](x, tr).view(T, nh, hd).transpose(0, 1)  # [nh, T, hd]
            k = blk["k_proj"](x, tr).view(T, nkv, hd).transpose(0, 1)  # [nkv, T, hd]
            v = blk["v_proj"](x, tr).view(T, nkv, hd).transpose(0, 1)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if nkv != nh:
                k = k.repeat_interleave(nh // nkv, dim=0)  # [nh, T, hd]
                v = v.repeat_interleave(nh // nkv, dim=0)
            if SDPA is not None:  # torch >= 2: fused kernels, no [nh, T, T] kept for backward
                o = SDPA(q[None], k[None], v[None], is_causal=True)[0]
            else:
                att = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(hd) + mask  # [nh, T, T]
                att = torch.softmax(att.float(), dim=-1).to(q.dtype)  # softmax in float32
                o = torch.matmul(att, v)  # [nh, T, hd]
            o = o.transpose(0, 1).reshape(T, nh * hd)  # [T, nh*hd]
            h = h + blk["o_proj"](o, tr)
            x = rms_norm(h, blk["ln2"], cfg.eps)
            h = h + blk["down_proj"](F.silu(blk["gate_proj"](x, tr)) * blk["up_proj"](x, tr), tr)
        h = rms_norm(h, self.norm, cfg.eps)
        return F.linear(h, self.lm_head).float()  # [T, V]

    def loss_sum(self, ids, labels):
        """Sum of the next-token cross-entropies over the label positions
        (labels are aligned with ids; position t predicts label t+1)."""
        logits = self.logits(ids)
        return F.cross_entropy(logits[:-1], labels[1:], ignore_index=-100, reduction="sum")
