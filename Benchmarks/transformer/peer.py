"""PyTorch peer of Perplexed's Transformer module (same architecture, same optimiser).

  peer.py bench STEPS        time training steps of the reference configuration; prints JSON
  peer.py check CHECKPOINT BITS...
                             load a `perplexed train` checkpoint with the `safetensors` package
                             and print, as JSON, the teacher-forced log-perplexity of copying
                             each bit string (to compare with `perplexed eval --strings`)

Architecture (must match Sources/Transformer): token embedding; RoPE on adjacent pairs
(x[2i], x[2i+1]) with angle t * base^(-2i/head_dim); pre-norm blocks with LayerNorm or RMSNorm
(eps 1e-5), bias-free qkv/proj/fc/proj linears, causal softmax attention with ALiBi biases
when chosen, GELU (tanh); final norm; head (tied or not). AdamW with decay on matrices only.
"""

import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(__import__("os").environ.get("PEER_THREADS", "2")))


class Norm(nn.Module):
    def __init__(self, d, kind):
        super().__init__()
        self.kind = kind
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d)) if kind == "layer" else None

    def forward(self, x):
        if self.kind == "layer":
            return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, 1e-5)
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.weight


def alibi_slopes(n):
    def pow2(n):
        return [2 ** (-8 * (i + 1) / n) for i in range(n)]

    p = 1
    while p * 2 <= n:
        p *= 2
    if p == n:
        return pow2(n)
    return pow2(p) + alibi_slopes(2 * p)[0::2][: n - p]


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dModel"]
        self.c = c
        self.norm1 = Norm(d, c["norm"])
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.proj = nn.Linear(d, d, bias=False)
        self.norm2 = Norm(d, c["norm"])
        self.fc = nn.Linear(d, c["mlpHidden"], bias=False)
        self.fc_proj = nn.Linear(c["mlpHidden"], d, bias=False)

    def forward(self, x, rope, bias):
        B, T, d = x.shape
        H = self.c["heads"]
        hd = d // H
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        q, k, v = (t.view(B, T, H, hd).transpose(1, 2) for t in (q, k, v))
        if rope is not None:
            cos, sin = rope
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, is_causal=bias is None)
        x = x + self.proj(y.transpose(1, 2).reshape(B, T, d))
        return x + self.fc_proj(F.gelu(self.fc(self.norm2(x)), approximate="tanh"))


def rotate(x, cos, sin):
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d = c["dModel"]
        self.tok_emb = nn.Embedding(c["vocabSize"], d)
        self.pos_emb = nn.Embedding(c["maxPositions"], d) if c["position"] == "learned" else None
        self.blocks = nn.ModuleList(Block(c) for _ in range(c["layers"]))
        self.norm_f = Norm(d, c["norm"])
        self.head = None if c["tiedHead"] else nn.Linear(d, c["vocabSize"], bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, tokens):
        B, T = tokens.shape
        c = self.c
        x = self.tok_emb(tokens)
        if self.pos_emb is not None:
            x = x + self.pos_emb(torch.arange(T))
        rope, bias = None, None
        hd = c["dModel"] // c["heads"]
        if c["position"] == "rope":
            i = torch.arange(hd // 2, dtype=torch.float64)
            angle = torch.arange(T, dtype=torch.float64)[:, None] * c["ropeBase"] ** (-2 * i / hd)
            rope = (angle.cos().float(), angle.sin().float())
        elif c["position"] == "alibi":
            t = torch.arange(T)
            dist = (t[:, None] - t[None, :]).float()
            slopes = torch.tensor(alibi_slopes(c["heads"]))[:, None, None]
            bias = (-slopes * dist).masked_fill(dist < 0, float("-inf"))
        for blk in self.blocks:
            x = blk(x, rope, bias)
        x = self.norm_f(x)
        w = self.tok_emb.weight if self.head is None else self.head.weight
        return x @ w.T


REFERENCE = dict(vocabSize=3, dModel=64, heads=4, layers=2, mlpHidden=256, position="rope", norm="layer",
                 tiedHead=False, maxPositions=64, ropeBase=10000.0)


def bench(steps):
    torch.manual_seed(1)
    model = Model(REFERENCE)
    decay = [p for p in model.parameters() if p.dim() == 2 and p is not model.tok_emb.weight]
    other = [p for p in model.parameters() if not (p.dim() == 2 and p is not model.tok_emb.weight)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}],
                            lr=3e-3, betas=(0.9, 0.98), eps=1e-8)
    g = torch.Generator().manual_seed(2)

    def step():
        bits = torch.randint(0, 2, (64, 16), generator=g)
        tokens = torch.cat((bits, torch.full((64, 1), 2), bits), dim=1)  # 33 tokens
        targets = torch.full((64, 33), -1)
        targets[:, 16:32] = bits
        logits = model(tokens)
        loss = F.cross_entropy(logits.view(-1, 3), targets.view(-1), ignore_index=-1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(10):
        step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"train_ms_per_step": elapsed / steps * 1000, "train_steps_per_s": steps / elapsed,
                      "train_cpu_ms_per_step": cpu / steps * 1000,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


def check(path, strings):
    from safetensors import safe_open

    with safe_open(path, "pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    c = json.loads(meta["config"])
    model = Model(c)
    state = {}
    for k, v in tensors.items():
        if k.startswith("optimizer."):
            continue
        state[k.replace("attn.", "").replace("mlp.proj", "fc_proj").replace("mlp.fc", "fc")] = v
    model.load_state_dict(state, strict=True)
    out = {"format": meta["format"], "task": meta.get("task"), "step": meta.get("step"),
           "tensors": len(tensors), "results": []}
    with torch.no_grad():
        for s in strings:
            bits = [int(ch) for ch in s]
            n = len(bits)
            tokens = torch.tensor([bits + [2] + bits])
            logp = torch.log_softmax(model(tokens).double(), dim=-1)[0]
            nll = -sum(logp[n + k, bits[k]].item() for k in range(n)) / n
            out["results"].append({"bits": s, "teacher_forced_log_perplexity": nll})
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "bench":
        bench(int(sys.argv[2]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
