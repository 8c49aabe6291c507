#!/usr/bin/env python3
"""One GRPO step with TRL's GRPOTrainer on Finch's GRPO benchmark workload, timed on CPU.

It exists so that Finch's GRPO step time can be quoted as a ratio against TRL's on the same
machine. TRL and torch are comparison tools only, never Finch dependencies.

Install (once, into any venv):

    python3 -m venv /tmp/trl-venv
    /tmp/trl-venv/bin/pip install torch transformers safetensors tokenizers trl datasets accelerate

Run:

    /tmp/trl-venv/bin/python scripts/bench-grpo-vs-trl.py \\
        --checkpoint CKPT_DIR --prompts train.jsonl --threads 2 --steps 5

    CKPT_DIR  a Finch checkpoint in Hugging Face layout (config.json + model.safetensors with
              GPT-2 names), e.g. the 4-layer, 192-wide, 262-token GPT-2 of Finch's benchmark.
    train.jsonl  `finch data generate --task countdown --format prompts` output (a "prompt"
              string per line); at least 8 lines.

The workload, as in Finch's benchmark: 8 prompts per step x 8 answers each (group size 8),
exactly 48 new tokens per answer (EOS is masked for the first 48 tokens with min_new_tokens, so
no answer stops early; the lengths are checked every step), temperature 1.0, no top-k/top-p,
beta 0 (no reference model is built), num_iterations 1, one AdamW update (lr 1e-4, constant)
covering all 64 answers, processed as micro-batches of --micro-batch answers (default 16, like
Finch's rl.micro_batch) with gradient accumulation, fp32, no gradient checkpointing and no
dropout (GRPOConfig's defaults are bf16 and checkpointing on, dropout as the config says),
gradient clipping at 1.0 (TRL's and Finch's default), loss "dapo" (token-level sum divided by
the batch's completion-token count, TRL's default and Finch's normalisation). The reward is the
fraction of digit characters in the answer: negligible time. Prompts are tokenized with Finch's
byte scheme, [<|bos|>=256] + UTF-8 bytes; the ids TRL actually feeds are checked against it.

Timing: 1 warm-up step, then --steps timed steps; medians are reported. Measured with timers
around TRL's own methods, not its profiling hooks:
  step      wall time between consecutive Trainer `on_step_end` callbacks (everything: prompt
            fetch, generation, rewards, forward/backward of all micro-batches, clip, AdamW);
  generate  time inside `model.generate` (the 48-token sampling of 64 sequences, KV cache);
  score     the rest of `_generate_and_score_completions` (tokenize, decode, reward, advantages);
  update    step - generate - score (forward + backward of the micro-batches, clip, AdamW).
Each median is taken over the timed steps on its own, so they need not add up. Per-step times
go to stderr; the last line on stdout is one JSON object (kind "trl_grpo").

Threads: --threads N sets OMP_NUM_THREADS and torch.set_num_threads. On a machine that is busy
with other work, N equal to the core count makes torch's OpenMP threads wait on each other and
steps can be 2-4x slower and erratic; compare against Finch at the same thread count, on a quiet
machine (or at --threads 1, as Finch's `bench rollouts` runs each rank).
"""
import argparse
import json
import os
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", required=True, help="HF-layout GPT-2 checkpoint directory")
    p.add_argument("--prompts", required=True, help="JSONL with a 'prompt' field per line")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=5, help="timed steps (after 1 warm-up step)")
    p.add_argument("--micro-batch", type=int, default=16, help="answers per forward/backward pass")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


ARGS = parse_args()
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)  # before torch is imported
os.environ["MKL_NUM_THREADS"] = str(ARGS.threads)
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
import transformers  # noqa: E402
import trl  # noqa: E402
from datasets import Dataset  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors  # noqa: E402
from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast, TrainerCallback  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

PROMPTS_PER_STEP, GROUP_SIZE, MAX_NEW_TOKENS = 8, 8, 48
BOS, EOS, PAD = 256, 257, 258
SPECIALS = ["<|bos|>", "<|eos|>", "<|pad|>", "<|user|>", "<|assistant|>", "<|system|>"]  # ids 256...261


def byte_tokenizer():
    """Finch's byte tokenizer: ids 0-255 are the UTF-8 bytes, then the six special tokens.

    A BPE with no merges over the 256 byte symbols (ByteLevel's byte-to-character alphabet,
    without its regex split or prefix space), so every byte is exactly one token whose id is
    the byte's value; the post-processor puts <|bos|> first."""
    # ByteLevel's alphabet: printable Latin-1 bytes stand for themselves, the other 68 bytes for
    # chr(256), chr(257), ... in byte order.
    printable = [b for b in range(256) if 33 <= b <= 126 or 161 <= b <= 172 or 174 <= b <= 255]
    others = [b for b in range(256) if b not in printable]
    chars = {b: chr(b) for b in printable} | {b: chr(256 + i) for i, b in enumerate(others)}
    assert set(chars.values()) == set(pre_tokenizers.ByteLevel.alphabet())
    tok = Tokenizer(models.BPE(vocab={chars[b]: b for b in range(256)}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    tok.post_processor = processors.TemplateProcessing(single="<|bos|> $A", special_tokens=[("<|bos|>", BOS)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|bos|>", eos_token="<|eos|>",
                                   pad_token="<|pad|>", padding_side="left")
    assert [fast.convert_tokens_to_ids(s) for s in SPECIALS] == list(range(256, 262))
    return fast


def finch_ids(text):
    return [BOS] + list(text.encode("utf-8"))


def digit_fraction(completions, **_):
    return [sum(c.isdigit() for c in s) / max(len(s), 1) for s in completions]


class Timers(TrainerCallback):
    def __init__(self):
        self.last_end, self.steps, self.gen, self.score = None, [], [], []
        self.gen_now = self.score_now = 0.0

    def on_step_end(self, args, state, control, **kw):
        now = time.perf_counter()
        if self.last_end is not None:
            self.steps.append(now - self.last_end)
            self.gen.append(self.gen_now)
            self.score.append(self.score_now - self.gen_now)
        self.last_end, self.gen_now, self.score_now = now, 0.0, 0.0


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    assert (PROMPTS_PER_STEP * GROUP_SIZE) % ARGS.micro_batch == 0, "--micro-batch must divide 64"
    prompts = [json.loads(line)["prompt"] for line in open(ARGS.prompts) if line.strip()]
    assert len(prompts) >= PROMPTS_PER_STEP, f"{ARGS.prompts}: need at least {PROMPTS_PER_STEP} prompts"

    tokenizer = byte_tokenizer()
    # Every byte that UTF-8 text can contain: all code points below U+0800, then 3- and 4-byte ones.
    all_bytes = "".join(map(chr, range(0x800))) + "".join(chr(c) for c in range(0x800, 0x110000, 0x1003)
                                                           if not 0xD800 <= c < 0xE000)
    for text in prompts[:32] + ["Using 3, 7: make 21 — ünïcødé ✓", all_bytes]:
        got = tokenizer(text)["input_ids"]
        assert got == finch_ids(text), f"tokenizer mismatch on {text!r}: {got[:12]}..."
        assert tokenizer.decode(got, skip_special_tokens=True) == text

    model = GPT2LMHeadModel.from_pretrained(ARGS.checkpoint, dtype=torch.float32)
    for cfg in (model.config, model.generation_config):
        cfg.bos_token_id, cfg.eos_token_id, cfg.pad_token_id = BOS, EOS, PAD
    params = sum(p.numel() for p in model.parameters())

    accumulation = PROMPTS_PER_STEP * GROUP_SIZE // ARGS.micro_batch
    config = GRPOConfig(
        output_dir="/tmp/bench-grpo-vs-trl", report_to="none", save_strategy="no", logging_strategy="no",
        disable_tqdm=True, use_cpu=True, bf16=False, fp16=False, gradient_checkpointing=False,
        seed=ARGS.seed, max_steps=ARGS.steps + 1, learning_rate=1e-4, lr_scheduler_type="constant",
        warmup_steps=0, optim="adamw_torch", max_grad_norm=1.0, dataloader_num_workers=0,
        disable_dropout=True,  # Finch has no dropout; GPT2Config's default is 0.1 and TRL keeps it
        per_device_train_batch_size=ARGS.micro_batch, gradient_accumulation_steps=accumulation,
        steps_per_generation=accumulation,  # one generation of 64 answers per optimizer step
        num_generations=GROUP_SIZE, num_iterations=1, beta=0.0, loss_type="dapo",
        max_completion_length=MAX_NEW_TOKENS, temperature=1.0, top_k=0, top_p=1.0,
        generation_kwargs={"min_new_tokens": MAX_NEW_TOKENS},
    )
    assert config.generation_batch_size == PROMPTS_PER_STEP * GROUP_SIZE
    timers = Timers()
    trainer = GRPOTrainer(model=model, reward_funcs=digit_fraction, args=config,
                          train_dataset=Dataset.from_list([{"prompt": p} for p in prompts]),
                          processing_class=tokenizer, callbacks=[timers])
    assert trainer.ref_model is None
    assert all(m.p == 0 for m in model.modules() if isinstance(m, torch.nn.Dropout))

    # Timers and checks around TRL's own methods.
    checks = {"prompt_ids_checked": 0, "completion_lengths": set()}
    tokenize = trainer._tokenize_prompts

    def checked_tokenize(batch):
        out = tokenize(batch)
        for text, ids in zip(batch, out[0]):
            assert list(ids) == finch_ids(text), f"TRL fed {list(ids)[:12]}... for {text[:40]!r}"
            checks["prompt_ids_checked"] += 1
        return out

    generate = trainer.model.generate

    def timed_generate(*a, **kw):
        t = time.perf_counter()
        out = generate(*a, **kw)
        timers.gen_now += time.perf_counter() - t
        checks["completion_lengths"].add(out.shape[1] - kw["input_ids"].shape[1])
        return out

    score = trainer._generate_and_score_completions

    def timed_score(inputs):
        t = time.perf_counter()
        out = score(inputs)
        timers.score_now += time.perf_counter() - t
        checks["completion_lengths"].update(out["completion_mask"].sum(1).tolist())
        assert out["completion_ids"].shape[0] == PROMPTS_PER_STEP * GROUP_SIZE
        assert out.get("old_per_token_logps") is None  # no extra forward: ratios are 1 on this one update
        return out

    trainer._tokenize_prompts, trainer.model.generate = checked_tokenize, timed_generate
    trainer._generate_and_score_completions = timed_score

    trainer.train()
    assert len(timers.steps) == ARGS.steps, timers.steps
    assert checks["completion_lengths"] == {MAX_NEW_TOKENS}, checks["completion_lengths"]

    med = statistics.median
    step, gen, sc = med(timers.steps), med(timers.gen), med(timers.score)
    updates = [s - g - c for s, g, c in zip(timers.steps, timers.gen, timers.score)]
    print(f"{params} parameters; {checks['prompt_ids_checked']} prompt id lists matched the byte scheme; "
          f"every completion {MAX_NEW_TOKENS} tokens", file=sys.stderr)
    for i, (s, g, c, u) in enumerate(zip(timers.steps, timers.gen, timers.score, updates)):
        print(f"step {i + 1}: {s:.3f} s (generate {g:.3f}, score {c:.3f}, update {u:.3f})", file=sys.stderr)
    print(json.dumps({
        "kind": "trl_grpo", "steps": ARGS.steps, "median_step_s": round(step, 4),
        "median_generate_s": round(gen, 4), "median_update_s": round(med(updates), 4),
        "median_score_s": round(sc, 4), "prompts_per_step": PROMPTS_PER_STEP, "group_size": GROUP_SIZE,
        "max_new_tokens": MAX_NEW_TOKENS, "micro_batch": ARGS.micro_batch, "threads": ARGS.threads,
        "parameters": params, "torch": torch.__version__, "trl": trl.__version__,
        "transformers": transformers.__version__,
    }))


if __name__ == "__main__":
    main()
