#!/usr/bin/env python3
"""Model directories as users bring them, for Tests/FinchAlgorithmsTests/BringYourOwnModelTests.swift.

`Tests/Fixtures/byom/<family>/` is what `save_pretrained` and a tokenizer's `save_pretrained` leave:
config.json, BF16 weights sharded with model.safetensors.index.json, tokenizer.json,
tokenizer_config.json (with the family's chat template) and generation_config.json:

- gpt2: the real 50,257-token GPT-2 tokenizer (Tests/Fixtures/tokenizers/gpt2) on a tiny GPT-2;
- qwen2: the Qwen2-style tokenizer (Tests/Fixtures/tokenizers/qwen2-style) on a tiny Qwen2 with a
  tied head, ChatML as its chat template and <|im_end|> among its end-of-turn ids.

`expected.json` beside each holds what the reference computes on them: tokenizers' ids of a few
texts, transformers' next-token log-probs of the first, and (qwen2) `apply_chat_template`'s ids
of a conversation, with and without its generation prompt. `chat-templates.json` holds
`apply_chat_template`'s ids for ChatML (qwen2-style tokenizer) and Llama 3 (llama3-style) on
several conversations, for Finch's own renderings.

Setup: python3 -m venv /tmp/hf-golden-venv && /tmp/hf-golden-venv/bin/pip install torch transformers tokenizers safetensors
Regenerate (after scripts/make-tokenizer-golden.py, whose tokenizers these reuse), from the package root:
    /tmp/hf-golden-venv/bin/python scripts/make-byom-golden.py
"""

import json
import shutil
import sys
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2LMHeadModel, Qwen2Config, Qwen2ForCausalLM

ROOT = Path(__file__).resolve().parent.parent
TOKENIZERS = ROOT / "Tests" / "Fixtures" / "tokenizers"
OUT = ROOT / "Tests" / "Fixtures" / "byom"

CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
          "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
LLAMA3 = ("{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
          " + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}")
TEXTS = ["Hello, world! Finch trains 12 models.", "  two spaces\nand a newline", "Ünïcödé — ok?"]
CONVERSATIONS = [
    [{"role": "user", "content": "What is 2+3?"}, {"role": "assistant", "content": "5"}],
    [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Name a bird.\n"},
     {"role": "assistant", "content": " A finch. "}, {"role": "user", "content": "Another?"},
     {"role": "assistant", "content": "A heron."}],
    [{"role": "user", "content": "Text with <|im_start|> inside"}, {"role": "assistant", "content": "ok"}],
]


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            is_norm = "ln_" in name or "norm" in name
            p.copy_(1 + 0.2 * noise if p.dim() == 1 and is_norm and name.endswith("weight") else
                    (0.1 if p.dim() == 1 else 0.3 if ("wte" in name or "embed" in name) else 0.15) * noise)


def vocab_size(tokenizer_json):
    data = json.loads(tokenizer_json.read_text())
    return max(list(data["model"]["vocab"].values()) + [t["id"] for t in data["added_tokens"]]) + 1


def make(family):
    directory = OUT / family
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    source = TOKENIZERS / ("gpt2" if family == "gpt2" else "qwen2-style")
    shutil.copy(source / "tokenizer.json", directory / "tokenizer.json")
    if family == "gpt2":
        tokenizer_config = {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                            "model_max_length": 1024, "tokenizer_class": "GPT2Tokenizer"}
        config = GPT2Config(vocab_size=50257, n_embd=16, n_layer=2, n_head=2, n_inner=32, n_positions=64,
                            activation_function="gelu_new", bos_token_id=50256, eos_token_id=50256,
                            resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
        model, eos = GPT2LMHeadModel(config), [50256]
    else:
        tokenizer_config = json.loads((source / "tokenizer_config.json").read_text())
        tokenizer_config["chat_template"] = CHATML
        ids = {t["content"]: t["id"] for t in json.loads((source / "tokenizer.json").read_text())["added_tokens"]}
        config = Qwen2Config(vocab_size=vocab_size(source / "tokenizer.json"), hidden_size=32, intermediate_size=48,
                             num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                             rms_norm_eps=1e-6, rope_theta=1_000_000.0, tie_word_embeddings=True, use_sliding_window=False,
                             hidden_act="silu", bos_token_id=None, eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<|endoftext|>"])
        model, eos = Qwen2ForCausalLM(config), [ids["<|im_end|>"], ids["<|endoftext|>"]]
    (directory / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2, sort_keys=True) + "\n")
    torch.manual_seed(7)
    randomize(model, 7 if family == "gpt2" else 8)
    model.generation_config.eos_token_id = eos
    model.to(torch.bfloat16).save_pretrained(directory, safe_serialization=True, max_shard_size="100KB")
    shards = sorted(p.name for p in directory.glob("model-*.safetensors"))
    assert len(shards) >= 2 and (directory / "model.safetensors.index.json").exists(), shards

    tokenizer = AutoTokenizer.from_pretrained(directory)
    reloaded = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager").eval()
    ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in TEXTS]
    with torch.no_grad():
        logits = reloaded(torch.tensor([ids[0]])).logits[0].float()
    logprobs = torch.log_softmax(logits, -1)
    expected = {"generator": "scripts/make-byom-golden.py", "transformers": transformers.__version__, "torch": torch.__version__,
                "shards": shards, "texts": TEXTS, "ids": ids,
                "next_token_logprobs": [float(logprobs[t, ids[0][t + 1]]) for t in range(len(ids[0]) - 1)],
                "generation_eos_token_id": eos}
    if family == "qwen2":
        messages = CONVERSATIONS[0]
        expected["chat"] = {"messages": messages,
                            "prompt_ids": tokenizer.apply_chat_template(messages[:1], tokenize=True, add_generation_prompt=True, return_dict=False),
                            "full_ids": tokenizer.apply_chat_template(messages, tokenize=True, return_dict=False)}
    (directory / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"{directory.relative_to(ROOT)}: {len(shards)} shards, {sum((directory / s).stat().st_size for s in shards)} bytes of weights")


def chat_templates():
    out = {}
    for name, source, template in [("chatml", "qwen2-style", CHATML), ("llama3", "llama3-style", LLAMA3)]:
        tokenizer = AutoTokenizer.from_pretrained(TOKENIZERS / source)
        tokenizer.chat_template = template
        out[name] = {"tokenizer": f"tokenizers/{source}", "conversations": [
            {"messages": c,
             "ids": tokenizer.apply_chat_template(c, tokenize=True, return_dict=False),
             "prompt_ids": tokenizer.apply_chat_template(c[:-1], tokenize=True, add_generation_prompt=True, return_dict=False)}
            for c in CONVERSATIONS]}
    (OUT / "chat-templates.json").write_text(json.dumps(out, indent=1) + "\n")


def main():
    torch.set_num_threads(1)
    if not (TOKENIZERS / "gpt2" / "tokenizer.json").exists():
        sys.exit("run scripts/make-tokenizer-golden.py first: these models reuse its tokenizers")
    for family in ["gpt2", "qwen2"]:
        make(family)
    chat_templates()


if __name__ == "__main__":
    main()
