#!/usr/bin/env python3
"""Writes rng.json: reference outputs of SplitMix64 and xoshiro256** for KernelsTests.

An independent implementation from the published algorithms, in plain Python integers
(masked to 64 bits), so the Swift generators are checked against something they share no
code with:
  - SplitMix64: Steele, Lea and Flood, "Fast splittable pseudorandom number generators"
    (OOPSLA 2014), as in Vigna's splitmix64.c.
  - xoshiro256**: Blackman and Vigna, "Scrambled linear pseudorandom number generators"
    (2018/2021), xoshiro256starstar.c, with the state taken from four SplitMix64 outputs.

Run from anywhere: python3 make_rng_fixture.py (writes rng.json beside this script).
"""
import json
import os

MASK = (1 << 64) - 1


def splitmix64(seed):
    state = seed & MASK
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def xoshiro256starstar(seed):
    mix = splitmix64(seed)
    s = [next(mix) for _ in range(4)]
    while True:
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        yield result


def take(generator, n):
    return [next(generator) for _ in range(n)]


SEEDS = [0, 1, 3, 42, 0x5DEECE66D1CE5EED, MASK]
COUNT = 8

fixture = {
    "splitMix64": [{"seed": str(seed), "outputs": [str(v) for v in take(splitmix64(seed), COUNT)]} for seed in SEEDS],
    "xoshiro256StarStar": [
        {"seed": str(seed), "outputs": [str(v) for v in take(xoshiro256starstar(seed), COUNT)]} for seed in SEEDS
    ],
}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rng.json")
with open(path, "w") as f:
    json.dump(fixture, f, indent=2)
    f.write("\n")
