"""Benchmark the competitive judge: compile once per submission vs a naive compile-per-test baseline.

WHAT: judges the bundled IOI/Codeforces reference solutions with the real engine and with a naive baseline.
WHY: `ioi_code`/`cf_code` rewards (and the ioi-eval lab) judge thousands of submissions × tests; compiling a C++
    submission costs far more than running one test, so the IOI-style "compile once, run every test" is what makes
    competitive-programming rewards affordable in an RL loop (OlympicCoder / open-r1 IOI work).
HOW: three modes in one run (below), same sandbox provider and worker count; only compile reuse and early stop vary.
DATA FLOW: labs/ioi-eval/problems → submissions → `competitive.judge` (local sandbox) → verdicts and timings →
    a rich table and, with --json, a machine-readable report.

    python scripts/bench_competitive.py                      # 50 submissions, 2 workers
    python scripts/bench_competitive.py --submissions 20 --workers 4 --json bench.json

Workload: `--submissions` programs drawn round-robin from the bundled problem set's reference solutions (IOI and
Codeforces, C++ and Python: right, partial, wrong, slow, crashing ones), each made unique with a trailing comment
so that no two share a compile. Every submission is judged on *all* tests of its problem (IOI early stop off),
by the same judges in three modes, in this one run:

    engine           compile once per submission (content-hash cache), each distinct test once, batched runs
    engine+stop      the same with the IOI early stop (what `ioi-eval` and `ioi_code` actually do)
    naive            compile before every single test run (the executor below), otherwise identical

Reported per mode: wall time, tests judged, compiler invocations, tests/s, and the speed-up of `engine` over
`naive`. Time-limit-exceeded tests cost the same in every mode (they wait for the limit), so they are counted
separately.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from open_r1.competitive.codeforces import CFProblem, CodeforcesJudge  # noqa: E402
from open_r1.competitive.execution import LocalExecutor, Prepared, RunOutcome  # noqa: E402
from open_r1.competitive.ioi import IOIJudge, IOIProblem  # noqa: E402
from open_r1.competitive.problemset import bundled_solutions, default_problems_dir  # noqa: E402


class NaiveExecutor(LocalExecutor):
    """The baseline: no compile cache, and the program is compiled again before every test it runs."""

    name = "naive"

    def program(self, spec):  # type: ignore[override]
        from contextlib import contextmanager

        @contextmanager
        def fresh():
            self._count(compiles=1)
            prepared = self._compile(spec)
            try:
                yield prepared
            finally:
                self._close_prepared(prepared)

        return fresh()

    def run(self, prepared: Prepared, stdins, limits) -> list[RunOutcome]:
        outcomes = []
        for stdin in stdins:
            self._count(compiles=1)
            again = self._compile(prepared.spec)
            try:
                outcomes += super().run(again, [stdin], limits) if again.ok else [RunOutcome("CE")]
            finally:
                self._close_prepared(again)
        return outcomes


def workload(n: int, root: Path) -> list[tuple[str, object, str, str]]:
    """(format, problem, code, language) for n unique submissions, round-robin over problems."""
    by_problem: dict[Path, list] = {}
    for ref in bundled_solutions(root):
        by_problem.setdefault(ref.problem_dir, []).append(ref)
    problems = {
        d: (IOIProblem.load(d) if refs[0].format == "ioi" else CFProblem.load(d)) for d, refs in by_problem.items()
    }
    queues = [list(refs) for refs in by_problem.values()]
    items = []
    k = 0
    while len(items) < n:
        refs = queues[k % len(queues)]
        ref = refs[(k // len(queues)) % len(refs)]
        comment = "#" if ref.language == "python" else "//"
        code = ref.path.read_text() + f"\n{comment} bench submission {len(items)}\n"
        items.append((ref.format, problems[ref.problem_dir], code, ref.language))
        k += 1
    return items


def run_mode(name: str, executor: LocalExecutor, items, early_stop: bool, console: Console) -> dict:
    ioi = IOIJudge(executor, early_stop=early_stop)
    cf = CodeforcesJudge(executor)
    tests = tle = 0
    start = time.perf_counter()
    with Progress(
        TextColumn(f"{name:<12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task(name, total=len(items))

        def count(statuses: list[str]) -> None:
            nonlocal tests, tle
            ran = [s for s in statuses if s not in ("SKIPPED", "CE")]
            tests += len(ran)
            tle += sum(s == "TLE" for s in ran)
            progress.advance(task)

        ioi_items = [(p, code) for fmt, p, code, _ in items if fmt == "ioi"]
        cf_items = [(p, code, lang) for fmt, p, code, lang in items if fmt == "codeforces"]

        def ioi_done(_: int, result) -> None:
            seen: dict[str, str] = {}
            for sub in result.subtasks:  # a test shared by subtasks ran once
                for t in sub.tests:
                    if t.status != "SKIPPED":
                        seen[t.name] = t.status
            count(list(seen.values()))

        ioi.score_batch(ioi_items, on_result=ioi_done)
        cf.score_batch(cf_items, on_result=lambda _, r: count([t.status for t in r.tests]))
    wall = time.perf_counter() - start
    return {
        "mode": name,
        "submissions": len(items),
        "tests": tests,
        "tle_tests": tle,
        "compiles": executor.stats.compiles,
        "runs": executor.stats.runs,
        "wall_s": round(wall, 2),
        "tests_per_s": round(tests / wall, 2) if wall else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="sandbox workers (tests at once)")
    parser.add_argument("--problems", default=str(default_problems_dir()))
    parser.add_argument("--skip-naive", action="store_true", help="only the engine modes")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()

    console = Console(width=None if sys.stdout.isatty() else 110)
    items = workload(args.submissions, Path(args.problems))
    console.print(
        f"{len(items)} submissions ({sum(f == 'ioi' for f, *_ in items)} IOI, "
        f"{sum(f == 'codeforces' for f, *_ in items)} Codeforces), {args.workers} sandbox workers"
    )
    rows = []
    with LocalExecutor(workers=args.workers) as sandbox_owner:
        sandbox = sandbox_owner.sandbox
        sandbox.run_python("pass")  # start the workers before timing
        rows.append(run_mode("engine", LocalExecutor(sandbox), items, early_stop=False, console=console))
        rows.append(run_mode("engine+stop", LocalExecutor(sandbox), items, early_stop=True, console=console))
        if not args.skip_naive:
            rows.append(run_mode("naive", NaiveExecutor(sandbox), items, early_stop=False, console=console))

    table = Table(title="competitive judge benchmark")
    for col in ("mode", "submissions", "tests judged", "of which TLE", "compiles", "wall s", "tests/s"):
        table.add_column(col, justify="right" if col != "mode" else "left")
    for r in rows:
        table.add_row(
            r["mode"],
            str(r["submissions"]),
            str(r["tests"]),
            str(r["tle_tests"]),
            str(r["compiles"]),
            f"{r['wall_s']:.1f}",
            f"{r['tests_per_s']:.1f}",
        )
    console.print(table)
    result = {"rows": rows, "workers": args.workers}
    if not args.skip_naive:
        engine, naive = rows[0], rows[-1]
        result["speedup_wall"] = round(naive["wall_s"] / engine["wall_s"], 2)
        result["speedup_tests_per_s"] = round(engine["tests_per_s"] / naive["tests_per_s"], 2)
        console.print(
            f"engine vs naive compile-per-test: {result['speedup_wall']:.1f}x less wall time, "
            f"{result['speedup_tests_per_s']:.1f}x the tests/s "
            f"({engine['compiles']} vs {naive['compiles']} compiles)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
