"""Import the public `open-r1/ioi` dataset (problems) and `open-r1/ioi-test-cases` (tests) into IOI problem folders.

WHAT
    * `convert_rows(problem_rows, test_rows, out_dir, year=None) -> ImportReport` -- writes one folder per problem
      in the ioi-eval format (labs/ioi-eval/problems/README.md): `problem.yaml`, `statement.md`, `graders/*`,
      `checker/*` and `tests/NAME.in|.out`, from plain row dicts in the public schema (no hub needed).
    * `import_from_hub(dataset, tests_dataset, year, split, out_dir)` -- loads the two datasets with
      `datasets.load_dataset` and calls `convert_rows` (what `open-r1 competitive import-ioi` runs).
    * `ImportReport` -- the problems written (subtasks, tests, points, checker) and those skipped, with why.

WHY
    DeepSeek-R1 (arXiv 2501.12948 §3) measures competitive programming by running model code against official
    tests; open-r1's IOI work (the OlympicCoder models, scored on IOI 2024 with the contest's rules) published the IOI
    2020-2024 tasks as CMS holds them: one row per (problem, subtask) with the subtask's points and exact test
    names, the official graders, and the official C++ checkers; the tests live in a second dataset, one row per
    (problem, test). The ioi-eval judge reads problem folders, so importing once -- rather than reading the hub at
    judging time -- keeps evaluation offline, reproducible and inspectable. Nothing is re-interpreted: subtasks
    keep their names, points (0 for the samples subtask) and test lists, graders are the official files, and the
    official checker runs unchanged through the `cms:` checker kind, which follows CMS's checker convention
    (`checker <input> <correct_output> <contestant_output>`, score on stdout, message on stderr); without a
    checker CMS compares white-space separated tokens, which is our `tokens` checker.
    Communication tasks are not imported: the public data ships a C++ manager for CMS, while our judge needs a
    Python `manager.py` (see `open_r1.competitive.ioi.Manager`), and one cannot be derived from the other. They
    are skipped loudly -- in the report, the log and the CLI summary -- never silently.

HOW
    1. Plan (no writes): group problem rows by `id` (only `year`'s rows when a year is given); refuse with a
       `ConfigError` naming the problem, the column and the fix any rows that disagree on what judging depends
       on (`time_limit`, `memory_limit`, `task_type`, `grader_files`, `year`), an unknown `task_type`, a missing
       column, a repeated subtask or an unsafe file or test name; decide what is skipped and why.
    2. Stream the test rows once, writing each needed test straight into the problem's temporary folder
       (`out_dir/.<id>.importing-*`, next to its target) -- memory stays flat however large the tests are.
       A subtask test with no test row is refused.
    3. Write `problem.yaml` and the rest, load the folder with `IOIProblem.load` and check the subtasks and
       their exact test lists came back; only when every problem passed are the folders renamed into place
       (`os.rename`, atomic on one file system). Any failure or interruption removes the temporary folders, so
       no half-written problem is ever visible; folders a killed import left behind are cleared next time.
    Subtask test lists are written as glob patterns that match exactly one name (metacharacters escaped), so
    test names survive unchanged. CMS rounds subtask scores to `score_precision` digits; our judge does not
    round, and the value is kept under `source:` in problem.yaml.

DATA FLOW
    hub (`open-r1/ioi` split, `open-r1/ioi-test-cases` config YEAR) -> `import_from_hub` -> `convert_rows` ->
    plan -> temporary folders <- streamed test rows -> `IOIProblem.load` check -> rename into `out_dir/<id>/`
    -> `ImportReport` (+ `out_dir/import-report.json`) -> CLI table; later `load_problems(out_dir)` -> ioi-eval.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from open_r1.core.errors import ConfigError
from open_r1.core.io import write_json_atomic

logger = logging.getLogger(__name__)

DEFAULT_DATASET = "open-r1/ioi"
DEFAULT_TESTS_DATASET = "open-r1/ioi-test-cases"
# What the ioi-eval judge runs, and what CMS defines but the judge cannot (skipped with the reason).
SUPPORTED_TASK_TYPES = ("Batch",)
UNSUPPORTED_TASK_TYPES = {
    "Communication": "Communication task: the public data ships a C++ manager for CMS, but the ioi-eval judge "
    "needs a Python manager.py (open_r1/competitive/ioi.py, Manager), which cannot be derived from it",
    "OutputOnly": "OutputOnly task: contestants submit output files, not a program; the ioi-eval judge runs programs",
}
KNOWN_TASK_TYPES = (*SUPPORTED_TASK_TYPES, *UNSUPPORTED_TASK_TYPES)
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_GLOB_CHARS = re.compile(r"([*?\[])")
# Names the converter writes itself; a grader file must not land on them.
_RESERVED = ("problem.yaml", "statement.md", "starting_code.cpp", "tests")
_TMP_MARK, _OLD_MARK = ".importing-", ".replaced-"

Progress = Callable[[str, int, "int | None"], None]


# ---------------------------------------------------------------------------------------------------------------
# The report


@dataclass
class ImportedProblem:
    """One problem the importer wrote in the IOI folder format: its id, name and folder, its subtask, test and point
    counts, the checker it uses and whether it ships a grader.
    """
    id: str
    name: str
    folder: Path
    subtasks: int
    tests: int
    points: float
    checker: str
    grader: bool


@dataclass
class SkippedProblem:
    """One problem the importer left out, with its task type and the reason (such as a Communication task, whose judge
    needs a manager process).
    """
    id: str
    name: str
    task_type: str
    reason: str


@dataclass
class ImportReport:
    """What an import wrote (`problems`) and left out (`skipped`, each with its reason)."""

    out_dir: Path
    problems: list[ImportedProblem] = field(default_factory=list)
    skipped: list[SkippedProblem] = field(default_factory=list)
    unused_test_rows: int = 0  # test rows of imported problems that no subtask lists
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def n_subtasks(self) -> int:
        return sum(p.subtasks for p in self.problems)

    @property
    def n_tests(self) -> int:
        return sum(p.tests for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (paths as strings): what `open-r1 competitive import-ioi` writes next to the
        problems and prints.
        """
        return {
            "out_dir": str(self.out_dir),
            "source": dict(self.source),
            "problems": [{**vars(p), "folder": str(p.folder)} for p in self.problems],
            "skipped": [vars(s) for s in self.skipped],
            "subtasks": self.n_subtasks,
            "tests": self.n_tests,
            "unused_test_rows": self.unused_test_rows,
        }


# ---------------------------------------------------------------------------------------------------------------
# Planning: rows -> what each folder will hold (pure, raises before anything is written)


@dataclass
class _Plan:
    id: str
    name: str
    year: int | None
    day: Any
    task_type: str
    time_limit_s: float
    memory_limit_mb: int
    statement: str
    starting_code: str
    files: dict[str, str]  # relative path -> text, non-empty grader files as published
    subtasks: list[tuple[str, float, list[str]]]
    score_precision: int | None
    skip_reason: str = ""

    @property
    def test_names(self) -> set[str]:
        return {t for _, _, tests in self.subtasks for t in tests}


def _error(pid: str, message: str, key: str, fix: str | None = None) -> ConfigError:
    return ConfigError(f"problem {pid!r}: {message}", file="open-r1/ioi rows", key=key, fix=fix)


def _column(row: Mapping[str, Any], key: str, pid: str) -> Any:
    if key not in row or row[key] is None:
        raise _error(pid, f"a row has no {key!r} column", key, fix="pass rows in the open-r1/ioi schema")
    return row[key]


def _grader_files(value: Any, pid: str) -> dict[str, str]:
    """`grader_files` as {relative path: text}: the public [filename, content] pairs (a mapping is accepted too).
    Empty contents mean "absent" in the public data and are dropped."""
    pairs = value.items() if isinstance(value, Mapping) else value
    files: dict[str, str] = {}
    try:
        for name, text in pairs:
            name = str(name)
            parts = Path(name).parts
            if not name or name.startswith(("/", "\\")) or ".." in parts or "\\" in name or parts[0] in _RESERVED:
                raise _error(
                    pid,
                    f"unsafe or reserved grader file name {name!r}",
                    "grader_files",
                    fix=f"grader files are relative paths inside the problem folder, not {', '.join(_RESERVED)}",
                )
            if text:
                files[name] = str(text)
    except (TypeError, ValueError):
        raise _error(
            pid,
            f"grader_files is {value!r:.80}, not a list of [filename, content] pairs",
            "grader_files",
            fix="pass rows in the open-r1/ioi schema",
        ) from None
    return files


def _check_test_name(name: Any, pid: str, subtask: str) -> str:
    name = str(name)
    if not name or name.startswith(".") or any(c in name for c in "/\\\0\n"):
        raise _error(
            pid,
            f"subtask {subtask!r}: test name {name!r} cannot be a file name (tests/NAME.in)",
            "test_names",
            fix="test names may not be empty, start with '.', or hold '/', '\\', NUL or a line break",
        )
    return name


def _same(pid: str, rows: list[Mapping[str, Any]], key: str, normalise: Callable[[Any], Any]) -> Any:
    values = []
    for row in rows:
        value = normalise(_column(row, key, pid))
        if value not in values:
            values.append(value)
    if len(values) > 1:
        shown = ", ".join(f"{v!r:.60}" for v in values)
        raise _error(
            pid,
            f"its rows disagree on {key}: {shown}",
            key,
            fix=f"every subtask row of one problem must carry the same {key}; fix the rows (or pass year= when "
            "two years share a problem id)",
        )
    return values[0]


def _plan(pid: str, rows: list[Mapping[str, Any]]) -> _Plan:
    if not _SAFE_ID.match(pid) or pid in (".", ".."):
        raise _error(pid, "the id cannot be a folder name", "id", fix="ids are letters, digits, '_', '-', '.'")
    task_type = _same(pid, rows, "task_type", str)
    if task_type not in KNOWN_TASK_TYPES:
        raise _error(pid, f"unknown task_type {task_type!r}", "task_type", fix=f"one of {KNOWN_TASK_TYPES}")
    year = _same(pid, rows, "year", int) if any(r.get("year") is not None for r in rows) else None
    limits = []
    for key, kind in (("time_limit", float), ("memory_limit", lambda v: int(float(v)))):
        try:
            limits.append(_same(pid, rows, key, kind))
        except (TypeError, ValueError) as err:
            raise _error(pid, f"{key} is not a number ({err})", key, fix="seconds / megabytes as numbers") from None
    time_limit, memory_limit = limits
    if not time_limit > 0:
        raise _error(pid, f"time_limit is {time_limit}", "time_limit", fix="seconds, > 0")
    if memory_limit <= 0:
        raise _error(pid, f"memory_limit is {memory_limit}", "memory_limit", fix="megabytes, > 0")
    files = _same(pid, rows, "grader_files", lambda v: _grader_files(v, pid))
    subtasks: list[tuple[str, float, list[str]]] = []
    for row in rows:
        name = str(_column(row, "subtask", pid))
        if any(name == s[0] for s in subtasks):
            raise _error(pid, f"two rows for subtask {name!r}", "subtask", fix="one row per (problem, subtask)")
        try:
            points = float(_column(row, "score", pid))
        except (TypeError, ValueError):
            raise _error(
                pid, f"subtask {name!r}: score {row['score']!r} is not a number", "score", fix="points are numbers"
            ) from None
        if not points >= 0:
            raise _error(pid, f"subtask {name!r}: score {points} is negative", "score", fix="points are >= 0")
        names = _column(row, "test_names", pid)
        if isinstance(names, str | bytes) or not isinstance(names, Iterable):
            raise _error(
                pid,
                f"subtask {name!r}: test_names is {names!r:.60}, not a list of names",
                "test_names",
                fix="pass rows in the open-r1/ioi schema",
            )
        tests: list[str] = []
        for test in names:
            test = _check_test_name(test, pid, name)
            if test not in tests:
                tests.append(test)
        if not tests:
            raise _error(pid, f"subtask {name!r} lists no tests", "test_names", fix="every subtask needs a test")
        subtasks.append((name, points, tests))
    # CMS orders subtasks by their numbered names ("00-samples", "01-...") -- independent of the rows' order.
    subtasks.sort(key=lambda s: s[0])
    first = rows[0]
    precision = first.get("score_precision")
    plan = _Plan(
        id=pid,
        name=str(first.get("name") or pid),
        year=year,
        day=first.get("day"),
        task_type=task_type,
        time_limit_s=time_limit,
        memory_limit_mb=memory_limit,
        statement=str(_column(first, "problem", pid)),
        starting_code=str(first.get("starting_code") or ""),
        files=files,
        subtasks=subtasks,
        score_precision=None if precision is None else int(precision),
    )
    plan.skip_reason = UNSUPPORTED_TASK_TYPES.get(task_type, "") or _grader_problem(plan)
    return plan


def _grader_layout(plan: _Plan) -> tuple[dict[str, str], str | None]:
    """The grader files the build uses (`graders/` minus the contestant's slot) and the main, if any."""
    graders = {p[len("graders/") :]: t for p, t in plan.files.items() if p.startswith("graders/")}
    graders.pop(f"{plan.id}.cpp", None)  # the contestant's file (a stub when published): the submission replaces it
    return graders, ("grader.cpp" if "grader.cpp" in graders else None)


def _grader_problem(plan: _Plan) -> str:
    """Why a Batch task's grader cannot be expressed in our `grader:` block ('' when it can)."""
    graders, main = _grader_layout(plan)
    nested = sorted(n for n in graders if "/" in n)
    if nested:
        return f"grader files in sub-folders ({', '.join(nested)}): the ioi-eval grader block is one flat folder"
    units = sorted(n for n in graders if n != main and Path(n).suffix in (".cpp", ".cc", ".cxx", ".c"))
    if units:
        return (
            f"the grader has extra translation units ({', '.join(units)}); the ioi-eval grader block compiles one "
            "grader main with the solution"
        )
    return ""


# ---------------------------------------------------------------------------------------------------------------
# Writing


def _glob_exact(name: str) -> str:
    """A glob pattern that matches exactly `name` (our subtask lists are fnmatch patterns)."""
    return _GLOB_CHARS.sub(r"[\1]", name)


def _points(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _problem_yaml(plan: _Plan, source: Mapping[str, Any]) -> str:
    graders, main = _grader_layout(plan)
    data: dict[str, Any] = {
        "format": "ioi",
        "id": plan.id,
        "name": plan.name,
        "task_type": plan.task_type,
        "time_limit_s": plan.time_limit_s,
        "memory_limit_mb": plan.memory_limit_mb,
    }
    if main is not None:
        data["grader"] = {"main": main, "files": sorted(graders), "solution": f"{plan.id}.cpp"}
    data["checker"] = "cms:checker/checker.cpp" if "checker/checker.cpp" in plan.files else "tokens"
    data["subtasks"] = [
        {"name": name, "points": _points(points), "tests": [_glob_exact(t) for t in tests]}
        for name, points, tests in plan.subtasks
    ]
    data["source"] = {
        **{k: v for k, v in source.items() if v is not None},
        "year": plan.year,
        "day": plan.day,
        "score_precision": plan.score_precision,  # CMS rounds subtask scores to this many digits; we do not
        **({"starting_code": "starting_code.cpp"} if plan.starting_code else {}),
    }
    head = (
        f"# {plan.name} ({plan.id}): imported from the public {source.get('dataset') or 'open-r1/ioi'} data by\n"
        "# `open-r1 competitive import-ioi`; re-import rather than edit. Files under graders/ and checker/ are the\n"
        "# official ones as published (compile.sh / run.sh, when present, are CMS's scripts, kept for reference).\n"
    )
    # flow style for lists of names keeps problem.yaml short even with dozens of tests per subtask
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=119, default_flow_style=None)


def _write_static(plan: _Plan, folder: Path, source: Mapping[str, Any]) -> None:
    for rel, text in plan.files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / "statement.md").write_text(plan.statement, encoding="utf-8")
    if plan.starting_code:
        (folder / "starting_code.cpp").write_text(plan.starting_code, encoding="utf-8")
    (folder / "problem.yaml").write_text(_problem_yaml(plan, source), encoding="utf-8")


def _verify(plan: _Plan, folder: Path) -> ImportedProblem:
    """Load the written folder with the judge's own loader and check nothing was lost on the way."""
    from open_r1.competitive.ioi import IOIProblem

    problem = IOIProblem.load(folder)
    got = [(s.name, s.points, s.tests) for s in problem.subtasks]
    if got != plan.subtasks:
        raise _error(plan.id, f"the written folder loads different subtasks: {got} != {plan.subtasks}", "subtasks")
    return ImportedProblem(
        id=plan.id,
        name=plan.name,
        folder=folder,
        subtasks=len(problem.subtasks),
        tests=len(plan.test_names),
        points=problem.total_points,
        checker=problem.checker.name,
        grader=problem.grader_main is not None,
    )


def _publish(tmp: Path, target: Path) -> None:
    """Move a finished folder into place; an existing one is swapped out first and restored if the move fails."""
    if not target.exists():
        os.rename(tmp, target)
        return
    old = target.with_name(f".{target.name}{_OLD_MARK}{tmp.name.rsplit('-', 1)[-1]}")
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _clear_leftovers(out_dir: Path) -> None:
    """Remove what a killed import left: unfinished folders, and a swapped-out folder whose successor never
    arrived (put back)."""
    for path in sorted(out_dir.glob(f".*{_TMP_MARK}*")):
        shutil.rmtree(path, ignore_errors=True)
    for path in sorted(out_dir.glob(f".*{_OLD_MARK}*")):
        target = out_dir / path.name[1:].rsplit(_OLD_MARK, 1)[0]
        if target.exists():
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.rename(path, target)


# ---------------------------------------------------------------------------------------------------------------
# The API


def convert_rows(
    problem_rows: Iterable[Mapping[str, Any]],
    test_rows: Iterable[Mapping[str, Any]],
    out_dir: str | Path,
    year: int | None = None,
    *,
    overwrite: bool = False,
    source: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Write one ioi-eval problem folder per problem of `problem_rows` under `out_dir` (see the module docstring).

    Args:
        problem_rows: rows in the `open-r1/ioi` schema, one per (problem, subtask).
        test_rows: rows in the `open-r1/ioi-test-cases` schema (`problem_id`, `test_name`, `test_input`,
            `test_output`); read once, in a stream. Rows of other problems are ignored.
        out_dir: the problem set folder (created); each problem lands in `out_dir/<id>/`.
        year (`int`, *optional*): import only this year's problems (the `train` split holds several years).
        overwrite (`bool`, *optional*, defaults to `False`): replace problem folders that already exist.
        source (`Mapping`, *optional*): provenance recorded under `source:` in each problem.yaml (dataset, split).
        progress (`Callable`, *optional*): `progress(stage, done, total)` with stage "tests" (per test row read;
            total None when unknown) and "problems" (per problem finished).

    Raises:
        ConfigError: inconsistent or incomplete rows (see HOW); nothing is written then.
    """
    out = Path(out_dir)
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in problem_rows:
        pid = str(_column(row, "id", "?"))
        if year is not None and int(_column(row, "year", pid)) != int(year):
            continue
        groups.setdefault(pid, []).append(row)
    plans = [_plan(pid, rows) for pid, rows in sorted(groups.items())]
    report = ImportReport(out, source={**(source or {}), "year": year})
    for plan in plans:
        if plan.skip_reason:
            report.skipped.append(SkippedProblem(plan.id, plan.name, plan.task_type, plan.skip_reason))
            logger.warning("import-ioi: skipping %s (%s): %s", plan.id, plan.name, plan.skip_reason)
    todo = [p for p in plans if not p.skip_reason]
    if not overwrite:
        existing = [str(out / p.id) for p in todo if (out / p.id).exists()]
        if existing:
            raise ConfigError(
                f"problem folders already exist: {', '.join(existing)}",
                key="out_dir",
                fix="pass --overwrite (overwrite=True) to replace them, or choose another --out",
            )
    out.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(out)
    meta = dict(source or {})
    tmps: dict[str, Path] = {}
    try:
        for plan in todo:
            tmps[plan.id] = Path(tempfile.mkdtemp(prefix=f".{plan.id}{_TMP_MARK}", dir=out))
            (tmps[plan.id] / "tests").mkdir()
        report.unused_test_rows = _stream_tests(todo, tmps, test_rows, progress)
        imported = []
        for plan in todo:
            _write_static(plan, tmps[plan.id], meta)
            imported.append(_verify(plan, tmps[plan.id]))
        # Every problem is complete and loads: only now does anything become visible under out_dir.
        for i, (plan, item) in enumerate(zip(todo, imported, strict=True)):
            _publish(tmps.pop(plan.id), out / plan.id)
            item.folder = out / plan.id
            report.problems.append(item)
            if progress is not None:
                progress("problems", i + 1, len(todo))
    finally:
        for tmp in tmps.values():
            shutil.rmtree(tmp, ignore_errors=True)
    write_json_atomic(out / "import-report.json", report.to_dict())
    return report


def _read_exact(path: Path) -> str:
    """A file's text with its line endings untouched (tests may hold \\r\\n; `read_text` would rewrite them)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _stream_tests(
    plans: list[_Plan], tmps: dict[str, Path], test_rows: Iterable[Mapping[str, Any]], progress: Progress | None
) -> int:
    """Write each needed test into its problem's temporary folder; return how many rows no subtask needs."""
    needed = {p.id: p.test_names for p in plans}
    seen: dict[str, set[str]] = {p.id: set() for p in plans}
    total = len(test_rows) if isinstance(test_rows, Sized) else None
    unused = 0
    for done, row in enumerate(test_rows, 1):
        if progress is not None and (done % 64 == 0 or done == total):
            progress("tests", done, total)
        pid = str(_column(row, "problem_id", "?"))
        if pid not in needed:
            continue
        name = str(_column(row, "test_name", pid))
        if name not in needed[pid]:
            unused += 1
            continue
        test_input = str(_column(row, "test_input", pid))
        test_output = str(row.get("test_output") or "")
        base = tmps[pid] / "tests" / name
        if name in seen[pid]:
            # the same test twice is harmless only if it is the same test
            if (_read_exact(base.with_name(name + ".in")), _read_exact(base.with_name(name + ".out"))) != (
                test_input,
                test_output,
            ):
                raise _error(
                    pid,
                    f"two different test rows named {name!r}",
                    "test_name",
                    fix="one row per (problem_id, test_name) in the tests dataset",
                )
            continue
        seen[pid].add(name)
        base.with_name(name + ".in").write_text(test_input, encoding="utf-8")
        base.with_name(name + ".out").write_text(test_output, encoding="utf-8")
    for plan in plans:
        missing = sorted(needed[plan.id] - seen[plan.id])
        if missing:
            where = [s for s, _, tests in plan.subtasks if missing[0] in tests]
            raise _error(
                plan.id,
                f"subtask {where[0]!r} lists test {missing[0]!r} ({len(missing)} missing in all) but no test row "
                "has it",
                "test_names",
                fix="pass the tests of the same year (open-r1/ioi-test-cases, config 'YEAR', split train)",
            )
    return unused


def import_from_hub(
    dataset: str = DEFAULT_DATASET,
    tests_dataset: str = DEFAULT_TESTS_DATASET,
    year: int = 2024,
    split: str = "test",
    out_dir: str | Path | None = None,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Load `dataset[split]` and `tests_dataset` (config `str(year)`, split train) and `convert_rows` them into
    `out_dir` (default `data/ioi<year>`). IOI 2024 is the `test` split; 2020-2023 are in `train`."""
    try:
        from datasets import load_dataset
    except ImportError:
        raise ConfigError("importing from the hub needs the `datasets` package", fix="pip install datasets") from None
    out = Path(out_dir) if out_dir is not None else Path(f"data/ioi{year}")
    try:
        problems = load_dataset(dataset, split=split)
    except Exception as err:  # noqa: BLE001 -- network, auth, a wrong name: one clear line for the CLI
        raise ConfigError(
            f"cannot load {dataset} split {split!r}: {type(err).__name__}: {err}",
            key="--dataset",
            fix="check the name and split, your network and HF_HUB_OFFLINE / HF_TOKEN",
        ) from None
    rows = [dict(r) for r in problems if year is None or int(r.get("year") or 0) == int(year)]
    if not rows:
        raise ConfigError(
            f"{dataset} split {split!r} has no problems of year {year}",
            key="--year",
            fix="IOI 2024 is split 'test'; 2020-2023 are split 'train'",
        )
    try:
        tests = load_dataset(tests_dataset, name=str(year), split="train")
    except Exception as err:  # noqa: BLE001 -- as above
        raise ConfigError(
            f"cannot load {tests_dataset} config {str(year)!r}: {type(err).__name__}: {err}",
            key="--tests-dataset",
            fix="check the name, your network and HF_HUB_OFFLINE / HF_TOKEN",
        ) from None
    source = {"dataset": dataset, "split": split, "tests_dataset": tests_dataset}
    return convert_rows(rows, tests, out, year=year, overwrite=overwrite, source=source, progress=progress)


__all__ = [
    "DEFAULT_DATASET",
    "DEFAULT_TESTS_DATASET",
    "ImportReport",
    "ImportedProblem",
    "KNOWN_TASK_TYPES",
    "SkippedProblem",
    "convert_rows",
    "import_from_hub",
]
