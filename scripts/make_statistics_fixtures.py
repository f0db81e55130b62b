#!/usr/bin/env python3
"""Writes Tests/WitnessesTests/Fixtures/statistics.json: reference values for the Witnesses
statistics, computed independently with scipy.stats (Pearson, Spearman with ties), plain numpy
(F1, Brier, ECE, entropy) and a Python re-implementation of the SplitMix64 pair bootstrap.

Run: python3 scripts/make_statistics_fixtures.py
"""
import json
import math
import pathlib

import numpy as np
from scipy import stats

from splitmix import splitmix64

def bootstrap(x, y, resamples, confidence, seed):
    gen = splitmix64(seed)
    n = len(x)
    values = []
    for _ in range(resamples):
        idx = [next(gen) % n for _ in range(n)]
        xs, ys = [x[k] for k in idx], [y[k] for k in idx]
        if np.std(xs) > 0 and np.std(ys) > 0:
            values.append(stats.pearsonr(xs, ys)[0])
    values.sort()
    tail = (1 - confidence) / 2
    return float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail))


rng = np.random.default_rng(7)
x = [round(v, 3) for v in rng.normal(size=25)]
y = [round(0.6 * a + 0.8 * b, 3) for a, b in zip(x, rng.normal(size=25))]
tied = [1, 2, 2, 3, 3, 3, 4, 5, 5, 6]
tied_y = [2, 1, 4, 3, 3, 6, 5, 8, 7, 7]

predicted = [1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1]
actual = [1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1]
tp = sum(p == 1 and a == 1 for p, a in zip(predicted, actual))
fp = sum(p == 1 and a == 0 for p, a in zip(predicted, actual))
fn = sum(p == 0 and a == 1 for p, a in zip(predicted, actual))
p_one = [0.9, 0.2, 0.6, 0.8, 0.1, 0.7, 0.4, 0.3, 0.95, 0.55, 0.05, 0.65]
confidence = [max(p, 1 - p) for p in p_one]
correct = [int(p >= 0.5) == a for p, a in zip(p_one, actual)]
bins = np.minimum((np.array(confidence) * 10).astype(int), 9)
ece = 0.0
for b in range(10):
    members = [i for i in range(len(confidence)) if bins[i] == b]
    if members:
        acc = np.mean([correct[i] for i in members])
        conf = np.mean([confidence[i] for i in members])
        ece += len(members) / len(confidence) * abs(acc - conf)
dist = [0.5, 0.25, 0.125, 0.125]
lo, hi = bootstrap(x, y, 500, 0.95, 42)

fixture = {
    "x": x, "y": y, "pearson": stats.pearsonr(x, y)[0], "spearman": stats.spearmanr(x, y)[0],
    "tied_x": tied, "tied_y": tied_y, "tied_spearman": stats.spearmanr(tied, tied_y)[0],
    "tied_ranks": list(stats.rankdata(tied)),
    "bootstrap": {"resamples": 500, "confidence": 0.95, "seed": 42, "lower": lo, "upper": hi},
    "predicted": predicted, "actual": actual,
    "binary_f1": 2 * tp / (2 * tp + fp + fn),
    "micro_f1": float(np.mean(np.array(predicted) == np.array(actual))),
    "p_one": p_one, "brier": float(np.mean((np.array(p_one) - np.array(actual)) ** 2)),
    "ece": ece, "confidence": confidence, "correct": correct,
    "distribution": dist, "entropy": float(-sum(p * math.log(p) for p in dist)),
}
out = pathlib.Path(__file__).resolve().parent.parent / "Tests/WitnessesTests/Fixtures/statistics.json"
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(fixture, indent=1) + "\n")
print(f"wrote {out}")
