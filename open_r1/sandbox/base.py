"""The code-execution contract every provider speaks: limits, submissions, verdicts, results.

WHAT
    Plain dataclasses and one protocol, with no dependency beyond the standard library:

    * `Limits` -- the resource envelope of one run (CPU and wall time, memory, processes/threads, output and
      file sizes).
    * `ExecResult` -- what one low-level run of a program produced (`ExecStatus` OK/TLE/MLE/RE/OLE, exit code,
      signal, stdout, stderr, timings).
    * `TestCase`, `Submission` -- a program (`code`, `language` "python" or "cpp") and the tests to run it on.
    * `Verdict` -- the judge's word on a test: AC, WA, TLE, MLE, RE, OLE, CE, SKIPPED, or IE (internal error:
      the provider itself failed, so the result carries no information about the program).
    * `TestResult`, `SubmissionResult` -- per-test verdicts, outputs and timings, and the submission's verdict
      (the first failure's, or AC).
    * `Provider` -- `await provider.run_submissions([...]) -> [...]`, implemented by `local`, `e2b`, `morph`,
      `piston` and the router client.
    * `outputs_match` -- the one output comparison every provider uses (see HOW).

WHY
    DeepSeek-R1 (arXiv 2501.12948, §2.2.2) trains with rule-based rewards only: for code, "a compiler can be used
    to evaluate ... against predefined test cases" -- the reward is execution feedback, not a learned model. That
    makes the executor part of the reward function: every provider must return the same verdicts for the same
    program, or rewards silently change when a user switches from the laptop sandbox to a cloud one. Hence one
    contract, one comparison function and one verdict vocabulary, shared by all of them.
    A provider failure (`IE`) is kept apart from a program failure: a reward built on it returns `None` ("no
    signal") instead of 0, so an outage never teaches the policy that correct code is wrong.

HOW
    * Output comparison: both texts are split into lines, trailing whitespace is stripped from every line and
      trailing blank lines are dropped; the remaining lists must be equal -- an extra or missing line fails (the
      common `zip`-based comparison ignores them; we do not).
    * `verdict_for(exec_result, expected)`: a run that did not finish normally maps its status to TLE/MLE/RE/OLE;
      a normal run is AC when `expected` is None (a script with no expected output) or the outputs match, else WA.
    * Everything is JSON-serialisable through `to_dict` / `from_dict` so the router service and its clients move
      batches over HTTP without pickle.

DATA FLOW
    rewards (`open_r1.sandbox.rewards`) and the competitive scorers build `Submission`s -> a `Provider`
    (`open_r1.sandbox.get_provider`) runs them (local sandbox, cloud SDK, Piston HTTP or the router) ->
    `SubmissionResult`s -> rewards turn `passed / total` into floats (IE -> None).
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from open_r1.core.errors import OpenR1Error

Language = Literal["python", "cpp"]
LANGUAGES: tuple[str, ...] = ("python", "cpp")
# Every spelling of a language the project accepts (dataset columns, Piston requests, code-fence tags, the CLI),
# mapped to its name in LANGUAGES. The one table: the server, the rewards, the judges and the CLI all read it.
LANGUAGE_ALIASES: dict[str, str] = {
    "python": "python", "python3": "python", "py": "python",
    "cpp": "cpp", "c++": "cpp", "cc": "cpp", "cxx": "cpp", "g++": "cpp", "gcc": "cpp",
}


def normalize_language(name: str | None) -> str | None:
    """A language's name in LANGUAGES for any accepted spelling (case-insensitive); None for anything else.

    >>> normalize_language("Python3"), normalize_language("c++"), normalize_language("rust")
    ('python', 'cpp', None)
    """
    return LANGUAGE_ALIASES.get(str(name or "").strip().lower())


class SandboxError(OpenR1Error):
    """The sandbox could not do its job (not: the program failed). Rewards turn this into `None`."""


class IsolationUnavailable(SandboxError):
    """The local sandbox cannot isolate untrusted code here (no bubblewrap, no namespaces) and the user did not
    explicitly opt into running it unisolated."""


class ProviderConfigError(SandboxError):
    """A provider is misconfigured (missing API key, missing optional package, bad URL). Raised before any work."""


class Verdict(enum.StrEnum):
    """The judge's word on one test or submission, the same vocabulary for every provider: AC, WA, TLE, MLE, RE, OLE,
    CE, SKIPPED, and IE when the provider itself failed (rewards read IE as no signal, not as wrong code).
    """

    AC = "AC"  # accepted: finished normally, output matches (or nothing to compare)
    WA = "WA"  # wrong answer: finished normally, output differs
    TLE = "TLE"  # CPU or wall time limit exceeded
    MLE = "MLE"  # memory limit exceeded
    RE = "RE"  # runtime error: non-zero exit, killed by a signal, uncaught exception
    OLE = "OLE"  # output (stdout or a written file) larger than allowed
    CE = "CE"  # compilation error (C++), or a Python syntax error
    SKIPPED = "SKIPPED"  # not run (an earlier test failed and the submission stops on first failure)
    IE = "IE"  # internal error: the provider failed; the result says nothing about the program


class ExecStatus(enum.StrEnum):
    """How one low-level run ended before any output is compared: finished by itself (OK, whatever the exit code) or
    stopped by a time, memory or output limit, or a crash; `verdict_for` turns it into a Verdict.
    """

    OK = "OK"  # exited by itself (any exit code: a non-zero code is still "finished"; see `ExecResult.ok`)
    TLE = "TLE"
    MLE = "MLE"
    RE = "RE"
    OLE = "OLE"


# Processes + threads one run may have at once. Real judges bound this rather than forbid it: Piston's default
# `max_process_count` is 64 per run, and Codeforces accepts multi-threaded solutions. With 1 (this project's old
# default), a correct C++ program starting one std::thread aborted and the Python deep-recursion idiom died with
# "can't start new thread" -- scored RE, so code rewards punished correct code.
DEFAULT_MAX_PROCESSES = 64


@dataclass
class Limits:
    """Resource limits for one run of a program (one test).

    cpu_time_s: CPU seconds (user + system, all threads) before the run is killed (TLE).
    wall_time_s: wall-clock seconds; None means 2 x cpu_time_s + 1 (catches sleeping and blocked programs).
    memory_mb: address-space limit in MiB (MLE when exceeded).
    max_processes: processes *and threads* the program may have at once, itself included (default
        `DEFAULT_MAX_PROCESSES`, 64, Piston's per-run default). A bound, not a ban: a correct solution may start a
        thread (C++ `std::thread`, Python's deep-recursion idiom `threading.stack_size(...)` + a thread running
        `main`), a fork bomb or a thread bomb hits the bound. 1 forbids fork and threads altogether.
    max_output_bytes: stdout (and stderr, separately) larger than this is OLE.
    max_file_bytes: largest file the program may write (OLE when exceeded).
    """

    cpu_time_s: float = 2.0
    wall_time_s: float | None = None
    memory_mb: int = 256
    max_processes: int = DEFAULT_MAX_PROCESSES
    max_output_bytes: int = 1_000_000
    max_file_bytes: int = 10_000_000

    def __post_init__(self) -> None:
        if self.cpu_time_s <= 0:
            raise ValueError(f"Limits.cpu_time_s must be > 0, got {self.cpu_time_s}.")
        if self.wall_time_s is not None and self.wall_time_s <= 0:
            raise ValueError(f"Limits.wall_time_s must be > 0 or None (= 2 x cpu + 1), got {self.wall_time_s}.")
        if self.memory_mb < 16:
            raise ValueError(f"Limits.memory_mb must be >= 16 (an interpreter needs that), got {self.memory_mb}.")
        if self.max_processes < 1:
            raise ValueError(f"Limits.max_processes must be >= 1 (the program itself), got {self.max_processes}.")
        if self.max_output_bytes < 1 or self.max_file_bytes < 0:
            raise ValueError("Limits.max_output_bytes must be >= 1 and Limits.max_file_bytes >= 0.")

    @property
    def wall_s(self) -> float:
        """The effective wall-clock limit."""
        return self.wall_time_s if self.wall_time_s is not None else 2 * self.cpu_time_s + 1

    def to_dict(self) -> dict[str, Any]:
        """The limits as a plain JSON-ready dict, how they travel inside a Submission to the router and the remote
        workers.
        """
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Limits:
        """Limits from a dict sent over the wire; None or empty gives the defaults, and an unknown key is a ValueError
        rather than a silently ignored limit.
        """
        if not data:
            return cls()
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"Unknown limit(s) {sorted(unknown)}; known: {sorted(known)}.")
        return cls(**data)


# Generous defaults for compiling C++: g++ forks cc1plus, as, collect2 and ld, and templates eat memory.
COMPILE_LIMITS = Limits(cpu_time_s=20.0, wall_time_s=30.0, memory_mb=2048, max_processes=16,
                        max_output_bytes=1_000_000, max_file_bytes=64_000_000)


@dataclass
class ExecResult:
    """One low-level run of a program: how it ended, what it printed, how long it took."""

    status: ExecStatus
    exit_code: int | None = None  # None when killed by a signal
    signal: int | None = None  # the signal that ended it (SIGKILL after a wall timeout, SIGXCPU, SIGSEGV...)
    stdout: str = ""
    stderr: str = ""
    cpu_time_s: float = 0.0
    wall_time_s: float = 0.0
    memory_kb: int = 0  # peak resident set size, when the provider reports it
    compile_error: bool = False  # Python source that did not compile (a SyntaxError): judged CE, not RE

    @property
    def ok(self) -> bool:
        """Finished by itself with exit code 0."""
        return self.status == ExecStatus.OK and self.exit_code == 0

    def to_dict(self) -> dict[str, Any]:
        """The run as a JSON-ready dict, with the status as its string value, for the worker protocol and logs."""
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExecResult:
        """Rebuild a run from `to_dict`'s output (the status string back to an ExecStatus), as a client reads a worker's
        reply.
        """
        return cls(**{**data, "status": ExecStatus(data["status"])})


@dataclass
class TestCase:
    """One test: `input` is fed to stdin; `output` is the expected stdout (None: only require a clean exit)."""

    __test__ = False  # not a pytest class, despite the name

    input: str = ""
    output: str | None = None
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The test (input, expected output, name) as a JSON-ready dict for a Submission sent over HTTP."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestCase:
        """A test from a dict, tolerating absent or null input and name (they become empty strings) and an absent
        expected output (a clean exit is enough).
        """
        return cls(input=data.get("input", "") or "", output=data.get("output"), name=data.get("name", "") or "")


@dataclass
class Submission:
    """A program and the tests to judge it on.

    code: the source (Python 3 or C++17).
    language: "python" or "cpp".
    tests: the test cases; an empty list runs the program once on empty stdin as a script (AC on a clean exit).
    limits: per-test limits.
    stop_on_first_failure: run tests in order and mark the rest SKIPPED after the first failure (IOI-style
        subtasks); False runs them all (the `code` reward needs the fraction passed).
    id: free-form tag echoed back (e.g. the batch index) for logging.
    """

    code: str
    language: str = "python"
    tests: list[TestCase] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    stop_on_first_failure: bool = False
    id: str = ""

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"Submission.language must be one of {LANGUAGES}, got {self.language!r}.")

    @property
    def effective_tests(self) -> list[TestCase]:
        """The tests to run: a submission without tests is a script, run once on empty stdin."""
        return self.tests or [TestCase(input="", output=None, name="script")]

    def to_dict(self) -> dict[str, Any]:
        """The whole submission (code, language, tests, limits, stop-on-first-failure, id) as a JSON-ready dict: what
        the router and remote providers send instead of pickles.
        """
        return {
            "code": self.code,
            "language": self.language,
            "tests": [t.to_dict() for t in self.tests],
            "limits": self.limits.to_dict(),
            "stop_on_first_failure": self.stop_on_first_failure,
            "id": self.id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Submission:
        """Rebuild a submission sent as a dict, filling defaults for the optional fields; the language is checked again
        on construction.
        """
        return cls(
            code=data["code"],
            language=data.get("language", "python"),
            tests=[TestCase.from_dict(t) for t in data.get("tests", [])],
            limits=Limits.from_dict(data.get("limits")),
            stop_on_first_failure=bool(data.get("stop_on_first_failure", False)),
            id=str(data.get("id", "")),
        )


@dataclass
class TestResult:
    """The verdict on one test, with what the program printed (truncated by the provider) and its time."""

    __test__ = False

    name: str
    verdict: Verdict
    stdout: str = ""
    stderr: str = ""
    time_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """One test's verdict, outputs and time as a JSON-ready dict, with the verdict as its string value."""
        data = dataclasses.asdict(self)
        data["verdict"] = self.verdict.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        """Rebuild one test's result from `to_dict`'s output, the verdict string back to a Verdict."""
        return cls(**{**data, "verdict": Verdict(data["verdict"])})


@dataclass
class SubmissionResult:
    """The judge's answer for one submission.

    verdict: AC if every test passed; else the verdict of the first failing test (CE if it did not compile, IE
        if the provider failed).
    passed / total: tests accepted / tests judged (a script submission counts as one test).
    error: a human-readable reason when verdict is IE.
    """

    verdict: Verdict
    tests: list[TestResult] = field(default_factory=list)
    compile_output: str = ""
    passed: int = 0
    total: int = 0
    error: str = ""
    id: str = ""

    @property
    def fraction(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def failed_internally(self) -> bool:
        return self.verdict == Verdict.IE

    def to_dict(self) -> dict[str, Any]:
        """The judge's answer (verdict, per-test results, compiler output, counts, error, id) as a JSON-ready dict for
        the router's HTTP replies.
        """
        return {
            "verdict": self.verdict.value,
            "tests": [t.to_dict() for t in self.tests],
            "compile_output": self.compile_output,
            "passed": self.passed,
            "total": self.total,
            "error": self.error,
            "id": self.id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        """Rebuild a judge's answer from a dict (as a router client receives it), with defaults for any field left out.
        """
        return cls(
            verdict=Verdict(data["verdict"]),
            tests=[TestResult.from_dict(t) for t in data.get("tests", [])],
            compile_output=data.get("compile_output", ""),
            passed=int(data.get("passed", 0)),
            total=int(data.get("total", 0)),
            error=data.get("error", ""),
            id=str(data.get("id", "")),
        )

    @classmethod
    def internal_error(cls, submission: Submission, error: str) -> SubmissionResult:
        """A result that says "the provider failed": rewards map it to None."""
        return cls(verdict=Verdict.IE, total=len(submission.effective_tests), error=error, id=submission.id)

    @classmethod
    def from_tests(cls, tests: list[TestResult], *, compile_output: str = "", id: str = "") -> SubmissionResult:
        """Aggregate per-test results: the first non-AC verdict (ignoring SKIPPED) decides."""
        verdict = Verdict.AC
        for test in tests:
            if test.verdict not in (Verdict.AC, Verdict.SKIPPED):
                verdict = test.verdict
                break
        passed = sum(t.verdict == Verdict.AC for t in tests)
        return cls(verdict=verdict, tests=tests, compile_output=compile_output, passed=passed, total=len(tests),
                   id=id)


@runtime_checkable
class Provider(Protocol):
    """Anything that judges a batch of submissions. Implementations must never raise for a program's failure
    (that is a verdict); they return `Verdict.IE` results for their own failures, and raise only for
    configuration errors detected before any work (`ProviderConfigError`)."""

    name: str

    async def run_submissions(self, submissions: list[Submission]) -> list[SubmissionResult]:
        """Judge every submission and return one result per submission, in the same order; a provider failure is
        an IE result for the submissions it hit, never an exception.
        """


# ---------------------------------------------------------------------------------------------------------------
# Judging helpers shared by every provider


def normalize_output(text: str) -> list[str]:
    """Lines with trailing whitespace stripped and trailing blank lines dropped (leading whitespace matters)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def outputs_match(actual: str, expected: str) -> bool:
    """True when the program's stdout equals the expected output line by line (see HOW). Extra or missing lines
    fail.

    >>> outputs_match("1 2  \\n3\\n\\n", "1 2\\n3")
    True
    >>> outputs_match("1\\n2\\n", "1")
    False
    """
    return normalize_output(actual) == normalize_output(expected)


_STATUS_TO_VERDICT = {
    ExecStatus.TLE: Verdict.TLE,
    ExecStatus.MLE: Verdict.MLE,
    ExecStatus.RE: Verdict.RE,
    ExecStatus.OLE: Verdict.OLE,
}


def verdict_for(result: ExecResult, expected: str | None) -> Verdict:
    """Judge one run against the expected stdout (None: accept any output from a clean exit)."""
    if result.compile_error:
        return Verdict.CE
    if result.status != ExecStatus.OK:
        return _STATUS_TO_VERDICT[result.status]
    if result.exit_code != 0:
        return Verdict.RE
    if expected is None or outputs_match(result.stdout, expected):
        return Verdict.AC
    return Verdict.WA


def truncate(text: str, limit: int = 10_000) -> str:
    """Keep logs and compiler output readable: the head and the tail of a long text."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters truncated] ...\n{text[-half:]}"
