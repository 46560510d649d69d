"""`open-r1 sandbox ...`: serve the router, judge a program from the command line, check isolation.

WHAT
    * `open-r1 sandbox serve [--host 127.0.0.1] [--port 8000] [--provider local] [--max-concurrency N]`
    * `open-r1 sandbox run FILE --tests TESTS.json [--language python|cpp] [--provider local] [--cpu 2] ...`
      TESTS.json is either a list of {"input", "output"} or a `verification_info` dict
      {"language", "test_cases": [...]}. Prints one row per test (verdict, time, output) with rich; exits 0 when
      every test is accepted, 1 otherwise, 2 when the provider failed.
    * `open-r1 sandbox check` -- can this machine isolate untrusted code (bubblewrap; root or rootless)?

WHY
    The same code path as training (DeepSeek-R1's execution-based code reward, arXiv 2501.12948, §2.2.2), usable
    by hand: debug why a completion scored 0, or see what the sandbox allows, before a run spends GPU hours.

HOW
    `register(subparsers)` adds the commands; each leaf sets `func(args) -> int` via `set_defaults`.

DATA FLOW
    `open_r1.cli.main` -> `register` -> `_serve` (`open_r1.sandbox.server.serve`) / `_run` (`get_provider` ->
    `run_submissions` -> rich table) / `_check` (`open_r1.sandbox.local.check_isolation`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError
from open_r1.sandbox.base import DEFAULT_MAX_PROCESSES


def register(subparsers: Any) -> None:
    """Add `open-r1 sandbox` and its actions to the command tree: serve the router (batch and Piston APIs), run one
    program against a tests file, and check whether this machine can isolate code.
    """
    parser = subparsers.add_parser(
        "sandbox",
        help="run untrusted code safely: router service, one-off judging",
        description="Code execution for code rewards (local bubblewrap sandbox, "
        "E2B, Morph, Piston) and the shared router service.",
    )
    sub = parser.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 0)[1])

    serve = sub.add_parser("serve", help="run the router service (batch API + Piston v2 API)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1; the service has no authentication)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--provider", default="local", help="provider behind /batch: local, e2b, morph, piston")
    serve.add_argument(
        "--max-concurrency", type=int, default=None, help="submissions/executions at once (default: CPU cores)"
    )
    serve.add_argument("--provider-url", default=None, help="url of the upstream server (piston provider)")
    serve.add_argument(
        "--max-processes",
        type=int,
        default=DEFAULT_MAX_PROCESSES,
        help=f"processes+threads per Piston run (default: {DEFAULT_MAX_PROCESSES}, Piston's max_process_count)",
    )
    serve.add_argument(
        "--allow-unisolated",
        action="store_true",
        help="run untrusted code WITHOUT isolation when bubblewrap is unavailable (dangerous)",
    )
    serve.set_defaults(func=_serve)

    run = sub.add_parser("run", help="judge one program against tests from a JSON file")
    run.add_argument("file", type=Path, help="the program (.py or .cpp)")
    run.add_argument(
        "--tests",
        type=Path,
        required=True,
        help='JSON: [{"input": ..., "output": ...}] or {"language": ..., "test_cases": [...]}',
    )
    run.add_argument("--language", choices=["python", "cpp"], default=None, help="default: from the file name")
    run.add_argument("--provider", default="local", help="local (default), e2b, morph, piston, router")
    run.add_argument("--url", default=None, help="server url for the piston and router providers")
    run.add_argument("--cpu", type=float, default=2.0, help="CPU seconds per test (default: 2)")
    run.add_argument("--wall", type=float, default=None, help="wall seconds per test (default: 2 x cpu + 1)")
    run.add_argument("--memory-mb", type=int, default=256, help="memory per test in MiB (default: 256)")
    run.add_argument(
        "--max-processes",
        type=int,
        default=DEFAULT_MAX_PROCESSES,
        help=f"processes+threads per test (default: {DEFAULT_MAX_PROCESSES}; 1 forbids threads and fork)",
    )
    run.add_argument("--stop-on-first-failure", action="store_true", help="skip the tests after a failure")
    run.add_argument("--json", action="store_true", help="print the result as JSON instead of a table")
    run.add_argument(
        "--allow-unisolated",
        action="store_true",
        help="run WITHOUT isolation when bubblewrap is unavailable (dangerous)",
    )
    run.set_defaults(func=_run)

    check = sub.add_parser("check", help="can this machine isolate untrusted code?")
    check.set_defaults(func=_check)


def _serve(args: argparse.Namespace) -> int:
    from open_r1.sandbox.server import serve

    kwargs: dict[str, Any] = {}
    if args.allow_unisolated:
        kwargs["allow_unisolated"] = True
    if args.provider_url:
        kwargs["url"] = args.provider_url
    serve(args.host, args.port, args.provider, args.max_concurrency, max_processes=args.max_processes, **kwargs)
    return 0


def load_tests(path: Path) -> tuple[str | None, list[Any]]:
    """(language or None, tests) from a tests file; errors name the file and the fix."""
    from open_r1.sandbox.base import TestCase

    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise ConfigError(f"cannot read tests: {err}", file=str(path)) from err
    except json.JSONDecodeError as err:
        raise ConfigError(f"not valid JSON: {err}", file=str(path)) from err
    language = None
    if isinstance(data, dict):
        language = data.get("language")
        data = data.get("test_cases")
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise ConfigError(
            'expected a list of {"input", "output"} objects (or {"test_cases": [...]})',
            file=str(path),
            fix='write e.g. [{"input": "1 2\\n", "output": "3\\n"}]',
        )
    return language, [
        TestCase(input=str(t.get("input", "")), output=t.get("output"), name=str(t.get("name", i)))
        for i, t in enumerate(data)
    ]


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from open_r1.sandbox import Limits, Submission, Verdict, get_provider
    from open_r1.sandbox.base import normalize_language

    try:
        code = args.file.read_text()
    except OSError as err:
        raise ConfigError(f"cannot read the program: {err}", file=str(args.file)) from err
    file_language, tests = load_tests(args.tests)
    language = args.language or file_language or ("cpp" if args.file.suffix in (".cpp", ".cc", ".cxx") else "python")
    language = normalize_language(language) or language  # an unknown name is refused by Submission below
    try:
        limits = Limits(
            cpu_time_s=args.cpu, wall_time_s=args.wall, memory_mb=args.memory_mb, max_processes=args.max_processes
        )
    except ValueError as err:
        raise ConfigError(str(err), fix="check --cpu, --wall, --memory-mb, --max-processes") from err
    kwargs: dict[str, Any] = {}
    if args.url:
        kwargs["url"] = args.url
    if args.allow_unisolated:
        kwargs["allow_unisolated"] = True
    provider = get_provider(args.provider, **kwargs)
    submission = Submission(
        code=code,
        language=language,
        tests=tests,
        limits=limits,
        stop_on_first_failure=args.stop_on_first_failure,
        id=args.file.name,
    )
    try:
        (result,) = asyncio.run(provider.run_submissions([submission]))
    finally:
        closer = getattr(provider, "close", None)
        if closer:
            closer()
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        console = Console()
        table = Table(title=f"{args.file.name} ({language}, provider {args.provider})")
        for col in ("test", "verdict", "time (s)", "stdout", "stderr"):
            table.add_column(col)
        colours = {Verdict.AC: "green", Verdict.SKIPPED: "dim", Verdict.IE: "magenta"}
        for test in result.tests:
            colour = colours.get(test.verdict, "red")
            table.add_row(
                test.name,
                f"[{colour}]{test.verdict}[/{colour}]",
                f"{test.time_s:.3f}",
                _short(test.stdout),
                _short(test.stderr),
            )
        console.print(table)
        if result.compile_output:
            console.print("[bold]compiler output[/bold]", markup=True)
            console.print(result.compile_output, markup=False, highlight=False)
        if result.error:
            console.print(f"[magenta]provider error:[/magenta] {result.error}")
        console.print(f"verdict [bold]{result.verdict}[/bold]: {result.passed}/{result.total} tests passed")
    if result.verdict == Verdict.IE:
        return 2
    return 0 if result.verdict == Verdict.AC else 1


def _short(text: str, limit: int = 60) -> str:
    text = text.strip().replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check(args: argparse.Namespace) -> int:
    from rich.console import Console

    from open_r1.sandbox.local import UNSAFE_ENV, check_isolation

    report = check_isolation(refresh=True)
    console = Console()
    if report.available:
        detail = (
            "root: one uid per worker"
            if report.mode == "root"
            else "rootless: user namespace; a hostile test can crash its own worker (IE)"
        )
        console.print(f"[green]isolation available[/green]: bubblewrap at {report.bwrap} ({detail})")
        return 0
    console.print(f"[red]isolation unavailable[/red]: {report.reason}")
    console.print(f"The local provider refuses to run untrusted code unless {UNSAFE_ENV}=1 (dangerous).")
    return 1
