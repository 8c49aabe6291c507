#!/usr/bin/env python3
"""Plots the preference recipe (docs/results.md, "Learning from preferences") from its eval files.

Reads the `finch eval --reward-model ... --out` files the recipe's config headers write under
runs/signoff/ (eval-sft.json, eval-ppo-<step>.json, eval-ppo-lowkl-<step>.json,
eval-dpo-<step>.json, eval-best-of-<N>.json) and writes docs/images/preference-recipe.svg:
the true (hidden) score and the reward model's score of each policy's samples against their
KL to the SFT policy, with 95% intervals over the 500 held-out prompts. Standard library only:

    python3 scripts/plot-preference-recipe.py
"""

import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "runs" / "signoff"
OUT = ROOT / "docs" / "images" / "preference-recipe.svg"


def summary(values):
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / max(n - 1, 1)
    return mean, 1.96 * math.sqrt(var / n)


def point(path):
    e = json.loads(path.read_text())
    n = e["best_of"]
    kl = math.log(n) - (n - 1) / n if n > 1 else summary(e["kl"])[0]
    return kl, summary(e["true_score"]), summary(e["reward_model_score"])


def series(prefix):
    files = sorted(RUNS.glob(f"eval-{prefix}-*.json"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [point(RUNS / "eval-sft.json")] + [point(p) for p in files]


def main():
    groups = [
        ("PPO, adaptive β (0.1)", series("ppo"), "#1f77b4"),
        ("PPO, β 0.01", series("ppo-lowkl"), "#d62728"),
        ("DPO", series("dpo"), "#2ca02c"),
        ("best-of-N (4, 16)", [point(RUNS / "eval-sft.json")] + [point(RUNS / f"eval-best-of-{n}.json") for n in (4, 16)], "#9467bd"),
    ]
    W, H, L, R, T, B = 760, 460, 60, 200, 20, 50
    xs = [p[0] for _, s, _ in groups for p in s]
    ys = [v for _, s, _ in groups for p in s for v in (p[1][0] - p[1][1], p[1][0] + p[1][1], p[2][0])]
    x0, x1 = 0, max(xs) * 1.05
    y0, y1 = min(ys) - 0.2, max(ys) + 0.2
    sx = lambda x: L + (x - x0) / (x1 - x0) * (W - L - R)
    sy = lambda y: T + (y1 - y) / (y1 - y0) * (H - T - B)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    for k in range(int(math.floor(y0)), int(math.ceil(y1)) + 1):
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{sy(k):.1f}" y2="{sy(k):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 6}" y="{sy(k) + 4:.1f}" text-anchor="end">{k}</text>')
    step = 5 if x1 > 20 else 1
    for k in range(0, int(x1) + 1, step):
        out.append(f'<text x="{sx(k):.1f}" y="{H - B + 16}" text-anchor="middle">{k}</text>')
    out.append(f'<line x1="{L}" x2="{W - R}" y1="{H - B}" y2="{H - B}" stroke="black"/>')
    out.append(f'<line x1="{L}" x2="{L}" y1="{T}" y2="{H - B}" stroke="black"/>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 10}" text-anchor="middle">KL to the SFT policy (nats per answer)</text>')
    out.append(f'<text x="16" y="{(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 {(T + H - B) / 2})">score (solid: true; dashed: reward model)</text>')
    for i, (name, pts, color) in enumerate(groups):
        for which, dash in ((1, ""), (2, ' stroke-dasharray="5,4"')):
            path = " ".join(f"{sx(p[0]):.1f},{sy(p[which][0]):.1f}" for p in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for p in pts:
            m, h = p[1]
            out.append(f'<line x1="{sx(p[0]):.1f}" x2="{sx(p[0]):.1f}" y1="{sy(m - h):.1f}" y2="{sy(m + h):.1f}" stroke="{color}"/>')
            out.append(f'<circle cx="{sx(p[0]):.1f}" cy="{sy(m):.1f}" r="3" fill="{color}"/>')
        y = T + 20 + 22 * i
        out.append(f'<line x1="{W - R + 12}" x2="{W - R + 36}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{W - R + 42}" y="{y + 4}">{name}</text>')
    out.append("</svg>")
    OUT.write_text("\n".join(out) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
