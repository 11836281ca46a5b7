"""The recipe, the same as ff-score's CPU backend: batch size 1, gradient
accumulation where one optimizer step's loss is the sum of its rows'
label-token losses over their total label tokens, AdamW (0.9, 0.999, 1e-8,
no weight decay), a linear schedule with warm-up, global-norm clipping, a
partial last window that still steps; evaluation is the mean of per-row
mean losses."""
import json
import math
import os
import time

import torch

import stio


class OOM(Exception):
    """Out of memory while working on one row (batch size 1)."""

    def __init__(self, phase, row, length, detail):
        super().__init__(detail)
        self.phase, self.row, self.length, self.detail = phase, row, length, detail


def is_oom(e):
    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    return (oom is not None and isinstance(e, oom)) or isinstance(e, MemoryError) or "out of memory" in str(e)


def label_count(labels):
    return sum(1 for l in labels[1:] if l != -100)


def tensors(seq, device):
    ids = torch.tensor(seq["ids"], dtype=torch.long, device=device)
    labels = torch.tensor(seq["labels"], dtype=torch.long, device=device)
    return ids, labels


def linear_warmup(warmup, total):
    """transformers' get_linear_schedule_with_warmup as a LambdaLR factor."""

    def f(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return f


def evaluate(model, seqs, phase, device, send):
    """Mean over rows of each row's mean label-token loss; rows with no label
    tokens are reported as None and left out of the mean."""
    model.train(False)
    losses, tokens, used = [], 0, []
    t0 = time.time()
    last = 0.0
    with torch.no_grad():
        for i, s in enumerate(seqs):
            n = label_count(s["labels"])
            tokens += len(s["ids"])
            if n == 0:
                losses.append(None)
                continue
            try:
                ids, labels = tensors(s, device)
                l = model.loss_sum(ids, labels).item() / n
            except (RuntimeError, MemoryError) as e:
                if is_oom(e):
                    raise OOM(phase, i, len(s["ids"]), str(e).splitlines()[0])
                raise
            losses.append(l)
            used.append(l)
            now = time.time()
            if now - last > 0.5 or i + 1 == len(seqs):
                last = now
                send(type="progress", phase=phase, done=i + 1, total=len(seqs), tokens=tokens, seconds=now - t0)
    mean = sum(used) / len(used) if used else float("nan")
    return mean, losses, tokens


def fit(model, job, device, send):
    """Trains the LoRA parameters; returns (mean step loss, steps, tokens, seconds)."""
    rc = job["recipe"]
    train = job["train"]
    epochs = rc["epochs"]
    ga = rc["grad_accum"]
    orders = job.get("order") or []
    plan = [orders[e] if e < len(orders) and orders[e] is not None else list(range(len(train))) for e in range(epochs)]
    total = sum(math.ceil(len(p) / ga) for p in plan)
    params = [p for _, p in model.trainable()]
    opt = make_optimizer(params, rc["lr"], job.get("optim") or "adamw")
    sched = torch.optim.lr_scheduler.LambdaLR(opt, linear_warmup(rc["warmup_steps"], total))
    clip = rc.get("clip") or 0.0
    torch.manual_seed(int(rc.get("seed", 0)))  # dropout masks
    model.train(True)
    step, tokens, step_losses = 0, 0, []
    t0 = time.time()
    for epoch, order in enumerate(plan):
        for w0 in range(0, len(order), ga):
            window = order[w0:w0 + ga]
            denom = max(1, sum(label_count(train[i]["labels"]) for i in window))
            lr = opt.param_groups[0]["lr"]
            loss = 0.0
            for i in window:
                s = train[i]
                try:
                    ids, labels = tensors(s, device)
                    ls = model.loss_sum(ids, labels)
                    (ls / denom).backward()
                except (RuntimeError, MemoryError) as e:
                    if is_oom(e):
                        raise OOM("train", i, len(s["ids"]), str(e).splitlines()[0])
                    raise
                loss += ls.item()
                tokens += len(s["ids"])
            if clip > 0:
                torch.nn.utils.clip_grad_norm_(params, clip)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            step_losses.append(loss / denom)
            send(type="progress", phase="train", epoch=epoch + 1, step=step, steps=total,
                 loss=loss / denom, lr=lr, tokens=tokens, seconds=time.time() - t0)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    mean = sum(step_losses) / len(step_losses) if step_losses else float("nan")
    return mean, step, tokens, time.time() - t0


def make_optimizer(params, lr, name):
    if name == "paged_adamw_8bit":
        import bitsandbytes as bnb

        return bnb.optim.PagedAdamW8bit(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)


def read_adapter(path):
    """adapter_config.json and the tensors of a peft adapter directory."""
    with open(os.path.join(path, "adapter_config.json")) as f:
        cfg = json.load(f)
    st = os.path.join(path, "adapter_model.safetensors")
    if os.path.exists(st):
        return cfg, stio.load(st)
    return cfg, torch.load(os.path.join(path, "adapter_model.bin"), map_location="cpu")


def write_adapter(path, model, rc, base, r, alpha, use_rslora):
    """Writes adapter_config.json and adapter_model.safetensors in peft's format."""
    cfg = {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": base, "bias": "none",
        "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
        "layers_pattern": None, "layers_to_transform": None, "lora_alpha": alpha,
        "lora_dropout": rc.get("lora_dropout", 0.0), "modules_to_save": None, "peft_type": "LORA",
        "r": r, "rank_pattern": {}, "revision": None, "target_modules": model.targets(),
        "task_type": "CAUSAL_LM", "use_rslora": bool(use_rslora),
    }
    stio.save(os.path.join(path, "adapter_model.safetensors"), model.adapter_state(), {"format": "pt"})
    with open(os.path.join(path, "adapter_config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
