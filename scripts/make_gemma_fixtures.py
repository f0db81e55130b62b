#!/usr/bin/env python3
"""Make the Gemma reference fixtures with PyTorch `transformers` (an independent
implementation) reading the same GGUF file, dequantised to float32.

Writes Tests/GemmaTests/Fixtures/tokenizer.json, logits.json and incomplete_gemma3.gguf
(a tiny GGUF without the keys a model needs, for the bad-input tests).
- tokenizer.json: for each string, the ids transformers' tokenizer (built from the GGUF
  vocabulary) gives with BOS, and its decoding of those ids.
- logits.json: for each prompt, its ids, and at the last position the top-10 token ids and
  logits, the log-sum-exp, mean and standard deviation of all 262144 logits; the greedy
  argmax at every position; and an 8-token greedy continuation.
Only summaries are stored so the fixture stays a few KB.

Run: scripts/.venv/bin/python scripts/make_gemma_fixtures.py [PATH.gguf]
(default ~/.cache/perplexed/models/gemma-3-270m-q4_k_m.gguf, as `perplexed model fetch
gemma3-270m` leaves it). Needs gguf, torch (CPU), transformers, sentencepiece, protobuf.
"""
import json
import os
import pathlib
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

DEFAULT = pathlib.Path.home() / ".cache/perplexed/models/gemma-3-270m-q4_k_m.gguf"
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/GemmaTests/Fixtures"

STRINGS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "  two leading spaces and   three inside",
    "tabs\tand\nnewlines\n\n\nand more",
    "0 1 0 1 1 0 | 0 1 0 1 1 0",
    "0000000000000000|",
    "Copy: 0101 -> 0101\nCopy: 0011 ->",
    "naïve café déjà vu — “quotes” ‘single’ …",
    "日本語のテキストと中文文本",
    "emoji 🙂👍🏽 and symbols ∑∫√ ≤ ≥",
    "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
    "def f(x):\n    return x ** 2  # square",
    "rare bytes: \u0001\u007f and a private-use char \ue000",
    "1234567890 3.14159 -42 1e-9",
    "",
    " ",
    "a",
    "\u0140 \u01c5 \ufb01 \ufb03 \u00c5 \u212b A\u030a",  # canonically equivalent spellings must stay distinct
]

PROMPTS = [
    "The capital of France is",
    "Copy the bits exactly.\nInput: 0 1 1 0 1 |\nOutput: 0 1 1 0 1\nInput: 0 0 0 0 1 |\nOutput:",
    "def fibonacci(n):\n    ",
    "Once upon a time, in a land far away,",
    # Longer than the 512-token sliding window, so local layers must drop the oldest keys
    # (about 760 tokens).
    " ".join(f"Note {i}: the {['red', 'green', 'blue', 'old', 'new'][i % 5]} box holds {i * 7 % 31} stones." for i in range(60))
    + " Which box holds the most stones? The",
]


def write_incomplete_gemma() -> None:
    """A 1 KB file that claims to be gemma3 but lacks gemma3.block_count (and all tensors)."""
    import gguf
    w = gguf.GGUFWriter(str(OUT / "incomplete_gemma3.gguf"), arch="gemma3")
    w.add_uint32("gemma3.embedding_length", 8)
    w.add_uint32("gemma3.context_length", 16)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main() -> None:
    write_incomplete_gemma()
    path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PERPLEXED_GEMMA_GGUF", DEFAULT))
    torch.set_num_threads(2)
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
    model.eval()

    tokenizer_cases = []
    for s in STRINGS:
        ids = tok(s)["input_ids"]
        tokenizer_cases.append({"text": s, "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=True)})
    (OUT / "tokenizer.json").write_text(json.dumps({"source": f"transformers {__import__('transformers').__version__} AutoTokenizer from {path.name}", "cases": tokenizer_cases}, ensure_ascii=False, indent=1))

    cases = []
    with torch.no_grad():
        for p in PROMPTS:
            ids = tok(p)["input_ids"]
            logits = model(torch.tensor([ids])).logits[0].float()
            last = logits[-1]
            top = torch.topk(last, 10)
            gen = model.generate(torch.tensor([ids]), max_new_tokens=8, do_sample=False)[0][len(ids):].tolist()
            cases.append({
                "prompt": p,
                "ids": ids,
                "top_ids": top.indices.tolist(),
                "top_logits": [round(x, 5) for x in top.values.tolist()],
                "logsumexp": round(torch.logsumexp(last, 0).item(), 5),
                "mean": round(last.mean().item(), 6),
                "std": round(last.std().item(), 6),
                "argmax_each_position": logits.argmax(-1).tolist(),
                "greedy_8": gen,
            })
    (OUT / "logits.json").write_text(json.dumps({
        "source": f"transformers {__import__('transformers').__version__}, torch {torch.__version__}, float32, {path.name}",
        "cases": cases}, ensure_ascii=False, indent=1))
    print("wrote", OUT / "tokenizer.json", OUT / "logits.json")


if __name__ == "__main__":
    main()
