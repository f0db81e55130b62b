#!/usr/bin/env python3
"""PyTorch `transformers` peer of `perplexed model bench`: the same GGUF file dequantised
to float32, the same token ids, the same protocol (best of N runs; prompt pass returns only
the last position's logits via logits_to_keep=1; decoding = greedy steps through the KV
cache after a 16-token prompt, each producing full-vocabulary logits). Prints JSON.

Usage: bench_torch.py MODEL.gguf --threads 2 --prompt-lengths 512 1024 --decode 64 --repeats 3
"""
import json
import pathlib
import time

import torch
from transformers import AutoModelForCausalLM

from protocol import arguments, prompt_ids


def main() -> None:
    a = arguments()
    torch.set_num_threads(a.threads)
    path = pathlib.Path(a.model)
    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
    model.eval()
    load = time.perf_counter() - t0

    prompt, prompt_cpu = {}, {}
    with torch.inference_mode():
        for n in a.prompt_lengths:
            ids = torch.tensor([prompt_ids(n)])
            best, best_cpu = float("inf"), float("inf")
            for _ in range(a.repeats):
                t, cpu = time.perf_counter(), time.process_time()
                model(ids, use_cache=True, logits_to_keep=1)
                best = min(best, time.perf_counter() - t)
                best_cpu = min(best_cpu, time.process_time() - cpu)
            prompt[str(n)] = n / best
            prompt_cpu[str(n)] = best_cpu

        best = float("inf")
        generated = []
        for _ in range(a.repeats):
            out = model(torch.tensor([prompt_ids(16)]), use_cache=True, logits_to_keep=1)
            past, logits = out.past_key_values, out.logits[0, -1]
            generated = []
            t = time.perf_counter()
            for _ in range(a.decode):
                nxt = int(torch.argmax(logits))
                generated.append(nxt)
                out = model(torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
                past, logits = out.past_key_values, out.logits[0, -1]
            best = min(best, time.perf_counter() - t)
    print(json.dumps({
        "implementation": f"transformers {__import__('transformers').__version__}, torch {torch.__version__}",
        "threads": a.threads, "load_seconds": load, "prompt_tokens_per_second": prompt,
        "decode_tokens_per_second": a.decode / best, "prompt_cpu_seconds": prompt_cpu, "decode_steps": a.decode, "generated": generated,
    }))


if __name__ == "__main__":
    main()
