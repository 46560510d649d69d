"""Benchmark: what each tutorial costs to execute -- wall time and CPU time, as the test suite runs it.

WHAT: executes the chosen tutorials (docs/tutorials/NN_*.py) one after another, each in a fresh Jupyter kernel
    through `scripts.docs.tutorials.execute` (the function the test suite and the docs build call), and prints per
    tutorial: wall seconds, CPU seconds of the kernel and everything it started (sandbox workers, compilers,
    servers), and whether every cell passed.
WHY: the series runs in CI on every commit (a 2-core machine with a hard time limit), and each tutorial has a
    budget (60 s, aim 30 s, on a warm nano cache). On a shared machine the wall clock mostly measures the
    neighbours; CPU time is what a quiet machine would need, so it is the figure to compare with the budget.
HOW: `execute` records the kernel's CPU time (user + system of the kernel and its descendants, reaped ones
    included, read from /proc) before it shuts the kernel down. The nano model is built (or found) first, outside
    the timing, as the test suite's session fixture does (only when a chosen tutorial uses it); set OPEN_R1_CACHE (or
    OPEN_R1_TEST_CACHE) to reuse a cache.
DATA FLOW: docs/tutorials/*.py -> scripts.docs.tutorials.execute -> executed notebooks (a temporary folder, or
    --out) -> the table here (and --json for tools).

    python scripts/bench_tutorials.py                  # every tutorial
    python scripts/bench_tutorials.py 18 19 20 21 22   # those whose file name contains one of these
    python scripts/bench_tutorials.py 20 --repeats 3   # median of three executions
    python scripts/bench_tutorials.py --cold           # first time the nano build in an empty cache (the cost a
                                                       # reader's first tutorial pays once), then every tutorial warm
    python scripts/bench_tutorials.py --markdown       # also print the table as Markdown (docs/pages/about.md)
    python scripts/bench_tutorials.py --from-notebooks /tmp/nb build/docs/notebooks   # no execution: the figures
                                                       # `execute` recorded in executed notebooks of the current source
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `scripts.docs` when run as a file

from scripts.docs.tutorials import discover, execute  # noqa: E402


def _timed(work) -> tuple[float, float]:
    """Wall and CPU seconds of `work()` (this process and the children it reaped: tokenizer and model builds)."""
    import resource
    import time

    def cpu() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    wall0, cpu0 = time.perf_counter(), cpu()
    work()
    return time.perf_counter() - wall0, cpu() - cpu0


def _recorded(tutorials: list, folders: list[Path], markdown: bool) -> int:
    """Print the wall and CPU seconds `execute` stored in executed notebooks (metadata `open_r1`), for the latest
    successful execution of each tutorial's current source (the first half of the notebook's cache key)."""
    from scripts.docs.tutorials import source_key

    found: dict[str, dict] = {}
    for folder in folders:
        for path in folder.rglob("*.ipynb"):
            try:
                meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("open_r1") or {}
            except (OSError, ValueError):
                continue
            stem = path.stem
            if not meta.get("cache_key") or meta.get("error"):
                continue
            current = next((t for t in tutorials if t.stem == stem), None)
            if current is None or meta["cache_key"].split("-")[0] != source_key(current):
                continue
            if stem not in found or meta["executed_at"] > found[stem]["executed_at"]:
                found[stem] = meta
    print(f"{'tutorial':28s} {'wall s':>8s} {'CPU s':>8s}  executed")
    for t in tutorials:
        meta = found.get(t.stem)
        if meta:
            print(f"{t.stem:28s} {meta['seconds']:8.1f} {meta['cpu_seconds'] or 0:8.1f}  {meta['executed_at']}")
        else:
            print(f"{t.stem:28s} {'-':>8s} {'-':>8s}  no executed notebook of the current source")
    if markdown:
        print("\n| tutorial | CPU s | wall s | executed |\n|---|---|---|---|")
        for t in tutorials:
            meta = found.get(t.stem)
            if meta:
                print(f"| `{t.stem}` | {meta['cpu_seconds']} | {meta['seconds']} | {meta['executed_at'][:16]} |")
            else:
                print(f"| `{t.stem}` | — | — | not measured |")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Execute the chosen tutorials in fresh kernels (or read figures recorded in executed notebooks), after building
    the nano model outside the timings, and print per tutorial the median wall and CPU seconds and whether every cell
    passed, optionally as JSON or Markdown.
    """
    parser = argparse.ArgumentParser(prog="python scripts/bench_tutorials.py", description=__doc__.split("\n")[0])
    parser.add_argument("only", nargs="*", help="parts of tutorial file names (default: all tutorials)")
    parser.add_argument("--repeats", type=int, default=1, help="executions per tutorial; the median is printed")
    parser.add_argument("--out", type=Path, help="keep the executed notebooks here (default: a temporary folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON as well")
    parser.add_argument(
        "--cold", action="store_true", help="first time the nano build in an empty cache (the cold-cache cost, once)"
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown as well")
    parser.add_argument(
        "--from-notebooks",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="execute nothing: read the figures `execute` recorded in executed notebooks (the latest per tutorial "
        "whose source is unchanged) under these folders",
    )
    args = parser.parse_args(argv)
    if os.environ.get("OPEN_R1_TEST_CACHE") and not os.environ.get("OPEN_R1_CACHE"):
        os.environ["OPEN_R1_CACHE"] = os.environ["OPEN_R1_TEST_CACHE"]
    tutorials = [t for t in discover(REPO) if not args.only or any(part in t.stem for part in args.only)]
    if not tutorials:
        parser.error(f"no tutorial matches {args.only}")
    if args.from_notebooks:
        return _recorded(tutorials, args.from_notebooks, args.markdown)
    from open_r1.labs.nano_build import ensure_nano_model

    cold = None
    if args.cold:
        # a reader's first tutorial on a fresh machine builds the nano model first: time that build, in an empty
        # cache, once (tutorials then run warm, as on every later execution)
        os.environ["OPEN_R1_CACHE"] = tempfile.mkdtemp(prefix="bench-tutorials-cache-")
        cold = _timed(lambda: ensure_nano_model("nano://math"))
        print(f"cold cache: nano://math built in {cold[0]:.1f} s wall, {cold[1]:.1f} s CPU (paid once)", flush=True)
    if any('"nano://math"' in t.source.read_text() for t in tutorials):
        ensure_nano_model("nano://math")  # built once, outside the timings (the test suite's session fixture)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-tutorials-"))
    rows = []
    print(f"{'tutorial':28s} {'wall s':>8s} {'CPU s':>8s}  result")
    for tutorial in tutorials:
        runs = [execute(tutorial, out) for _ in range(args.repeats)]
        wall = statistics.median(r.seconds for r in runs)
        cpus = [r.cpu_seconds for r in runs if r.cpu_seconds is not None]
        cpu = statistics.median(cpus) if cpus else None
        ok = all(r.error is None for r in runs)
        rows.append({"tutorial": tutorial.stem, "wall_s": round(wall, 1), "cpu_s": cpu and round(cpu, 1), "ok": ok})
        cpu_text = f"{cpu:8.1f}" if cpu is not None else f"{'-':>8s}"
        print(f"{tutorial.stem:28s} {wall:8.1f} {cpu_text}  {'ok' if ok else 'FAILED'}", flush=True)
    total_cpu = sum(r["cpu_s"] or 0 for r in rows)
    print(f"{'total':28s} {sum(r['wall_s'] for r in rows):8.1f} {total_cpu:8.1f}")
    if args.json:
        print(json.dumps({"cold_build": cold and {"wall_s": cold[0], "cpu_s": cold[1]}, "tutorials": rows}, indent=1))
    if args.markdown:
        print("\n| tutorial | wall s | CPU s (warm cache) | CPU s (cold cache) |\n|---|---|---|---|")
        for i, row in enumerate(rows):
            cold_cpu = f"{row['cpu_s'] + cold[1]:.1f}" if cold and i == 0 and row["cpu_s"] is not None else "="
            print(f"| `{row['tutorial']}` | {row['wall_s']} | {row['cpu_s']} | {cold_cpu} |")
        print(f"| total | {sum(r['wall_s'] for r in rows):.1f} | {total_cpu:.1f} | |")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
