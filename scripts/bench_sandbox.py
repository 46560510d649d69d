"""Benchmark: the isolated local sandbox against a naive `subprocess.run(["python3", "-c", code])` loop.

WHAT
    Runs N (default 1,000) short Python test executions -- `print(sum(map(int, input().split())))` on distinct
    inputs, every output checked -- three ways, in the same process and run:

    * naive:     one `subprocess.run([python3, "-c", code], input=...)` per test, serially: what a simple code
                 reward does. No isolation at all.
    * sandbox:   the `local` provider (isolation on: bubblewrap, rlimits, per-test uid and directory) judging
                 submissions of `--tests-per-submission` tests each -- how `make_code_reward` uses it.
    * single:    `LocalSandbox.run_python` once per test from a thread pool (one round trip per test).

    Prints throughput (tests/s), the ratio to naive, and p50/p99 latency (naive and single: per test, end to
    end; sandbox: per submission, and per test as measured inside the sandbox); `--json PATH` saves them.

WHY
    Code rewards (DeepSeek-R1, arXiv 2501.12948, §2.2.2) execute thousands of programs per training step; the
    sandbox must not be what the trainer waits on. Interpreter start-up (~10 ms) dominates a short test, so a
    naive loop manages ~100 tests/s per core; the sandbox keeps warm interpreters inside bubblewrap and forks a
    fresh, isolated child per test. The goal is >= 5x the naive loop with isolation on.

HOW
    python scripts/bench_sandbox.py [--n 1000] [--workers 2xCPU] [--tests-per-submission 10] [--json out.json]
    The naive loop uses the same interpreter the sandbox runs (/usr/bin/python3), so start-up costs match.

DATA FLOW
    this script -> `open_r1.sandbox.local.LocalProvider` / `LocalSandbox` -> bwrap'd workers -> results ->
    statistics -> rich table (and JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from open_r1.sandbox.base import Submission, TestCase  # noqa: E402
from open_r1.sandbox.local import LocalProvider, LocalSandbox, _python_for_sandbox, check_isolation  # noqa: E402

CODE = "print(sum(map(int, input().split())))"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def inputs(n: int) -> list[tuple[str, str]]:
    return [(f"{i} {i * 7}\n", str(i + i * 7)) for i in range(n)]


def bench_naive(n: int, python: str, progress: Progress) -> dict:
    task = progress.add_task("naive subprocess.run loop", total=n)
    latencies, wrong = [], 0
    start = time.perf_counter()
    for stdin, expected in inputs(n):
        t = time.perf_counter()
        out = subprocess.run([python, "-c", CODE], input=stdin.encode(), capture_output=True, timeout=30)
        latencies.append(time.perf_counter() - t)
        wrong += out.stdout.decode().strip() != expected
        progress.advance(task)
    elapsed = time.perf_counter() - start
    return {
        "tests": n,
        "seconds": elapsed,
        "throughput": n / elapsed,
        "wrong": wrong,
        "p50_ms": 1000 * percentile(latencies, 50),
        "p99_ms": 1000 * percentile(latencies, 99),
    }


def bench_provider(sandbox: LocalSandbox, n: int, per_sub: int, progress: Progress) -> dict:
    cases = inputs(n)
    subs = [
        Submission(code=CODE, tests=[TestCase(i, o) for i, o in cases[k : k + per_sub]], id=str(k))
        for k in range(0, n, per_sub)
    ]
    provider = LocalProvider(sandbox=sandbox)
    task = progress.add_task(f"sandbox, {per_sub} tests/submission", total=n)
    sub_latencies: list[float] = []

    async def one(sub: Submission):
        t = time.perf_counter()
        (res,) = await provider.run_submissions([sub])
        sub_latencies.append(time.perf_counter() - t)
        progress.advance(task, len(sub.tests))
        return res

    async def run_all():
        return await asyncio.gather(*(one(s) for s in subs))

    start = time.perf_counter()
    results = asyncio.run(run_all())
    elapsed = time.perf_counter() - start
    in_sandbox = [t.time_s for r in results for t in r.tests]
    return {
        "tests": n,
        "seconds": elapsed,
        "throughput": n / elapsed,
        "wrong": sum(r.total - r.passed for r in results),
        "p50_ms": 1000 * percentile(sub_latencies, 50),
        "p99_ms": 1000 * percentile(sub_latencies, 99),
        "test_p50_ms": 1000 * percentile(in_sandbox, 50),
        "test_p99_ms": 1000 * percentile(in_sandbox, 99),
    }


def bench_single(sandbox: LocalSandbox, n: int, threads: int, progress: Progress) -> dict:
    task = progress.add_task("sandbox, one request per test", total=n)
    latencies: list[float] = []

    def one(case: tuple[str, str]) -> bool:
        t = time.perf_counter()
        res = sandbox.run_python(CODE, case[0])
        latencies.append(time.perf_counter() - t)
        progress.advance(task)
        return res.ok and res.stdout.strip() == case[1]

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        ok = list(pool.map(one, inputs(n)))
    elapsed = time.perf_counter() - start
    return {
        "tests": n,
        "seconds": elapsed,
        "throughput": n / elapsed,
        "wrong": ok.count(False),
        "p50_ms": 1000 * percentile(latencies, 50),
        "p99_ms": 1000 * percentile(latencies, 99),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="test executions per method (default 1000)")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1), help="sandbox workers (default: 2 per CPU core)"
    )
    parser.add_argument("--tests-per-submission", type=int, default=10)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    console = Console(width=130)
    report = check_isolation()
    if not report.available:
        console.print(
            f"[red]isolation unavailable[/red]: {report.reason} -- this benchmark measures the isolated sandbox only."
        )
        return 2
    python = _python_for_sandbox()[0]
    console.print(
        f"isolation: bubblewrap ({report.bwrap}); workers: {args.workers}; cores: {os.cpu_count()}; "
        f"interpreter: {python}; load average: {os.getloadavg()[0]:.2f}"
    )
    with LocalSandbox(args.workers) as sandbox:
        # start every worker before timing (a cold start is a one-off ~50 ms per worker)
        with ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(lambda _: sandbox.run_python("pass"), range(args.workers * 2)))
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as progress:
            naive = bench_naive(args.n, python, progress)
            provider = bench_provider(sandbox, args.n, args.tests_per_submission, progress)
            single = bench_single(sandbox, args.n, 2 * args.workers, progress)
    table = Table(title=f"{args.n} short Python test executions")
    for col in ("method", "isolated", "tests/s", "x naive", "p50 ms", "p99 ms", "wrong"):
        table.add_column(col, justify="right" if col not in ("method", "isolated") else "left")
    rows = [
        ("naive subprocess.run", "no", naive),
        (f"sandbox provider ({args.tests_per_submission}/submission)", "yes", provider),
        ("sandbox, 1 request/test", "yes", single),
    ]
    for name, iso, res in rows:
        p50 = f"{res['p50_ms']:.1f}"
        p99 = f"{res['p99_ms']:.1f}"
        if "test_p50_ms" in res:
            p50 += f" (test {res['test_p50_ms']:.1f})"
            p99 += f" (test {res['test_p99_ms']:.1f})"
        table.add_row(
            name,
            iso,
            f"{res['throughput']:.0f}",
            f"{res['throughput'] / naive['throughput']:.2f}",
            p50,
            p99,
            str(res["wrong"]),
        )
    console.print(table)
    console.print(
        "latency: naive and 1-request rows are per test, end to end; the provider row is per submission "
        "(with the in-sandbox time per test in brackets)."
    )
    summary = {
        "n": args.n,
        "workers": args.workers,
        "cores": os.cpu_count(),
        "naive": naive,
        "provider": provider,
        "single": single,
        "ratio_provider": provider["throughput"] / naive["throughput"],
        "ratio_single": single["throughput"] / naive["throughput"],
    }
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    ok = naive["wrong"] == provider["wrong"] == single["wrong"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
