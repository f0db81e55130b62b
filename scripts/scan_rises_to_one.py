#!/usr/bin/env python3
"""Numerical scans behind Proofs/limit-to-one.md (statement 4 and Edges), with mpmath.

Not part of any proof: the machine proof is `perplexed verify rises-to-one-window`. This script
prints (1) the smallest Q/P over a grid of the window's box a in {0, 0.5, 0.9, 0.99, 1 - 1e-6, 1},
u = k/100 (k = 1..144), r = k/200 (k = 1..100), where gamma = e^(-1/u) and gamma' = gamma^(1/r);
(2) at a = 1, where the rise of a' in the shift starts, as log(gamma')/log(gamma), for several gamma.

Run: Benchmarks/.venv/bin/python scripts/scan_rises_to_one.py   (needs mpmath; about a minute)
"""
from mpmath import mp, mpf, log, exp, diff

mp.dps = 80


def q_over_p(a, u, r):
    g = exp(-1 / u)
    v = r * u
    gp = exp(-1 / v)
    p = -a * log(1 - g) + (1 - a) / u
    lam = log(1 - gp)
    m = 1 + v * lam
    n = 1 - p * v
    m_prime = lam - gp / (v * (1 - gp))
    return (p * m + n * m_prime) / p


def critical(a, g, w):
    """a' as a function of w = -log(1 - s)."""
    gp = g * exp(-w)
    base = -a * log(1 - g) - (1 - a) * log(g)
    return (base + log(gp)) / (log(gp) - log(1 - gp))


def main():
    for a in [mpf(0), mpf("0.5"), mpf("0.9"), mpf("0.99"), 1 - mpf("1e-6"), mpf(1)]:
        best = min((q_over_p(a, mpf(k) / 100, mpf(j) / 200), k, j) for k in range(1, 145) for j in range(1, 101))
        print(f"a = {float(a):.6f}: min Q/P = {float(best[0]):.6f} at u = {best[1]}/100, r = {best[2]}/200")
    for e in [2, 6, 30]:
        g = mpf(10) ** (-e)
        last = max((mpf(k) / 10 for k in range(1, 400) if diff(lambda w: critical(1, g, w), mpf(k) / 10) <= 0), default=None)
        ratio = (log(g) - last) / log(g)
        print(f"a = 1, gamma = 1e-{e}: the rise starts near log(gamma')/log(gamma) = {float(ratio):.3f} (s = {float(1 - exp(-last)):.6f})")


if __name__ == "__main__":
    main()
