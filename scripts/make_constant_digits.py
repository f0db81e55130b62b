#!/usr/bin/env python3
"""Writes Tests/MultiPrecisionTests/Fixtures/constants.txt: pi, e, log 2 and log 10 to
1000 significant decimal digits, computed by mpmath (an implementation independent of MPFR).

Each line is `name digits`, the digits truncated (not rounded) after 1000 significant
digits and written as d.ddd…, so a test can compare a prefix without rounding questions.
Run: python3 scripts/make_constant_digits.py
"""
import pathlib
import mpmath

SIGNIFICANT = 1000
mpmath.mp.dps = SIGNIFICANT + 50  # guard digits so that truncation is exact

values = {
    "pi": mpmath.pi,
    "e": mpmath.e,
    "log2": mpmath.log(2),
    "log10": mpmath.log(10),
}

lines = []
for name, value in values.items():
    text = mpmath.nstr(+value, SIGNIFICANT + 30, strip_zeros=False)
    mantissa = text.replace(".", "")
    if text.startswith("0."):
        mantissa = mantissa.lstrip("0")
        # log 2 = 0.693…: keep the leading zero's position explicit
        digits = "0." + mantissa[:SIGNIFICANT]
    else:
        digits = mantissa[0] + "." + mantissa[1:SIGNIFICANT]
    lines.append(f"{name} {digits}")

out = pathlib.Path(__file__).resolve().parent.parent / "Tests/MultiPrecisionTests/Fixtures/constants.txt"
out.write_text("\n".join(lines) + "\n")
print(f"wrote {out}")
