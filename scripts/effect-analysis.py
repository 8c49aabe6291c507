#!/usr/bin/env python3
"""Sample effect of re-distillation data (docs/results.md, "Re-distillation and sample effect").

Reads files written by `finch data effect` (each record with effect, tokens, logprob, problem)
and prints, per file, the mean effect with a 95% interval over records and the Spearman rank
correlations of effect with the completion's length and with its log-prob under the scoring
model; for two files scored against the same target, the paired difference of effect on the
problems both hold. Standard library only:

    python3 scripts/effect-analysis.py runs/study-redistill/effect-correct.jsonl runs/study-redistill/effect-reference.jsonl
"""

import json
import math
import sys


def read(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def mean_interval(values):
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, 1.96 * sd / math.sqrt(n)


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))


def main(paths):
    files = [(p, read(p)) for p in paths]
    print("| file | records | mean effect [95%] | ρ(effect, tokens) | ρ(effect, log-prob) | ρ(effect, log-prob per token) |")
    print("|---|---:|---|---:|---:|---:|")
    for path, records in files:
        e = [r["effect"] for r in records]
        t = [r["tokens"] for r in records]
        lp = [r["logprob"] for r in records]
        m, h = mean_interval(e)
        print(f"| {path} | {len(records)} | {m:.4g} [{m - h:.4g}, {m + h:.4g}] | {spearman(e, t):+.2f} | {spearman(e, lp):+.2f} | "
              f"{spearman(e, [a / b for a, b in zip(lp, t)]):+.2f} |")
    if len(files) == 2:
        (pa, a), (pb, b) = files
        by_problem = {r["problem"]: r["effect"] for r in b}
        diffs = [r["effect"] - by_problem[r["problem"]] for r in a if r["problem"] in by_problem]
        m, h = mean_interval(diffs)
        wins = sum(d > 0 for d in diffs)
        print(f"\npaired by problem ({len(diffs)}): effect of {pa} minus {pb}: {m:.4g} [{m - h:.4g}, {m + h:.4g}], "
              f"larger in {wins} of {len(diffs)}")


if __name__ == "__main__":
    main(sys.argv[1:])
