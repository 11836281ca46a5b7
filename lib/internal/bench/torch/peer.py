"""Benchmark peer: the reference validator's stack (transformers Trainer +
peft LoRA, all-linear) trains the same rows with the same recipe; prints
one JSON line with the training time, tokens and peak CUDA memory."""
import json
import sys
import time

import torch
import peft
import transformers
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    rc = job["recipe"]
    device = job["device"]
    kw = {"torch_dtype": torch.bfloat16 if job["dtype"] == "bf16" else torch.float32}
    if job.get("quant") == "nf4":
        from transformers import BitsAndBytesConfig

        kw["quantization_config"] = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                                       bnb_4bit_compute_dtype=torch.bfloat16)
        kw["device_map"] = {"": device}
    model = AutoModelForCausalLM.from_pretrained(job["model_dir"], **kw)
    if job.get("quant") == "nf4":
        model = peft.prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    else:
        model.to(device)
    model.config.use_cache = False
    model = get_peft_model(model, LoraConfig(r=rc["lora_r"], lora_alpha=rc["lora_alpha"], lora_dropout=rc["lora_dropout"],
                                             target_modules="all-linear", task_type="CAUSAL_LM"))
    rows = [{"input_ids": s["ids"], "labels": s["labels"], "attention_mask": [1] * len(s["ids"])} for s in job["train"]]
    args = TrainingArguments(output_dir=job["out_dir"], per_device_train_batch_size=1,
                             gradient_accumulation_steps=rc["grad_accum"], num_train_epochs=rc["epochs"],
                             learning_rate=rc["lr"], warmup_steps=rc["warmup_steps"], max_grad_norm=rc["clip"],
                             weight_decay=0.0, lr_scheduler_type="linear", optim="adamw_torch" if job.get("optim") in (None, "", "adamw") else job["optim"],
                             bf16=job["dtype"] == "bf16", save_strategy="no", report_to=[], logging_steps=1000,
                             seed=rc["seed"], remove_unused_columns=False, use_cpu=not device.startswith("cuda"))
    collate = lambda b: {k: torch.tensor([x[k] for x in b]) for k in b[0]}
    trainer = Trainer(model=model, args=args, train_dataset=rows, data_collator=collate)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        torch.cuda.synchronize()
    t0 = time.time()
    trainer.train()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    secs = time.time() - t0
    tokens = rc["epochs"] * sum(len(s["ids"]) for s in job["train"])
    mem = torch.cuda.max_memory_allocated() if device.startswith("cuda") else 0
    print(json.dumps({"train_seconds": secs, "train_tokens": tokens, "memory_bytes": mem,
                      "transformers": transformers.__version__, "peft": peft.__version__}))


if __name__ == "__main__":
    main()
