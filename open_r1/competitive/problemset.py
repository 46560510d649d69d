"""The bundled problem set and its expected results: find it, judge every reference solution, compare.

WHAT
    * `default_problems_dir()` -- `labs/ioi-eval/problems` of this checkout (or `$OPEN_R1_PROBLEMS`).
    * `bundled_solutions(root) -> [ReferenceSolution]` -- every solution file under `*/solutions/` with the
      expectation its folder's `expected.yaml` records for it (points, per-subtask status and per-test
      verdicts for IOI; verdict, passed / total and per-test verdicts for Codeforces; patcher rules that must
      fire and the verdict with patching off).
    * `check_solution(solution, ioi, cf, ioi_raw, cf_raw) -> [str]` -- the mismatches (empty: as expected).
    * `verify_problem_set(root, executor)` -- all of it, for `open-r1 competitive verify`.

WHY
    A judge is only trustworthy if it gives known programs their known scores. Each bundled problem ships a full
    solution, partial ones and wrong / slow / crashing / non-compiling ones, so a change to the scorer, a
    checker, the sandbox or a grader that shifts any verdict is caught (the IOI rules make per-test verdicts
    and subtask scores the contract, not just the total). It is the same discipline as DeepSeek-R1's rule-based
    verifiers (arXiv 2501.12948 §2.2.2): the reward is only as good as the checker behind it.

HOW
    Files: `<problem>/solutions/expected.yaml` maps a solution file name to its expectation. IOI points compare
    within 1e-6; verdict strings compare exactly. Unexpected or missing entries are errors.

DATA FLOW
    `labs/ioi-eval/problems/{ioi,codeforces}/*` -> `bundled_solutions` -> `IOIJudge` / `CodeforcesJudge` ->
    `check_solution` -> tests (`tests/competitive/test_competitive_problem_set.py`) and the `verify` CLI.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from open_r1.core.errors import ConfigError
from open_r1.core.paths import labs_root

LANGUAGE_BY_SUFFIX = {".cpp": "cpp", ".cc": "cpp", ".py": "python"}


def default_problems_dir() -> Path:
    """The bundled problem set: `$OPEN_R1_PROBLEMS`, else `labs/ioi-eval/problems` next to this package."""
    env = os.environ.get("OPEN_R1_PROBLEMS")
    if env:
        return Path(env)
    return labs_root() / "ioi-eval" / "problems"


@dataclass
class ReferenceSolution:
    """One bundled solution and what the judge must say about it."""

    format: str  # "ioi" or "codeforces"
    problem_dir: Path
    path: Path
    language: str
    expected: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.problem_dir.name}/{self.path.name}"


def bundled_solutions(root: str | Path | None = None) -> list[ReferenceSolution]:
    """Every reference solution under `root` with its expectation (see the module docstring)."""
    root = Path(root) if root else default_problems_dir()
    found: list[ReferenceSolution] = []
    for problem_file in sorted(root.rglob("problem.yaml")):
        folder = problem_file.parent
        fmt = (yaml.safe_load(problem_file.read_text()) or {}).get("format", "ioi")
        expected_file = folder / "solutions" / "expected.yaml"
        if not expected_file.is_file():
            raise ConfigError(f"{folder} has no solutions/expected.yaml", fix="record each solution's results")
        expected = yaml.safe_load(expected_file.read_text()) or {}
        files = sorted(p for p in (folder / "solutions").iterdir() if p.suffix in LANGUAGE_BY_SUFFIX)
        names = {p.name for p in files}
        if set(expected) != names:
            raise ConfigError(
                f"solutions and expectations differ: only files {sorted(names - set(expected))}, "
                f"only expectations {sorted(set(expected) - names)}",
                file=str(expected_file),
            )
        for path in files:
            found.append(ReferenceSolution(fmt, folder, path, LANGUAGE_BY_SUFFIX[path.suffix], expected[path.name]))
    return found


def _close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, abs_tol=1e-6)


def check_solution(
    solution: ReferenceSolution,
    ioi: Any,
    cf: Any,
    ioi_raw: Any = None,
    cf_raw: Any = None,
    cache: dict[Path, Any] | None = None,
) -> list[str]:
    """Judge `solution` and list how the result differs from its expectation. `ioi` / `cf` are judges with
    patching on (the default); `ioi_raw` / `cf_raw` with patching off, for `unpatched` expectations."""
    from open_r1.competitive.codeforces import CFProblem
    from open_r1.competitive.ioi import IOIProblem

    cache = cache if cache is not None else {}
    code = solution.path.read_text()
    want = solution.expected
    errors: list[str] = []
    if solution.format == "ioi":
        problem = cache.get(solution.problem_dir) or IOIProblem.load(solution.problem_dir)
        cache[solution.problem_dir] = problem
        result = ioi.score(problem, code, solution.language)
        if result.error:
            return [f"judge error: {result.error}"]
        if not _close(result.score, float(want["points"])):
            errors.append(f"points {result.score} != expected {want['points']}")
        if "status" in want and result.status != want["status"]:
            errors.append(f"status {result.status} != expected {want['status']}")
        got = {s.name: s for s in result.subtasks}
        for name, exp in (want.get("subtasks") or {}).items():
            sub = got.get(str(name))
            if sub is None:
                errors.append(f"no subtask {name}")
                continue
            if not _close(sub.score, float(exp["points"])):
                errors.append(f"subtask {name}: points {sub.score} != {exp['points']}")
            if sub.status != exp["status"]:
                errors.append(f"subtask {name}: status {sub.status} != {exp['status']}")
            if "tests" in exp and sub.verdicts != exp["tests"]:
                errors.append(f"subtask {name}: tests [{sub.verdicts}] != [{exp['tests']}]")
        if "feedback" in want:
            first = result.subtasks[0].tests[0].feedback if result.subtasks and result.subtasks[0].tests else ""
            if first != want["feedback"]:
                errors.append(f"feedback {first!r} != {want['feedback']!r}")
        if sorted(result.patches) != sorted(want.get("patches") or []):
            errors.append(f"patches {result.patches} != {want.get('patches') or []}")
        if "unpatched" in want and ioi_raw is not None:
            raw = ioi_raw.score(problem, code, solution.language)
            if raw.status != want["unpatched"]:
                errors.append(f"unpatched status {raw.status} != {want['unpatched']}")
        return errors
    problem = cache.get(solution.problem_dir) or CFProblem.load(solution.problem_dir)
    cache[solution.problem_dir] = problem
    result = cf.score(problem, code, solution.language)
    if result.error:
        return [f"judge error: {result.error}"]
    for key in ("verdict", "passed", "total"):
        if key in want and getattr(result, key) != want[key]:
            errors.append(f"{key} {getattr(result, key)} != expected {want[key]}")
    if "tests" in want and result.verdicts != want["tests"]:
        errors.append(f"tests [{result.verdicts}] != [{want['tests']}]")
    if sorted(result.patches) != sorted(want.get("patches") or []):
        errors.append(f"patches {result.patches} != {want.get('patches') or []}")
    if "unpatched" in want and cf_raw is not None:
        raw = cf_raw.score(problem, code, solution.language)
        if raw.verdict != want["unpatched"]:
            errors.append(f"unpatched verdict {raw.verdict} != {want['unpatched']}")
    return errors


def verify_problem_set(
    root: str | Path | None = None, executor: Any = None, on_result: Any = None
) -> dict[str, list[str]]:
    """Judge every bundled solution; return {solution id: mismatches} (all empty when the set is consistent)."""
    from concurrent.futures import ThreadPoolExecutor

    from open_r1.competitive.codeforces import CodeforcesJudge
    from open_r1.competitive.execution import LocalExecutor
    from open_r1.competitive.ioi import IOIJudge

    own = executor is None
    executor = executor or LocalExecutor()
    try:
        ioi, ioi_raw = IOIJudge(executor), IOIJudge(executor, patch=False)
        cf, cf_raw = CodeforcesJudge(executor), CodeforcesJudge(executor, patch=False)
        solutions = bundled_solutions(root)
        report: dict[str, list[str]] = {}
        cache: dict[Path, Any] = {}

        def one(solution: ReferenceSolution) -> None:
            report[solution.id] = errors = check_solution(solution, ioi, cf, ioi_raw, cf_raw, cache)
            if on_result is not None:
                on_result(solution, errors)

        with ThreadPoolExecutor(max_workers=max(1, executor.workers)) as pool:
            for future in [pool.submit(one, s) for s in solutions]:
                future.result()
        return {s.id: report[s.id] for s in solutions}
    finally:
        if own:
            executor.close()


__all__ = ["ReferenceSolution", "bundled_solutions", "check_solution", "default_problems_dir", "verify_problem_set"]
