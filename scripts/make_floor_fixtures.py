#!/usr/bin/env python3
"""Recompute the model floor ε_model (Proofs/model-floor.md) independently, in numpy float64,
for the fixtures of Tests/ExperimentsTests/ModelFloorTests.swift.

Writes Tests/ExperimentsTests/Fixtures/model_floor.json:
- "heads": small output heads whose float32 weights are drawn from SplitMix64 (scripts/splitmix.py,
  the generator Kernels.SplitMix64 implements) in a fixed order, so Swift rebuilds the same heads:
  gain (d values), then the norm's bias (d, LayerNorm only), the unembedding (V rows of d), the
  output bias (V, if any). Each draw z gives offset + scale·((⌊z/2^40⌋ − 2^23)/2^23) in binary64,
  rounded to float32.
- "gemma": the floor of Gemma 3 270M (the GGUF file's final RMSNorm gain and token embeddings,
  dequantised by the gguf package's own code), if the file is present.

For each: −log ε_model, the token that attains it, and a tolerance covering this float64
computation's own rounding: each r_u = √d‖P(g⊙W_u)‖ is within about (d + 2)·2^−53 of itself,
relatively, and the log-sum-exps within a few ulps, so the tolerance is
4·(d + 2)·2^−53·reach + 16·2^−53·|value| + 1e-12, with reach = max |logit bound|.

The definition computed (the same as the Swift code's, written separately):
  c_u = W_u·β + b_u, r_u = √d‖P(g⊙W_u)‖₂ (P subtracts the mean for LayerNorm, else identity),
  lo_u = cap(c_u − r_u), hi_u = cap(c_u + r_u), cap(z) = c·tanh(z/c) or z.
  pairwise (V²·d ≤ 2^22): D_uv = c_u − c_v + √d‖P(g⊙(W_u − W_v))‖₂, with a cap min(max(D_uv, 0), hi_u − lo_v);
                          −log B_v = log(1 + Σ_{u≠v} e^{D_uv}).
  per-logit (otherwise):  −log B_v = log(1 + e^{−lo_v} Σ_{u≠v} e^{hi_u}).
  −log ε_model = max_v −log B_v.

Run: /work/main/Benchmarks/.venv/bin/python scripts/make_floor_fixtures.py [PATH.gguf]
(any Python with numpy, and gguf for the Gemma part; default path
~/.cache/perplexed/models/gemma-3-270m-q4_k_m.gguf).
"""
import hashlib
import json
import os
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from splitmix import splitmix64  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/ExperimentsTests/Fixtures/model_floor.json"
DEFAULT = pathlib.Path.home() / ".cache/perplexed/models/gemma-3-270m-q4_k_m.gguf"
U = 2.0 ** -53

# name, norm, V, d, seed, (gain offset, gain scale), bias scale, W scale, output-bias scale or None, softcap or None
HEADS = [
    ("layer-pairwise", "layer", 3, 64, 11, (1.0, 0.5), 0.3, 1.0, None, None),
    ("rms-pairwise", "rms", 3, 16, 12, (1.5, 1.0), 0.0, 2.0, None, None),
    ("rms-per-logit", "rms", 5000, 32, 13, (1.0, 0.9), 0.0, 1.0, None, None),
    ("layer-per-logit-bias", "layer", 3000, 16, 14, (0.5, 0.5), 1.0, 1.5, 2.0, None),
    ("rms-per-logit-softcap", "rms", 3000, 8, 15, (2.0, 1.0), 0.0, 3.0, None, 5.0),
    ("layer-pairwise-softcap-bias", "layer", 4, 8, 16, (1.0, 1.0), 0.5, 2.0, 1.0, 3.0),
]


def head_values(norm, V, d, seed, gain_spec, bias_scale, w_scale, out_bias_scale):
    """One stream for the whole head, in the documented order."""
    gen = splitmix64(seed)

    def take(count, offset, scale):
        # offset + scale·(k/2^23) in binary64 (k/2^23 is exact), then rounded to float32 (to nearest, ties to even).
        vals = [offset + scale * (((next(gen) >> 40) - (1 << 23)) / float(1 << 23)) for _ in range(count)]
        return np.array(vals, dtype=np.float64).astype(np.float32).astype(np.float64)

    gain = take(d, *gain_spec)
    beta = take(d, 0.0, bias_scale) if norm == "layer" else None
    W = take(V * d, 0.0, w_scale).reshape(V, d)
    b = take(V, 0.0, out_bias_scale) if out_bias_scale is not None else None
    return gain, beta, W, b


def project(a, layer):
    return a - a.mean(axis=-1, keepdims=True) if layer else a


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def floor(norm, gain, beta, W, b, softcap):
    V, d = W.shape
    layer = norm == "layer"
    c = (W @ beta if beta is not None else np.zeros(V)) + (b if b is not None else 0.0)
    r = np.sqrt(d) * np.sqrt(np.sum(project(W * gain, layer) ** 2, axis=1))
    cap = (lambda z: softcap * np.tanh(z / softcap)) if softcap is not None else (lambda z: z)
    lo, hi = cap(c - r), cap(c + r)
    reach = float(max(np.max(np.abs(lo)), np.max(np.abs(hi))))
    if V * V <= (1 << 22) // d:
        method = "pairwise"
        neg = np.empty(V)
        for v in range(V):
            others = [u for u in range(V) if u != v]
            diff = project((W[others] - W[v]) * gain, layer)
            D = c[others] - c[v] + np.sqrt(d) * np.sqrt(np.sum(diff ** 2, axis=1))
            if softcap is not None:
                D = np.minimum(np.maximum(D, 0.0), hi[others] - lo[v])
            neg[v] = np.logaddexp(0.0, logsumexp(D))
    else:
        method = "per-logit"
        # log Σ_{u≠v} e^{hi_u} from prefix and suffix log-sum-exps (nothing subtracted).
        pre = np.concatenate([[-np.inf], np.logaddexp.accumulate(hi)[:-1]])
        suf = np.concatenate([np.logaddexp.accumulate(hi[::-1])[::-1][1:], [-np.inf]])
        without = np.logaddexp(pre, suf)
        neg = np.logaddexp(0.0, -lo + without)
    v = int(np.argmax(neg))
    value = float(neg[v])
    tolerance = 4 * (d + 2) * U * reach + 16 * U * abs(value) + 1e-12
    return {"method": method, "negative_log_epsilon": value, "token": v, "tolerance": tolerance, "reach": reach}


def gemma(path):
    import gguf
    from gguf import quants
    reader = gguf.GGUFReader(str(path))
    tensors = {t.name: t for t in reader.tensors}
    head = tensors.get("output.weight", tensors["token_embd.weight"])
    W = quants.dequantize(head.data, head.tensor_type).astype(np.float64)
    gain = np.asarray(tensors["output_norm.weight"].data, dtype=np.float64)
    softcap = None
    field = reader.fields.get("gemma3.final_logit_softcapping")
    if field is not None:
        softcap = float(field.parts[field.data[0]][0])
    result = floor("rms", gain, None, W, None, softcap)
    digest = hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()
    result.update({"file": pathlib.Path(path).name, "sha256": digest, "vocabulary_size": int(W.shape[0]), "width": int(W.shape[1]),
                   "softcap": softcap})
    return result


def main():
    heads = []
    for name, norm, V, d, seed, gain_spec, bias_scale, w_scale, out_bias_scale, softcap in HEADS:
        gain, beta, W, b = head_values(norm, V, d, seed, gain_spec, bias_scale, w_scale, out_bias_scale)
        entry = {"name": name, "norm": norm, "vocabulary_size": V, "width": d, "seed": seed,
                 "gain": list(gain_spec), "bias_scale": bias_scale, "unembedding_scale": w_scale,
                 "output_bias_scale": out_bias_scale, "softcap": softcap}
        entry.update(floor(norm, gain, beta, W, b, softcap))
        heads.append(entry)
        print(name, entry["method"], entry["negative_log_epsilon"], entry["token"])
    out = {"generator": "scripts/make_floor_fixtures.py", "heads": heads}
    path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PERPLEXED_GEMMA_GGUF", DEFAULT))
    if path.exists():
        out["gemma"] = gemma(path)
        print("gemma", out["gemma"]["negative_log_epsilon"], out["gemma"]["token"])
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
