"""The transformers + peft model: the reference validator's model code, and
the only way to a 4-bit NF4 base (bitsandbytes). Same interface as plain.Model."""
import contextlib

import torch
import torch.nn.functional as F


class Model:
    def __init__(self, model_dir, device, dtype, quant):
        from transformers import AutoModelForCausalLM

        kw = {"torch_dtype": dtype}
        if quant == "nf4":
            from transformers import BitsAndBytesConfig

            kw["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
            kw["device_map"] = {"": device}
        self.base = AutoModelForCausalLM.from_pretrained(model_dir, **kw)
        if quant == "nf4":
            from peft import prepare_model_for_kbit_training

            # what trl's SFTTrainer does to a 4-bit model before adding LoRA
            self.base = prepare_model_for_kbit_training(self.base, use_gradient_checkpointing=False)
        else:
            self.base.to(device)
        self.base.config.use_cache = False
        self.m = self.base  # until an adapter is added or loaded
        self.device = device
        # transformers' Trainer with bf16=True runs the forward under autocast
        self.autocast = device.startswith("cuda") and (dtype == torch.bfloat16 or quant == "nf4")

    def add_lora(self, r, alpha, dropout, targets, seed, use_rslora=False):
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(int(seed))  # peft draws lora_A from torch's global generator
        cfg = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, use_rslora=use_rslora,
                         target_modules=list(targets) if targets else "all-linear",
                         bias="none", task_type="CAUSAL_LM")
        self.m = get_peft_model(self.base, cfg)

    def load_adapter(self, path):
        from peft import PeftModel

        self.m = PeftModel.from_pretrained(self.base, path, is_trainable=True)

    def trainable(self):
        return [(n, p) for n, p in self.m.named_parameters() if p.requires_grad]

    def targets(self):
        t = self.m.peft_config["default"].target_modules
        return sorted(t) if not isinstance(t, str) else [t]

    def adapter_state(self):
        from peft import get_peft_model_state_dict

        return {k: v.detach().float().cpu() for k, v in get_peft_model_state_dict(self.m).items()}

    def train(self, on):
        self.m.train(on)

    def merged_for_eval(self, model_dir, tmp):
        """The reference evaluates a QLoRA run on a bf16, unquantized base with
        the trained adapter merged in; returns that model."""
        self.m.save_pretrained(tmp)
        device = self.device
        del self.m, self.base
        torch.cuda.empty_cache()
        ev = Model(model_dir, device, torch.bfloat16, "")
        ev.load_adapter(tmp)
        ev.m = ev.m.merge_and_unload()
        return ev

    def loss_sum(self, ids, labels):
        # (autocast is entered only on CUDA: even a disabled CUDA autocast
        # fails on a CPU-only torch build)
        with torch.autocast("cuda", dtype=torch.bfloat16) if self.autocast else contextlib.nullcontext():
            logits = self.m(input_ids=ids[None]).logits[0].float()
        return F.cross_entropy(logits[:-1], labels[1:], ignore_index=-100, reduction="sum")
