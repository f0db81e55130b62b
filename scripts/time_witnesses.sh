#!/usr/bin/env bash
# Times `perplexed witness` on Gemma 3 270M at the given lengths and prints a Markdown record
# (command, output, wall/user/system time, peak memory, the machine's load before and after).
# Usage: scripts/time_witnesses.sh [LENGTH ...]   (default 64 256); builds the release binary.
# The model must be fetched first: perplexed model fetch gemma3-270m.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then lengths=("$@"); else lengths=(64 256); fi
swift build -c release --product perplexed >/dev/null
bin="$(swift build -c release --show-bin-path)/perplexed"
model="${PERPLEXED_MODEL:-$HOME/.cache/perplexed/models/gemma-3-270m-q4_k_m.gguf}"
[ -f "$model" ] || { echo "no model at $model: run 'perplexed model fetch gemma3-270m' first" >&2; exit 1; }
cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
echo "# Witness timings on Gemma 3 270M, $(date -u +%Y-%m-%dT%H:%MZ), revision $(git rev-parse --short HEAD)"
echo "machine:  $cpu, $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${lengths[@]}"; do
    echo
    echo "## perplexed witness --model $(basename "$model") --length $n"
    echo '```'
    /usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M kB" "$bin" witness --model "$model" --length "$n" 2>&1
    echo '```'
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
