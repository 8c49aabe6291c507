#!/usr/bin/env python3
"""The SFT-vs-RL study's figure and table (docs/results.md, "The SFT-vs-RL study from a pretrained base").

Reads what launch/study-eval writes under runs/study/evals/: for each checkpoint NAME
(run-step-N), NAME-state.json (its trainer_state.json, whose `flops` counts the run's
post-training compute) and NAME-{id,ood}-r{0,2}.json (`finch eval --out`, 200 deals, 8 samples,
without and with two revisions). Post-training compute of the SFT and RL arms adds the
warm-up's FLOPs, their common start. Writes docs/images/study.svg — ID and OOD sampled pass@1
against training FLOPs, one line per arm, 95% intervals over deals — and prints the Markdown
table behind it, with each checkpoint's paired difference to the warm-up. Standard library only:

    python3 scripts/plot-study.py
"""

import json
import math
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVALS = ROOT / "runs" / "study" / "evals"
OUT = ROOT / "docs" / "images" / "study.svg"
WARMUP = "study-warmup"
ARMS = [("study-sft", "SFT", "#d62728"), ("study-grpo", "GRPO", "#1f77b4"), ("study-grpo-revise", "GRPO + revision", "#9467bd"),
        ("study-ppo", "PPO", "#2ca02c")]


def mean_interval(values):
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / max(n - 1, 1)
    return mean, 1.96 * math.sqrt(var / n)


def per_deal(report):
    k = report["counts"]["samples_per_problem"]
    return [c / k for c in report["per_problem"]["sampled_correct"]]


def load(name, rule, revisions):
    path = EVALS / f"{name}-{rule}-r{revisions}.json"
    return json.loads(path.read_text()) if path.exists() else None


def checkpoints(run):
    found = [(int(m.group(1)), p.name[: -len("-state.json")])
             for p in EVALS.glob(f"{run}-step-*-state.json") if (m := re.search(r"step-(\d+)-state", p.name))]
    return [name for _, name in sorted(found)]


def flops(name):
    return json.loads((EVALS / f"{name}-state.json").read_text())["state"].get("flops", 0.0)


def row(label, name, offset, warmup):
    """One checkpoint's cells; `warmup` (a name) adds the paired differences to it."""
    cells = [label, f"{(flops(name) + offset) / 1e12:.1f}"]
    for rule in ("id", "ood"):
        r0, r2 = load(name, rule, 0), load(name, rule, 2)
        m, h = mean_interval(per_deal(r0))
        cells.append(f"{100 * m:.1f}% ± {100 * h:.1f}")
        if warmup is not None:
            base = per_deal(load(warmup, rule, 0))
            d, dh = mean_interval([a - b for a, b in zip(per_deal(r0), base)])
            cells.append(f"{100 * d:+.1f} [{100 * (d - dh):+.1f}, {100 * (d + dh):+.1f}]")
        else:
            cells.append("–")
        cells.append(f"{100 * mean_interval(per_deal(r2))[0]:.1f}%" if r2 else "–")
        if rule == "ood":
            greedy = r0["counts"]["greedy_format_errors"] / r0["counts"]["problems"]
            sampled = r0["counts"]["sampled_format_errors"] / r0["counts"]["sampled_answers"]
            cells.append(f"{100 * greedy:.1f}% / {100 * sampled:.1f}%")
    return "| " + " | ".join(cells) + " |"


def main():
    warmups = checkpoints(WARMUP)
    warmup = warmups[-1] if warmups else None
    offset = flops(warmup) if warmup else 0.0
    print("| checkpoint | post-training TFLOPs | ID pass@1 (8 samples) | ID Δ vs warm-up [95%] | ID with 2 revisions "
          "| OOD pass@1 (8 samples) | OOD Δ vs warm-up [95%] | OOD with 2 revisions | OOD format errors (greedy / sampled) |")
    print("|---|---:|---:|---|---:|---:|---|---:|---:|")
    base = checkpoints("pretrain-base")
    if base:
        print(row("base (no post-training)", base[-1], 0, None))
    if warmup:
        print(row(f"warm-up ({warmup.split('-step-')[1].lstrip('0')} SFT steps)", warmup, 0, None))
    series = []
    for run, label, color in ARMS:
        names = checkpoints(run)
        for name in names:
            print(row(f"{label}, step {name.split('-step-')[1].lstrip('0')}", name, offset, warmup))
        start = [warmup] if warmup else []
        points = {rule: [((flops(n) + (offset if n != warmup else 0)) / 1e12, mean_interval(per_deal(load(n, rule, 0))))
                         for n in start + names] for rule in ("id", "ood")}
        if names:
            series.append((label, color, points))
    if series:
        draw(series)


def draw(series):
    W, H, L, T, B, gap = 900, 380, 60, 40, 50, 60
    panel = (W - L - gap - 130) / 2
    xmax = max(x for _, _, pts in series for r in pts.values() for x, _ in r) * 1.05 or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    for p, (rule, title) in enumerate((("id", "in distribution (J, Q, K = 10)"), ("ood", "out of distribution (J, Q, K = 11, 12, 13)"))):
        left = L + p * (panel + gap)
        ys = [v for _, _, pts in series for _, (m, h) in pts[rule] for v in (m - h, m + h)]
        ytop = max(0.05, max(ys) * 1.1)
        sx = lambda x: left + x / xmax * panel
        sy = lambda y: T + (ytop - y) / ytop * (H - T - B)
        out.append(f'<text x="{left + panel / 2}" y="{T - 14}" text-anchor="middle" font-weight="bold">{title}</text>')
        ticks = 5
        for k in range(ticks + 1):
            y = ytop * k / ticks
            out.append(f'<line x1="{left}" x2="{left + panel}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{100 * y:.0f}%</text>')
            x = xmax * k / ticks
            out.append(f'<text x="{sx(x):.1f}" y="{H - B + 16}" text-anchor="middle">{x:.0f}</text>')
        out.append(f'<line x1="{left}" x2="{left + panel}" y1="{H - B}" y2="{H - B}" stroke="black"/>')
        out.append(f'<line x1="{left}" x2="{left}" y1="{T}" y2="{H - B}" stroke="black"/>')
        out.append(f'<text x="{left + panel / 2}" y="{H - 12}" text-anchor="middle">post-training compute (TFLOPs)</text>')
        for label, color, pts in series:
            path = " ".join(f"{sx(x):.1f},{sy(m):.1f}" for x, (m, _) in pts[rule])
            out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
            for x, (m, h) in pts[rule]:
                out.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{sy(max(m - h, 0)):.1f}" y2="{sy(m + h):.1f}" stroke="{color}"/>')
                out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(m):.1f}" r="3" fill="{color}"/>')
    out.append(f'<text x="16" y="{(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 {(T + H - B) / 2})">pass@1 (8 samples, T = 1)</text>')
    for i, (label, color, _) in enumerate(series):
        y = T + 20 + 22 * i
        out.append(f'<line x1="{W - 110}" x2="{W - 86}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{W - 80}" y="{y + 4}">{label}</text>')
    out.append("</svg>")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(out) + "\n")
    print(f"\nwrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
