#!/usr/bin/env python3
"""Golden files from PEFT for Tests/FinchModelTests/LoRAGoldenTests.swift (no Python at test time).

Both directions, on the tiny transformers bases of Tests/Fixtures/hf-golden (gpt2: F32, Conv1D
layers; qwen2: BF16 with q/k/v biases and a tied head):

1. PEFT -> Finch. `peft-<family>/` holds adapter_config.json + adapter_model.safetensors as
   `PeftModel.save_pretrained` writes them, for LoRA on every linear layer (gpt2: c_attn, c_proj,
   c_fc; qwen2: all-linear), with A and B drawn from a fixed seed (B non-zero, unlike PEFT's
   start, so every adapter changes the logits), and `peft-logits.json`: the adapted model's
   logits on two fixed sequences, and those of `merge_and_unload()` (the merged model).

2. Finch -> PEFT. `finch-written-<family>/` holds the two files exactly as Finch writes them (the
   Swift test re-creates both and requires byte equality). This script loads them with
   `PeftModel.from_pretrained`, checks that every tensor in the file reached the model, and writes
   PEFT's logits on the same sequences to `finch-written-<family>/peft-logits.json`.

Every peft-logits.json records the size and FNV-1a-64 hash of the adapter files it was computed
from, so the Swift test notices stale logits.

Setup (CPU wheels from PyPI):
    python3 -m venv /tmp/hf-golden-venv
    /tmp/hf-golden-venv/bin/pip install torch transformers safetensors peft

Regenerating, from the package root:
    FINCH_WRITE_GOLDEN=1 swift test --scratch-path .build-golden --filter LoRAGoldenTests   # Finch's files
    /tmp/hf-golden-venv/bin/python scripts/make-lora-golden.py                              # PEFT's side
    swift test --scratch-path .build-golden --filter LoRAGoldenTests                        # check
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from golden_common import file_record  # noqa: E402

import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors import safe_open
from transformers import AutoModelForCausalLM

ROOT = Path(__file__).resolve().parent.parent
BASES = ROOT / "Tests" / "Fixtures" / "hf-golden"
OUT = ROOT / "Tests" / "Fixtures" / "lora-golden"
TOKENS = [[70, 105, 110, 99, 104, 33, 32, 10], [271, 0, 256, 261, 13, 200, 143, 57]]
ADAPTERS = {  # family: (target_modules, r, lora_alpha, seed)
    "gpt2": (["c_attn", "c_proj", "c_fc"], 4, 8, 11),
    "qwen2": ("all-linear", 2, 5, 12),
}
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


def base_model(family):
    model = AutoModelForCausalLM.from_pretrained(BASES / family, dtype=torch.float32, attn_implementation="eager")
    return model.eval()


def logits_of(model):
    with torch.no_grad():
        return model(torch.tensor(TOKENS, dtype=torch.long)).logits.float()


def rows(logits):
    return [[["%.7g" % v for v in logits[b, t].tolist()] for t in range(logits.shape[1])] for b in range(logits.shape[0])]


def write_logits(directory, named_logits, note):
    head = {"generator": "scripts/make-lora-golden.py", "note": note, "torch": torch.__version__,
            "transformers": transformers.__version__, "peft": peft.__version__,
            "files": {name: file_record(directory / name) for name in ADAPTER_FILES}, "tokens": TOKENS}
    body = {name: [[[float(x) for x in row] for row in batch] for batch in rows(logits)] for name, logits in named_logits.items()}
    (directory / "peft-logits.json").write_text(json.dumps({**head, **body}, indent=1) + "\n")
    print(f"{directory.relative_to(ROOT)}: " + ", ".join(f"{n} max |logit| {float(l.abs().max()):.3f}" for n, l in named_logits.items()))


def make_peft(family):
    targets, r, alpha, seed = ADAPTERS[family]
    model = get_peft_model(base_model(family), LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0, target_modules=targets,
                                                          task_type="CAUSAL_LM", init_lora_weights=True))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if "lora_" in name:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    model.eval()
    directory = OUT / f"peft-{family}"
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    config = json.loads((directory / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = f"Tests/Fixtures/hf-golden/{family}"  # not this machine's path
    (directory / "adapter_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    (directory / "README.md").unlink(missing_ok=True)
    adapted = logits_of(model)
    merged = logits_of(model.merge_and_unload())
    write_logits(directory, {"logits": adapted, "merged_logits": merged}, f"PEFT's own LoRA on hf-golden/{family}")


def check_finch_written(family):
    directory = OUT / f"finch-written-{family}"
    if not all((directory / name).exists() for name in ADAPTER_FILES):
        return False
    model = PeftModel.from_pretrained(base_model(family), directory).eval()
    state = {name: p for name, p in model.named_parameters()}
    with safe_open(directory / "adapter_model.safetensors", "pt") as f:
        for key in f.keys():
            # PEFT's parameter names carry the adapter's name: ...lora_A.default.weight
            name = key.replace(".weight", ".default.weight")
            if name not in state or not torch.equal(state[name].detach(), f.get_tensor(key)):
                sys.exit(f"{directory}: PEFT did not load {key} as written")
    loaded = sum(1 for n in state if "lora_" in n)
    with safe_open(directory / "adapter_model.safetensors", "pt") as f:
        if loaded != len(list(f.keys())):
            sys.exit(f"{directory}: PEFT made {loaded} adapter tensors, the file holds {len(list(f.keys()))}")
    write_logits(directory, {"logits": logits_of(model)}, "adapters written by Finch, loaded by PeftModel.from_pretrained")
    return True


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    for family in ADAPTERS:
        make_peft(family)
    missing = [f for f in ADAPTERS if not check_finch_written(f)]
    if missing:
        sys.exit("no Finch-written adapters for " + ", ".join(missing) + ": run step 1 of this script's header, then this script again")


if __name__ == "__main__":
    main()
