"""The `open-r1` command: one tree of subcommands, one module per command in this package (the top layer).

WHAT
    `main(argv)` parses `open-r1 <command> ...` and calls the chosen leaf's `func(args) -> exit code`; project errors
    (`OpenR1Error`) become one `error: ...` line and exit code 2. `open_r1.cli.<command>` holds each command's
    arguments and glue (`lab`, `train`, `nano`, `rewards`, `sandbox`, `competitive`, `generate`, `data`, `eval`,
    `plan`, `doctor`, `docs`); the work is done by the library layers below, which never parse a command line.
WHY
    One entry point for every stage of the R1 recipe (arXiv 2501.12948 §2: distillation, GRPO, evaluation) keeps the
    Justfile, images and SLURM templates calling the same command. Keeping argparse out of the library means a
    notebook, a test and a SLURM rank call the same functions the command does, and the layers stay one-way
    (.importlinter: cli imports everything, nothing imports cli).
HOW
    `SUBCOMMANDS` maps names to modules with `register(subparsers)`, imported lazily (so `open-r1 --help` stays fast
    and a broken optional stack never blocks the others); everything after a bare `--` is passed through as recipe
    overrides; leaves that accept `--field value` overrides set `accepts_unknown`. Commands that load a model build a
    missing `nano://` one first (`_models.ensure_model`).
DATA FLOW
    shell / Justfile / container entrypoint → here → open_r1.cli.<command> → open_r1.labs / train / eval / curate /
    competitive / sandbox / rewards → run folders and run cards.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from open_r1 import __version__
from open_r1.core.errors import OpenR1Error

# (command, module that registers it). Modules are imported lazily so `open-r1 --help` stays fast and a broken
# optional stack (say, the sandbox's web server) never stops `open-r1 lab run` from working.
SUBCOMMANDS: list[tuple[str, str]] = [
    ("lab", "open_r1.cli.lab"),
    ("train", "open_r1.cli.train"),
    ("merge", "open_r1.cli.merge"),
    ("nano", "open_r1.cli.nano"),
    ("rewards", "open_r1.cli.rewards"),
    ("sandbox", "open_r1.cli.sandbox"),
    ("competitive", "open_r1.cli.competitive"),
    ("generate", "open_r1.cli.generate"),
    ("data", "open_r1.cli.data"),
    ("eval", "open_r1.cli.eval"),
    ("plan", "open_r1.cli.plan"),
    ("doctor", "open_r1.cli.doctor"),
    ("docs", "open_r1.cli.docs"),
    ("recipe", "open_r1.cli.recipe"),
]


def build_parser() -> argparse.ArgumentParser:
    """The `open-r1` argument parser: `--version` plus one subcommand per SUBCOMMANDS module, each added by its
    `register`; a command module not written yet is skipped, while a missing package inside an existing one is raised.
    """
    parser = argparse.ArgumentParser(prog="open-r1", description="Reproducible DeepSeek-R1-style reasoning labs.")
    parser.add_argument("--version", action="version", version=f"open-r1 {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for _command, module_name in SUBCOMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            # Only hide subcommands whose module is not written yet; a missing third-party package inside an
            # existing module is a real error the user must see.
            if err.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def quiet_libraries() -> None:
    """One display per job: our rich bars replace the libraries' per-step tqdm bars (dataset maps, weight loading)."""
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def put_environment_tools_on_path() -> None:
    """Make the tools installed beside this interpreter (a venv's bin/) findable by name from any child process.

    `just` and the lab runner call `.venv/bin/python` without activating the venv, so its bin/ is not on PATH; but
    DeepSpeed JIT-builds its CPU ops with the `ninja` that pip installed there, and launchers start `accelerate` by
    name. Putting the interpreter's own folder first keeps every child on this environment's tools.
    """
    here = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if here and here not in parts:
        os.environ["PATH"] = os.pathsep.join([here, *[p for p in parts if p]])


def main(argv: list[str] | None = None) -> int:
    """The `open-r1` entry point: quiet the libraries' progress bars, put the interpreter's bin/ on PATH, parse the
    command (arguments after `--` pass through as overrides), run the chosen command and return its exit code; an
    OpenR1Error prints one `error:` line and returns 2.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    quiet_libraries()
    put_environment_tools_on_path()
    parser = build_parser()
    # Everything after a bare `--` is passed through untouched (recipe overrides for `lab run`).
    passthrough: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1 :]
    args, unknown = parser.parse_known_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    args.passthrough = passthrough
    if unknown and not getattr(args, "accepts_unknown", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.unknown = unknown
    try:
        return int(args.func(args) or 0)
    except OpenR1Error as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
