#!/usr/bin/env python3
"""Independent reference values for PerplexityTheory, computed with mpmath at 60 digits.

Writes Tests/PerplexityTheoryTests/Fixtures/theory.json. Every formula is written here from
the paper's text (see ../shared/paper/NOTES.md), not from the Swift code, so the tests compare
two independent implementations. Inputs are exact decimal strings (read as rationals on both
sides); outputs are decimal strings with 60 significant digits.

Usage: python3 scripts/make_theory_fixtures.py   (needs mpmath)
"""
import json
import os
from fractions import Fraction

import mpmath
from mpmath import mp, mpf

mp.dps = 60
DIGITS = 60


def q(text):
    """The exact rational of decimal text, as an mpf at the working precision."""
    f = Fraction(text)
    return mpf(f.numerator) / f.denominator


def s(x):
    return mpmath.nstr(x, DIGITS, min_fixed=-5, max_fixed=5, strip_zeros=False)


def pplx(a, g):
    return -a * mpmath.log1p(-g), -(1 - a) * mpmath.log(g)


def critical(a, g, d):
    # Eq. 11 exactly as printed in the paper.
    gp = g - d
    if gp == 0:
        return mpf(1)
    L = sum(pplx(a, g))
    return (L + mpmath.log(gp)) / (mpmath.log(gp) - mpmath.log(1 - gp))


def tempered(g, theta, V):
    # p_i^(1/theta) renormalised, chosen symbol 1-g, V-1 others sharing g evenly.
    chosen = (1 - g) ** (1 / theta)
    other = (g / (V - 1)) ** (1 / theta)
    return (V - 1) * other / (chosen + (V - 1) * other)


def temperature(g, gt, V):
    return mpmath.log((1 - g) * (V - 1) / g) / mpmath.log((1 - gt) * (V - 1) / gt)


def entropy(a):
    out = mpf(0)
    if a > 0:
        out -= a * mpmath.log(a)
    if a < 1:
        out -= (1 - a) * mpmath.log(1 - a)
    return out


def bisect(f, lo, hi):
    """Plain bisection to 200 bits for a sign change of f on [lo, hi]."""
    flo = f(lo)
    for _ in range(400):
        mid = (lo + hi) / 2
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return (lo + hi) / 2


def fit_gamma(L, a):
    f = lambda g: -a * mpmath.log1p(-g) - (1 - a) * mpmath.log(g) - L
    H = entropy(a)
    out = {"entropy": s(H)}
    if L < H:
        out["fits"] = False
        return out
    out["fits"] = True
    pivot = 1 - a
    # The confident root can be astronomically small (L = 2, a = 0.99 gives about 1e-87), so it is
    # bracketed in log g; the diffident one is bracketed in log(1 - g) for the same reason.
    out["confident"] = s(mpmath.exp(bisect(lambda t: f(mpmath.exp(t)), mpf(-100000), mpmath.log(pivot)))) if pivot > 0 else None
    out["diffident"] = s(-mpmath.expm1(bisect(lambda t: f(-mpmath.expm1(t)), mpmath.log1p(-pivot) if pivot > 0 else mpf(0), mpf(-100000)))) if pivot < 1 else None
    return out


def main():
    fx = {"digits": DIGITS, "generator": "scripts/make_theory_fixtures.py (mpmath %s)" % mpmath.__version__}

    grid_a = ["0", "0.1", "0.5", "0.73", "0.9", "0.99", "1"]
    grid_g = ["0.001", "0.01", "0.05", "0.1", "0.2", "0.3", "0.4", "0.49"]
    fx["pplx"] = []
    for a in grid_a:
        for g in grid_g:
            r, w = pplx(q(a), q(g))
            fx["pplx"].append({"accuracy": a, "gamma": g, "onRight": s(r), "onWrong": s(w), "total": s(r + w)})

    fx["critical"] = []
    for a in ["0", "0.3", "0.5", "0.6", "0.7", "0.8", "0.9", "0.95", "1"]:
        for g in ["0.01", "0.05", "0.1", "0.2", "0.3", "0.4", "0.45"]:
            for sh in ["0", "0.01", "0.25", "0.5", "0.75", "0.9", "0.99", "1"]:
                d = q(g) * q(sh)
                delta = str(Fraction(g) * Fraction(sh))
                fx["critical"].append({"accuracy": a, "gamma": g, "shift": sh, "delta": delta, "critical": s(critical(q(a), q(g), d))})

    fx["temperature"] = []
    for g in ["0.01", "0.1", "0.3", "0.45", "0.7"]:
        for theta in ["0.25", "0.5", "1", "1.5", "3"]:
            for V in [2, 3, 10, 50000]:
                if Fraction(g) >= Fraction(V - 1, V):
                    continue
                gp = tempered(q(g), q(theta), V)
                fx["temperature"].append({"gamma": g, "theta": theta, "vocabulary": V, "temperedGamma": s(gp)})

    fx["inverseTemperature"] = []
    for g, gt, V in [("0.1", "0.01", 2), ("0.1", "0.3", 2), ("0.4", "0.05", 2), ("0.01", "0.2", 2),
                     ("0.3", "0.1", 3), ("0.3", "0.6", 3), ("0.01", "0.5", 1000), ("0.2", "0.02", 10)]:
        fx["inverseTemperature"].append({"gamma": g, "targetGamma": gt, "vocabulary": V, "theta": s(temperature(q(g), q(gt), V))})

    fx["sampling"] = []
    for g in ["0", "0.0001", "0.001", "0.01", "0.1", "0.4"]:
        for N in [1, 10, 100, 1000]:
            for e in ["0", "0.001"]:
                G, E = q(g), q(e)
                fx["sampling"].append({
                    "gamma": g, "length": N, "epsilon": e,
                    "copyProbability": s((1 - G) ** N), "failureProbability": s(1 - (1 - G) ** N),
                    "booleBound": s(N * G), "propositionBound": s(N * (G + E)),
                })

    fx["lemmaBound"] = []
    for N in [1, 2, 16, 1000, 10 ** 6]:
        for eta in ["0", "0.001", "0.1", "0.4"]:
            for eps in ["1e-9", "0.001", "0.25", "1"]:
                E = q(eps)
                b = -mpmath.log(E) / N + 2 * q(eta) * (N - 1) / N
                fx["lemmaBound"].append({"length": N, "eta": eta, "floor": eps, "bound": s(b)})

    fx["lemmaThreshold"] = []
    for xi, m, eps, delta in [("0.1", "0.2", "0.001", "0.01"), ("0.01", "0.4", "1e-9", "0.5"),
                              ("1", "0.05", "0.1", "0.001"), ("0.5", "0.45", "0.5", "1"),
                              ("0.2", "0.01", "1e-30", "0.03")]:
        X, M, E, D = (Fraction(v) for v in (xi, m, eps, delta))
        eta = min(M, X / 4)
        continuity = int(1 / D) + 1  # floor for positive rationals
        dilution = int(mpmath.ceil(-2 * mpmath.log(q(eps)) / q(xi))) + 1
        fx["lemmaThreshold"].append({
            "xi": xi, "margin": m, "floor": eps, "delta": delta, "eta": str(eta),
            "continuityLength": continuity, "dilutionLength": dilution, "threshold": max(continuity, dilution),
        })

    fx["printedAppendix"] = []
    for n in [1, 10, 1000]:
        for eps_c in ["0.01", "0.1", "0.4"]:
            for eps in ["1e-6", "0.01", "0.3"]:
                e_c, E = q(eps_c), q(eps)
                v = -(mpmath.log(mpf(1) / 2 + e_c) - mpmath.log(E) + (n - 1) * e_c) / n
                fx["printedAppendix"].append({"length": n, "epsilon": eps_c, "floor": eps, "value": s(v)})

    fx["collapsing"] = []
    for g, N, eta, eps in [("0.1", 100, "0.01", "0.001"), ("0", 10, "0.1", "0.5"), ("0.45", 1000, "0.001", "1e-6")]:
        G = q(g)
        b = -mpmath.log1p(-G) + (-mpmath.log(q(eps)) / N + 2 * q(eta) * (N - 1) / N)
        fx["collapsing"].append({"gamma": g, "length": N, "eta": eta, "floor": eps, "bound": s(b)})

    fx["twoParameter"] = []
    for a, gr, gw, dr, dw in [("0.8", "0.1", "0.3", "0", "0"), ("0.8", "0.1", "0.3", "0.05", "0.1"),
                              ("0.5", "0.2", "0.2", "0.1", "0.1"), ("0.95", "0.01", "0.4", "0.005", "0.39"),
                              ("0.3", "0", "0.5", "0", "0.25"), ("0.7", "0.3", "0.1", "0.2", "0.1")]:
        A, GR, GW, DR, DW = (q(v) for v in (a, gr, gw, dr, dw))
        right, wrong = -A * mpmath.log1p(-GR), -(1 - A) * mpmath.log(GW)
        L = right + wrong
        nw = GW - DW
        crit = mpf(1) if nw == 0 else (L + mpmath.log(nw)) / (mpmath.log(nw) - mpmath.log(1 - GR + DR))
        fx["twoParameter"].append({"accuracy": a, "gammaRight": gr, "gammaWrong": gw, "deltaRight": dr, "deltaWrong": dw,
                                   "onRight": s(right), "onWrong": s(wrong), "critical": s(crit)})

    fx["fitGamma"] = []
    for L, a in [("0.5", "0.8"), ("1", "0.5"), ("0.7", "0.5"), ("0.3", "0.9"), ("2", "0.99"), ("0.6", "0"),
                 ("0.2", "1"), ("0.69", "0.5"), ("3", "0.3"), ("30", "0.999")]:
        row = {"logPerplexity": L, "accuracy": a}
        row.update(fit_gamma(q(L), q(a)))
        fx["fitGamma"].append(row)

    fx["gradient"] = []
    for K, dists, targets in [("1", [["0.9", "0.1"], ["0.2", "0.8"]], [0, 0]),
                              ("2.5", [["0.5", "0.25", "0.25"], ["1", "0", "0"], ["0.1", "0.1", "0.8"]], [1, 0, 2])]:
        total = mpf(0)
        for p, y in zip(dists, targets):
            total += mpmath.sqrt(sum((q(pj) - (1 if j == y else 0)) ** 2 for j, pj in enumerate(p)))
        fx["gradient"].append({"jacobianBound": K, "distributions": dists, "targets": targets, "bound": s(q(K) * total / len(dists))})

    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "Tests", "PerplexityTheoryTests", "Fixtures", "theory.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + ".tmp", "w") as f:
        json.dump(fx, f, indent=1)
        f.write("\n")
    os.replace(out + ".tmp", out)
    print("wrote", os.path.normpath(out), {k: len(v) for k, v in fx.items() if isinstance(v, list)})


if __name__ == "__main__":
    main()
