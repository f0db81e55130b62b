#!/usr/bin/env bash
# Gemma 3 speed: perplexed (Swift, float32, OpenBLAS) against PyTorch transformers (float32)
# on the same GGUF file, 2 threads each, one after the other in one run. Prints a Markdown
# table with ratios (perplexed / PyTorch), the date, the machine and its load.
#
#   Benchmarks/gemma/run.sh [MODEL.gguf] [--decode N] [--repeats N]
#
# MODEL defaults to the file `perplexed model fetch gemma3-270m` keeps (fetched if absent).
# The Python side needs a virtualenv with torch (CPU), transformers, gguf, accelerate; it is
# made in Benchmarks/.venv on first use (set PYTHON to use another interpreter).
set -euo pipefail
cd "$(dirname "$0")/../.."

MODEL=""
DECODE=64
REPEATS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --decode) DECODE="$2"; shift 2 ;;
    --repeats) REPEATS="$2"; shift 2 ;;
    *) MODEL="$1"; shift ;;
  esac
done

swift build -c release --product perplexed >&2
BIN=.build/release/perplexed
[ -n "$MODEL" ] || MODEL=$("$BIN" model fetch gemma3-270m | tail -1)

PYTHON=${PYTHON:-Benchmarks/.venv/bin/python}
if ! "$PYTHON" -c "import torch, transformers, gguf, accelerate" 2>/dev/null; then
  echo "setting up Benchmarks/.venv (torch CPU, transformers, gguf, accelerate)" >&2
  python3 -m venv Benchmarks/.venv
  PYTHON=Benchmarks/.venv/bin/python
  # torch's default Linux wheel pulls gigabytes of CUDA libraries: take the CPU build when
  # the package index offers it, otherwise torch without dependencies plus its small ones.
  "$PYTHON" -m pip install -q --disable-pip-version-check "torch==2.13.0+cpu" 2>/dev/null \
    || "$PYTHON" -m pip install -q --disable-pip-version-check --no-deps torch
  "$PYTHON" -m pip install -q --disable-pip-version-check filelock typing-extensions sympy networkx jinja2 \
    fsspec mpmath numpy gguf transformers accelerate psutil pyyaml >&2
fi

# Other jobs on the machine slow whichever side runs while they do: run both sides ROUNDS
# times, alternating, and keep each side's best figures.
ROUNDS=${ROUNDS:-2}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
OURS="" THEIRS=""
for _ in $(seq "$ROUNDS"); do
  OURS="$OURS$("$BIN" model bench --model "$MODEL" --threads 2 --decode "$DECODE" --repeats "$REPEATS" --format json | tr -d '\n')"$'\n'
  THEIRS="$THEIRS$("$PYTHON" Benchmarks/gemma/bench_torch.py "$MODEL" --threads 2 --decode "$DECODE" --repeats "$REPEATS" 2>/dev/null)"$'\n'
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

OURS="$OURS" THEIRS="$THEIRS" LOAD_BEFORE="$LOAD_BEFORE" LOAD_AFTER="$LOAD_AFTER" MODEL="$MODEL" python3 - <<'PY'
import json, os, platform, subprocess, datetime
def best(lines):
    runs = [json.loads(l) for l in lines.splitlines() if l.strip()]
    out = dict(runs[0])
    out["prompt_tokens_per_second"] = {n: max(r["prompt_tokens_per_second"][n] for r in runs) for n in runs[0]["prompt_tokens_per_second"]}
    out["prompt_cpu_seconds"] = {n: min(r["prompt_cpu_seconds"][n] for r in runs) for n in runs[0]["prompt_cpu_seconds"]}
    out["decode_tokens_per_second"] = max(r["decode_tokens_per_second"] for r in runs)
    out["load_seconds"] = min(r["load_seconds"] for r in runs)
    out["rounds"] = len(runs)
    return out
ours, theirs = best(os.environ["OURS"]), best(os.environ["THEIRS"])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
mem = next((int(l.split()[1]) // (1024 * 1024) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
print(f"Gemma 3 speed, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
print(f"machine: {cpu}, {os.cpu_count()} cores, {mem} GiB, {platform.system()} {platform.release()}")
print(f"model: {os.path.basename(os.environ['MODEL'])}; both float32, 2 threads; best of {ours['rounds']} alternating rounds x repeats")
print(f"peer: {theirs['implementation']}; load average before {os.environ['LOAD_BEFORE']}, after {os.environ['LOAD_AFTER']}")
print()
print("| measure | perplexed (tokens/s) | PyTorch (tokens/s) | ratio | goal |")
print("| --- | ---: | ---: | ---: | ---: |")
for n, r in ours["prompt_tokens_per_second"].items():
    t = theirs["prompt_tokens_per_second"][n]
    print(f"| prompt, {n} tokens | {r:.1f} | {t:.1f} | {r / t:.2f}x | >= 1.0x |")
r, t = ours["decode_tokens_per_second"], theirs["decode_tokens_per_second"]
print(f"| greedy decoding, {ours['decode_steps']} steps | {r:.2f} | {t:.2f} | {r / t:.2f}x | >= 2.0x |")
print()
cpu = ", ".join(f"{n} tokens {ours['prompt_cpu_seconds'][n]:.2f} s vs {theirs['prompt_cpu_seconds'][n]:.2f} s"
                for n in ours["prompt_cpu_seconds"])
print(f"prompt CPU time, all threads, perplexed vs PyTorch (work done, less sensitive to other jobs): {cpu}")
same = ours["generated"] == theirs["generated"]
print(f"greedy tokens identical in both: {same}")
print(f"load time: perplexed {ours['load_seconds']:.1f} s, PyTorch {theirs['load_seconds']:.1f} s")
PY
