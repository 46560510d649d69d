"""`open-r1 competitive`: score submissions, write the ioi-eval report, verify the bundled problem set, patch code,
import the public IOI dataset.

WHAT
    Subcommands score, report, ioi-eval, verify, patch and import-ioi over open_r1.competitive.
WHY
    IOI/Codeforces judging (arXiv 2501.12948 §3 competitive-programming evaluation) must be runnable by hand, not only inside a lab.
HOW
    Each leaf parses its arguments and calls the engine (ioi, codeforces, report, patcher, lab).
DATA FLOW
    open-r1 CLI → here → open_r1.competitive.* → rich tables, report folders, run cards.

    open-r1 competitive score labs/ioi-eval/problems/ioi/subarray my.cpp
    open-r1 competitive score labs/ioi-eval/problems/codeforces/divisor sol.py
    open-r1 competitive score labs/ioi-eval/problems/ioi/subarray generations.jsonl     # best-of-N table
    open-r1 competitive report --problems labs/ioi-eval/problems --generations gen.jsonl --out runs/ioi-report
    open-r1 competitive verify                                   # every bundled solution gets its expected score
    open-r1 competitive patch old.py                             # show what the patcher would change
    open-r1 competitive import-ioi --year 2024 --split test --out data/ioi2024   # open-r1/ioi -> problem folders

A JSONL of submissions has one row per line: `code` (or `completion`: text or chat messages whose last ```cpp /
```python block is taken), plus `problem_id` for `report` and optionally `language` for Codeforces problems.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError

STATUS_STYLE = {
    "AC": "green",
    "PA": "yellow",
    "WA": "red",
    "TLE": "magenta",
    "MLE": "magenta",
    "RE": "red",
    "OLE": "red",
    "CE": "bold red",
    "SKIPPED": "dim",
    "IE": "bold white on red",
}


def _cmd_ioi_eval(args: argparse.Namespace) -> int:
    from open_r1.labs.ioi_eval import run_ioi_eval

    summary = run_ioi_eval(args.config, args.output_dir, list(args.unknown) + list(args.passthrough))
    print(json.dumps(summary, indent=2))
    return 0


def register(subparsers: Any) -> None:
    comp = subparsers.add_parser("competitive", help="IOI / Codeforces scoring, the ioi-eval report, the patcher")
    sub = comp.add_subparsers(dest="competitive_command", metavar="ACTION", required=True)

    def judge_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--provider", default="local", help="sandbox provider: local (default), piston, morph, e2b")
        p.add_argument("--router-url", help="judge through an `open-r1 sandbox serve` router at this URL")
        p.add_argument("--workers", type=int, help="tests at once (default: CPU cores)")
        p.add_argument("--no-patch", action="store_true", help="judge the code exactly as written")
        p.add_argument("--test-batch-size", type=int, default=1, help="IOI: tests per sandbox call (default 1)")

    score = sub.add_parser("score", help="score a submission file or a JSONL of submissions against a problem")
    score.add_argument("problem", help="a problem folder (problem.yaml with format ioi or codeforces)")
    score.add_argument("submission", help="a .cpp / .py file, or a .jsonl of submissions")
    score.add_argument(
        "--language",
        choices=("cpp", "python"),
        help="the submission's language (default: from the file suffix, or a JSONL row's `language`, else cpp); "
        "an IOI task with a C++ grader accepts cpp only and refuses anything else",
    )
    score.add_argument("--subtask", action="append", help="IOI: score only this subtask (repeatable)")
    score.add_argument("--all-tests", action="store_true", help="IOI: no early stop inside subtasks")
    score.add_argument("--json", action="store_true", help="print results as JSON")
    judge_options(score)
    score.set_defaults(func=cmd_score)

    report = sub.add_parser("report", help="score generated submissions (JSONL) and write the ioi-eval report")
    report.add_argument("--problems", required=True, help="folder of IOI problems (e.g. labs/ioi-eval/problems)")
    report.add_argument("--generations", required=True, help="JSONL: {problem_id, code | completion, sample?}")
    report.add_argument("--out", required=True, help="report folder (replaced atomically)")
    report.add_argument("--title", default="IOI evaluation", help="report title")
    judge_options(report)
    report.set_defaults(func=cmd_report)

    lab = sub.add_parser("ioi-eval", help="the ioi-eval lab: generate solutions with a model, score, report")
    lab.add_argument("--config", required=True, help="IOI eval recipe (labs/ioi-eval/recipes/*.yaml)")
    lab.add_argument("--output_dir", required=True, help="run folder: generations, report, run card")
    lab.set_defaults(func=_cmd_ioi_eval, accepts_unknown=True)
    verify = sub.add_parser("verify", help="judge every bundled solution and compare with its expected results")
    verify.add_argument("root", nargs="?", help="problem set folder (default: labs/ioi-eval/problems)")
    verify.add_argument("--workers", type=int, help="tests at once (default: CPU cores)")
    verify.set_defaults(func=cmd_verify)

    patch = sub.add_parser("patch", help="show the patcher's fixes for a source file")
    patch.add_argument("file", help="a .py or .cpp file")
    patch.add_argument("--language", choices=("cpp", "python"), help="default: from the suffix")
    patch.add_argument("--header", help="IOI task header the code should include, e.g. railway.h")
    patch.set_defaults(func=cmd_patch)

    from open_r1.competitive.hub_ioi import DEFAULT_DATASET, DEFAULT_TESTS_DATASET

    imp = sub.add_parser(
        "import-ioi", help="convert the public open-r1/ioi dataset (and its tests) into IOI problem folders"
    )
    imp.add_argument("--year", type=int, default=2024, help="IOI year to import (default 2024)")
    imp.add_argument("--split", default="test", help="dataset split: test = IOI 2024 (default), train = 2020-2023")
    imp.add_argument("--out", help="problem set folder to write (default: data/ioi<year>)")
    imp.add_argument("--dataset", default=DEFAULT_DATASET, help=f"problems dataset (default {DEFAULT_DATASET})")
    imp.add_argument(
        "--tests-dataset",
        default=DEFAULT_TESTS_DATASET,
        help=f"tests dataset, config = the year (default {DEFAULT_TESTS_DATASET})",
    )
    imp.add_argument("--overwrite", action="store_true", help="replace problem folders that already exist")
    imp.set_defaults(func=cmd_import_ioi)


# -- helpers -------------------------------------------------------------------------------------------------------


def _console() -> Any:
    from rich.console import Console

    return Console()


def _executor(args: argparse.Namespace) -> Any:
    from open_r1.competitive.execution import make_executor

    return make_executor(args.provider, workers=args.workers, router_url=args.router_url)


def _problem_format(folder: Path) -> str:
    import yaml

    path = folder / "problem.yaml"
    if not path.is_file():
        raise ConfigError(
            f"{folder} is not a problem folder (no problem.yaml)",
            fix="pass a folder such as labs/ioi-eval/problems/ioi/subarray",
        )
    return str((yaml.safe_load(path.read_text()) or {}).get("format", "ioi"))


def _submissions(path: Path, language: str | None) -> list[tuple[str, str | None, str]]:
    """(label, code or None, language) for a source file or a JSONL of submissions."""
    from open_r1.sandbox.rewards import completion_text, extract_code

    if not path.is_file():
        raise ConfigError(f"submission {path} does not exist")
    if path.suffix != ".jsonl":
        lang = language or ("python" if path.suffix == ".py" else "cpp")
        return [(path.name, path.read_text(), lang)]
    rows = []
    for i, line in enumerate(path.read_text().splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        lang = str(row.get("language") or language or "cpp")
        code = row["code"] if "code" in row else extract_code(completion_text(row.get("completion", "")), lang)
        rows.append((f"#{row.get('sample', i)}", code, lang))
    return rows


def _status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


# -- score ---------------------------------------------------------------------------------------------------------


def cmd_score(args: argparse.Namespace) -> int:
    folder = Path(args.problem)
    fmt = _problem_format(folder)
    subs = _submissions(Path(args.submission), args.language)
    with _executor(args) as executor:
        if fmt == "ioi":
            return _score_ioi(args, folder, subs, executor)
        if fmt == "codeforces":
            return _score_cf(args, folder, subs, executor)
    raise ConfigError(f"unknown problem format {fmt!r}", file=str(folder / "problem.yaml"), key="format")


def _score_ioi(args: argparse.Namespace, folder: Path, subs: list[tuple[str, str | None, str]], executor: Any) -> int:
    from rich.table import Table

    from open_r1.competitive.ioi import IOIJudge, IOIProblem, best_of
    from open_r1.competitive.report import no_code_result

    problem = IOIProblem.load(folder)
    # a submission in a language the task does not accept is refused (exit 2, one line) before anything compiles
    for _, code, lang in subs:
        if code is not None:
            problem.check_language(lang)
    judge = IOIJudge(
        executor, test_batch_size=args.test_batch_size, early_stop=not args.all_tests, patch=not args.no_patch
    )
    results = [
        no_code_result(problem) if code is None else judge.score(problem, code, lang, subtasks=args.subtask)
        for _, code, lang in subs
    ]
    if args.json:
        print(
            json.dumps(
                [{"submission": label, **r.to_dict()} for (label, _, _), r in zip(subs, results, strict=True)],
                indent=2,
            )
        )
        return 0
    console = _console()
    if len(results) == 1:
        result = results[0]
        table = Table(title=f"{problem.name} ({problem.id}): {subs[0][0]}")
        for col in ("subtask", "score", "status", "tests"):
            table.add_column(col)
        for s in result.subtasks:
            table.add_row(
                s.name, f"{s.score:g} / {s.points:g}", _status(s.status), " ".join(_status(t.status) for t in s.tests)
            )
        console.print(table)
        score = "IE" if result.score is None else f"{result.score:g}"
        console.print(
            f"score [bold]{score}[/] / {result.max_score:g}  status {_status(result.status)}  "
            f"language {result.language}" + (f"  patches: {', '.join(result.patches)}" if result.patches else "")
        )
        if result.compile_output and result.status == "CE":
            console.print(result.compile_output, markup=False, highlight=False)
        if result.error:
            console.print(f"[red]judge error:[/] {result.error}")
        failed = [t for s in result.subtasks for t in s.tests if t.status not in ("AC", "SKIPPED", "CE")]
        for test in failed[:5]:
            console.print(f"  {test.name}: {test.status} {test.feedback}", markup=False, highlight=False)
        return 0
    table = Table(title=f"{problem.name} ({problem.id}): {len(results)} submissions")
    table.add_column("submission")
    table.add_column("score", justify="right")
    table.add_column("status")
    for s in problem.subtasks:
        table.add_column(f"st {s.name} ({s.points:g})", justify="right")
    for (label, _, _), r in zip(subs, results, strict=True):
        table.add_row(
            label,
            "IE" if r.score is None else f"{r.score:g}",
            _status(r.status),
            *[f"{s.score:g}" for s in r.subtasks],
        )
    best = best_of(results)
    table.add_row("[bold]best of N[/]", f"[bold]{best.score:g}[/]", "", *[f"{x:g}" for x in best.subtask_scores])
    console.print(table)
    return 0


def _score_cf(args: argparse.Namespace, folder: Path, subs: list[tuple[str, str | None, str]], executor: Any) -> int:
    from rich.table import Table

    from open_r1.competitive.codeforces import CFProblem, CodeforcesJudge
    from open_r1.competitive.scoring import CF_MODES

    problem = CFProblem.load(folder)
    judge = CodeforcesJudge(executor, patch=not args.no_patch)
    results = [None if code is None else judge.score(problem, code, lang) for _, code, lang in subs]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "submission": label,
                        **(r.to_dict() if r else {"verdict": "NO_CODE", "rewards": {m: -1.0 for m in CF_MODES}}),
                    }
                    for (label, _, _), r in zip(subs, results, strict=True)
                ],
                indent=2,
            )
        )
        return 0
    console = _console()
    table = Table(title=f"{problem.name} ({problem.id})")
    for col in ("submission", "language", "verdict", "passed", *CF_MODES, "tests"):
        table.add_column(col)
    for (label, _, lang), r in zip(subs, results, strict=True):
        if r is None:
            table.add_row(label, lang, "no code", "-", *["-1" for _ in CF_MODES], "")
            continue
        rewards = [r.reward(m) for m in CF_MODES]
        table.add_row(
            label,
            lang,
            _status(r.verdict),
            f"{r.passed}/{r.total}",
            *["None" if x is None else f"{x:.3g}" for x in rewards],
            " ".join(_status(t.status) for t in r.tests),
        )
    console.print(table)
    if len(results) == 1 and results[0] is not None:
        r = results[0]
        if r.patches:
            console.print(f"patches: {', '.join(r.patches)}")
        if r.verdict == "CE":
            console.print(r.compile_output, markup=False, highlight=False)
        for test in [t for t in r.tests if t.status not in ("AC", "SKIPPED", "CE")][:5]:
            console.print(f"  {test.name}: {test.status} {test.feedback}", markup=False, highlight=False)
    return 0


# -- report --------------------------------------------------------------------------------------------------------


def _progress(console: Any) -> Any:
    """The bar every long competitive command shows: description, bar, done/total, elapsed (gone when finished)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def cmd_report(args: argparse.Namespace) -> int:
    from rich.table import Table

    from open_r1.competitive.ioi import IOIJudge
    from open_r1.competitive.report import evaluate, load_generations

    generations = load_generations(args.generations)
    console = _console()
    with _executor(args) as executor:
        judge = IOIJudge(executor, test_batch_size=args.test_batch_size, patch=not args.no_patch)
        with _progress(console) as progress:
            task = progress.add_task("scoring", total=len(generations))
            data = evaluate(
                args.problems,
                generations,
                args.out,
                judge=judge,
                title=args.title,
                meta={"generations": str(args.generations)},
                on_result=lambda i, r: progress.advance(task),
            )
    table = Table(title=data["title"])
    for col in ("problem", "N", "best of N", "max", "mean", "full score"):
        table.add_column(col)
    for p in data["problems"]:
        table.add_row(
            p["id"],
            str(p["submissions"]),
            f"{p['best_of_n']['score']:g}",
            f"{p['max_score']:g}",
            f"{p['mean_score']:.2f}",
            f"{100 * p['full_score_rate']:.0f}%",
        )
    totals = data["totals"]
    table.add_row(
        "[bold]total[/]",
        str(totals["submissions"]),
        f"[bold]{totals['best_of_n']:g}[/]",
        f"{totals['max_points']:g}",
        f"{totals['mean_points']:.2f}",
        f"{100 * totals['full_score_rate']:.0f}%",
    )
    console.print(table)
    console.print(f"report written to {args.out}/ (report.md, report.json, score_distribution.png)")
    return 0


# -- verify --------------------------------------------------------------------------------------------------------


def cmd_verify(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from open_r1.competitive.execution import LocalExecutor
    from open_r1.competitive.problemset import bundled_solutions, default_problems_dir, verify_problem_set

    root = Path(args.root) if args.root else default_problems_dir()
    total = len(bundled_solutions(root))
    console = _console()
    with LocalExecutor(workers=args.workers) as executor:
        with Progress(
            TextColumn("judging reference solutions"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("verify", total=total)
            report = verify_problem_set(root, executor, on_result=lambda s, e: progress.advance(task))
        stats = executor.stats
    bad = {k: v for k, v in report.items() if v}
    table = Table(title=f"{root}: {len(report)} reference solutions, {len(bad)} mismatched")
    table.add_column("solution")
    table.add_column("result")
    for key, errors in report.items():
        table.add_row(key, "[green]as expected[/]" if not errors else "[red]" + "; ".join(errors) + "[/]")
    console.print(table)
    console.print(f"compiles {stats.compiles}, cache hits {stats.cache_hits}, runs {stats.runs}")
    return 1 if bad else 0


# -- import-ioi ----------------------------------------------------------------------------------------------------


def cmd_import_ioi(args: argparse.Namespace) -> int:
    from rich.markup import escape
    from rich.table import Table

    from open_r1.competitive.hub_ioi import import_from_hub

    out = Path(args.out) if args.out else Path(f"data/ioi{args.year}")
    console = _console()
    labels = {"tests": "writing tests", "problems": "checking and publishing problems"}
    with _progress(console) as progress:
        # the hub download has no count we can show: an indeterminate bar until the first rows arrive
        loading = progress.add_task(f"loading {args.dataset} and {args.tests_dataset} {args.year}", total=None)
        tasks: dict[str, Any] = {}

        def on_progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                progress.update(loading, visible=False)
                tasks[stage] = progress.add_task(labels.get(stage, stage), total=total)
            progress.update(tasks[stage], completed=done, total=total)

        report = import_from_hub(
            args.dataset,
            args.tests_dataset,
            year=args.year,
            split=args.split,
            out_dir=out,
            overwrite=args.overwrite,
            progress=on_progress,
        )
    for skipped in report.skipped:
        console.print(
            f"[yellow]skipped[/] {escape(f'{skipped.id} ({skipped.name}): {skipped.reason}')}", highlight=False
        )
    # dataset names, problem names and paths are data, not markup
    table = Table(title=escape(f"{args.dataset} (split {args.split}), IOI {args.year} -> {report.out_dir}"))
    for col in ("problem", "name", "subtasks", "tests", "points", "checker", "grader"):
        table.add_column(col, justify="right" if col in ("subtasks", "tests", "points") else "left")
    for p in report.problems:
        table.add_row(
            escape(p.id),
            escape(p.name),
            str(p.subtasks),
            str(p.tests),
            f"{p.points:g}",
            escape(p.checker),
            "yes" if p.grader else "",
        )
    for s in report.skipped:
        table.add_row(escape(s.id), escape(s.name), "-", "-", "-", f"[yellow]skipped ({escape(s.task_type)})[/]", "")
    table.add_row(
        "[bold]total[/]",
        f"{len(report.problems)} imported, {len(report.skipped)} skipped",
        str(report.n_subtasks),
        str(report.n_tests),
        f"{sum(p.points for p in report.problems):g}",
        "",
        "",
    )
    console.print(table)
    console.print(
        escape(
            f"problems written to {report.out_dir}/ (import-report.json lists what was skipped and why); "
            f"evaluate with `open-r1 lab run ioi-eval` (recipe problems: {report.out_dir})"
        ),
        highlight=False,
    )
    return 0 if report.problems else 1


# -- patch ---------------------------------------------------------------------------------------------------------


def cmd_patch(args: argparse.Namespace) -> int:
    from open_r1.competitive.patcher import patch_code

    path = Path(args.file)
    language = args.language or ("python" if path.suffix == ".py" else "cpp")
    result = patch_code(path.read_text(), language, header=args.header)
    print(f"# rules applied: {', '.join(result.applied) or 'none'}", file=sys.stderr)
    sys.stdout.write(result.code)
    return 0


__all__ = ["register"]
