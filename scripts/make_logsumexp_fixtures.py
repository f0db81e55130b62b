#!/usr/bin/env python3
"""Writes Tests/WitnessesTests/Fixtures/logsumexp.json: exact log-sum-exp values and L-infinity
softmax distances of float32 rows, computed with mpmath at 80 significant digits from each float's
exact binary value. They are the independent reference of the certified log-softmax
(Sources/Witnesses/CertifiedSoftmax.swift, ExponentialRow.swift).

Rows are of two kinds:
- "bits": small rows given as float32 bit patterns (extreme spreads across the binary64 path's
  limits, ties, magnitudes near the float32 maximum, logits near zero that take the MPFI path,
  subnormals, signed zeros);
- "recipe": 262,144-wide rows (Gemma 3's vocabulary) generated from SplitMix64 by integer
  arithmetic that both this script and the Swift test perform exactly:
  z_i = (k_i - offset) * 2^-shift with k_i = next() >> 40 (24 bits), so every z_i is an exact
  float32. A recipe may perturb a base row: b_i = z_i + 2^-3 where i % 7 == 0.

Run: python3 scripts/make_logsumexp_fixtures.py   (needs mpmath and numpy from PyPI; about a minute)
"""
import json
import pathlib

import mpmath
import numpy as np

from splitmix import splitmix64

mpmath.mp.dps = 80


def recipe_row(recipe):
    gen = splitmix64(recipe["seed"])
    offset, shift = recipe["offset"], recipe["shift"]
    # Exact rationals (k - offset) / 2^shift; each is a float32 (|k - offset| < 2^24).
    row = [mpmath.mpf(int((next(gen) >> 40) - offset)) / (mpmath.mpf(2) ** shift) for _ in range(recipe["count"])]
    if recipe.get("perturb"):
        row = [z + mpmath.mpf(1) / 8 if i % 7 == 0 else z for i, z in enumerate(row)]
    return row


def float32_values(bits):
    array = np.array(bits, dtype=np.uint32).view(np.float32)
    # float32 -> float (binary64) is exact; mpf of a float is exact.
    return [mpmath.mpf(float(v)) for v in array]


def bits_of(values):
    array = np.array(values, dtype=np.float32)
    assert np.all(np.isfinite(array))
    return [int(b) for b in array.view(np.uint32)]


def logsumexp(row):
    top = max(row)
    return top + mpmath.log(mpmath.fsum(mpmath.exp(z - top) for z in row))


def distance(a, b):
    la, lb = logsumexp(a), logsumexp(b)
    return max(abs(mpmath.exp(x - la) - mpmath.exp(y - lb)) for x, y in zip(a, b))


def text(value):
    return mpmath.nstr(value, 70, min_fixed=-5, max_fixed=5)


def small_rows():
    rng = np.random.default_rng(20261201)
    rows = {}
    # Spread across the binary64 path's limits: terms at d = 0, just above and below -700
    # (the bounded tail), and far below.
    rows["spread"] = [0.0, -1.0, -35.5, -699.9921875, -700.0, -700.0078125, -750.0, -3.0e4, -3.0e38] + \
        list(rng.uniform(-720, 0, 2000))
    # Ties: one value repeated (log-sum-exp = z + log n).
    rows["ties"] = [3.25] * 1000
    rows["ties-two-levels"] = [-7.5] * 500 + [-8.5] * 500 + [12.0] * 3
    # Magnitudes near the float32 maximum (finite): differences are 0 or far below -700.
    big = float(np.finfo(np.float32).max)
    rows["huge"] = [big, big, float(np.float32(3.4e38)), -big, 1.0e38, 0.0]
    rows["huge-negative"] = [-big, -big, float(np.float32(-3.3e38))]
    # Logits near zero: below 2^-20 in magnitude the binary64 path hands terms to MPFI.
    rows["near-zero"] = [1.0e-30, -1.0e-30, 0.0, -0.0, 2.0 ** -21, -(2.0 ** -20), 1.0e-44, -1.0e-45, 3.0e-7] + \
        list(rng.uniform(-1e-6, 1e-6, 200)) + list(rng.uniform(-20, 0, 200))
    rows["single"] = [5.0]
    rows["mixed"] = list(rng.uniform(-100, 100, 5000))
    rows["narrow"] = list(np.float32(17.0) + rng.uniform(-1e-3, 1e-3, 3000))
    return {name: bits_of(values) for name, values in rows.items()}


def main():
    out = pathlib.Path(__file__).resolve().parent.parent / "Tests/WitnessesTests/Fixtures/logsumexp.json"
    rows = []
    values = {}
    for name, bits in small_rows().items():
        row = float32_values(bits)
        values[name] = row
        rows.append({"name": name, "bits": bits, "logSumExp": text(logsumexp(row))})
    recipes = [
        {"name": "wide-uniform", "seed": 1, "count": 262144, "offset": 1 << 23, "shift": 17},
        {"name": "wide-top-heavy", "seed": 2, "count": 262144, "offset": 0, "shift": 19},
        {"name": "wide-uniform-perturbed", "seed": 1, "count": 262144, "offset": 1 << 23, "shift": 17, "perturb": True},
    ]
    for recipe in recipes:
        row = recipe_row(recipe)
        values[recipe["name"]] = row
        rows.append({"name": recipe["name"], "recipe": recipe, "logSumExp": text(logsumexp(row))})
    # Distances between rows of equal width: a perturbation and an unrelated row.
    rng = np.random.default_rng(7)
    mixed_bits = small_rows()["mixed"]
    perturbed = np.array(mixed_bits, dtype=np.uint32).view(np.float32).copy()
    flip = rng.choice(len(perturbed), 50, replace=False)
    perturbed[flip] += np.float32(0.75)
    pairs = [
        ("mixed", "mixed-perturbed", {"bits": bits_of(perturbed)}),
        ("wide-uniform", "wide-uniform-perturbed", None),
        ("ties", "ties-shifted", {"bits": bits_of([3.25] * 999 + [3.5])}),
        ("near-zero", "near-zero-reversed", {"bits": small_rows()["near-zero"][::-1]}),
    ]
    distances = []
    for a_name, b_name, b_row in pairs:
        a = values[a_name]
        b = float32_values(b_row["bits"]) if b_row else values[b_name]
        entry = {"a": a_name, "b": b_name, "distance": text(distance(a, b))}
        if b_row:
            entry["bBits"] = b_row["bits"]
        distances.append(entry)
    out.write_text(json.dumps({"generator": "scripts/make_logsumexp_fixtures.py", "digits": 70,
                               "rows": rows, "distances": distances}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
