#!/usr/bin/env python3
"""Golden files from Hugging Face `transformers` for Tests/FinchModelTests/HuggingFaceGoldenTests.swift.

The Swift test needs no Python: it reads what this script commits under Tests/Fixtures/hf-golden/.

1. transformers -> Finch. For each family (gpt2; llama with grouped-query attention and an untied
   head; qwen2 with q/k/v biases and a tied head) the script builds a tiny model from a fixed seed,
   with every tensor (norm weights and biases included) drawn at random so that no tensor can be
   misread unnoticed, saves it with `save_pretrained(safe_serialization=True)` into
   `<family>/` (config.json + model.safetensors: GPT-2 in F32 as on the Hub, Llama and Qwen2 in
   BF16 as on the Hub), loads it back in float32, and writes the logits of two fixed token
   sequences to `<family>/transformers-logits.json`.

2. Finch -> transformers. `finch-written-<family>/` holds config.json and model.safetensors exactly
   as Finch writes them (the Swift test re-creates both and requires byte equality). The script
   loads those directories with `AutoModelForCausalLM.from_pretrained`, refuses any missing,
   unexpected or mis-shaped tensor, and writes the logits transformers computes on them to
   `finch-written-<family>/transformers-logits.json`; the Swift test compares Finch's logits on
   the same bytes with them.

Every transformers-logits.json records the size and FNV-1a-64 hash of the config.json and
model.safetensors it was computed from, so the Swift test notices a stale logits file.

Setup (CPU wheels from PyPI are enough):
    python3 -m venv /tmp/hf-golden-venv
    /tmp/hf-golden-venv/bin/pip install torch transformers safetensors

Regenerating everything, from the package root (two steps, because step 2 needs Finch's files):
    # 1. Let Finch write its checkpoints (this also deletes their stale transformers logits):
    FINCH_WRITE_GOLDEN=1 swift test --scratch-path .build-golden --filter HuggingFaceGoldenTests
    # 2. Make the transformers models and record transformers' logits for all directories:
    /tmp/hf-golden-venv/bin/python scripts/make-hf-golden.py
    # 3. Check:
    swift test --scratch-path .build-golden --filter HuggingFaceGoldenTests

Running only step 2 is enough after a change to this script; step 1 is needed when Finch's writer
or config encoding changes on purpose (the Swift test then fails on the byte comparison).

About rope_theta: transformers >= 5 saves it only inside `"rope_parameters": {"rope_theta": ...}`,
which Finch's ModelConfig reads (as well as the top-level `"rope_theta"` key that transformers 4.x
wrote and most Hub checkpoints carry). config.json is kept exactly as transformers writes it, so
the Swift test checks the nested form; `--legacy-rope-theta` adds the top-level key too (same
value; transformers still reads the file the same way, which the script checks).
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from golden_common import check_supported, file_record, fnv1a64, rope_theta_of  # noqa: E402

import torch
import transformers
from transformers import (AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM,
                          Qwen2Config, Qwen2ForCausalLM)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "hf-golden"

VOCAB = 272  # >= the 262 ids of Finch's byte tokenizer
# Two fixed sequences of 8 tokens: ASCII text, then ids from across the vocabulary (byte
# tokenizer specials at 256..261 and the last row of the embedding, 271).
TOKENS = [
    [70, 105, 110, 99, 104, 33, 32, 10],
    [271, 0, 256, 261, 13, 200, 143, 57],
]
SPECIAL = dict(bos_token_id=256, eos_token_id=257)  # the byte tokenizer's <|bos|> and <|eos|>


def gpt2_model():
    config = GPT2Config(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_inner=48, n_positions=16,
                        layer_norm_epsilon=1e-4, activation_function="gelu_new", tie_word_embeddings=True,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, **SPECIAL)
    return GPT2LMHeadModel(config), torch.float32


def llama_model():
    config = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=16,
                         rms_norm_eps=1e-5, rope_theta=50_000.0, attention_bias=False, mlp_bias=False,
                         tie_word_embeddings=False, hidden_act="silu", **SPECIAL)
    return LlamaForCausalLM(config), torch.bfloat16


def qwen2_model():
    config = Qwen2Config(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=16,
                         rms_norm_eps=1e-6, rope_theta=1_000_000.0, tie_word_embeddings=True,
                         use_sliding_window=False, hidden_act="silu", **SPECIAL)
    return Qwen2ForCausalLM(config), torch.bfloat16


FAMILIES = {"gpt2": (gpt2_model, 1234), "llama": (llama_model, 2345), "qwen2": (qwen2_model, 3456)}
FINCH_WRITTEN = ["finch-written-gpt2", "finch-written-llama"]


def randomize(model, seed):
    """Every parameter from one seeded generator, in named_parameters order; large enough that
    logits are O(1) and every tensor (biases and norm weights too) changes them."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if p.dim() == 1:
                is_norm = "ln_" in name or "norm" in name
                p.copy_(1 + 0.2 * noise if is_norm and name.endswith("weight") else 0.1 * noise)
            elif "wte" in name or "embed_tokens" in name or "lm_head" in name:
                p.copy_(0.3 * noise)
            elif "wpe" in name:
                p.copy_(0.1 * noise)
            else:
                p.copy_(0.15 * noise)


def load_strict(directory: Path):
    model, info = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager",
                                                       output_loading_info=True)
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys",
                                                             "error_msgs")}
    if problems:
        sys.exit(f"{directory}: transformers did not load every tensor: {problems}")
    return model.eval()


def describe(config):
    """The architecture as transformers understood it, in ModelConfig's terms."""
    if config.model_type == "gpt2":
        return {"family": "gpt2", "vocab_size": config.vocab_size, "hidden_size": config.n_embd,
                "num_layers": config.n_layer, "num_heads": config.n_head, "num_kv_heads": config.n_head,
                "intermediate_size": config.n_inner or 4 * config.n_embd, "max_positions": config.n_positions,
                "norm_eps": config.layer_norm_epsilon, "rope_theta": None,
                "tie_word_embeddings": bool(config.tie_word_embeddings), "attention_bias": True,
                "activation": config.activation_function,
                "bos_token_id": config.bos_token_id, "eos_token_id": config.eos_token_id}
    return {"family": config.model_type, "vocab_size": config.vocab_size, "hidden_size": config.hidden_size,
            "num_layers": config.num_hidden_layers, "num_heads": config.num_attention_heads,
            "num_kv_heads": config.num_key_value_heads, "intermediate_size": config.intermediate_size,
            "max_positions": config.max_position_embeddings, "norm_eps": config.rms_norm_eps,
            "rope_theta": rope_theta_of(config), "tie_word_embeddings": bool(config.tie_word_embeddings),
            "attention_bias": True if config.model_type == "qwen2" else bool(config.attention_bias),
            "activation": config.hidden_act,
            "bos_token_id": config.bos_token_id, "eos_token_id": config.eos_token_id}


def number(x: float) -> str:
    return "%.7g" % x


def write_logits(directory: Path, model, note: str):
    check_supported(model.config, directory)
    with torch.no_grad():
        logits = model(torch.tensor(TOKENS, dtype=torch.long)).logits.float()
    rows = []
    for b in range(logits.shape[0]):
        rows.append("    [\n" + ",\n".join("      [" + ", ".join(number(v) for v in logits[b, t].tolist()) + "]"
                                            for t in range(logits.shape[1])) + "\n    ]")
    head = {
        "generator": "scripts/make-hf-golden.py",
        "note": note,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "files": {name: file_record(directory / name) for name in ("config.json", "model.safetensors")},
        "config": describe(model.config),
        "max_abs_logit": float(logits.abs().max()),
    }
    tokens = ",\n".join("    " + json.dumps(row) for row in TOKENS)
    text = (json.dumps(head, indent=2)[:-2] + ',\n  "tokens": [\n' + tokens + '\n  ],\n  "logits": [\n'
            + ",\n".join(rows) + "\n  ]\n}\n")
    json.loads(text)  # well-formed
    (directory / "transformers-logits.json").write_text(text)
    print(f"{directory.relative_to(ROOT)}: max |logit| {head['max_abs_logit']:.4f}, "
          f"model.safetensors {head['files']['model.safetensors']['bytes']} bytes")


def make_family(name, legacy_rope_theta):
    build, seed = FAMILIES[name]
    torch.manual_seed(seed)
    model, dtype = build()
    randomize(model, seed)
    model.eval()
    directory = OUT / name
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.iterdir():
        stale.unlink()
    model.to(dtype).save_pretrained(directory, safe_serialization=True)
    (directory / "generation_config.json").unlink(missing_ok=True)
    config_path = directory / "config.json"
    saved = json.loads(config_path.read_text())
    if legacy_rope_theta and name != "gpt2" and "rope_theta" not in saved:
        saved["rope_theta"] = saved["rope_parameters"]["rope_theta"]
        config_path.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")
    # The logits come from the files as saved (BF16 weights widened to F32), not from the model in memory.
    reloaded = load_strict(directory)
    expected = describe(model.config)
    assert describe(reloaded.config) == expected, (describe(reloaded.config), expected)
    write_logits(directory, reloaded, f"transformers' own {name} checkpoint, saved by save_pretrained")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--legacy-rope-theta", action="store_true",
                        help="also write the top-level rope_theta key of transformers 4.x configs")
    args = parser.parse_args()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    for name in FAMILIES:
        make_family(name, legacy_rope_theta=args.legacy_rope_theta)
    missing = []
    for name in FINCH_WRITTEN:
        directory = OUT / name
        if not ((directory / "config.json").exists() and (directory / "model.safetensors").exists()):
            missing.append(name)
            continue
        write_logits(directory, load_strict(directory), "a checkpoint written by Finch, loaded by transformers")
    if missing:
        sys.exit(f"no Finch-written checkpoint in {', '.join(missing)}: run step 1 of this script's header "
                 f"(FINCH_WRITE_GOLDEN=1 swift test ... --filter HuggingFaceGoldenTests), then this script again")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"{OUT.relative_to(ROOT)}: {total / 1024:.0f} KiB in all")


if __name__ == "__main__":
    main()
