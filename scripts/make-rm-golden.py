#!/usr/bin/env python3
"""Golden files from Hugging Face `transformers` for Finch's reward models (ScoreHead), read by the Swift reward-model golden test.

The Swift test needs no Python: it reads what this script commits under Tests/Fixtures/rm-golden/.
A reward model here is transformers' `<Family>ForSequenceClassification` with `num_labels: 1`:
the trunk, then `score.weight` [1, C] (no bias) read at each row's last token that is not
`pad_token_id`.

1. transformers -> Finch. For each family (gpt2; llama with grouped-query attention and an untied
   embedding; qwen2 with q/k/v biases and a tied embedding) the script builds a tiny
   `…ForSequenceClassification` (num_labels 1, pad_token_id 0) from a fixed seed, with every
   tensor (norm weights, biases and `score.weight` included) drawn at random so that no tensor can
   be misread unnoticed, saves it in float32 with `save_pretrained(safe_serialization=True)` into
   `<family>/` (config.json + model.safetensors; the trunk is saved as `transformer.*` for GPT-2
   and `model.*` for Llama and Qwen2, and there is no lm_head), loads it back in float32 with
   `AutoModelForSequenceClassification`, and writes the scores (`logits[:, 0]`) of one fixed
   right-padded batch to `<family>/transformers-scores.json`.

2. Finch -> transformers. `finch-written-<family>/`, when present, holds config.json and
   model.safetensors as Finch writes a reward model (the Swift test writes them): GPT-2 trunk
   tensors without the `transformer.` prefix (`wte.weight`, `h.0.attn.c_attn.weight`, ...),
   Llama/Qwen2 tensors named as in `LlamaForCausalLM` (`model.layers.0...`), possibly an
   `lm_head.weight` when the embedding is untied (the only tensor allowed to go unused), and
   `score.weight` [1, C]. The script loads each with `AutoModelForSequenceClassification`,
   refuses any missing, unexpected or mis-shaped tensor (also those transformers would drop
   silently), and writes the scores transformers computes on the same batch (padded with that
   config's pad_token_id) to `finch-written-<family>/transformers-scores.json`. Directories
   that do not exist yet are skipped with a message.

Every transformers-scores.json records the size and FNV-1a-64 hash of the config.json and
model.safetensors it was computed from, so the Swift test notices a stale scores file. Besides
`scores` it holds `input_ids` (3 rows of 12 ids, real lengths 12, 7 and 1, right-padded with
`pad_token_id`; no real id equals it), the real `lengths`, and `pad_token_id`. Scores are
printed with 9 significant digits, so they are transformers' float32 values exactly.

Setup (CPU wheels from PyPI are enough):
    python3 -m venv /tmp/hf-golden-venv
    /tmp/hf-golden-venv/bin/pip install torch transformers safetensors

Regenerating everything, from the package root:
    # 1. Let Finch write its reward-model checkpoints into rm-golden/finch-written-<family>/:
    FINCH_WRITE_GOLDEN=1 swift test --scratch-path .build-golden --filter RewardModelGoldenTests
    # 2. Make the transformers models and record transformers' scores for all directories:
    /tmp/hf-golden-venv/bin/python scripts/make-rm-golden.py
    # 3. Check:
    swift test --scratch-path .build-golden --filter RewardModelGoldenTests

Running only step 2 is enough after a change to this script (it rewrites part 1 from the same
seeds and re-scores whatever finch-written-<family>/ directories exist).
`--finch-dir DIR` (repeatable) runs part 2 only, on DIR, wherever it is, and writes
DIR/transformers-scores.json; part 1 and the committed directories are left alone.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from golden_common import check_supported, file_record, fnv1a64, rope_theta_of  # noqa: E402

import torch
import transformers
from safetensors import safe_open
from transformers import (AutoModelForSequenceClassification, GPT2Config, GPT2ForSequenceClassification, LlamaConfig,
                          LlamaForSequenceClassification, Qwen2Config, Qwen2ForSequenceClassification)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "rm-golden"

VOCAB = 262  # the 262 ids of Finch's byte tokenizer
PAD = 0      # pad_token_id of part 1's models
SEQ_LEN = 12
# The real tokens of the three rows (lengths 12, 7, 1): ASCII text, ids from across the vocabulary
# (the byte tokenizer's role markers 259..261, 261 being the last row of the embedding), and one
# lone token. None is 0 (part 1's pad), 256, 257 or 258 (<|bos|>, <|eos|>, <|pad|>): Finch's
# reward models pad with <|pad|> = 258.
REAL = [
    [70, 105, 110, 99, 104, 32, 115, 99, 111, 114, 101, 33],
    [261, 13, 200, 255, 143, 1, 57],
    [121],
]
SPECIAL = dict(bos_token_id=256, eos_token_id=257)  # the byte tokenizer's <|bos|> and <|eos|>
HEAD = dict(num_labels=1, pad_token_id=PAD)


def gpt2_model():
    config = GPT2Config(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_inner=48, n_positions=64,
                        layer_norm_epsilon=1e-4, activation_function="gelu_new", tie_word_embeddings=True,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, **SPECIAL, **HEAD)
    return GPT2ForSequenceClassification(config)


def llama_model():
    config = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                         rms_norm_eps=1e-5, rope_theta=50_000.0, attention_bias=False, mlp_bias=False,
                         tie_word_embeddings=False, hidden_act="silu", **SPECIAL, **HEAD)
    return LlamaForSequenceClassification(config)


def qwen2_model():
    config = Qwen2Config(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                         rms_norm_eps=1e-6, rope_theta=1_000_000.0, tie_word_embeddings=True,
                         use_sliding_window=False, hidden_act="silu", **SPECIAL, **HEAD)
    return Qwen2ForSequenceClassification(config)


FAMILIES = {"gpt2": (gpt2_model, 4321), "llama": (llama_model, 5432), "qwen2": (qwen2_model, 6543)}
# The trunk's prefix in transformers' checkpoints (the model's base_model_prefix).
TRUNK_PREFIX = {"gpt2": "transformer.", "llama": "model.", "qwen2": "model."}
# The one tensor a Finch-written reward model may carry that the …ForSequenceClassification has no
# use for: the language-model head of an untied checkpoint.
UNUSED_LM_HEAD = "lm_head.weight"


def randomize(model, seed):
    """Every parameter from one seeded generator, in named_parameters order; large enough that
    scores are O(1) and every tensor (biases, norm weights and score.weight too) changes them."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if p.dim() == 1:
                is_norm = "ln_" in name or "norm" in name
                p.copy_(1 + 0.2 * noise if is_norm and name.endswith("weight") else 0.1 * noise)
            elif "wte" in name or "embed_tokens" in name:
                p.copy_(0.3 * noise)
            elif "wpe" in name:
                p.copy_(0.1 * noise)
            elif name == "score.weight":
                p.copy_(0.25 * noise)  # the final hidden state is O(1) per channel: scores are ~1.4
            else:
                p.copy_(0.15 * noise)


def tensor_names(directory: Path):
    with safe_open(directory / "model.safetensors", "pt") as f:
        return list(f.keys())


def check_head_config(config, directory):
    """What makes a reward model of the checkpoint: one label, a pad token to find the last token by."""
    expected = {"gpt2": "GPT2", "llama": "Llama", "qwen2": "Qwen2"}[config.model_type] + "ForSequenceClassification"
    if config.architectures != [expected]:
        sys.exit(f"{directory}: architectures is {config.architectures}, expected [{expected!r}]")
    if config.num_labels != 1:
        sys.exit(f"{directory}: num_labels is {config.num_labels}, expected 1 (a reward model has one score)")
    if not isinstance(config.pad_token_id, int) or not 0 <= config.pad_token_id < config.vocab_size:
        sys.exit(f"{directory}: pad_token_id {config.pad_token_id!r} is not a token id; transformers needs it "
                 f"to find each row's last token")
    return expected


def load_strict(directory: Path):
    """Loads a reward model and refuses any tensor transformers did not take exactly as the file has it.

    transformers' own report (output_loading_info) is not enough alone: it drops some names without
    reporting them (`_keys_to_ignore_on_load_unexpected`, e.g. a Llama's `rotary_emb.inv_freq`), and
    it maps names (a GPT-2 file without the `transformer.` prefix). So the file's tensors are also
    matched one to one with the model's state dict, by name and value."""
    try:
        model, info = AutoModelForSequenceClassification.from_pretrained(
            directory, dtype=torch.float32, attn_implementation="eager", output_loading_info=True)
    except RuntimeError as error:  # transformers 5 raises on a mis-shaped tensor (its report is logged above)
        sys.exit(f"{directory}: transformers refused the checkpoint: {error}")
    config = model.config
    expected_class = check_head_config(config, directory)
    if type(model).__name__ != expected_class:
        sys.exit(f"{directory}: transformers built a {type(model).__name__}, expected {expected_class}")
    allowed = {UNUSED_LM_HEAD} if not config.tie_word_embeddings else set()
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "mismatched_keys", "error_msgs")}
    unexpected = set(info.get("unexpected_keys") or ()) - allowed
    if unexpected:
        problems["unexpected_keys"] = unexpected
    if problems:
        sys.exit(f"{directory}: transformers did not load every tensor: {problems}")

    state = model.state_dict()
    prefix = model.base_model_prefix + "."
    covered = {}
    with safe_open(directory / "model.safetensors", "pt") as f:
        for name in f.keys():
            if name in state:
                target = name
            elif prefix + name in state and not name.startswith(prefix):
                target = prefix + name  # a trunk tensor named as in the bare model (Finch's GPT-2)
            elif name in allowed:
                shape = list(f.get_slice(name).get_shape())
                if shape != [config.vocab_size, config.get_text_config().hidden_size]:
                    sys.exit(f"{directory}: {name} has shape {shape}, expected [vocab, hidden]")
                continue
            else:
                sys.exit(f"{directory}: tensor {name!r} is not one of {type(model).__name__}'s "
                         f"(transformers would ignore it)")
            if target in covered:
                sys.exit(f"{directory}: {covered[target]!r} and {name!r} both load into {target!r}")
            covered[target] = name
            if not torch.equal(f.get_tensor(name).to(torch.float32), state[target]):
                sys.exit(f"{directory}: {target!r} as loaded is not the file's {name!r}")
    missing = sorted(set(state) - set(covered))
    if missing:
        sys.exit(f"{directory}: no tensor in the file for {missing}")
    return model.eval()


def describe(config):
    """The architecture as transformers understood it, in ModelConfig's terms, plus the head's settings."""
    if config.model_type == "gpt2":
        trunk = {"family": "gpt2", "vocab_size": config.vocab_size, "hidden_size": config.n_embd,
                 "num_layers": config.n_layer, "num_heads": config.n_head, "num_kv_heads": config.n_head,
                 "intermediate_size": config.n_inner or 4 * config.n_embd, "max_positions": config.n_positions,
                 "norm_eps": config.layer_norm_epsilon, "rope_theta": None,
                 "tie_word_embeddings": bool(config.tie_word_embeddings), "attention_bias": True,
                 "activation": config.activation_function,
                 "bos_token_id": config.bos_token_id, "eos_token_id": config.eos_token_id}
    else:
        trunk = {"family": config.model_type, "vocab_size": config.vocab_size, "hidden_size": config.hidden_size,
                 "num_layers": config.num_hidden_layers, "num_heads": config.num_attention_heads,
                 "num_kv_heads": config.num_key_value_heads, "intermediate_size": config.intermediate_size,
                 "max_positions": config.max_position_embeddings, "norm_eps": config.rms_norm_eps,
                 "rope_theta": rope_theta_of(config), "tie_word_embeddings": bool(config.tie_word_embeddings),
                 "attention_bias": True if config.model_type == "qwen2" else bool(config.attention_bias),
                 "activation": config.hidden_act,
                 "bos_token_id": config.bos_token_id, "eos_token_id": config.eos_token_id}
    return {**trunk, "num_labels": config.num_labels, "pad_token_id": config.pad_token_id}


def batch(pad: int, directory):
    """The fixed batch, right-padded with `pad` to SEQ_LEN."""
    if any(pad in row for row in REAL):
        sys.exit(f"{directory}: pad_token_id {pad} is one of the batch's real tokens; transformers would take "
                 f"it for padding")
    return [row + [pad] * (SEQ_LEN - len(row)) for row in REAL], [len(row) for row in REAL]


def number(x: float) -> str:
    return "%.9g" % x  # float32 round-trips


def compute_scores(model, directory):
    """transformers' scores for the batch, cross-checked three ways: with an attention mask (as a
    reward trainer passes it), each row alone without padding, and w · h[last] by hand from the trunk's
    final hidden state at the last real token (so the position transformers pooled at is the one
    Finch reads)."""
    pad = model.config.pad_token_id
    rows, lengths = batch(pad, directory)
    ids = torch.tensor(rows, dtype=torch.long)
    with torch.no_grad():
        logits = model(ids).logits.float()
        assert logits.shape == (len(rows), 1), (directory, logits.shape)
        scores = logits[:, 0]
        masked = model(ids, attention_mask=(ids != pad).long()).logits.float()[:, 0]
        alone = torch.cat([model(torch.tensor([row[:n]])).logits.float()[:, 0] for row, n in zip(rows, lengths)])
        hidden = model.base_model(ids).last_hidden_state.float()
        last = torch.stack([hidden[b, n - 1] for b, n in enumerate(lengths)])
        by_hand = last @ model.score.weight.float()[0]
    scale = float(scores.abs().max())
    for label, other in (("with attention_mask", masked), ("row by row, unpadded", alone), ("w · h[last]", by_hand)):
        diff = float((other - scores).abs().max())
        if diff > 1e-5 * max(scale, 1.0):
            sys.exit(f"{directory}: scores {label} differ from the padded batch's by {diff:g}")
    return rows, lengths, scores.tolist()


def write_scores(directory: Path, model, note: str):
    check_supported(model.config, directory)
    rows, lengths, scores = compute_scores(model, directory)
    head = {
        "generator": "scripts/make-rm-golden.py",
        "note": note,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "files": {name: file_record(directory / name) for name in ("config.json", "model.safetensors")},
        "config": describe(model.config),
        "max_abs_score": max(abs(s) for s in scores),
    }
    ids = ",\n".join("    " + json.dumps(row) for row in rows)
    text = (json.dumps(head, indent=2)[:-2] + f',\n  "pad_token_id": {model.config.pad_token_id},\n'
            + '  "input_ids": [\n' + ids + "\n  ],\n"
            + f'  "lengths": {json.dumps(lengths)},\n'
            + '  "scores": [' + ", ".join(number(s) for s in scores) + "]\n}\n")
    parsed = json.loads(text)  # well-formed
    assert torch.equal(torch.tensor(parsed["scores"], dtype=torch.float32), torch.tensor(scores, dtype=torch.float32))
    (directory / "transformers-scores.json").write_text(text)
    shown = directory.relative_to(ROOT) if directory.is_relative_to(ROOT) else directory
    print(f"{shown}: scores {', '.join('%.4f' % s for s in scores)}; "
          f"model.safetensors {head['files']['model.safetensors']['bytes']} bytes")


def show_checkpoint(directory: Path):
    """The tensor names and config.json keys as saved, for the record."""
    saved = json.loads((directory / "config.json").read_text())
    print(f"  tensors: {tensor_names(directory)}")
    print(f"  architectures: {saved.get('architectures')}; config.json keys: {sorted(saved)}")


def make_family(name):
    build, seed = FAMILIES[name]
    torch.manual_seed(seed)
    model = build()
    randomize(model, seed)
    model.eval()
    directory = OUT / name
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.iterdir():
        stale.unlink()
    model.to(torch.float32).save_pretrained(directory, safe_serialization=True)
    (directory / "generation_config.json").unlink(missing_ok=True)
    names = tensor_names(directory)
    trunk = [n for n in names if n != "score.weight"]
    assert "score.weight" in names and all(n.startswith(TRUNK_PREFIX[name]) for n in trunk), names
    assert not any("lm_head" in n for n in names), names
    # The scores come from the files as saved, not from the model in memory.
    reloaded = load_strict(directory)
    expected = describe(model.config)
    assert describe(reloaded.config) == expected, (describe(reloaded.config), expected)
    write_scores(directory, reloaded, f"transformers' own {name} reward model, saved by save_pretrained")
    show_checkpoint(directory)


def score_finch_written(directory: Path):
    if not ((directory / "config.json").exists() and (directory / "model.safetensors").exists()):
        return False
    model = load_strict(directory)
    write_scores(directory, model, "a reward model written by Finch, loaded by transformers")
    show_checkpoint(directory)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--finch-dir", type=Path, action="append", default=[], metavar="DIR",
                        help="only score this Finch-written directory (part 2), wherever it is; repeatable")
    args = parser.parse_args()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    if args.finch_dir:
        for directory in args.finch_dir:
            if not score_finch_written(directory.resolve()):
                sys.exit(f"{directory}: no config.json and model.safetensors")
        return
    for name in FAMILIES:
        make_family(name)
    for name in FAMILIES:
        directory = OUT / f"finch-written-{name}"
        if not score_finch_written(directory):
            print(f"{directory.relative_to(ROOT)}: not written by Finch yet, skipped (the Swift reward-model "
                  f"golden test writes it with FINCH_WRITE_GOLDEN=1; then run this script again)")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"{OUT.relative_to(ROOT)}: {total / 1024:.0f} KiB in all")


if __name__ == "__main__":
    main()
