#!/usr/bin/env python3
"""The same certified regions table, written plainly: python-flint (arb balls) and mpmath.iv.

Eq. 11 per point, a' = (pplx(a, g) + log g') / (log g' - log(1 - g')) with g' = g(1 - s), at
166 bits, on the benchmark grid (60,600 points). One run each; prints JSON lines.
"""
import json
import sys
import time
from fractions import Fraction

GAMMAS = ["0.01", "0.05", "0.1", "0.2", "0.3", "0.4"]
A = [Fraction(i, 100) for i in range(101)]
S = [Fraction(k, 100) for k in range(100)]
PREC = 166


def flint_run():
    import flint
    flint.ctx.prec = PREC
    arb = flint.arb
    q = lambda f: arb(f.numerator) / f.denominator
    start = time.perf_counter()
    total, n = 0.0, 0
    for gs in GAMMAS:
        g = Fraction(gs)
        for a in A:
            for s in S:
                G, Aa = q(g), q(a)
                L = -Aa * (1 - G).log() - (1 - Aa) * G.log()
                gp = q(g * (1 - s))
                lgp = gp.log()
                crit = (L + lgp) / (lgp - (1 - gp).log())
                total += float(crit.mid())
                n += 1
    return time.perf_counter() - start, n, total


def mpmath_run():
    from mpmath import iv
    iv.prec = PREC
    q = lambda f: iv.mpf(f.numerator) / f.denominator
    start = time.perf_counter()
    total, n = 0.0, 0
    for gs in GAMMAS:
        g = Fraction(gs)
        for a in A:
            for s in S:
                G, Aa = q(g), q(a)
                L = -Aa * iv.log(1 - G) - (1 - Aa) * iv.log(G)
                gp = q(g * (1 - s))
                lgp = iv.log(gp)
                crit = (L + lgp) / (lgp - iv.log(1 - gp))
                total += float(crit.mid)
                n += 1
    return time.perf_counter() - start, n, total


if __name__ == "__main__":
    which = sys.argv[1]
    seconds, n, total = {"flint": flint_run, "mpmath": mpmath_run}[which]()
    print(json.dumps({"impl": which, "points": n, "seconds": seconds, "checksum": total}))
