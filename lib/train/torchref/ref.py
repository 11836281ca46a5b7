# The PyTorch reference of ff-score's CPU recipe, for the parity test and the
# benchmark: a plain Qwen2/Llama decoder with peft-style LoRA on every linear
# layer, trained with torch.optim.AdamW, clip_grad_norm_ and a LambdaLR of
# transformers' linear warm-up schedule, gradient accumulation normalized by
# the window's label-token count, and batch-size-1 evaluation.
#
# Input (stdin, JSON): model_dir, adapter_in (peft dir or null), lora
# {r, alpha, dropout}, recipe (train.Recipe fields), order (list of epochs of
# indices), train and eval ([{"ids": [...], "labels": [...]}]), threads,
# want_adapter. Output (stdout, JSON): base_eval_loss, eval_loss, step_losses,
# train_loss, train_tokens, train_seconds, adapter ({name: flat list}).
import json, math, struct, sys, time
import torch
import torch.nn.functional as F


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, v in header.items():
        if name == "__metadata__":
            continue
        s, e = v["data_offsets"]
        buf = bytearray(data[8 + n + s:8 + n + e])
        dt = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}[v["dtype"]]
        out[name] = torch.frombuffer(buf, dtype=dt).float().reshape(v["shape"]).clone()
    return out


class Decoder:
    def __init__(self, model_dir, lora_cfg, adapter_in, seed):
        cfg = json.load(open(model_dir + "/config.json"))
        self.cfg = cfg
        self.W = load_safetensors(model_dir + "/model.safetensors")
        if "lm_head.weight" not in self.W:
            self.W["lm_head.weight"] = self.W["model.embed_tokens.weight"]
        self.nh, self.kvh = cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.d = cfg.get("head_dim") or cfg["hidden_size"] // self.nh
        self.eps, self.theta = cfg["rms_norm_eps"], cfg.get("rope_theta", 10000.0)
        self.layers = cfg["num_hidden_layers"]
        self.r, self.scale, self.p = lora_cfg["r"], lora_cfg["alpha"] / lora_cfg["r"], lora_cfg["dropout"]
        self.lora = {}
        names = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                 "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
        given = load_safetensors(adapter_in + "/adapter_model.safetensors") if adapter_in else {}
        g = torch.Generator().manual_seed(seed)
        for i in range(self.layers):
            for n in names:
                m = "model.layers.%d.%s" % (i, n)
                w = self.W[m + ".weight"]
                key = "base_model.model." + m
                if given:
                    a, b = given[key + ".lora_A.weight"], given[key + ".lora_B.weight"]
                else:
                    bound = 1 / math.sqrt(w.shape[1])
                    a = (torch.rand(self.r, w.shape[1], generator=g) * 2 - 1) * bound
                    b = torch.zeros(w.shape[0], self.r)
                self.lora[m] = (a.clone().requires_grad_(True), b.clone().requires_grad_(True))

    def params(self):
        return [t for m in sorted(self.lora) for t in self.lora[m]]

    def lin(self, x, m, train):
        y = x @ self.W[m + ".weight"].T
        if m + ".bias" in self.W:
            y = y + self.W[m + ".bias"]
        a, b = self.lora[m]
        xi = F.dropout(x, self.p, training=True) if (train and self.p > 0) else x
        return y + self.scale * ((xi @ a.T) @ b.T)

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    def loss(self, ids, labels, train):
        T, d = len(ids), self.d
        ids_t = torch.tensor(ids)
        x = self.W["model.embed_tokens.weight"][ids_t]
        inv = 1.0 / (self.theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
        fr = torch.outer(torch.arange(T, dtype=torch.float32), inv)
        emb = torch.cat([fr, fr], -1)
        cos, sin = emb.cos(), emb.sin()

        def rope(t):
            t1, t2 = t[..., :d // 2], t[..., d // 2:]
            return t * cos + torch.cat([-t2, t1], -1) * sin

        mask = torch.full((T, T), float("-inf")).triu(1)
        for i in range(self.layers):
            p = "model.layers.%d." % i
            h = self.rms(x, self.W[p + "input_layernorm.weight"])
            q = self.lin(h, p + "self_attn.q_proj", train).view(T, self.nh, d).transpose(0, 1)
            k = self.lin(h, p + "self_attn.k_proj", train).view(T, self.kvh, d).transpose(0, 1)
            v = self.lin(h, p + "self_attn.v_proj", train).view(T, self.kvh, d).transpose(0, 1)
            q, k = rope(q), rope(k)
            k = k.repeat_interleave(self.nh // self.kvh, 0)
            v = v.repeat_interleave(self.nh // self.kvh, 0)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + mask, -1)
            o = (att @ v).transpose(0, 1).reshape(T, self.nh * d)
            x = x + self.lin(o, p + "self_attn.o_proj", train)
            h = self.rms(x, self.W[p + "post_attention_layernorm.weight"])
            gt = self.lin(h, p + "mlp.gate_proj", train)
            up = self.lin(h, p + "mlp.up_proj", train)
            x = x + self.lin(F.silu(gt) * up, p + "mlp.down_proj", train)
        x = self.rms(x, self.W["model.norm.weight"])
        logits = x @ self.W["lm_head.weight"].T
        lab = torch.tensor(labels[1:])
        n = int((lab != -100).sum())
        return F.cross_entropy(logits[:-1], lab, ignore_index=-100, reduction="sum"), n


def evaluate(m, rows):
    total = 0.0
    with torch.no_grad():
        for r in rows:
            s, n = m.loss(r["ids"], r["labels"], False)
            total += s.item() / n
    return total / len(rows)


def main():
    job = json.load(sys.stdin)
    if job.get("threads"):
        torch.set_num_threads(job["threads"])
    torch.manual_seed(job["recipe"]["seed"])
    m = Decoder(job["model_dir"], job["lora"], job.get("adapter_in"), job["recipe"]["seed"])
    out = {}
    if job.get("eval"):
        out["base_eval_loss"] = evaluate(m, job["eval"])
    r, train = job["recipe"], job["train"]
    params = m.params()
    opt = torch.optim.AdamW(params, lr=r["lr"], betas=(r["beta1"], r["beta2"]), eps=r["eps"],
                            weight_decay=r["weight_decay"])
    window = r["batch_size"] * r["grad_accum"]
    total = sum((len(o) + window - 1) // window for o in job["order"])
    warm = r["warmup_steps"]

    def lam(step):
        if step < warm:
            return step / max(1, warm)
        if r["lr_scheduler"] == "constant":
            return 1.0
        return max(0.0, (total - step) / max(1, total - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lam)
    losses, tokens = [], 0
    start = time.time()
    for order in job["order"]:
        for lo in range(0, len(order), window):
            rows = [train[i] for i in order[lo:lo + window]]
            items = sum(sum(1 for y in x["labels"][1:] if y != -100) for x in rows)
            step = 0.0
            for x in rows:
                s, _ = m.loss(x["ids"], x["labels"], True)
                (s / items).backward()
                step += s.item() / items
                tokens += len(x["ids"])
            if r["max_grad_norm"] > 0:
                torch.nn.utils.clip_grad_norm_(params, r["max_grad_norm"])
            opt.step()
            sched.step()
            opt.zero_grad()
            losses.append(step)
    out["train_seconds"] = time.time() - start
    out["train_tokens"] = tokens
    out["step_losses"] = losses
    if losses:
        out["train_loss"] = sum(losses) / len(losses)
    if job.get("eval"):
        out["eval_loss"] = evaluate(m, job["eval"])
    if job.get("want_adapter"):
        out["adapter"] = {}
        for name, (a, b) in m.lora.items():
            out["adapter"][name + ".lora_A.weight"] = a.detach().reshape(-1).tolist()
            out["adapter"][name + ".lora_B.weight"] = b.detach().reshape(-1).tolist()
    json.dump(out, sys.stdout)


main()
