"""Benchmark a whole lab run the way a user starts it: wall time and peak memory of the process tree.

WHAT: runs `open-r1 lab run <lab> --profile nano` (optionally from an empty nano cache) and measures it.
WHY: the labs promise "minutes on a laptop" (nano profile) — a promise only a measurement of the real command can
    keep; timed unit tests would be flaky on shared CI machines, so the figure comes from this script.
HOW: the lab runs as a child process; a sampler thread sums /proc RSS over its process tree every 0.1 s.
DATA FLOW: lab name + overrides → subprocess `open-r1 lab run` → run folder → run card's held-out metrics + wall
    time + peak RSS → one JSON line on stdout.

    python scripts/bench_lab.py grpo-math            # empty nano cache: includes the nano build
    python scripts/bench_lab.py grpo-math --warm     # reuse the cache in $OPEN_R1_CACHE

Peak RSS is sampled every 0.1 s over the runner and all its descendants (summed), which is what a laptop's memory
actually has to hold; the largest single process is reported too. Prints one JSON line with the figures and the
held-out metrics from the run card.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def tree_rss(pid: int) -> tuple[int, int]:
    """(sum, max) resident set size in bytes over `pid` and its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            pages = int(Path(f"/proc/{entry}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, biggest, stack = 0, 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        biggest = max(biggest, rss.get(p, 0))
        stack += children.get(p, [])
    return total, biggest


def main() -> int:
    """Run `open-r1 lab run <lab> --profile nano` as a child (in an empty nano cache unless `--warm`), sample the
    process tree's RSS every 0.1 s, and print one JSON line with the exit code, wall time, peak memory and the run
    card's held-out metrics.
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lab", nargs="?", default="grpo-math")
    parser.add_argument("--warm", action="store_true", help="keep $OPEN_R1_CACHE (default: a fresh, empty cache)")
    parser.add_argument("overrides", nargs="*", help="recipe overrides, e.g. --max_steps 10 (put after --)")
    args = parser.parse_args()
    env = dict(os.environ)
    work = Path(tempfile.mkdtemp(prefix="bench-lab-"))
    if not args.warm:
        env["OPEN_R1_CACHE"] = str(work / "cache")
    run_dir = work / "run"
    cmd = [
        sys.executable,
        "-m",
        "open_r1",
        "lab",
        "run",
        args.lab,
        "--profile",
        "nano",
        "--run-dir",
        str(run_dir),
        "--",
        *args.overrides,
    ]
    peak = [0, 0]
    started = time.time()
    proc = subprocess.Popen(cmd, env=env)

    def sample() -> None:
        while proc.poll() is None:
            total, biggest = tree_rss(proc.pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], biggest)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rc = proc.wait()
    wall = time.time() - started
    sampler.join()
    result = {
        "lab": args.lab,
        "cold_cache": not args.warm,
        "exit": rc,
        "wall_s": round(wall, 1),
        "peak_rss_tree_gb": round(peak[0] / 2**30, 2),
        "peak_rss_process_gb": round(peak[1] / 2**30, 2),
    }
    card = run_dir / "run_card.json"
    if card.exists():
        metrics = json.loads(card.read_text())["metrics"]
        wanted = ("n", "format", "accuracy", "sampled_accuracy", "unsigned_accuracy")
        for key in ("heldout_before", "heldout_after"):
            m = metrics.get(key) or {}
            if m and all(isinstance(v, dict) for v in m.values()):  # a pipeline lab: one block per held-out set
                result[key] = {name: {k: v.get(k) for k in wanted if k in v} for name, v in m.items()}
            else:
                result[key] = {k: m.get(k) for k in wanted}
    print(json.dumps(result))
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
