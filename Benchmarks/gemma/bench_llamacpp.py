#!/usr/bin/env python3
"""llama.cpp peer of `perplexed model bench` (through llama-cpp-python, built from source by
pip): the same GGUF file with its quantised weights (llama.cpp computes on the Q4_K / Q6_K /
Q8_0 blocks directly), the same token ids and protocol as bench_torch.py (best of N runs; a
prompt pass of N tokens that yields the next-token logits; decoding = greedy steps through the
KV cache after a 16-token prompt, each producing full-vocabulary logits). Prints JSON.

Usage: bench_llamacpp.py MODEL.gguf --threads 2 --prompt-lengths 512 1024 --decode 64 --repeats 3
"""
import json
import time

import llama_cpp
import numpy as np

from protocol import arguments, prompt_ids


def main() -> None:
    a = arguments()
    longest = max(a.prompt_lengths)
    t0 = time.perf_counter()
    # One batch holds the longest prompt, so a prompt pass is one llama_decode call, as ours is.
    llm = llama_cpp.Llama(model_path=a.model, n_ctx=max(longest, 16 + a.decode) + 8, n_batch=longest,
                          n_ubatch=longest, n_threads=a.threads, n_threads_batch=a.threads,
                          logits_all=False, verbose=False)
    load = time.perf_counter() - t0

    prompt, prompt_cpu = {}, {}
    for n in a.prompt_lengths:
        ids = prompt_ids(n)
        best, best_cpu = float("inf"), float("inf")
        for _ in range(a.repeats):
            llm.reset()
            t, cpu = time.perf_counter(), time.process_time()
            llm.eval(ids)
            best = min(best, time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - cpu)
        prompt[str(n)] = n / best
        prompt_cpu[str(n)] = best_cpu

    best, generated = float("inf"), []
    for _ in range(a.repeats):
        llm.reset()
        llm.eval(prompt_ids(16))
        tokens = []
        t = time.perf_counter()
        for _ in range(a.decode):
            # Greedy: the arg max of the last position's logits (ties to the lower id, as ours).
            # Without logits_all, llama-cpp-python leaves them in the context, not in `scores`.
            nxt = int(np.argmax(np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),))))
            tokens.append(nxt)
            llm.eval([nxt])
        best = min(best, time.perf_counter() - t)
        generated = tokens
    print(json.dumps({
        "implementation": f"llama.cpp through llama-cpp-python {llama_cpp.__version__} (quantised weights)",
        "load_seconds": load, "prompt_tokens_per_second": prompt, "prompt_cpu_seconds": prompt_cpu,
        "decode_steps": a.decode, "decode_tokens_per_second": a.decode / best, "generated": generated,
    }))


if __name__ == "__main__":
    main()
