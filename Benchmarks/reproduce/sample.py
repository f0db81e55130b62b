"""Runs `perplexed reproduce` and reports wall time and peak memory per section (see `run`).

Sections are the command's own stage lines ("[12s] training the copy model"), recognised by the
prefixes below; a stage the list does not know joins the section before it, so a renamed stage
shows up as a missing row rather than a wrong one.
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

SECTIONS = [
    "certified Eq. 10",
    "proving the claim catalogue",
    "training the copy model",
    "copy witnesses on Gemma",
    "copy witnesses",
    "temperature sweep",
    "parity study",
    "position schemes",
    "position scheme ",
    "wrote ",
]


def section_of(line):
    """The section a progress line opens, or None."""
    if not line.startswith("["):
        return None
    close = line.find("] ")
    if close < 0 or not line[1:close].rstrip("s").isdigit():
        return None
    text = line[close + 2:].strip()
    for prefix in SECTIONS:
        if text.startswith(prefix):
            if prefix == "wrote ":
                return "writing the report"
            # Position schemes are timed one by one ("position scheme alibi: training 3000 steps").
            return text.split(":")[0] if prefix == "position scheme " else text
    return None


def rss_bytes(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit(f"usage: sample.py PERPLEXED-BINARY [REPRODUCE OPTIONS]; got {sys.argv[1:2] or 'no binary'}")
    binary, options = sys.argv[1], sys.argv[2:]
    out = tempfile.mkdtemp(prefix="perplexed-reproduce-bench-")
    command = [binary, "reproduce", "--out", os.path.join(out, "report"), *options]
    load_before = open("/proc/loadavg").read().split()[:3]
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    sections = []  # [name, start seconds, peak sampled RSS]
    lines = []
    lock = threading.Lock()

    def read():
        for line in child.stdout:
            lines.append(line.rstrip("\n"))
            sys.stderr.write(line)
            name = section_of(line)
            if name is not None:
                with lock:
                    sections.append([name, time.monotonic() - started, 0])

    reader = threading.Thread(target=read)
    reader.start()
    try:
        while child.poll() is None:
            rss = rss_bytes(child.pid)
            with lock:
                if sections:
                    sections[-1][2] = max(sections[-1][2], rss)
            time.sleep(0.1)
    except KeyboardInterrupt:
        # Stop the run with the benchmark, and leave nothing behind.
        child.terminate()
        child.wait()
        reader.join()
        shutil.rmtree(out, ignore_errors=True)
        sys.exit("interrupted: the run was stopped and its directory removed")
    reader.join()
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_after = open("/proc/loadavg").read().split()[:3]
    keep = os.environ.get("KEEP")
    if keep and child.returncode == 0:
        shutil.move(os.path.join(out, "report"), keep)
    shutil.rmtree(out, ignore_errors=True)

    cpu_model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    print(f"# `{' '.join(['perplexed', 'reproduce', *options])}`")
    print()
    print(f"Revision {git('rev-parse', '--short', 'HEAD')}{' (with uncommitted changes)' if git('status', '--porcelain', '--untracked-files=no') else ''}; "
          f"{cpu_model}, {os.cpu_count()} cores; load average before {' '.join(load_before)}, after {' '.join(load_after)}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")
    print()
    print("| section | starts at (s) | wall (s) | peak resident memory (MiB, sampled) |")
    print("|---|---:|---:|---:|")
    for i, (name, start, peak) in enumerate(sections):
        end = sections[i + 1][1] if i + 1 < len(sections) else wall
        memory = f"{peak / 2**20:.0f}" if peak > 0 else "– (shorter than a sample)"
        print(f"| {name} | {start:.0f} | {end - start:.1f} | {memory} |")
    print()
    print(f"Whole run: wall {wall:.1f} s ({int(wall // 60)} min {wall % 60:.0f} s), user {usage.ru_utime:.1f} s, "
          f"system {usage.ru_stime:.1f} s, peak resident memory {usage.ru_maxrss / 1024:.0f} MiB (kernel's maximum), "
          f"exit status {child.returncode}.")
    verdicts = [l for l in lines if l.startswith(("agrees ", "partly agrees ", "differs ", "not run ", "beyond the paper"))]
    if verdicts:
        print()
        print("Verdicts:")
        print("```")
        print("\n".join(verdicts))
        print("```")
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
