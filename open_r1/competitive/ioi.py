"""IOI scoring: problems with subtasks, graders and checkers; one compile per submission; the IOI rules.

WHAT
    * `IOIProblem` -- statement, subtasks (name, points, test names or glob patterns), tests (input + reference
      answer), time and memory limits, task type (`Batch` or `Communication`), grader / stub / header files,
      checker, for Communication a manager, and the submission languages it accepts (`languages`, see
      "Languages" under WHY). `IOIProblem.load(folder)` reads the folder format of
      `labs/ioi-eval/problems/ioi/*` (see `problem.yaml` there); `IOIProblem.from_dict(data)` takes the same
      keys inline (tests and grader files as data), for datasets.
    * `IOIJudge(executor).score(problem, code, language="cpp") -> IOIResult` -- per-test `TestOutcome` (AC /
      PA / WA / TLE / MLE / RE / CE / SKIPPED, score in [0, 1], checker feedback, time), per-subtask
      `SubtaskOutcome` and the problem score. `score_many(problem, codes)` judges several submissions in parallel.
    * `best_of(results) -> BestOf` -- the IOI rule over several submissions of one problem.
    * `LanguageNotAccepted` -- raised by `IOIJudge.score` (before anything compiles) for a submission in a
      language the task does not accept.

WHY
    The IOI rules (since 2017, and as CMS implements them) score a submission per subtask: a subtask is worth its
    points times the minimum score of its tests, the task score is the sum, and over all of a contestant's
    submissions each subtask keeps its best score. DeepSeek-R1 (arXiv 2501.12948 §3) evaluates code on
    competition problems by executing it against the official tests; open-r1's OlympicCoder work scores IOI 2024
    with exactly these rules (50 submissions per problem, best per subtask), which is what the ioi-eval lab
    reproduces at nano scale. Two rules make it affordable: a subtask stops at its first test scoring 0 (the
    minimum is already 0; the rest are SKIPPED), and a submission is compiled once and every test result is
    reused by every subtask that lists the test (IOI subtasks often share tests).
    Communication tasks (IOI's two-program tasks: an encoder and a decoder that may only talk through the
    grader) run as sequential phases of the same binary, each a fresh sandboxed process: nothing but what the
    manager passes on survives from one phase to the next.
    Languages: Recent IOIs accept C++ only, and their tasks are function interfaces: the contestant's file is a C++
    translation unit linked with the task's C++ grader (or, for Communication, its stub). A Python program cannot
    be linked with that grader, so such a task accepts `cpp` only and a Python submission is *refused* with
    `LanguageNotAccepted` -- it is never handed to g++, whose "'import' does not name a type" would read as if
    the contestant's program had been judged. A Batch task without a grader reads stdin and writes stdout: there a
    Python program is judged exactly like a C++ one (same tests, same checker, same limits: IOI gives no
    per-language time multiplier), as CMS does for tasks that allow several languages. So by default a task
    accepts `cpp` and `python` when it has no grader and is not Communication, `cpp` alone otherwise;
    `languages: [cpp]` in problem.yaml narrows it (a task whose limits were set for C++ only), and listing
    `python` for a task with a grader is a ConfigError at load time.

HOW
    For each subtask, in order, tests run in batches of `test_batch_size` (results cached per test name):
        test score s_t = checker(input, output, answer) in [0, 1] if the run ended normally, else 0
        status_t = AC (s=1) / PA (0<s<1) / WA (s=0), or the run's TLE / MLE / RE (OLE counts as RE) / CE
        after the first t with s_t = 0 the remaining tests of the subtask are SKIPPED (reported so even when a
        batch ran them, which keeps verdicts independent of the batch size)
        subtask score = points x min_t s_t, status = worst status    (`open_r1.competitive.scoring.ioi_subtask_score`)
        problem score = sum of subtask scores                          (`ioi_problem_score`)
        best of N     = sum over subtasks of max over submissions       (`ioi_best_of`)
    A compile error gives CE everywhere; an executor or checker failure gives an `IOIResult` with `error` set and
    `score` None ("no information", never 0).
    Communication: phase p's stdin is `manager.phase_input(p, test_input, outputs_so_far)`; a `ValueError` there
    is a protocol violation by the program (WA with the message); after `manager.PHASES` phases,
    `manager.judge(test_input, outputs, answer)` scores the test like a checker.

DATA FLOW
    problems folder -> `IOIProblem.load` -> `IOIJudge.score(problem, code, language)`: `IOIProblem.check_language`
    (refusal) -> `patch_code` (missing headers) -> `ProgramSpec` (grader + header + `<task>.cpp`, or
    `solution.py` alone) -> `Executor.program` (compile cache) -> `Executor.run` per
    batch -> checker / manager -> `IOIResult` -> `best_of` / `open_r1.competitive.report` (lab report) /
    `open_r1.competitive.rewards.ioi_code` (GRPO reward = score / total points).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from open_r1.competitive.checkers import (
    Checker,
    CheckerError,
    CheckResult,
    as_check_result,
    checker_from_spec,
    load_module,
    status_from_score,
)
from open_r1.competitive.execution import Executor, LocalExecutor, Prepared, ProgramSpec, RunOutcome
from open_r1.competitive.patcher import patch_code
from open_r1.competitive.scoring import ioi_best_of, ioi_problem_score, ioi_subtask_score, worst_status
from open_r1.core.errors import ConfigError, OpenR1Error
from open_r1.sandbox.base import LANGUAGES, Limits, normalize_language

TASK_TYPES = ("Batch", "Communication")
TEST_STATUSES = ("AC", "PA", "WA", "TLE", "MLE", "RE", "CE", "SKIPPED", "IE")
_RUN_STATUS_TO_TEST = {"TLE": "TLE", "MLE": "MLE", "RE": "RE", "OLE": "RE", "CE": "CE", "IE": "IE"}
_LANGUAGE_NAMES = {"cpp": "C++", "python": "Python"}


class LanguageNotAccepted(OpenR1Error, ValueError):
    """A submission in a language its IOI task does not accept (see LANGUAGES in the module docstring). Raised
    before anything is compiled or run: there is no verdict, and nothing may be reported as one (least of all a
    compile error from a compiler for another language)."""

    def __init__(self, problem_id: str, language: str, accepted: Sequence[str], reason: str, fix: str) -> None:
        self.problem_id, self.language, self.accepted = problem_id, language, tuple(accepted)
        self.reason, self.fix = reason, fix
        names = " and ".join(_LANGUAGE_NAMES.get(a, a) for a in self.accepted)
        only = " only" if len(self.accepted) == 1 else ""
        super().__init__(
            f"IOI problem {problem_id!r} accepts {names}{only}, not {_LANGUAGE_NAMES.get(language, language)}: "
            f"{reason}. The submission was not compiled or run. Fix: {fix}"
        )


# ---------------------------------------------------------------------------------------------------------------
# Problems


@dataclass
class TestData:
    """One test: what the program reads and the reference answer the checker compares with."""

    __test__ = False

    name: str
    input: str
    answer: str = ""


@dataclass
class Subtask:
    """One subtask of an IOI problem: its name, the points it is worth and the names of the tests whose minimum score
    decides it.
    """

    name: str
    points: float
    tests: list[str]


class Manager:
    """The trusted side of a Communication task (a `manager.py` in the problem folder; see HOW)."""

    def __init__(self, module: Any, name: str = "manager") -> None:
        self.name = name
        self.phases = int(getattr(module, "PHASES", 2))
        self._phase_input: Callable[..., str] = module.phase_input
        self._judge: Callable[..., Any] = module.judge

    @classmethod
    def load(cls, path: Path) -> Manager:
        """Load a problem's `manager.py` as a Manager, checking that it defines `phase_input` and `judge`; otherwise a
        ConfigError says what to define.
        """
        module = load_module(path, kind="manager")
        for attr in ("phase_input", "judge"):
            if not callable(getattr(module, attr, None)):
                raise ConfigError(
                    f"manager {path} defines no {attr}() function",
                    fix="define PHASES, phase_input(phase, test_input, outputs) and "
                    "judge(test_input, outputs, answer)",
                )
        return cls(module, f"python:{path.name}")

    def phase_input(self, phase: int, test_input: str, outputs: list[str]) -> str:
        """The stdin for the program's run in phase `phase` of a Communication task, from the test input and the outputs
        of the earlier phases (the manager's own function).
        """
        return str(self._phase_input(phase, test_input, outputs))

    def judge(self, test_input: str, outputs: list[str], answer: str) -> CheckResult:
        """Score a Communication test from its input, every phase's output and the answer with the manager's `judge`, as
        a CheckResult; an exception in the manager becomes a CheckerError (the judge's failure, IE).
        """
        try:
            value = self._judge(test_input, outputs, answer)
        except Exception as err:  # noqa: BLE001 -- a manager bug is the judge's failure (IE)
            raise CheckerError(f"{self.name}.judge raised {type(err).__name__}: {err}") from err
        return as_check_result(value, f"{self.name}.judge")


@dataclass
class IOIProblem:
    """An IOI-style task (see the module docstring). `solution_name` is the file the contestant's code is
    saved as (`<id>.cpp` when there is a grader); `grader_main` is compiled last and holds `main`."""

    id: str
    name: str
    subtasks: list[Subtask]
    tests: dict[str, TestData]
    time_limit_s: float = 1.0
    memory_limit_mb: int = 256
    task_type: str = "Batch"
    statement: str = ""
    grader_files: dict[str, str] = field(default_factory=dict)
    grader_main: str | None = None
    solution_name: str = "solution.cpp"
    checker: Checker = field(default_factory=lambda: checker_from_spec("exact"))
    manager: Manager | None = None
    root: Path | None = None
    languages: tuple[str, ...] = ()  # empty: every language the task can be judged in (`judgeable_languages`)

    def __post_init__(self) -> None:
        where = str(self.root / "problem.yaml") if self.root else f"problem {self.id!r}"
        self._validate_languages(where)
        if self.task_type not in TASK_TYPES:
            raise ConfigError(f"task_type {self.task_type!r} is not one of {TASK_TYPES}", file=where, key="task_type")
        if self.task_type == "Communication" and self.manager is None:
            raise ConfigError(
                "a Communication task needs a manager",
                file=where,
                key="communication.manager",
                fix="add `communication: {manager: manager.py}`",
            )
        if not self.subtasks:
            raise ConfigError("no subtasks", file=where, key="subtasks")
        for subtask in self.subtasks:
            missing = [t for t in subtask.tests if t not in self.tests]
            if missing:
                raise ConfigError(
                    f"subtask {subtask.name!r} lists unknown tests {missing}",
                    file=where,
                    key="subtasks",
                    fix=f"known tests: {sorted(self.tests)}",
                )
            if not subtask.tests:
                raise ConfigError(f"subtask {subtask.name!r} has no tests", file=where, key="subtasks")
        if self.grader_main is not None and self.grader_main not in self.grader_files:
            raise ConfigError(
                f"grader main {self.grader_main!r} is not among the grader files {sorted(self.grader_files)}",
                file=where,
                key="grader.main",
            )

    def _validate_languages(self, where: str) -> None:
        judgeable = self.judgeable_languages
        if not self.languages:
            self.languages = judgeable
            return
        names = [normalize_language(name) for name in self.languages]
        unknown = [raw for raw, name in zip(self.languages, names, strict=True) if name is None]
        if unknown:
            raise ConfigError(
                f"unknown languages {unknown}", file=where, key="languages", fix=f"use {list(LANGUAGES)}"
            )
        extra = [name for name in names if name not in judgeable]
        if extra:
            raise ConfigError(
                f"{extra} listed, but {self._cpp_only_reason()}",
                file=where,
                key="languages",
                fix=f"list only {list(judgeable)} (or drop the key)",
            )
        self.languages = tuple(dict.fromkeys(n for n in names if n is not None))

    @property
    def judgeable_languages(self) -> tuple[str, ...]:
        """The languages this task can be judged in at all: C++ always; Python only for a Batch task without a
        grader (stdin to stdout). `languages` is this, or the subset problem.yaml lists."""
        return ("cpp",) if self._cpp_only_reason() else ("cpp", "python")

    def _cpp_only_reason(self) -> str:
        """Why only C++ can be judged ("" when Python can be too)."""
        if self.task_type == "Communication" and self.grader_main:
            files = ", ".join(sorted(self.grader_files))
            return f"it is a Communication task whose stub ({files}) calls the contestant's functions in C++"
        if self.task_type == "Communication":
            return "it is a Communication task, whose phases call the contestant's functions through a C++ stub"
        if self.grader_main:
            files = ", ".join(sorted(self.grader_files))
            return f"its grader ({files}) calls the contestant's functions through a C++ interface"
        return ""

    def check_language(self, language: str) -> str:
        """The accepted language's canonical name (`py`, `python3` -> `python`), or `LanguageNotAccepted`."""
        name = normalize_language(language) or str(language)
        if name in self.languages:
            return name
        reason = self._cpp_only_reason()
        if reason:
            reason += ", and a Python program cannot be linked with it" if name == "python" else ""
        elif name in LANGUAGES:
            reason = f"problem.yaml lists languages {list(self.languages)}"
        else:
            reason = f"the judge runs {' and '.join(_LANGUAGE_NAMES[n] for n in LANGUAGES)} programs only"
        if self.languages == ("cpp",):
            header = self.header_name
            fix = f"submit C++ (saved as {self.solution_name}" + (f', with #include "{header}")' if header else ")")
        else:
            fix = f"submit one of {list(self.languages)}"
        raise LanguageNotAccepted(self.id, name, self.languages, reason, fix)

    @property
    def total_points(self) -> float:
        return float(sum(s.points for s in self.subtasks))

    @property
    def limits(self) -> Limits:
        return Limits(cpu_time_s=self.time_limit_s, memory_mb=self.memory_limit_mb)

    @property
    def header_name(self) -> str | None:
        """The task header the contestant's file should include (`<id>.h` among the grader files), if any."""
        stem = Path(self.solution_name).stem
        for name in (f"{stem}.h", f"{self.id}.h"):
            if name in self.grader_files:
                return name
        return None

    def subtask(self, name: str) -> Subtask:
        """Look up one of the problem's subtasks by name; an unknown name is a KeyError that lists the subtasks there
        are.
        """
        for subtask in self.subtasks:
            if subtask.name == name:
                return subtask
        raise KeyError(f"problem {self.id!r} has no subtask {name!r}; subtasks: {[s.name for s in self.subtasks]}")

    def program(self, code: str, language: str = "cpp") -> ProgramSpec:
        """The build for a contestant's code: alone, or saved as `solution_name` and linked with the grader.
        Python (only for a task without a grader: `check_language` first) is saved as `<stem>.py`."""
        if language == "python":
            return ProgramSpec.python(code, Path(self.solution_name).with_suffix(".py").name)
        if self.grader_main is None:
            return ProgramSpec.cpp({self.solution_name: code}, main=self.solution_name)
        return ProgramSpec.cpp(
            {**self.grader_files, self.solution_name: code}, main=self.grader_main, link=[self.solution_name]
        )

    # -- loading -------------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, folder: str | Path) -> IOIProblem:
        """Read a problem folder: `problem.yaml`, `statement.md`, `tests/*.in` + `*.out`, `graders/`, checker,
        manager."""
        folder = Path(folder)
        path = folder / "problem.yaml"
        if not path.is_file():
            raise ConfigError(
                f"{folder} is not an IOI problem folder (no problem.yaml)",
                fix="point at a folder such as labs/ioi-eval/problems/ioi/subarray",
            )
        data = yaml.safe_load(path.read_text()) or {}
        fmt = data.get("format", "ioi")
        if fmt != "ioi":
            raise ConfigError(f"format is {fmt!r}, not 'ioi'", file=str(path), key="format")
        tests_dir = folder / data.get("tests_dir", "tests")
        tests = {}
        for inp in sorted(tests_dir.glob("*.in")):
            out = inp.with_suffix(".out")
            tests[inp.stem] = TestData(inp.stem, inp.read_text(), out.read_text() if out.is_file() else "")
        if not tests:
            raise ConfigError(f"no tests in {tests_dir} (expected NAME.in / NAME.out files)", file=str(path))
        statement_file = folder / data.get("statement", "statement.md")
        data = {**data, "statement": statement_file.read_text() if statement_file.is_file() else ""}
        grader = data.get("grader") or {}
        if grader:
            gdir = folder / grader.get("dir", "graders")
            files = {}
            for name in grader.get("files") or []:
                gpath = gdir / name
                if not gpath.is_file():
                    raise ConfigError(f"grader file {gpath} does not exist", file=str(path), key="grader.files")
                files[name] = gpath.read_text()
            data["grader"] = {**grader, "files": files}
        return cls.from_dict(data, tests=tests, root=folder, file=str(path))

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        *,
        tests: dict[str, TestData] | None = None,
        root: Path | None = None,
        file: str | None = None,
    ) -> IOIProblem:
        """Build from the problem-file keys. Without `tests`, `data["tests"]` holds them inline
        (`[{name, input, output}]`); `data["grader"]["files"]` maps file names to their text."""
        where = file or f"problem {data.get('id', '?')!r}"
        for key in ("id", "subtasks"):
            if key not in data:
                raise ConfigError("missing key", file=where, key=key)
        if tests is None:
            tests = {}
            for i, raw in enumerate(data.get("tests") or []):
                name = str(raw.get("name") or i)
                tests[name] = TestData(name, str(raw.get("input", "")), str(raw.get("output", "") or ""))
        names = list(tests)
        subtasks = []
        for i, raw in enumerate(data["subtasks"]):
            resolved: list[str] = []
            for pattern in raw.get("tests") or []:
                matched = [n for n in names if fnmatch.fnmatchcase(n, str(pattern))]
                if not matched:
                    raise ConfigError(
                        f"subtask {raw.get('name', i + 1)!r}: test pattern {pattern!r} matches no test",
                        file=where,
                        key="subtasks",
                        fix=f"tests are: {names}",
                    )
                resolved += [n for n in matched if n not in resolved]
            subtasks.append(Subtask(str(raw.get("name", i + 1)), float(raw.get("points", 0)), resolved))
        grader = data.get("grader") or {}
        grader_files = dict(grader.get("files") or {})
        grader_main = grader.get("main") or (
            ("grader.cpp" if "grader.cpp" in grader_files else None) if grader_files else None
        )
        solution_name = grader.get("solution") or (f"{data['id']}.cpp" if grader_main else "solution.cpp")
        manager = None
        comm = data.get("communication") or {}
        if comm.get("manager"):
            if root is None:
                raise ConfigError("a manager file needs the problem folder", file=where, key="communication.manager")
            manager = Manager.load(root / comm["manager"])
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", data["id"])),
            subtasks=subtasks,
            tests=tests,
            time_limit_s=float(data.get("time_limit_s", data.get("time_limit", 1.0))),
            memory_limit_mb=int(data.get("memory_limit_mb", data.get("memory_limit", 256))),
            task_type=str(data.get("task_type", "Batch")),
            statement=str(data.get("statement", "")),
            grader_files=grader_files,
            grader_main=grader_main,
            solution_name=solution_name,
            checker=checker_from_spec(data.get("checker"), root, file=where),
            manager=manager,
            root=root,
            languages=tuple(str(x) for x in _as_list(data.get("languages"))),
        )


def _as_list(value: Any) -> list[Any]:
    """A YAML value that may be one item or a list (`languages: cpp` or `languages: [cpp]`)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def find_problem_dirs(root: str | Path, fmt: str = "ioi") -> list[Path]:
    """Problem folders under `root` (itself, or any depth below) whose problem.yaml has `format: fmt`."""
    root = Path(root)
    found = []
    for path in sorted(root.rglob("problem.yaml")):
        if any(part.startswith(".") for part in path.relative_to(root).parts[:-1]):
            continue  # a hidden folder: an import in progress (or killed mid-way), never a problem to judge
        data = yaml.safe_load(path.read_text()) or {}
        if data.get("format", "ioi") == fmt:
            found.append(path.parent)
    return found


def load_problems(root: str | Path) -> dict[str, IOIProblem]:
    """Every IOI problem under `root`, by id (a problem folder itself is accepted too)."""
    dirs = find_problem_dirs(root, "ioi")
    if not dirs:
        raise ConfigError(
            f"no IOI problems (problem.yaml with format: ioi) under {root}",
            fix="point at labs/ioi-eval/problems or a folder of problems",
        )
    problems: dict[str, IOIProblem] = {}
    for folder in dirs:
        problem = IOIProblem.load(folder)
        if problem.id in problems:
            raise ConfigError(f"two problems with id {problem.id!r}: {problems[problem.id].root} and {folder}")
        problems[problem.id] = problem
    return problems


# ---------------------------------------------------------------------------------------------------------------
# Results


@dataclass
class TestOutcome:
    """How one test of an IOI submission went: status, checker score in [0, 1], feedback, run time and peak memory; the
    unit SubtaskOutcome aggregates.
    """

    __test__ = False

    name: str
    status: str
    score: float = 0.0
    feedback: str = ""
    time_s: float = 0.0
    memory_kb: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The outcome as a JSON-ready dict (time rounded to 0.1 ms) for reports and cached results."""
        return {
            "name": self.name,
            "status": self.status,
            "score": self.score,
            "feedback": self.feedback,
            "time_s": round(self.time_s, 4),
            "memory_kb": self.memory_kb,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestOutcome:
        """Rebuild a test outcome from `to_dict`'s output (SubtaskOutcome.from_dict calls it for each test)."""
        return cls(**data)


@dataclass
class SubtaskOutcome:
    """One subtask of a judged submission: its points, the score it earned (points × the minimum test score), the worst
    status and the outcome of each test.
    """

    name: str
    points: float
    score: float
    status: str
    tests: list[TestOutcome] = field(default_factory=list)

    @property
    def verdicts(self) -> str:
        """The tests' statuses in order, space-separated (as in the expected-verdicts files)."""
        return " ".join(t.status for t in self.tests)

    def to_dict(self) -> dict[str, Any]:
        """The subtask's name, points, score, status and test outcomes as a JSON-ready dict."""
        return {
            "name": self.name,
            "points": self.points,
            "score": self.score,
            "status": self.status,
            "tests": [t.to_dict() for t in self.tests],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubtaskOutcome:
        """Rebuild a subtask outcome and its test outcomes from `to_dict`'s output."""
        return cls(
            data["name"],
            data["points"],
            data["score"],
            data["status"],
            [TestOutcome.from_dict(t) for t in data.get("tests", [])],
        )


@dataclass
class IOIResult:
    """One submission to one problem. `score` is None when the judge failed (`error`)."""

    problem_id: str
    score: float | None
    max_score: float
    subtasks: list[SubtaskOutcome] = field(default_factory=list)
    compile_output: str = ""
    patches: list[str] = field(default_factory=list)
    error: str = ""
    code_hash: str = ""
    language: str = "cpp"

    @property
    def status(self) -> str:
        """CE / IE for the submission as a whole, AC when every subtask is full, else the worst subtask status."""
        if self.error:
            return "IE"
        if self.subtasks and all(s.status == "CE" for s in self.subtasks):
            return "CE"
        if self.score is not None and self.score >= self.max_score:
            return "AC"
        statuses = [s.status for s in self.subtasks if s.score < s.points] or ["AC"]
        return worst_status(statuses)

    @property
    def subtask_scores(self) -> list[float]:
        return [s.score for s in self.subtasks]

    @property
    def fraction(self) -> float | None:
        """The score as a fraction of the problem's points (what the `ioi_code` reward returns), or None when the judge
        failed or the problem has no points.
        """
        if self.score is None or not self.max_score:
            return None
        return self.score / self.max_score

    def to_dict(self) -> dict[str, Any]:
        """The whole result (score, maximum, status, subtasks, compiler output, patches, error, code hash, language) as
        a JSON-ready dict for reports and generations files.
        """
        return {
            "problem_id": self.problem_id,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "subtasks": [s.to_dict() for s in self.subtasks],
            "compile_output": self.compile_output,
            "patches": list(self.patches),
            "error": self.error,
            "code_hash": self.code_hash,
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IOIResult:
        """Rebuild a result from `to_dict`'s output (the derived status is recomputed, not read)."""
        return cls(
            data["problem_id"],
            data["score"],
            data["max_score"],
            [SubtaskOutcome.from_dict(s) for s in data.get("subtasks", [])],
            data.get("compile_output", ""),
            list(data.get("patches", [])),
            data.get("error", ""),
            data.get("code_hash", ""),
            data.get("language", "cpp"),
        )


@dataclass
class BestOf:
    """IOI's rule over N submissions: each subtask keeps its best score (`best_index`: which submission)."""

    score: float
    max_score: float
    subtask_scores: list[float]
    best_index: list[int | None]


def best_of(results: Sequence[IOIResult]) -> BestOf:
    """Best score per subtask over the submissions that were judged (judge failures are left out)."""
    judged = [r for r in results if r.score is not None]
    if not judged:
        max_score = results[0].max_score if results else 0.0
        return BestOf(0.0, max_score, [], [])
    positions = [i for i, r in enumerate(results) if r.score is not None]
    columns = [r.subtask_scores for r in judged]
    total = ioi_best_of(columns)
    best_scores, best_index = [], []
    for k in range(len(columns[0])):
        values = [col[k] for col in columns]
        top = max(values)
        best_scores.append(top)
        best_index.append(positions[values.index(top)] if top > 0 else None)
    return BestOf(total, judged[0].max_score, best_scores, best_index)


# ---------------------------------------------------------------------------------------------------------------
# The judge


class IOIJudge:
    """Score IOI submissions (see the module docstring).

    Args:
        executor ([`~open_r1.competitive.execution.Executor`], *optional*): where programs compile and run;
            defaults to a `LocalExecutor` (the local sandbox) created on first use and closed by `close()`.
        test_batch_size (`int`, *optional*, defaults to 1): tests sent to the executor at once inside a subtask;
            larger batches mean fewer round trips (remote providers) but may run tests after a failure.
        early_stop (`bool`, *optional*, defaults to `True`): stop a subtask at its first test scoring 0 (IOI
            semantics unchanged: the minimum is already 0). False runs every test (analysis, benchmarks).
        patch (`bool`, *optional*, defaults to `True`): apply `open_r1.competitive.patcher` rules first.
        workers (`int`, *optional*): local sandbox workers when the judge creates its executor.
    """

    def __init__(
        self,
        executor: Executor | None = None,
        *,
        test_batch_size: int = 1,
        early_stop: bool = True,
        patch: bool = True,
        workers: int | None = None,
    ) -> None:
        if test_batch_size < 1:
            raise ValueError(f"test_batch_size must be >= 1, got {test_batch_size}")
        self._own = executor is None
        self.executor = executor or LocalExecutor(workers=workers)
        self.test_batch_size = test_batch_size
        self.early_stop = early_stop
        self.patch = patch

    def close(self) -> None:
        """Close the executor if this judge created it (the local sandbox and its cached binaries); one passed in stays
        open for its owner.
        """
        if self._own:
            self.executor.close()

    def __enter__(self) -> IOIJudge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one submission ------------------------------------------------------------------------------------------

    def score(
        self, problem: IOIProblem, code: str, language: str = "cpp", *, subtasks: Sequence[str] | None = None
    ) -> IOIResult:
        """Judge `code`, written in `language`, on `problem` (all subtasks, or only those named).

        Raises `LanguageNotAccepted` before anything compiles when the task does not accept `language` (a Python
        program for a task with a C++ grader): a refusal, not a verdict."""
        language = problem.check_language(language)
        chosen = [problem.subtask(n) for n in subtasks] if subtasks else problem.subtasks
        max_score = float(sum(s.points for s in chosen))
        patches: list[str] = []
        if self.patch:
            header = problem.header_name if language == "cpp" else None
            patched = patch_code(
                code, language, header=header, header_text=problem.grader_files.get(header) if header else None
            )
            code, patches = patched.code, patched.applied
        spec = problem.program(code, language)
        with self.executor.program(spec) as program:
            if program.internal_error:
                return IOIResult(
                    problem.id,
                    None,
                    max_score,
                    patches=patches,
                    error=program.internal_error,
                    code_hash=spec.key,
                    language=language,
                )
            if not program.ok:
                outcomes = [
                    SubtaskOutcome(
                        s.name,
                        s.points,
                        0.0,
                        "CE",
                        [TestOutcome(t, "CE", feedback="compilation failed") for t in s.tests],
                    )
                    for s in chosen
                ]
                return IOIResult(
                    problem.id,
                    0.0,
                    max_score,
                    outcomes,
                    program.compile_output,
                    patches,
                    code_hash=spec.key,
                    language=language,
                )
            cache: dict[str, TestOutcome] = {}
            results = []
            for subtask in chosen:
                outcome = self._score_subtask(problem, program, subtask, cache)
                if isinstance(outcome, str):
                    return IOIResult(
                        problem.id,
                        None,
                        max_score,
                        results,
                        program.compile_output,
                        patches,
                        error=outcome,
                        code_hash=spec.key,
                        language=language,
                    )
                results.append(outcome)
        score = ioi_problem_score([s.score for s in results])
        return IOIResult(
            problem.id,
            score,
            max_score,
            results,
            program.compile_output,
            patches,
            code_hash=spec.key,
            language=language,
        )

    def _score_subtask(
        self, problem: IOIProblem, program: Prepared, subtask: Subtask, cache: dict[str, TestOutcome]
    ) -> SubtaskOutcome | str:
        """A subtask's outcome, or the judge's error message when a test could not be judged."""
        shown: list[TestOutcome] = []
        names = subtask.tests
        stopped = False
        for lo in range(0, len(names), self.test_batch_size):
            batch = names[lo : lo + self.test_batch_size]
            if stopped:
                shown += [TestOutcome(n, "SKIPPED") for n in batch]
                continue
            todo = [n for n in batch if n not in cache]
            if todo:
                for name, outcome in zip(todo, self._run_tests(problem, program, todo), strict=True):
                    cache[name] = outcome
            for name in batch:
                outcome = cache[name]
                if outcome.status == "IE":
                    return f"test {name}: {outcome.feedback}"
                if stopped:
                    shown.append(TestOutcome(name, "SKIPPED"))
                    continue
                shown.append(outcome)
                if outcome.score <= 0.0 and self.early_stop:
                    stopped = True
        score, status = ioi_subtask_score([(t.score, t.status) for t in shown], subtask.points)
        return SubtaskOutcome(subtask.name, subtask.points, score, status, shown)

    # -- running tests -------------------------------------------------------------------------------------------

    def _run_tests(self, problem: IOIProblem, program: Prepared, names: list[str]) -> list[TestOutcome]:
        tests = [problem.tests[n] for n in names]
        if problem.task_type == "Communication":
            return self._run_communication(problem, program, tests)
        runs = self.executor.run(program, [t.input for t in tests], problem.limits)
        return [self._judge_run(problem.checker.check, t, r) for t, r in zip(tests, runs, strict=True)]

    @staticmethod
    def _judge_run(check: Callable[[str, str, str], CheckResult], test: TestData, run: RunOutcome) -> TestOutcome:
        if not run.ok:
            status = _RUN_STATUS_TO_TEST.get(run.status, "RE")
            feedback = run.detail or status
            return TestOutcome(test.name, status, 0.0, feedback, run.time_s, run.memory_kb)
        try:
            result = check(test.input, run.stdout, test.answer)
        except CheckerError as err:
            return TestOutcome(test.name, "IE", 0.0, str(err), run.time_s, run.memory_kb)
        return TestOutcome(
            test.name, status_from_score(result.score), result.score, result.message, run.time_s, run.memory_kb
        )

    def _run_communication(self, problem: IOIProblem, program: Prepared, tests: list[TestData]) -> list[TestOutcome]:
        manager = problem.manager
        assert manager is not None
        outputs: list[list[str]] = [[] for _ in tests]
        final: list[TestOutcome | None] = [None] * len(tests)
        time_s = [0.0] * len(tests)
        memory = [0] * len(tests)
        for phase in range(manager.phases):
            alive, stdins = [], []
            for i, test in enumerate(tests):
                if final[i] is not None:
                    continue
                try:
                    stdins.append(manager.phase_input(phase, test.input, outputs[i]))
                except ValueError as err:  # the program broke the protocol (bad message, too long ...)
                    final[i] = TestOutcome(test.name, "WA", 0.0, f"protocol violation: {err}", time_s[i], memory[i])
                    continue
                except Exception as err:  # noqa: BLE001 -- a manager bug: the judge's failure
                    final[i] = TestOutcome(test.name, "IE", 0.0, f"manager failed: {type(err).__name__}: {err}")
                    continue
                alive.append(i)
            if not alive:
                break
            runs = self.executor.run(program, stdins, problem.limits)
            for i, run in zip(alive, runs, strict=True):
                time_s[i] += run.time_s
                memory[i] = max(memory[i], run.memory_kb)
                if not run.ok:
                    status = _RUN_STATUS_TO_TEST.get(run.status, "RE")
                    final[i] = TestOutcome(
                        tests[i].name, status, 0.0, f"phase {phase + 1}: {run.detail or status}", time_s[i], memory[i]
                    )
                else:
                    outputs[i].append(run.stdout)
        results = []
        for i, test in enumerate(tests):
            if final[i] is not None:
                results.append(final[i])
                continue

            def check(_input: str, _output: str, answer: str, i: int = i, test: TestData = test) -> CheckResult:
                return manager.judge(test.input, outputs[i], answer)

            results.append(
                self._judge_run(
                    check,
                    test,
                    RunOutcome("OK", outputs[i][-1] if outputs[i] else "", time_s=time_s[i], memory_kb=memory[i]),
                )
            )
        return results

    # -- many submissions ----------------------------------------------------------------------------------------

    def score_many(
        self,
        problem: IOIProblem,
        codes: Sequence[str],
        *,
        language: str = "cpp",
        max_parallel: int | None = None,
        on_result: Callable[[int, IOIResult], None] | None = None,
    ) -> list[IOIResult]:
        """Judge several submissions of one problem, all in `language`, `max_parallel` at once (default: the
        executor's workers)."""
        return self.score_batch(
            [(problem, code) for code in codes], language=language, max_parallel=max_parallel, on_result=on_result
        )

    def score_batch(
        self,
        items: Sequence[tuple[IOIProblem, str]],
        *,
        language: str = "cpp",
        max_parallel: int | None = None,
        on_result: Callable[[int, IOIResult], None] | None = None,
    ) -> list[IOIResult]:
        """Judge (problem, code) pairs, all in `language`, in parallel; `on_result(index, result)` fires as each
        finishes. Every problem's language check runs first: one refusal refuses the batch before any compile."""
        if not items:
            return []
        for problem, _ in items:
            problem.check_language(language)
        workers = max(1, max_parallel or self.executor.workers)
        results: list[IOIResult | None] = [None] * len(items)

        def one(index: int) -> None:
            problem, code = items[index]
            results[index] = result = self.score(problem, code, language)
            if on_result is not None:
                on_result(index, result)

        if workers == 1 or len(items) == 1:
            for i in range(len(items)):
                one(i)
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="open-r1-ioi") as pool:
                for future in [pool.submit(one, i) for i in range(len(items))]:
                    future.result()
        return [r for r in results if r is not None]


def extract_cpp(text: str) -> str | None:
    """The last ```cpp (or c++ / cc / cxx) fenced block of a completion, or None (the sandbox's rule)."""
    from open_r1.sandbox.rewards import extract_code

    return extract_code(text, "cpp")


__all__ = [
    "BestOf",
    "IOIJudge",
    "IOIProblem",
    "IOIResult",
    "LanguageNotAccepted",
    "Manager",
    "Subtask",
    "SubtaskOutcome",
    "TASK_TYPES",
    "TEST_STATUSES",
    "TestData",
    "TestOutcome",
    "best_of",
    "extract_cpp",
    "find_problem_dirs",
    "load_problems",
]
