# The PyTorch reference of ff-score's CPU recipe, for the parity test and the
# benchmark: the model developer's reference forward (lib/model/testdata/
# reference.py, written from the Hugging Face modeling code) with peft-style
# LoRA and dropout on every linear layer of the blocks, trained with
# torch.optim.AdamW, clip_grad_norm_ and a LambdaLR of transformers' linear
# warm-up schedule, gradient accumulation normalized by the window's
# label-token count, and batch-size-1 evaluation.
#
# Input (stdin, JSON): forward (path of reference.py), model_dir, adapter_in
# (peft dir or null), lora {r, alpha, dropout}, recipe (train.Recipe fields), order (list of epochs of
# indices), train and eval ([{"ids": [...], "labels": [...]}]), threads,
# want_adapter. Output (stdout, JSON): base_eval_loss, eval_loss, step_losses,
# train_loss, train_tokens, train_seconds, adapter ({name: flat list}).
import importlib.util, json, math, sys, time
import torch
import torch.nn.functional as F


def load_forward(path):
    """The model developer's reference forward (lib/model/testdata/reference.py)."""
    spec = importlib.util.spec_from_file_location("ffreference", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Adapter:
    """peft LoRA on every linear layer of the blocks: delta = scale * B(A(dropout(x)))."""

    NAMES = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
             "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]

    def __init__(self, ref, cfg, w, lora_cfg, adapter_in, seed):
        self.scale, self.p, self.train = lora_cfg["alpha"] / lora_cfg["r"], lora_cfg["dropout"], False
        given = ref.read_safetensors(adapter_in + "/adapter_model.safetensors") if adapter_in else {}
        g = torch.Generator().manual_seed(seed)
        self.t = {}
        for i in range(cfg["num_hidden_layers"]):
            for n in self.NAMES:
                m = "model.layers.%d.%s" % (i, n)
                key = "base_model.model." + m
                if given:
                    a, b = given[key + ".lora_A.weight"], given[key + ".lora_B.weight"]
                else:
                    out_f, in_f = w[m + ".weight"].shape
                    bound = 1 / math.sqrt(in_f)
                    a = (torch.rand(lora_cfg["r"], in_f, generator=g) * 2 - 1) * bound
                    b = torch.zeros(out_f, lora_cfg["r"])
                self.t[m] = (a.clone().requires_grad_(True), b.clone().requires_grad_(True))

    def params(self):
        return [t for m in sorted(self.t) for t in self.t[m]]

    def delta(self, name, x):
        a, b = self.t[name]
        if self.train and self.p > 0:
            x = F.dropout(x, self.p, training=True)
        return (x @ a.t()) @ b.t() * self.scale


class Decoder:
    def __init__(self, ref, model_dir, lora_cfg, adapter_in, seed):
        self.ref = ref
        self.cfg = json.load(open(model_dir + "/config.json"))
        self.w = ref.read_safetensors(model_dir + "/model.safetensors")
        self.lora = Adapter(ref, self.cfg, self.w, lora_cfg, adapter_in, seed)

    def params(self):
        return self.lora.params()

    def loss(self, ids, labels, train):
        self.lora.train = train
        return self.ref.forward(self.cfg, self.w, self.lora, ids, labels)


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
    m = Decoder(load_forward(job["forward"]), job["model_dir"], job["lora"], job.get("adapter_in"), job["recipe"]["seed"])
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
        for name, (a, b) in m.lora.t.items():
            out["adapter"][name + ".lora_A.weight"] = a.detach().reshape(-1).tolist()
            out["adapter"][name + ".lora_B.weight"] = b.detach().reshape(-1).tolist()
    json.dump(out, sys.stdout)


main()
