#!/usr/bin/env python3
"""The seed corpus of the fuzz targets (Tests/FinchFuzz/Corpus/<target>/), from files already
committed: fixtures written by the reference implementations (safetensors, tokenizers,
transformers, peft), the recipe configs, and data that `finch data generate` writes.

    python3 scripts/make-fuzz-corpus.py .build/release/finch

Seeds are kept small (a few kB) because libFuzzer mutates best around small inputs and takes
its default size limit from the largest seed. Standard library only.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
CORPUS = os.path.join(ROOT, "Tests", "FinchFuzz", "Corpus")


def out(target, name, data):
    path = os.path.join(CORPUS, target, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors_seeds():
    """Small files cut from the safetensors-written fixtures: their header layout, a few tensors."""
    for family in ["gpt2", "llama", "qwen2"]:
        with open(os.path.join(FIXTURES, "hf-golden", family, "model.safetensors"), "rb") as f:
            blob = f.read()
        (length,) = struct.unpack("<Q", blob[:8])
        header = json.loads(blob[8:8 + length])
        body = blob[8 + length:]
        kept, data = {}, b""
        names = sorted(n for n in header if n != "__metadata__")
        for name in sorted(names, key=lambda n: header[n]["data_offsets"][1] - header[n]["data_offsets"][0])[:3]:
            start, end = header[name]["data_offsets"]
            kept[name] = dict(header[name], data_offsets=[len(data), len(data) + end - start])
            data += body[start:end]
        if "__metadata__" in header:
            kept["__metadata__"] = header["__metadata__"]
        text = json.dumps(kept, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)
        out("safetensors", f"{family}-cut.safetensors", struct.pack("<Q", len(text)) + text + data)
    empty = b"{}      "
    out("safetensors", "empty.safetensors", struct.pack("<Q", len(empty)) + empty)


def config_seeds():
    for family in ["gpt2", "llama", "qwen2"]:
        shutil.copy(os.path.join(FIXTURES, "hf-golden", family, "config.json"),
                    os.path.join(CORPUS, "config-json", f"{family}-config.json"))
    for name in ["peft-gpt2", "finch-written-qwen2"]:
        shutil.copy(os.path.join(FIXTURES, "lora-golden", name, "adapter_config.json"),
                    os.path.join(CORPUS, "config-json", f"{name}-adapter_config.json"))


def run_config_seeds():
    overrides = {
        "sft-addition.yaml": ["train.steps=10", "model.config.n_layer=2"],
        "grpo-countdown.yaml": ["rl.group_size=4", "distributed.rollout_workers=1"],
        "dpo-signoff.yaml": ["dpo.beta=0.2"],
        "rm-signoff.yaml": ["train.lr=1e-4"],
        "ppo-signoff.yaml": ["rl.kl_coef=0.05"],
    }
    for name, sets in overrides.items():
        with open(os.path.join(ROOT, "configs", name), "rb") as f:
            yaml = f.read()
        body = b"\n".join(line for line in yaml.split(b"\n") if not line.startswith(b"#"))
        out("run-config", name, body + b"\0" + "\n".join(sets).encode())


def tokenizer_seeds():
    """Each tokenizers-written fixture with its vocabulary cut to the ids below 300 (the byte
    alphabet and the first merges) and the merges among them."""
    for name in ["split-behaviors", "custom-split", "sentencepiece-metaspace", "sentencepiece-bpe", "llama3-style", "qwen2-style"]:
        with open(os.path.join(FIXTURES, "tokenizers", name, "tokenizer.json")) as f:
            tok = json.load(f)
        vocab = {t: i for t, i in tok["model"]["vocab"].items() if i < 300}
        merges = []
        for m in tok["model"].get("merges", []):
            a, b = m if isinstance(m, list) else m.split(" ", 1)
            if a in vocab and b in vocab and a + b in vocab:
                merges.append(m)
        tok["model"]["vocab"], tok["model"]["merges"] = vocab, merges
        out("tokenizer-json", f"{name}.json", json.dumps(tok, ensure_ascii=False, separators=(",", ":")))


def data_seeds(finch):
    with tempfile.TemporaryDirectory() as tmp:
        def generate(task, fmt, extra=()):
            d = os.path.join(tmp, f"{task}-{fmt}")
            subprocess.run([finch, "data", "generate", "--task", task, "--n", "3", "--eval-n", "1", "--seed", "1",
                            "--format", fmt, "--out", d, *extra], check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(d, "train.jsonl"), "rb") as f:
                return f.read()
        for task in ["addition", "countdown", "arithmetic", "signoff", "cardrule"]:
            out("prompts-jsonl", f"{task}.jsonl", generate(task, "prompts"))
            out("sft-jsonl", f"{task}.jsonl", generate(task, "sft"))
            out("preference-jsonl", f"{task}.jsonl", generate(task, "prefs"))
        for rule in ["id", "ood"]:
            out("prompts-jsonl", f"generalpoints-{rule}.jsonl", generate("generalpoints", "prompts", ["--rule", rule]))
    out("sft-jsonl", "messages.jsonl", json.dumps({"messages": [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2="},
        {"role": "assistant", "content": "4"}]}) + "\n")
    out("sft-jsonl", "text.jsonl", '{"text": "one line of a corpus"}\n{"text": "another"}\n')
    out("preference-jsonl", "best-of-4.jsonl", json.dumps({"prompt": "Say hi.", "completions": ["hi", "hello", "hey", "yo"],
                                                          "best": 2, "margin": 0.5}) + "\n")
    out("preference-jsonl", "chat.jsonl", json.dumps({"prompt": [{"role": "user", "content": "hi"}],
                                                      "chosen": [{"role": "assistant", "content": "hello"}],
                                                      "rejected": [{"role": "assistant", "content": "go away"}]}) + "\n")


def answer_seeds():
    answers = {
        "addition.txt": "6+5+0=11,5+4+1=10;101",
        "countdown.txt": "<answer>(25 - 5) * 4 + 3</answer>",
        "arithmetic.txt": "3 * 4 = 12\n12 + 5 = 17\nAnswer: 17",
        "generalpoints.txt": '{"cards": ["K", "2", "3", "4"], "formula": "(10 + 2) * (3 - 4 + 3)"}',
        "signoff.txt": "Done. Sum: 12. Words: alpha beta",
        "deep.txt": "(" * 60 + "1" + ")" * 60,
        "division.txt": "Answer: 1/0 + 7/3",
    }
    for name, text in answers.items():
        out("answers", name, text)


if __name__ == "__main__":
    finch = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "finch")
    # Inputs that once failed (`regression-*`, copied from .build-fuzz/artifacts/) stay.
    for root, _, files in os.walk(CORPUS):
        for name in files:
            if not name.startswith("regression-"):
                os.remove(os.path.join(root, name))
    os.makedirs(os.path.join(CORPUS, "config-json"), exist_ok=True)
    safetensors_seeds()
    config_seeds()
    run_config_seeds()
    tokenizer_seeds()
    data_seeds(finch)
    answer_seeds()
    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        size = max(os.path.getsize(os.path.join(CORPUS, target, f)) for f in files)
        print(f"{target}: {len(files)} seeds, largest {size} bytes")
