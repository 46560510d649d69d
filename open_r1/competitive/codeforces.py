"""Codeforces scoring: official plus generated tests, checkers, Python and C++, and the three reward modes.

WHAT
    * `CFProblem` -- limits, a checker, and tests tagged `official` (from the statement and the round) or
      `generated` (extra tests made by a generator). `CFProblem.load(folder)` reads
      `labs/ioi-eval/problems/codeforces/*` (`problem.yaml`, `tests/official/*.in|out`,
      `tests/generated/*.in|out`); `CFProblem.from_dict(row)` takes inline tests in our keys or in the open-r1
      Codeforces dataset's (`official_tests`, `generated_tests`, `time_limit`, `memory_limit`).
    * `CodeforcesJudge(executor).score(problem, code, language) -> CFResult` -- verdict (AC, or the first
      failing test's WA / TLE / MLE / RE / OLE; CE), tests passed / run, per-test outcomes and checker messages.
    * `CFResult.reward(mode)` -- the `cf_code` reward: `pass_fail`, `partial` or `weighted_sum`.

WHY
    Codeforces judges a submission as accepted only when every test passes, in order, and reports the first
    failure. For RL that signal is sparse, so open-r1's Codeforces work (the `cf_code` reward behind its
    OlympicCoder and Codeforces-CoTs training) also offers the fraction of tests passed and a weighted sum;
    DeepSeek-R1 (arXiv 2501.12948 §2.2.2, §3) rewards code by execution on test cases. Penalties keep the
    ordering sensible: no code at all (-1.0) < a compile error (-0.1) < compiles but fails (0) < passes.
    Generated tests matter because official tests are few: a program that passes the examples but is wrong
    (or too slow) on larger inputs must not get full reward.

HOW
    Tests run in the order official, then generated (each set sorted by name). `pass_fail` only needs to know
    whether all pass, so the judge stops at the first failure in that mode (`stop_on_first_failure`); the other
    modes run every test. Rewards (`open_r1.competitive.scoring.cf_score`):
        pass_fail    = 1 if passed == total else 0
        partial      = passed / total
        weighted_sum = pass_fail + 0.1 x partial
        no code -> -1.0, compile error -> -0.1, no tests -> None, judge failure (IE) -> None.

DATA FLOW
    problem folder / dataset row -> `CFProblem` -> `CodeforcesJudge.score`: `patch_code` -> `ProgramSpec` ->
    `Executor` (compile cache, sandbox) -> checker per test -> `CFResult` -> `cf_code` reward / CLI table /
    problem-set verification.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from open_r1.competitive.checkers import Checker, CheckerError, checker_from_spec, status_from_score
from open_r1.competitive.execution import Executor, LocalExecutor, ProgramSpec
from open_r1.competitive.patcher import patch_code
from open_r1.competitive.scoring import CF_MODES, cf_score
from open_r1.core.errors import ConfigError
from open_r1.sandbox.base import LANGUAGES, Limits

TEST_KINDS = ("official", "generated")


@dataclass
class CFTest:
    """One Codeforces test: its name (`official/<stem>` or `generated/<stem>`), the stdin, the reference answer the
    checker compares against, and which set it came from.
    """

    __test__ = False

    name: str
    input: str
    answer: str
    kind: str = "official"


@dataclass
class CFProblem:
    """A Codeforces problem ready to judge: id, name, its official and generated tests, time and memory limits, the
    checker and the statement; built by `load` from a problem folder or by `from_dict` from a dataset row.
    """

    id: str
    name: str
    tests: list[CFTest]
    time_limit_s: float = 1.0
    memory_limit_mb: int = 256
    checker: Checker = field(default_factory=lambda: checker_from_spec("exact"))
    statement: str = ""
    root: Path | None = None

    @property
    def limits(self) -> Limits:
        return Limits(cpu_time_s=self.time_limit_s, memory_mb=self.memory_limit_mb)

    def tests_of(self, kinds: Sequence[str] = TEST_KINDS) -> list[CFTest]:
        """The problem's tests of the given kinds (official, generated or both), in the stored order: official first,
        each set sorted by name.
        """
        return [t for t in self.tests if t.kind in kinds]

    @classmethod
    def load(cls, folder: str | Path) -> CFProblem:
        """Read a `format: codeforces` problem folder: problem.yaml (id, name, limits, checker), tests/official and
        tests/generated `.in`/`.out` pairs and the statement; a folder without problem.yaml or of another format is a
        ConfigError.
        """
        folder = Path(folder)
        path = folder / "problem.yaml"
        if not path.is_file():
            raise ConfigError(f"{folder} is not a problem folder (no problem.yaml)")
        data = yaml.safe_load(path.read_text()) or {}
        if data.get("format") != "codeforces":
            raise ConfigError(f"format is {data.get('format')!r}, not 'codeforces'", file=str(path), key="format")
        tests = []
        for kind in TEST_KINDS:
            for inp in sorted((folder / "tests" / kind).glob("*.in")):
                out = inp.with_suffix(".out")
                tests.append(
                    CFTest(f"{kind}/{inp.stem}", inp.read_text(), out.read_text() if out.is_file() else "", kind)
                )
        statement = folder / data.get("statement", "statement.md")
        return cls(
            id=str(data.get("id", folder.name)),
            name=str(data.get("name", folder.name)),
            tests=tests,
            time_limit_s=float(data.get("time_limit_s", 1.0)),
            memory_limit_mb=int(data.get("memory_limit_mb", 256)),
            checker=checker_from_spec(data.get("checker"), folder, file=str(path)),
            statement=statement.read_text() if statement.is_file() else "",
            root=folder,
        )

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> CFProblem:
        """From a dataset row: `tests` ([{input, output, kind?}]) or `official_tests` / `generated_tests`;
        `time_limit(_s)` in seconds, `memory_limit(_mb)` in MiB; `checker` a built-in name."""
        tests: list[CFTest] = []

        def add(raw: Any, kind: str) -> None:
            if isinstance(raw, str):
                raw = json.loads(raw)
            for i, t in enumerate(raw or []):
                tests.append(
                    CFTest(
                        str(t.get("name") or f"{kind}/{i}"),
                        str(t.get("input", "") or ""),
                        str(t.get("output", "") or ""),
                        str(t.get("kind") or kind),
                    )
                )

        add(row.get("tests"), "official")
        add(row.get("official_tests"), "official")
        add(row.get("generated_tests"), "generated")
        return cls(
            id=str(row.get("id", row.get("problem_id", "problem"))),
            name=str(row.get("name", row.get("title", row.get("id", "problem")))),
            tests=tests,
            time_limit_s=float(row.get("time_limit_s") or row.get("time_limit") or 1.0),
            memory_limit_mb=int(row.get("memory_limit_mb") or row.get("memory_limit") or 256),
            checker=checker_from_spec(row.get("checker")),
        )


def load_cf_problems(root: str | Path) -> dict[str, CFProblem]:
    """Every Codeforces problem folder under `root`, loaded and keyed by problem id: the set the Codeforces report and
    evaluations iterate over.
    """
    from open_r1.competitive.ioi import find_problem_dirs

    return {p.id: p for p in (CFProblem.load(d) for d in find_problem_dirs(root, "codeforces"))}


@dataclass
class CFTestOutcome:
    """How one test of a Codeforces submission went: its status (AC, WA, TLE, ..., SKIPPED, IE), the checker's score and
    message, and the run time; a CFResult holds one per test.
    """

    __test__ = False

    name: str
    status: str  # AC / WA / TLE / MLE / RE / OLE / CE / SKIPPED / IE
    score: float = 0.0
    feedback: str = ""
    time_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The outcome as a JSON-ready dict (time rounded to 0.1 ms) for reports and the judge's CLI output."""
        return {
            "name": self.name,
            "status": self.status,
            "score": self.score,
            "feedback": self.feedback,
            "time_s": round(self.time_s, 4),
        }


@dataclass
class CFResult:
    """The judge's answer for one Codeforces submission: the verdict (AC or the first failure's), tests passed and run,
    per-test outcomes, compiler output, applied patches and any judge error; `reward(mode)` turns it into the `cf_code`
    reward.
    """

    problem_id: str
    language: str
    verdict: str
    passed: int
    total: int
    tests: list[CFTestOutcome] = field(default_factory=list)
    compile_output: str = ""
    patches: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def verdicts(self) -> str:
        return " ".join(t.status for t in self.tests)

    def reward(self, mode: str = "weighted_sum") -> float | None:
        """The `cf_code` reward for this result (None for a judge failure or a problem without tests)."""
        if self.verdict == "IE":
            return None
        return cf_score(mode, self.passed, self.total, compile_error=self.verdict == "CE")

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dict, with the per-test outcomes and the reward under every mode, for reports and
        `open-r1 competitive` output.
        """
        return {
            "problem_id": self.problem_id,
            "language": self.language,
            "verdict": self.verdict,
            "passed": self.passed,
            "total": self.total,
            "tests": [t.to_dict() for t in self.tests],
            "compile_output": self.compile_output,
            "patches": self.patches,
            "error": self.error,
            "rewards": {m: self.reward(m) for m in CF_MODES},
        }


class CodeforcesJudge:
    """Judge Codeforces-style submissions (see the module docstring).

    Args:
        executor ([`~open_r1.competitive.execution.Executor`], *optional*): defaults to a `LocalExecutor`.
        patch (`bool`, *optional*, defaults to `True`): apply the patcher's rules before compiling.
        test_batch_size (`int`, *optional*, defaults to 1): tests per executor call when stopping on the first
            failure (the judge stops after the first batch holding one); 0 sends all tests in one call.
        workers (`int`, *optional*): local sandbox workers when the judge creates its executor.
    """

    def __init__(
        self,
        executor: Executor | None = None,
        *,
        patch: bool = True,
        test_batch_size: int = 1,
        workers: int | None = None,
    ) -> None:
        self._own = executor is None
        self.executor = executor or LocalExecutor(workers=workers)
        self.patch = patch
        self.test_batch_size = test_batch_size

    def close(self) -> None:
        """Close the executor if this judge created it (the local sandbox's workers and cached binaries); an executor
        passed in stays open for its owner.
        """
        if self._own:
            self.executor.close()

    def __enter__(self) -> CodeforcesJudge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def score(
        self,
        problem: CFProblem,
        code: str,
        language: str = "python",
        *,
        stop_on_first_failure: bool = False,
        kinds: Sequence[str] = TEST_KINDS,
    ) -> CFResult:
        """Judge `code` (Python or C++) on the problem's tests of the given kinds."""
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
        tests = problem.tests_of(kinds)
        patches: list[str] = []
        if self.patch:
            patched = patch_code(code, language)
            code, patches = patched.code, patched.applied
        spec = ProgramSpec.python(code) if language == "python" else ProgramSpec.cpp({"main.cpp": code})
        if not tests:
            return CFResult(problem.id, language, "AC", 0, 0, patches=patches)
        with self.executor.program(spec) as program:
            if program.internal_error:
                return CFResult(
                    problem.id, language, "IE", 0, len(tests), patches=patches, error=program.internal_error
                )
            if not program.ok:
                outcomes = [CFTestOutcome(t.name, "CE") for t in tests]
                return CFResult(problem.id, language, "CE", 0, len(tests), outcomes, program.compile_output, patches)
            size = len(tests) if not stop_on_first_failure else (self.test_batch_size or len(tests))
            outcomes: list[CFTestOutcome] = []
            failed = False
            for lo in range(0, len(tests), size):
                batch = tests[lo : lo + size]
                if failed:
                    outcomes += [CFTestOutcome(t.name, "SKIPPED") for t in batch]
                    continue
                runs = self.executor.run(program, [t.input for t in batch], problem.limits)
                for test, run in zip(batch, runs, strict=True):
                    if failed:
                        outcomes.append(CFTestOutcome(test.name, "SKIPPED"))
                        continue
                    outcome = self._judge(problem, test, run)
                    if outcome.status == "IE":
                        return CFResult(
                            problem.id,
                            language,
                            "IE",
                            0,
                            len(tests),
                            outcomes,
                            patches=patches,
                            error=f"test {test.name}: {outcome.feedback}",
                        )
                    outcomes.append(outcome)
                    failed = stop_on_first_failure and outcome.status != "AC"
        passed = sum(o.status == "AC" for o in outcomes)
        verdict = next((o.status for o in outcomes if o.status not in ("AC", "SKIPPED")), "AC")
        # a Python program that fails to compile only at run time (the sandbox's interpreter differs) is CE
        if outcomes and all(o.status == "CE" for o in outcomes):
            verdict = "CE"
        return CFResult(problem.id, language, verdict, passed, len(tests), outcomes, program.compile_output, patches)

    @staticmethod
    def _judge(problem: CFProblem, test: CFTest, run: Any) -> CFTestOutcome:
        if not run.ok:
            return CFTestOutcome(test.name, run.status, 0.0, run.detail or run.status, run.time_s)
        try:
            result = problem.checker.check(test.input, run.stdout, test.answer)
        except CheckerError as err:
            return CFTestOutcome(test.name, "IE", 0.0, str(err), run.time_s)
        # Codeforces has no partial credit per test: anything short of a full score is WA
        status = "AC" if status_from_score(result.score) == "AC" else "WA"
        return CFTestOutcome(test.name, status, 1.0 if status == "AC" else 0.0, result.message, run.time_s)

    def score_batch(
        self,
        items: Sequence[tuple[CFProblem, str, str]],
        *,
        stop_on_first_failure: bool = False,
        max_parallel: int | None = None,
        on_result: Callable[[int, CFResult], None] | None = None,
    ) -> list[CFResult]:
        """Judge (problem, code, language) triples in parallel."""
        results: list[CFResult | None] = [None] * len(items)

        def one(index: int) -> None:
            problem, code, language = items[index]
            results[index] = result = self.score(problem, code, language, stop_on_first_failure=stop_on_first_failure)
            if on_result is not None:
                on_result(index, result)

        workers = max(1, max_parallel or self.executor.workers)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="open-r1-cf") as pool:
            for future in [pool.submit(one, i) for i in range(len(items))]:
                future.result()
        return [r for r in results if r is not None]


__all__ = ["CFProblem", "CFResult", "CFTest", "CFTestOutcome", "CodeforcesJudge", "TEST_KINDS", "load_cf_problems"]
