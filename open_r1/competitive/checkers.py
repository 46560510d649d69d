"""Checkers: turn a program's output on one test into a score in [0, 1] and a message for people.

WHAT
    `Checker.check(input, output, answer) -> CheckResult(score, message)`, where `answer` is the reference
    output shipped with the test. Built in:

    ============  ==============================================================================================
    exact         line by line, trailing whitespace and trailing blank lines ignored (the sandbox's rule)
    tokens        whitespace-separated tokens equal (Codeforces' default "wcmp"-style comparison)
    float[:EPS]   tokens; numbers equal within absolute or relative error EPS (default 1e-6), others exact
    yesno         tokens equal ignoring case ("YES", "Yes", "yes" are one answer, as Codeforces accepts)
    python:FILE   a checker module in the problem folder: `check(input, output, answer)` returns a score, a
                  bool, `(score, message)` or a `CheckResult` -- for "any valid answer" and partial scores
    ============  ==============================================================================================

    `checker_from_spec(spec, root)` builds one from a problem file's `checker:` value.

WHY
    IOI and Codeforces problems often have many correct outputs (any shortest path, any divisor) or give
    partial credit (IOI "PA": a fraction of the test's points), which exact comparison cannot judge; the IOI
    rules score a test by its checker's value in [0, 1]. DeepSeek-R1 (arXiv 2501.12948 §2.2.2, §3) relies on
    such rule-based verification for code; a wrong checker silently turns correct programs into zero reward,
    so each built-in is small and tested.
    Trust: `python:` checkers are part of a problem set -- trusted like its test data -- and run in this
    process. Never point the judge at a problem folder you would not import.

HOW
    A score outside [0, 1] is clamped; NaN, or an exception inside a checker, is the judge's failure and
    surfaces as verdict IE (no score), never as WA. Verdicts from scores: 1 -> AC, 0 -> WA, otherwise PA.

DATA FLOW
    problem file `checker:` -> `checker_from_spec` -> `IOIJudge` / `CodeforcesJudge` call `check` on each test
    whose run ended normally -> score -> verdict -> subtask / problem score.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from open_r1.errors import ConfigError
from open_r1.sandbox.base import outputs_match

BUILTIN_CHECKERS = ("exact", "tokens", "float", "yesno", "python:FILE")


@dataclass
class CheckResult:
    """A checker's word on one output: `score` in [0, 1] and a short message (shown as feedback)."""

    score: float
    message: str = ""


class CheckerError(RuntimeError):
    """The checker itself failed (a bug in the problem, not in the program): the test is judged IE."""


@runtime_checkable
class Checker(Protocol):
    name: str

    def check(self, input: str, output: str, answer: str) -> CheckResult: ...


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ExactChecker:
    """Line-by-line equality (`open_r1.sandbox.base.outputs_match`)."""

    name = "exact"

    def check(self, input: str, output: str, answer: str) -> CheckResult:
        if outputs_match(output, answer):
            return CheckResult(1.0, "ok")
        return CheckResult(0.0, "output differs from the expected output")


class TokenChecker:
    """Whitespace-separated tokens equal (line breaks and spacing do not matter)."""

    name = "tokens"
    case_sensitive = True

    def check(self, input: str, output: str, answer: str) -> CheckResult:
        got, want = output.split(), answer.split()
        if not self.case_sensitive:
            got, want = [t.lower() for t in got], [t.lower() for t in want]
        for i, (g, w) in enumerate(zip(got, want, strict=False)):
            if g != w:
                return CheckResult(0.0, f"token {i + 1}: expected {_clip(w)!r}, found {_clip(g)!r}")
        if len(got) != len(want):
            return CheckResult(0.0, f"expected {len(want)} tokens, found {len(got)}")
        return CheckResult(1.0, f"ok, {len(want)} tokens")


class YesNoChecker(TokenChecker):
    """Tokens equal ignoring case: YES / Yes / yes are the same answer."""

    name = "yesno"
    case_sensitive = False


class FloatChecker:
    """Tokens; where the expected token is a number, accept |found - expected| <= eps * max(1, |expected|)."""

    name = "float"

    def __init__(self, eps: float = 1e-6) -> None:
        if not eps > 0:
            raise ValueError(f"float checker: eps must be > 0, got {eps}")
        self.eps = eps

    def check(self, input: str, output: str, answer: str) -> CheckResult:
        got, want = output.split(), answer.split()
        if len(got) != len(want):
            return CheckResult(0.0, f"expected {len(want)} tokens, found {len(got)}")
        worst = 0.0
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            try:
                expected = float(w)
            except ValueError:
                if g != w:
                    return CheckResult(0.0, f"token {i + 1}: expected {_clip(w)!r}, found {_clip(g)!r}")
                continue
            try:
                found = float(g)
            except ValueError:
                return CheckResult(0.0, f"token {i + 1}: expected a number, found {_clip(g)!r}")
            if not math.isfinite(found):
                return CheckResult(0.0, f"token {i + 1}: {g} is not a finite number")
            error = abs(found - expected) / max(1.0, abs(expected))
            worst = max(worst, error)
            if error > self.eps:
                return CheckResult(0.0, f"token {i + 1}: expected {w}, found {g} (error {error:.2e} > {self.eps:g})")
        return CheckResult(1.0, f"ok, {len(want)} tokens, max error {worst:.1e}")


_MODULE_LOCK = threading.Lock()
_MODULES: dict[Path, Any] = {}


def load_module(path: Path, kind: str = "checker") -> Any:
    """Import a problem's trusted helper module (checker.py / manager.py) by path, once per process."""
    path = Path(path).resolve()
    with _MODULE_LOCK:
        if path in _MODULES:
            return _MODULES[path]
        if not path.is_file():
            raise ConfigError(f"{kind} file {path} does not exist", fix=f"add {path.name} or fix the problem file")
        name = f"open_r1_competitive_{kind}_{abs(hash(str(path))):x}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"cannot import {kind} {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as err:
            del sys.modules[name]
            raise ConfigError(f"{kind} {path} failed to import: {type(err).__name__}: {err}") from err
        _MODULES[path] = module
        return module


def as_check_result(value: Any, where: str) -> CheckResult:
    """Normalise what a Python checker returned (score, bool, (score, message), CheckResult)."""
    if isinstance(value, CheckResult):
        result = value
    elif isinstance(value, tuple) and len(value) == 2:
        result = CheckResult(float(value[0]), str(value[1]))
    elif isinstance(value, bool | int | float):
        result = CheckResult(float(value), "")
    else:
        raise CheckerError(f"{where} returned {value!r}; expected a score, a bool or (score, message)")
    if math.isnan(result.score):
        raise CheckerError(f"{where} returned a NaN score")
    result.score = min(1.0, max(0.0, result.score))
    return result


class PythonChecker:
    """`check(input, output, answer)` from a trusted module in the problem folder (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = f"python:{self.path.name}"
        module = load_module(self.path)
        self._check = getattr(module, "check", None)
        if not callable(self._check):
            raise ConfigError(
                f"checker {self.path} defines no check(input, output, answer) function",
                fix="define check(input: str, output: str, answer: str) -> float | (float, str)",
            )

    def check(self, input: str, output: str, answer: str) -> CheckResult:
        try:
            value = self._check(input, output, answer)
        except Exception as err:  # noqa: BLE001 -- a checker bug is the judge's failure (IE), not a WA
            raise CheckerError(f"{self.name} raised {type(err).__name__}: {err}") from err
        return as_check_result(value, self.name)


def checker_from_spec(spec: str | None, root: Path | None = None, *, file: str | None = None) -> Checker:
    """Build a checker from a problem file's `checker:` value (see the module docstring); None -> exact."""
    spec = (spec or "exact").strip()
    kind, _, arg = spec.partition(":")
    if kind == "exact" and not arg:
        return ExactChecker()
    if kind == "tokens" and not arg:
        return TokenChecker()
    if kind == "yesno" and not arg:
        return YesNoChecker()
    if kind == "float":
        try:
            return FloatChecker(float(arg) if arg else 1e-6)
        except ValueError as err:
            raise ConfigError(
                f"bad float checker {spec!r}: {err}", file=file, key="checker", fix="write float or float:1e-6"
            ) from None
    if kind == "python" and arg:
        if root is None:
            raise ConfigError(f"checker {spec!r} needs the problem folder", file=file, key="checker")
        return PythonChecker(Path(root) / arg)
    raise ConfigError(
        f"unknown checker {spec!r}", file=file, key="checker", fix=f"use one of {', '.join(BUILTIN_CHECKERS)}"
    )


def status_from_score(score: float) -> str:
    """AC for a full score, WA for zero, PA in between (IOI's partial-score verdict)."""
    return "AC" if score >= 1.0 else ("WA" if score <= 0.0 else "PA")


__all__ = [
    "BUILTIN_CHECKERS",
    "CheckResult",
    "Checker",
    "CheckerError",
    "ExactChecker",
    "FloatChecker",
    "PythonChecker",
    "TokenChecker",
    "YesNoChecker",
    "as_check_result",
    "checker_from_spec",
    "load_module",
    "status_from_score",
]
