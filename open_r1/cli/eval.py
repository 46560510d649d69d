"""`open-r1 eval run | setup | report`: benchmarks through lighteval, in its own environment.

WHAT: run named benchmarks (nano offline, the R1 suite on GPUs), create the lighteval environment, print a report.
WHY: R1's evaluation (arXiv 2501.12948 §3: pass@1 from k samples at temperature 0.6, top-p 0.95) is what every lab's
    result is compared with; lighteval's pins conflict with the training stack, hence the separate environment.
HOW: argparse → open_r1.eval.benchmarks.run_eval / open_r1.eval.lighteval_env → results table.
DATA FLOW: model → lighteval (own venv) → details + summary → open_r1_eval.json → table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError
from open_r1.eval.benchmarks import (
    BENCHMARKS,
    R1_SUITE,
    parse_benchmarks,
    problem_solved_fraction,
    read_details,
    results_table,
    run_eval,
    write_html_report,
)


def _cmd_run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from open_r1.cli._models import ensure_model

    console = Console(stderr=True)
    ks = tuple(int(k) for k in args.k.split(","))
    ensure_model(args.model)
    report = run_eval(
        args.model,
        parse_benchmarks(args.benchmarks, args.custom_tasks),
        args.output_dir,
        backend=args.backend,
        samples=args.samples,
        max_samples=args.max_samples,
        max_new_tokens=args.max_new_tokens,
        ks=ks,
        size=args.size,
        log=lambda m: console.print(f"[dim]{m}"),
        revision=args.revision,
        system_prompt=args.system_prompt,
        data_parallel=args.data_parallel,
        tensor_parallel=args.tensor_parallel,
    )
    Console().print(results_table(report))
    out = Path(args.output_dir)
    console.print(f"results: {out / 'open_r1_eval.json'}; report: {out / 'report.html'}")
    for bench in report["benchmarks"]:
        console.print(f"details ({bench['benchmark']}): {bench.get('details')}")
    return 0


def _cmd_setup(args: argparse.Namespace) -> int:
    from open_r1.eval.lighteval_env import ensure_env, env_status

    ensure_env(args.env)
    print(json.dumps(env_status(args.env), indent=2))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from rich.console import Console

    path = Path(args.path)
    path = path / "open_r1_eval.json" if path.is_dir() else path
    if not path.is_file():
        raise ConfigError("no open_r1_eval.json here", file=str(path), fix="pass an `open-r1 eval run` output folder.")
    report = json.loads(path.read_text())
    if args.size:
        report["size"] = args.size
    Console().print(results_table(report))
    if args.html:
        print(f"report: {write_html_report(report, path.parent)}")
    if args.details:
        _print_details(report, args.details, args.show, args.limit)
    return 0


def _print_details(report: dict[str, Any], benchmark: str, show: str, limit: int) -> None:
    """Per-problem lines of one benchmark: prompt, gold, each completion with its verdict."""
    from rich.console import Console

    bench = next((b for b in report["benchmarks"] if b["benchmark"] == benchmark), None)
    if bench is None or not bench.get("details"):
        raise ConfigError(
            f"no details for benchmark '{benchmark}' in this report",
            key="--details",
            fix=f"use one of {[b['benchmark'] for b in report['benchmarks']]}.",
        )
    console = Console()
    shown = 0
    for line in read_details(bench["details"]):
        solved = problem_solved_fraction(line)
        if (show == "wrong" and solved) or (show == "right" and not solved):
            continue
        console.rule(f"{benchmark} #{line['index']} · solved {solved} · gold {line['gold'][:1]}")
        console.print(line["prompt"], markup=False)
        for k, text in enumerate(line["completions"]):
            verdict = (line.get("verdicts") or [None] * len(line["completions"]))[k]
            console.print(f"[bold]completion {k}[/] {verdict or line['metrics']}")
            console.print(text, markup=False)
        shown += 1
        if shown >= limit:
            break


def register(subparsers: Any) -> None:
    ev = subparsers.add_parser("eval", help="benchmarks through lighteval (own environment), R1 sampling settings")
    sub = ev.add_subparsers(dest="eval_command", metavar="ACTION", required=True)
    run = sub.add_parser(
        "run",
        help="evaluate a model: R1 benchmarks or the offline nano benchmark",
        description="DeepSeek-R1 protocol: temperature 0.6, top-p 0.95, 32k tokens, pass@1 from "
        "64 (AIME) / 4 (MATH-500) / 8 (GPQA) / 16 (LCB) samples per problem.",
    )
    run.add_argument("--model", required=True, help="model folder, hub id, or nano://math")
    run.add_argument(
        "--benchmarks", default="r1", help=f"comma list: r1 (= {','.join(R1_SUITE)}) or any of {','.join(BENCHMARKS)}"
    )
    run.add_argument("--output-dir", required=True, help="folder for results, details and the report")
    run.add_argument(
        "--custom-tasks",
        metavar="FILE",
        help="a lighteval task file (TASKS_TABLE); --benchmarks may then name its tasks (tutorial 28)",
    )
    run.add_argument(
        "--backend",
        choices=["transformers", "vllm"],
        default="transformers",
        help="transformers (CPU or GPU) or vllm (GPU images)",
    )
    run.add_argument("--samples", type=int, help="samples per problem (default: the R1 paper's per benchmark)")
    run.add_argument("--max-samples", type=int, help="only the first N problems (smoke tests)")
    run.add_argument("--max-new-tokens", type=int, help="override the generation budget (default 32768; nano 64)")
    run.add_argument("--k", default="1", help="pass@k values to report, e.g. 1,4 (k <= samples)")
    run.add_argument("--size", help="model size for the published-figures column (default: from the name)")
    run.add_argument(
        "--revision", help="hub commit, branch or tag of --model (a hub id; offline: must be in the local HF cache)"
    )
    run.add_argument(
        "--system-prompt", help="system message put before every problem (through the model's chat template)"
    )
    run.add_argument(
        "--data-parallel", type=int, help="vLLM backend: model copies (default: one per GPU below 30B parameters)"
    )
    run.add_argument(
        "--tensor-parallel",
        type=int,
        help="vLLM backend: GPUs per copy (default: 1, or the most GPUs dividing the heads from 30B up)",
    )
    run.set_defaults(func=_cmd_run)
    setup = sub.add_parser("setup", help="create (or find) the lighteval environment; image builds run this")
    setup.add_argument("--env", default="lighteval", help="lighteval (transformers backend) or lighteval-vllm")
    setup.set_defaults(func=_cmd_setup)
    report = sub.add_parser("report", help="print the results table of an `eval run` folder")
    report.add_argument("path", help="an eval output folder (or its open_r1_eval.json)")
    report.add_argument("--size", help="compare against this size's published figures")
    report.add_argument("--html", action="store_true", help="(re)write report.html (table, plot, details)")
    report.add_argument("--details", metavar="BENCHMARK", help="print that benchmark's per-problem details")
    report.add_argument("--show", choices=["all", "wrong", "right"], default="all", help="which problems (--details)")
    report.add_argument("--limit", type=int, default=5, help="at most this many problems (--details)")
    report.set_defaults(func=_cmd_report)
