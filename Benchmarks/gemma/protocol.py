"""The protocol every Gemma peer follows (bench_torch.py, bench_llamacpp.py), shared so that
they time the same thing as `perplexed model bench`: its token ids and its arguments."""
import argparse


def prompt_ids(n: int) -> list[int]:
    """The ids of `perplexed model bench`: 2 (BOS), then an arithmetic sequence."""
    return [2] + [(7919 * i) % 200_000 + 1000 for i in range(1, n)]


def arguments() -> argparse.Namespace:
    """MODEL.gguf --threads 2 --prompt-lengths 512 1024 --decode 64 --repeats 3."""
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-lengths", type=int, nargs="+", default=[512, 1024])
    ap.add_argument("--decode", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    return ap.parse_args()
