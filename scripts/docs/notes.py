"""The note checker: every public function, class and method of the annotated Python files has a specific docstring.

    python -m scripts.docs.notes              # report: per file, how many public symbols have a note
    python -m scripts.docs.notes --missing    # and list the ones without (or with a boilerplate one)
    python -m scripts.docs.notes --enforce    # exit 1 when a file under ENFORCED lacks a note

WHAT
    `public_symbols(path) -> [Symbol]`: the module-level functions and classes of a Python file and the public
    methods of its public classes (a leading underscore makes a name private; dunders are skipped), each with its
    docstring; `verdict(symbol) -> "ok" | "missing" | "boilerplate"`; `report(paths)` counts them per file.

WHY
    On an annotated page a symbol's docstring is the note beside its code; a page of headings with nothing beside
    them teaches nothing. The plan's bar is "every function has what/why/how"; a checker makes the bar hold as
    the code grows. A note that only restates the name ("Get the config.") is as empty as none, so it counts as
    missing.

HOW
    `ast` finds the symbols. A note is boilerplate when it is shorter than four words, or when every word it has
    beyond a list of filler words is a piece of the symbol's own name (`load_config` → "Load the config."), or when
    it is a known placeholder ("TODO", "Helper function", "Constructor"). Enforcement covers the files in
    ENFORCED (fnmatch patterns); the report covers every Python file of docs/key_files.yaml.

DATA FLOW
    docs/key_files.yaml (the annotated files) → here → a count per file (`--missing` lists what to write) →
    tests/docs/test_docs_notes.py fails on a file under ENFORCED with a missing or boilerplate note.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]

# Files whose every public symbol must have a specific note (tests/docs/test_docs_notes.py). Extend the list as
# modules are annotated; `python -m scripts.docs.notes --missing` shows what each remaining file lacks.
ENFORCED = (
    "open_r1/cli/__init__.py",
    "open_r1/cli/data.py",
    "open_r1/cli/docs.py",
    "open_r1/cli/lab.py",
    "open_r1/cli/merge.py",
    "open_r1/cli/nano.py",
    "open_r1/cli/sandbox.py",
    "open_r1/cli/train.py",
    "open_r1/competitive/__init__.py",
    "open_r1/competitive/checkers.py",
    "open_r1/competitive/codeforces.py",
    "open_r1/competitive/execution.py",
    "open_r1/competitive/hub_ioi.py",
    "open_r1/competitive/ioi.py",
    "open_r1/competitive/patcher.py",
    "open_r1/competitive/problemset.py",
    "open_r1/competitive/report.py",
    "open_r1/competitive/rewards.py",
    "open_r1/competitive/scoring.py",
    "open_r1/core/__init__.py",
    "open_r1/core/aio.py",
    "open_r1/core/chat.py",
    "open_r1/core/configs.py",
    "open_r1/core/errors.py",
    "open_r1/core/io.py",
    "open_r1/core/paths.py",
    "open_r1/core/retry.py",
    "open_r1/core/runcard.py",
    "open_r1/curate/rejection.py",
    "open_r1/curate/tools.py",
    "open_r1/data.py",
    "open_r1/eval/benchmarks.py",
    "open_r1/eval/generate.py",
    "open_r1/eval/generate_distilabel.py",
    "open_r1/eval/heldout.py",
    "open_r1/eval/lighteval_env/__init__.py",
    "open_r1/eval/lighteval_env/distilabel_runner.py",
    "open_r1/eval/lighteval_env/lighteval_runner.py",
    "open_r1/eval/passk.py",
    "open_r1/labs/doctor.py",
    "open_r1/labs/hardware.py",
    "open_r1/labs/ioi_eval.py",
    "open_r1/labs/manifest.py",
    "open_r1/labs/nano_build.py",
    "open_r1/labs/pipeline.py",
    "open_r1/labs/plan.py",
    "open_r1/labs/runner.py",
    "open_r1/labs/vllm_server.py",
    "open_r1/labs/runtimes/__init__.py",
    "open_r1/labs/runtimes/containers.py",
    "open_r1/labs/runtimes/slurm.py",
    "open_r1/labs/runtimes/slurm_pipeline.py",
    "open_r1/models.py",
    "open_r1/nano/__init__.py",
    "open_r1/nano/code_tasks.py",
    "open_r1/nano/datasets.py",
    "open_r1/nano/spec.py",
    "open_r1/nano/tasks.py",
    "open_r1/nano/tokenizer.py",
    "open_r1/rewards/__init__.py",
    "open_r1/rewards/_common.py",
    "open_r1/rewards/_mathworker.py",
    "open_r1/rewards/_pool.py",
    "open_r1/rewards/accuracy.py",
    "open_r1/rewards/code_exec.py",
    "open_r1/rewards/format.py",
    "open_r1/rewards/length.py",
    "open_r1/rewards/registry.py",
    "open_r1/rewards/repetition.py",
    "open_r1/rewards/routing.py",
    "open_r1/rewards/verifier.py",
    "open_r1/sandbox/__init__.py",
    "open_r1/sandbox/_driver.py",
    "open_r1/sandbox/_worker.py",
    "open_r1/sandbox/base.py",
    "open_r1/sandbox/e2b.py",
    "open_r1/sandbox/local.py",
    "open_r1/sandbox/morph.py",
    "open_r1/sandbox/piston.py",
    "open_r1/sandbox/remote.py",
    "open_r1/sandbox/rewards.py",
    "open_r1/sandbox/router.py",
    "open_r1/sandbox/server.py",
    "open_r1/train/__init__.py",
    "open_r1/train/callbacks.py",
    "open_r1/train/common.py",
    "open_r1/train/curriculum.py",
    "open_r1/train/distributed.py",
    "open_r1/train/grpo.py",
    "open_r1/train/sft.py",
    "open_r1/train/tracking.py",
    "recipes/tasks/nano_math.py",
    "scripts/bench_lab.py",
    "scripts/bench_rewards.py",
    "scripts/bench_tutorials.py",
    "scripts/docs/*.py",
)

_FILLER = set(
    """a an the of to for from in on at by with and or as is are be this that it its into out per each one all
    any if when which who what how new given current value values object objects instance function method class
    return returns returned get gets set sets make makes create creates build builds run runs do does helper
    wrapper default data info item items list dict string str int float bool none true false""".split()
)
# a note that is nothing but a placeholder ("TODO.", "Helper function.", "Constructor.", "Initialise the object.")
_PLACEHOLDER = re.compile(
    r"^(todo|fixme|xxx|tbd|docstring|(a |the )?(helper|wrapper|utility)( function| method| class)?|constructor|"
    r"init(ialis|ializ)e?s?( the)?( \w+)?)\W*$",
    re.I,
)


@dataclass
class Symbol:
    """A public function, class or method of a file, with its docstring (None when it has none)."""

    path: str
    name: str  # qualified: Class.method
    line: int
    doc: str | None


def public_symbols(path: str, root: Path = REPO) -> list[Symbol]:
    """The public functions and classes of a Python file and the public methods of its public classes, with their
    docstrings; a one-line property that only returns a value is left out.
    """
    tree = ast.parse((root / path).read_text(encoding="utf-8"))
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            out.append(Symbol(path, node.name, node.lineno, ast.get_docstring(node)))
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and not item.name.startswith("_"):
                        if _is_trivial_override(item):
                            continue
                        out.append(Symbol(path, f"{node.name}.{item.name}", item.lineno, ast.get_docstring(item)))
    return out


def _is_trivial_override(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A one-line property or protocol method (`def __len__`, `@property def name: return self._name`) needs no note."""
    is_property = any(isinstance(d, ast.Name) and d.id in ("property", "cached_property") for d in node.decorator_list)
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return is_property and len(body) == 1 and isinstance(body[0], ast.Return)


def _name_words(name: str) -> set[str]:
    words = set()
    for part in name.split("."):
        for piece in re.split(r"_+", part):
            words |= {w.lower() for w in re.findall(r"[A-Z]+(?=[A-Z][a-z]|\b)|[A-Z]?[a-z]+|\d+", piece)}
    return words


def verdict(symbol: Symbol) -> str:
    """ "ok", "missing" (no docstring) or "boilerplate" (too short, only the name again, or a placeholder)."""
    if not symbol.doc or not symbol.doc.strip():
        return "missing"
    first = symbol.doc.strip().split("\n\n")[0]
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9']*", first)]
    if _PLACEHOLDER.match(first.strip()) or len(words) < 4:
        return "boilerplate"
    name = _name_words(symbol.name)
    content = {w for w in words if w not in _FILLER}
    stems = {w.rstrip("s") for w in name}
    if content and all(w in name or w.rstrip("s") in stems for w in content):
        return "boilerplate"
    return "ok"


def annotated_python(root: Path = REPO) -> list[str]:
    """The Python files of docs/key_files.yaml: the files with an annotated page, whose notes a reader sees."""
    raw = yaml.safe_load((root / "docs" / "key_files.yaml").read_text(encoding="utf-8"))
    return [f["path"] for g in raw["groups"] for f in g["files"] if f["path"].endswith(".py")]


def enforced(path: str) -> bool:
    """Whether a path falls under ENFORCED, the files whose every public symbol must have a specific note."""
    return any(fnmatch.fnmatch(path, pattern) for pattern in ENFORCED)


def report(paths: list[str], root: Path = REPO) -> dict[str, list[tuple[Symbol, str]]]:
    """path → [(symbol, verdict)] for every public symbol of every file."""
    return {path: [(s, verdict(s)) for s in public_symbols(path, root)] for path in paths if (root / path).is_file()}


def enforced_files(root: Path = REPO) -> list[str]:
    """The repository files that ENFORCED's patterns match, sorted."""
    found = set()
    for pattern in ENFORCED:
        found |= {str(p.relative_to(root)) for p in root.glob(pattern) if p.is_file()}
    return sorted(found)


def problems(root: Path = REPO) -> list[str]:
    """Every public symbol of an ENFORCED file with a missing or boilerplate note, as `path:line: name: ...` lines."""
    out = []
    for path, rows in report(enforced_files(root), root).items():
        for symbol, result in rows:
            if result != "ok":
                out.append(f"{path}:{symbol.line}: {symbol.name}: {result} note (write what it does and why)")
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the note count per file (and with `--missing` the symbols without a specific note); with `--enforce`, exit
    1 when an ENFORCED file has one.
    """
    parser = argparse.ArgumentParser(prog="python -m scripts.docs.notes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--missing", action="store_true", help="list every symbol without a specific note")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when an ENFORCED file lacks a note")
    args = parser.parse_args(argv)
    paths = sorted(set(annotated_python()) | set(enforced_files()))
    rows = report(paths)
    total = with_note = 0
    for path, items in rows.items():
        ok = sum(1 for _, v in items if v == "ok")
        total += len(items)
        with_note += ok
        mark = "enforced" if enforced(path) else ""
        print(f"{ok:4d}/{len(items):<4d} {path} {mark}")
        if args.missing:
            for symbol, result in items:
                if result != "ok":
                    print(f"         {symbol.line}: {symbol.name}: {result}")
    share = 100 * with_note / total if total else 100.0
    print(f"{with_note} of {total} public functions, classes and methods have a specific note ({share:.0f} %)")
    if args.enforce:
        found = problems()
        for problem in found:
            print(problem)
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
