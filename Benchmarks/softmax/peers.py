#!/usr/bin/env python3
"""Peers of the certified log-softmax benchmark, on the same 262,144-wide rows as
Benchmarks/softmax/Swift/main.swift (same SplitMix64 recipe):
- python-flint: arb balls at 64 bits, one arb exp per term, summed, then log (certified);
- numpy: float64 log-sum-exp (not certified: the speed of an uncertified computation).
Prints one JSON object: best milliseconds per row of each, and flint's enclosure widths.
Usage: peers.py [REPEATS]"""
import json
import sys
import time

import flint
import numpy as np

MASK = (1 << 64) - 1


def recipe_row(seed, count, shift):
    state, out = seed, np.empty(count, dtype=np.int64)
    for i in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out[i] = ((z ^ (z >> 31)) >> 40) - (1 << 23)
    return (out.astype(np.float64) * 2.0 ** -shift).astype(np.float32)


def flint_logsumexp(row):
    flint.ctx.prec = 64
    values = row.astype(np.float64)
    top = float(values.max())
    total = flint.arb(0)
    # The recipe's logits are multiples of 2^-20 below 2^7 in magnitude: z - top is exact in binary64.
    for z in values:
        total += flint.arb(float(z) - top).exp()
    return total.log() + top


def numpy_logsumexp(row):
    x = row.astype(np.float64)
    top = x.max()
    return top + np.log(np.exp(x - top).sum())


def best_ms(function, row, repeats):
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function(row)
        best = min(best, (time.perf_counter() - start) * 1e3)
    return best, value


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rows = [recipe_row(1, 262144, 17), recipe_row(2, 262144, 20)]
    report = {}
    flint_times, widths, numpy_times = [], [], []
    for row in rows:
        t, v = best_ms(flint_logsumexp, row, max(1, repeats // 10))
        flint_times.append(t)
        widths.append(float(v.rad()) * 2)
        t, _ = best_ms(numpy_logsumexp, row, repeats)
        numpy_times.append(t)
    report["flintMilliseconds"] = min(flint_times)
    report["flintMaxWidth"] = max(widths)
    report["numpyMilliseconds"] = min(numpy_times)
    report["flintVersion"] = flint.__version__
    report["numpyVersion"] = np.__version__
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()
