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
    cms:FILE      a C++ checker in CMS's convention (the official IOI checkers, e.g. `checker/checker.cpp` of
                  the public open-r1/ioi data): run as `checker <input> <correct_output> <contestant_output>`,
                  first stdout line = score, first stderr line = message
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
    `cms:` exists because IOI ships its checkers as C++ programs for CMS (the contest system IOI runs on), and
    open-r1's IOI work / OlympicCoder (the public open-r1/ioi dataset) passes them on unchanged: scoring IOI 2024
    the way the contest did means running those very programs, with CMS's calling convention, not a port.

HOW
    A score outside [0, 1] is clamped; NaN, or an exception inside a checker, is the judge's failure and
    surfaces as verdict IE (no score), never as WA. Verdicts from scores: 1 -> AC, 0 -> WA, otherwise PA.
    `cms:` checkers are compiled lazily, on their first test, with the judge's compiler command on this machine
    (trusted code: no sandbox), once per process for each distinct content -- the key is a SHA-256 of the
    command, the checker and the headers beside it, as submissions are keyed in `execution.ProgramSpec` -- so
    every test, submission and reload of the problem reuses one binary (`CMS_CHECKER_STATS` counts compiles).
    Each check writes the three files into a fresh temporary folder and runs the binary there with a timeout.
    As in CMS, a checker that exits non-zero, times out, fails to compile or prints no number is the judge's
    failure (IE); CMS's `translate:success|wrong|partial` messages are shown as their English text.

DATA FLOW
    problem file `checker:` -> `checker_from_spec` -> `IOIJudge` / `CodeforcesJudge` call `check` on each test
    whose run ended normally -> score -> verdict -> subtask / problem score. For `cms:`: first check -> g++ (once
    per content hash) -> binary in a per-process temporary folder -> one run per check on three temporary files.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from open_r1.competitive.execution import CPP_COMMAND
from open_r1.core.errors import ConfigError
from open_r1.sandbox.base import outputs_match

BUILTIN_CHECKERS = ("exact", "tokens", "float", "yesno", "python:FILE", "cms:FILE")


@dataclass
class CheckResult:
    """A checker's word on one output: `score` in [0, 1] and a short message (shown as feedback)."""

    score: float
    message: str = ""


class CheckerError(RuntimeError):
    """The checker itself failed (a bug in the problem, not in the program): the test is judged IE."""


@runtime_checkable
class Checker(Protocol):
    """What every checker is: a `name` and `check(input, output, answer) -> CheckResult` (a score in [0, 1] and a
    message). The judges call it once per test; exact, token, float, Python and CMS (compiled C++) checkers
    implement it.
    """
    name: str

    def check(self, input: str, output: str, answer: str) -> CheckResult:
        """Score one test: the test's input, the program's output and the expected answer in, a score in [0, 1]
        with a short human-readable reason out."""
        ...


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ExactChecker:
    """Line-by-line equality (`open_r1.sandbox.base.outputs_match`)."""

    name = "exact"

    def check(self, input: str, output: str, answer: str) -> CheckResult:
        """1.0 when the output equals the expected output line by line (trailing whitespace and a final newline
        ignored, as judges do), else 0.0 with the reason.
        """
        if outputs_match(output, answer):
            return CheckResult(1.0, "ok")
        return CheckResult(0.0, "output differs from the expected output")


class TokenChecker:
    """Whitespace-separated tokens equal (line breaks and spacing do not matter)."""

    name = "tokens"
    case_sensitive = True

    def check(self, input: str, output: str, answer: str) -> CheckResult:
        """1.0 when the whitespace-separated tokens match (optionally ignoring case), else 0.0 naming the first
        differing token or the token counts.
        """
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
        """1.0 when every token matches, numbers within a relative tolerance `eps` (absolute below 1), else 0.0 naming
        the first token out of tolerance; reports the largest error seen.
        """
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
        """Run the problem's own Python checker function and turn its value (bool, number or (score, message)) into a
        CheckResult; an exception inside the checker is the judge's failure (CheckerError), never a wrong answer.
        """
        try:
            value = self._check(input, output, answer)
        except Exception as err:  # noqa: BLE001 -- a checker bug is the judge's failure (IE), not a WA
            raise CheckerError(f"{self.name} raised {type(err).__name__}: {err}") from err
        return as_check_result(value, self.name)


# ---------------------------------------------------------------------------------------------------------------
# CMS checkers (compiled C++)

# A checker is trusted, but a buggy one must not hang an evaluation: each run and each compile gets a wall clock.
CMS_CHECKER_TIMEOUT_S = 30.0
CMS_COMPILE_TIMEOUT_S = 120.0
# Files beside the checker that are copied into its build folder, so `#include "testlib.h"` resolves.
_HEADER_SUFFIXES = (".h", ".hh", ".hpp", ".hxx", ".inc", ".ipp", ".tcc")
# CMS's standard messages: a checker writes the code, the contestant sees the sentence.
_CMS_MESSAGES = {
    "translate:success": "Output is correct",
    "translate:wrong": "Output isn't correct",
    "translate:partial": "Output is partially correct",
}


@dataclass
class CheckerBuildStats:
    """Process-wide counters for `cms:` checkers: `compiles` are real g++ runs, `cache_hits` the checkers that
    found their binary already built (another problem object, a reload, another thread)."""

    compiles: int = 0
    cache_hits: int = 0
    by_key: dict[str, int] = field(default_factory=dict)  # compiles per content hash


CMS_CHECKER_STATS = CheckerBuildStats()


@dataclass
class _Build:
    """One compiled checker: the binary, or why there is none."""

    binary: Path | None
    error: str = ""


class _CheckerBuilds:
    """Content-addressed store of compiled checkers for this process (see HOW). A per-key lock makes concurrent
    first checks wait for one compile instead of starting their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._builds: dict[str, _Build] = {}
        self._root: Path | None = None

    def _folder(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix=f"open-r1-cms-checkers-{os.getpid()}-"))
                atexit.register(shutil.rmtree, self._root, True)
            return self._root

    def get(self, key: str, sources: dict[str, str], main: str) -> _Build:
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            build = self._builds.get(key)
            if build is not None:
                with self._lock:
                    CMS_CHECKER_STATS.cache_hits += 1
                return build
            build = self._compile(key, sources, main)
            with self._lock:
                CMS_CHECKER_STATS.compiles += 1
                CMS_CHECKER_STATS.by_key[key] = CMS_CHECKER_STATS.by_key.get(key, 0) + 1
                # a compiler that timed out may succeed on a less loaded machine: only keep definite answers
                if build.binary is not None or "timed out" not in build.error:
                    self._builds[key] = build
            return build

    def _compile(self, key: str, sources: dict[str, str], main: str) -> _Build:
        folder = self._folder() / key[:24]
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, text in sources.items():
            (folder / name).write_text(text)
        argv = [*CPP_COMMAND.split(), "-o", "checker", main]
        try:
            done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=CMS_COMPILE_TIMEOUT_S)
        except FileNotFoundError:
            return _Build(None, f"{argv[0]} is not installed (needed to compile the problem's checker)")
        except subprocess.TimeoutExpired:
            return _Build(None, f"compiling the checker timed out after {CMS_COMPILE_TIMEOUT_S:g} s")
        binary = folder / "checker"
        if done.returncode != 0 or not binary.is_file():
            return _Build(None, f"the checker does not compile:\n{(done.stdout + done.stderr)[-2000:]}")
        return _Build(binary)


_BUILDS = _CheckerBuilds()


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


class CMSChecker:
    """A C++ checker in CMS's convention (see the module docstring): `checker <input> <correct> <output>`, score
    on stdout's first line, message on stderr. Trusted like a `python:` checker, so it runs on this machine
    outside the sandbox, under `timeout_s` wall seconds per test.

    Args:
        path (`Path`): the checker's main source file; headers beside it are compiled with it.
        timeout_s (`float`, *optional*): wall-clock limit of one check.
        label (`str`, *optional*): the name shown in feedback and reports (default: `cms:<file name>`).
    """

    def __init__(self, path: Path, *, timeout_s: float = CMS_CHECKER_TIMEOUT_S, label: str | None = None) -> None:
        self.path = Path(path)
        self.name = label or f"cms:{self.path.name}"
        self.timeout_s = timeout_s
        if not self.path.is_file():
            raise ConfigError(
                f"checker source {self.path} does not exist",
                key="checker",
                fix="point `checker: cms:PATH` at the C++ checker, relative to the problem folder",
            )
        # Read the sources now: the key must describe what was loaded, even if the folder changes later.
        self.sources = {self.path.name: self.path.read_text()}
        for other in sorted(self.path.parent.iterdir()):
            if other.is_file() and other.suffix in _HEADER_SUFFIXES:
                self.sources[other.name] = other.read_text()
        digest = hashlib.sha256()
        for part in (CPP_COMMAND, self.path.name):
            digest.update(part.encode() + b"\0")
        for name, text in sorted(self.sources.items()):
            digest.update(name.encode() + b"\0" + text.encode("utf-8", "surrogatepass") + b"\0")
        self.key = digest.hexdigest()

    def binary(self) -> Path:
        """The compiled checker (compiled on first use, then shared); raises `CheckerError` if it cannot be."""
        build = _BUILDS.get(self.key, self.sources, self.path.name)
        if build.binary is None:
            raise CheckerError(f"{self.name}: {build.error}")
        return build.binary

    def check(self, input: str, output: str, answer: str) -> CheckResult:
        """Run the problem's compiled CMS checker on files holding the input, the expected and the program's output;
        its stdout is the score and its stderr the message, as CMS defines. A checker that crashes or cannot compile
        raises CheckerError.
        """
        binary = self.binary()
        with tempfile.TemporaryDirectory(prefix="open-r1-cms-check-") as tmp:
            files = []
            for name, text in (("input.txt", input), ("correct_output.txt", answer), ("output.txt", output)):
                path = Path(tmp) / name
                path.write_text(text)
                files.append(str(path))
            try:
                done = subprocess.run(
                    [str(binary), *files],
                    cwd=tmp,
                    capture_output=True,
                    text=True,
                    errors="replace",
                    timeout=self.timeout_s,
                    stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired:
                raise CheckerError(f"{self.name} ran longer than {self.timeout_s:g} s") from None
        message = _first_line(done.stderr)
        message = _CMS_MESSAGES.get(message, message)
        if done.returncode != 0:
            # CMS treats a failing checker as an evaluation failure, never as a wrong answer
            raise CheckerError(f"{self.name} exited with status {done.returncode}: {_clip(message, 200)}")
        line = _first_line(done.stdout)
        try:
            score = float(line)
        except ValueError:
            raise CheckerError(f"{self.name} printed {_clip(line)!r} where a score was expected") from None
        return as_check_result(CheckResult(score, message), self.name)


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
    if kind == "cms" and arg:
        if root is None:
            raise ConfigError(f"checker {spec!r} needs the problem folder", file=file, key="checker")
        path = Path(root) / arg
        if not path.is_file():
            raise ConfigError(
                f"checker source {path} does not exist",
                file=file,
                key="checker",
                fix="write cms:PATH with PATH relative to the problem folder, e.g. cms:checker/checker.cpp",
            )
        return CMSChecker(path, label=spec)
    raise ConfigError(
        f"unknown checker {spec!r}", file=file, key="checker", fix=f"use one of {', '.join(BUILTIN_CHECKERS)}"
    )


def status_from_score(score: float) -> str:
    """AC for a full score, WA for zero, PA in between (IOI's partial-score verdict)."""
    return "AC" if score >= 1.0 else ("WA" if score <= 0.0 else "PA")


__all__ = [
    "BUILTIN_CHECKERS",
    "CMSChecker",
    "CMS_CHECKER_STATS",
    "CheckResult",
    "Checker",
    "CheckerBuildStats",
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
