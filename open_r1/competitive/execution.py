"""Compile once, run many: the execution layer the IOI and Codeforces judges share.

WHAT
    * `ProgramSpec` -- what to build: the language, the source files (the contestant's file plus any grader,
      stub and header files), the file compiled last (`main`, the grader when there is one) and the other
      translation units linked with it. `spec.key` is a SHA-256 of all of it: the compile-cache key.
    * `Executor` -- `with executor.program(spec) as prog:` compiles (or finds in the cache) and yields a
      `Prepared` program; `executor.run(prog, stdins, limits) -> [RunOutcome]` runs it once per stdin.
      `RunOutcome.status` is OK / TLE / MLE / RE / OLE / CE / IE; `executor.stats` counts compiler invocations,
      cache hits and runs.
    * `LocalExecutor` -- the local sandbox (`open_r1.sandbox.local.LocalSandbox`): compiles C++ inside the
      sandbox once per distinct `ProgramSpec` and keeps the binary in a `CompileCache`.
    * `ProviderExecutor` -- any `open_r1.sandbox` provider (piston, morph, e2b, router) through its
      `run_submissions` API, for clusters where code runs elsewhere.
    * `make_executor(provider, ...)` -- by name, as recipes spell it.

WHY
    IOI scoring (IOI rules; DeepSeek-R1, arXiv 2501.12948 §3, evaluates competitive programming by running model
    code against the official tests; open-r1's OlympicCoder work scores IOI 2024 the same way) runs one submission
    against dozens of tests spread over several subtasks, and an evaluation runs N submissions per problem. With
    `-O2` and `<bits/stdc++.h>`, compiling costs ~0.3-1.5 s while a test costs a few milliseconds, so compiling
    per test (or per subtask) would spend nearly all the time in g++. The binary is a pure function of the source
    files and flags, so caching it by their hash is exact: identical resubmissions (common in GRPO groups) and
    every test of every subtask reuse one compile. Concurrent requests for the same key wait for the one compile
    in flight instead of starting their own.
    The sandbox's generic `Provider` API compiles inside each `run_submissions` call and takes a single source
    file, so `ProviderExecutor` amalgamates grader + header + solution into one translation unit and sends one
    batch of tests per call; the local path is the fast, exact one.

HOW
    * C++: `LocalSandbox.compile_cpp(sources, main_file=main, extra_flags=link)` runs
      `g++ -std=gnu++17 -O2 -pipe <link...> -o prog <main>` inside the sandbox; headers sit beside the sources.
    * Python has no compile step in the sandbox: a syntax check with the built-in `compile()` (parsing only --
      nothing runs on the host) gives CE before any test runs, as Codeforces does.
    * `CompileCache`: key -> entry {prepared, users, evicted}. `acquire` compiles at most once per key (a per-key
      event makes later callers wait), `release` drops a user; past `max_entries` the least recently used entries
      with no users are closed (their binaries deleted). `stats.compiles` counts real compiler runs.
    * `RunOutcome.status`: the sandbox's `ExecStatus`, except that a normal exit with a non-zero code is RE (IOI
      and Codeforces both treat it as a runtime error); a provider failure is IE (no information about the
      program: scorers turn it into "no score", never 0).

DATA FLOW
    `IOIJudge` / `CodeforcesJudge` build a `ProgramSpec` from problem + (patched) code -> `Executor.program`
    (compile cache -> sandbox compile) -> `Executor.run` per batch of tests (`LocalSandbox.run_program_many` /
    `run_python_many`, or `Provider.run_submissions`) -> `RunOutcome`s -> checkers -> per-test verdicts and scores.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from open_r1.core.aio import LoopThread
from open_r1.sandbox.base import (
    LANGUAGES,
    ExecResult,
    ExecStatus,
    Limits,
    Provider,
    SandboxError,
    Submission,
    TestCase,
    Verdict,
)

T = TypeVar("T")

# What the judge compiles with (applied by `LocalSandbox.compile_cpp`); recorded in reports for reproducibility.
CPP_COMMAND = "g++ -std=gnu++17 -O2 -pipe"
RUN_STATUSES = ("OK", "TLE", "MLE", "RE", "OLE", "CE", "IE")


# ---------------------------------------------------------------------------------------------------------------
# What to build and what a run gave


@dataclass(frozen=True)
class ProgramSpec:
    """A program to build: `sources` as sorted (file name, text) pairs, `main` compiled last, `link` the other
    translation units (for C++ with a grader: main = "grader.cpp", link = ("<task>.cpp",))."""

    language: str
    sources: tuple[tuple[str, str], ...]
    main: str
    link: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"ProgramSpec.language must be one of {LANGUAGES}, got {self.language!r}")
        names = {name for name, _ in self.sources}
        missing = [n for n in (self.main, *self.link) if n not in names]
        if missing:
            raise ValueError(f"ProgramSpec: {missing} not among the sources {sorted(names)}")

    @classmethod
    def cpp(cls, sources: Mapping[str, str], main: str = "main.cpp", link: Sequence[str] = ()) -> ProgramSpec:
        """The spec of a C++ build from its source files (sorted, so the cache key does not depend on order), the file
        compiled last and the other units linked with it.
        """
        return cls("cpp", tuple(sorted(sources.items())), main, tuple(link))

    @classmethod
    def python(cls, code: str, name: str = "solution.py") -> ProgramSpec:
        """The spec of a Python program: a single source file saved as `name`, which is also its entry point."""
        return cls("python", ((name, code),), name)

    @property
    def files(self) -> dict[str, str]:
        return dict(self.sources)

    @property
    def key(self) -> str:
        """SHA-256 of everything that decides the binary (language, files, build order, compiler command)."""
        digest = hashlib.sha256()
        for part in (self.language, CPP_COMMAND, self.main, *self.link):
            digest.update(part.encode() + b"\0")
        for name, text in self.sources:
            digest.update(name.encode() + b"\0" + text.encode("utf-8", "surrogatepass") + b"\0")
        return digest.hexdigest()

    def single_file(self) -> str:
        """One translation unit for providers that take a single file: local headers inlined once at the top,
        then the linked units, then `main`. Grader globals must not clash with the contestant's (bundled
        graders keep theirs in a namespace); with separate translation units, as `LocalExecutor` builds, they
        never can."""
        files = self.files
        if self.language == "python" or len(files) == 1:
            return files[self.main]
        headers = [n for n in sorted(files) if n not in (self.main, *self.link)]
        include = re.compile(r'^\s*#\s*include\s*"([^"]+)"\s*$', re.MULTILINE)
        once = re.compile(r"^\s*#\s*pragma\s+once\s*$", re.MULTILINE)

        def strip(text: str) -> str:
            return include.sub(lambda m: "" if m.group(1) in files else m.group(0), text)

        parts = [f"// ---- {h}\n{once.sub('', strip(files[h]))}" for h in headers]
        parts += [f"// ---- {n}\n{strip(files[n])}" for n in (*self.link, self.main)]
        return "\n".join(parts)


@dataclass
class RunOutcome:
    """One run of a prepared program on one stdin (see HOW for `status`)."""

    status: str
    stdout: str = ""
    stderr: str = ""
    time_s: float = 0.0
    memory_kb: int = 0
    detail: str = ""  # why, for people: the signal, the exit code, the provider's error, the compiler output

    @property
    def ok(self) -> bool:
        return self.status == "OK"


@dataclass
class Prepared:
    """A program ready to run (or the reason it is not: `ok` False with `compile_output`, or `internal_error`
    when the compile step itself failed -- the sandbox, not the program)."""

    spec: ProgramSpec
    ok: bool
    compile_output: str = ""
    handle: Any = None
    internal_error: str = ""


@dataclass
class ExecStats:
    """Counters: `compiles` are real compiler (or remote compile-and-run) invocations, `cache_hits` the requests
    served from the compile cache, `runs` the program executions."""

    compiles: int = 0
    cache_hits: int = 0
    runs: int = 0

    def to_dict(self) -> dict[str, int]:
        """The counters as a plain dict, for benchmark output and the reports' judge statistics."""
        return {"compiles": self.compiles, "cache_hits": self.cache_hits, "runs": self.runs}


def outcome_from_exec(result: ExecResult) -> RunOutcome:
    """Map the sandbox's `ExecResult` to a `RunOutcome` (a non-zero exit code is RE)."""
    status = result.status.value
    detail = ""
    if result.compile_error:
        status, detail = "CE", result.stderr
    elif result.status == ExecStatus.OK and result.exit_code != 0:
        status, detail = "RE", f"exit code {result.exit_code}"
    elif result.status == ExecStatus.RE and result.signal is not None:
        detail = f"killed by signal {result.signal}"
    elif result.status == ExecStatus.TLE:
        detail = f"cpu {result.cpu_time_s:.2f} s, wall {result.wall_time_s:.2f} s"
    elif result.status == ExecStatus.MLE:
        detail = "memory limit exceeded"
    elif result.status == ExecStatus.OLE:
        detail = "output limit exceeded"
    return RunOutcome(status, result.stdout, result.stderr, result.cpu_time_s, result.memory_kb, detail)


def python_syntax_error(code: str, name: str = "solution.py") -> str | None:
    """The syntax error of Python source, or None. Only parses (`compile`), never executes."""
    try:
        compile(code, name, "exec", dont_inherit=True)
    except SyntaxError as err:
        return f'File "{name}", line {err.lineno}\n{err.text or ""}\n{type(err).__name__}: {err.msg}'
    except (ValueError, OverflowError, RecursionError, MemoryError) as err:  # NUL bytes, absurd nesting or size
        return f"{type(err).__name__}: {err}"
    return None


# ---------------------------------------------------------------------------------------------------------------
# The compile cache


@dataclass
class _Entry:
    ready: threading.Event = field(default_factory=threading.Event)
    prepared: Prepared | None = None
    users: int = 0


class CompileCache:
    """Content-addressed cache of prepared programs (see HOW). Thread-safe.

    Args:
        compile_fn: builds a `Prepared` from a `ProgramSpec` (called at most once per key while it is cached).
        close_fn: frees a `Prepared` (deletes the binary) when it leaves the cache.
        max_entries (`int`, *optional*, defaults to 256): cached programs kept beyond those in use.
        stats ([`ExecStats`], *optional*): counters to update (the executor's).
    """

    def __init__(
        self, compile_fn: Any, close_fn: Any = None, max_entries: int = 256, stats: ExecStats | None = None
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"CompileCache.max_entries must be >= 1, got {max_entries}")
        self._compile, self._close = compile_fn, close_fn
        self.max_entries = max_entries
        self.stats = stats or ExecStats()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def acquire(self, spec: ProgramSpec) -> Prepared:
        """The prepared program for a spec, compiled on the first request for its key while later callers wait for that
        compile; counts a compile or a cache hit, marks one more user, and never caches a failed compile step so the
        next request retries it.
        """
        key = spec.key
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            if owner:
                entry = self._entries[key] = _Entry()
                self.stats.compiles += 1
            else:
                self.stats.cache_hits += 1
                self._entries.move_to_end(key)
            entry.users += 1
        if owner:
            try:
                entry.prepared = self._compile(spec)
            except BaseException as err:
                entry.prepared = Prepared(spec, ok=False, internal_error=f"{type(err).__name__}: {err}")
                raise
            finally:
                entry.ready.set()
                # a failed compile *step* (sandbox down) must not be cached: the next request retries it
                if entry.prepared is None or entry.prepared.internal_error:
                    with self._lock:
                        if self._entries.get(key) is entry:
                            del self._entries[key]
        else:
            entry.ready.wait()
        assert entry.prepared is not None
        return entry.prepared

    def release(self, prepared: Prepared) -> None:
        """Drop one user of a prepared program, then evict the least recently used idle entries beyond `max_entries` and
        free their binaries.
        """
        with self._lock:
            entry = self._entries.get(prepared.spec.key)
            if entry is not None and entry.prepared is prepared:
                entry.users -= 1
            victims = self._evict_locked()
        for victim in victims:
            self._free(victim)

    def _evict_locked(self) -> list[Prepared]:
        victims: list[Prepared] = []
        excess = len(self._entries) - self.max_entries
        for key in list(self._entries):
            if excess <= 0:
                break
            entry = self._entries[key]
            if entry.users == 0 and entry.ready.is_set():
                del self._entries[key]
                if entry.prepared is not None:
                    victims.append(entry.prepared)
                excess -= 1
        return victims

    def _free(self, prepared: Prepared) -> None:
        if self._close is not None:
            self._close(prepared)

    def clear(self) -> None:
        """Free every cached program (call when no run is in flight)."""
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for entry in entries:
            if entry.prepared is not None:
                self._free(entry.prepared)


# ---------------------------------------------------------------------------------------------------------------
# Executors


class Executor:
    """Base class: a compile cache in front of `_compile`, and `run` (see the module docstring)."""

    name = "executor"
    workers = 1  # runs the executor can do at once: the judges size their thread pools by it

    def __init__(self, cache_size: int = 256) -> None:
        self.stats = ExecStats()
        self._stats_lock = threading.Lock()  # runs are counted from many judging threads
        self.cache = CompileCache(self._compile, self._close_prepared, cache_size, self.stats)

    @contextmanager
    def program(self, spec: ProgramSpec) -> Iterator[Prepared]:
        """Yield the prepared program for `spec`, compiled at most once while cached."""
        prepared = self.cache.acquire(spec)
        try:
            yield prepared
        finally:
            self.cache.release(prepared)

    def run(self, prepared: Prepared, stdins: Sequence[str], limits: Limits) -> list[RunOutcome]:
        """Run a prepared program once per stdin under the limits and return one RunOutcome per stdin, in order; each
        executor implements it for where its code runs.
        """
        raise NotImplementedError

    def _count(self, compiles: int = 0, runs: int = 0) -> None:
        with self._stats_lock:
            self.stats.compiles += compiles
            self.stats.runs += runs

    def _compile(self, spec: ProgramSpec) -> Prepared:
        raise NotImplementedError

    def _close_prepared(self, prepared: Prepared) -> None:
        pass

    def close(self) -> None:
        """Free every program in the compile cache; executors that own a sandbox also shut it down."""
        self.cache.clear()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """Run on this machine in the isolated local sandbox.

    Args:
        sandbox ([`~open_r1.sandbox.local.LocalSandbox`], *optional*): share an existing sandbox (not closed here).
        workers (`int`, *optional*): sandbox workers, i.e. tests at once (default: CPU cores).
        allow_unisolated (`bool`, *optional*): passed to `LocalSandbox` (see `open_r1.sandbox.local`).
        cache_size (`int`, *optional*, defaults to 256): compiled programs kept when not in use.
    """

    name = "local"

    def __init__(
        self,
        sandbox: Any = None,
        *,
        workers: int | None = None,
        allow_unisolated: bool | None = None,
        cache_size: int = 256,
    ) -> None:
        super().__init__(cache_size)
        self._own = sandbox is None
        self._sandbox = sandbox
        self._sandbox_args = {"workers": workers, "allow_unisolated": allow_unisolated}
        self._lock = threading.Lock()

    @property
    def sandbox(self) -> Any:
        """The local sandbox this executor runs in, started on first use with the configured worker count unless one was
        passed in.
        """
        with self._lock:
            if self._sandbox is None:
                from open_r1.sandbox.local import LocalSandbox

                self._sandbox = LocalSandbox(
                    self._sandbox_args["workers"], allow_unisolated=self._sandbox_args["allow_unisolated"]
                )
            return self._sandbox

    @property
    def workers(self) -> int:  # type: ignore[override]
        return self.sandbox.n_workers

    def _compile(self, spec: ProgramSpec) -> Prepared:
        if spec.language == "python":
            error = python_syntax_error(spec.files[spec.main], spec.main)
            return Prepared(spec, ok=error is None, compile_output=error or "")
        try:
            program = self.sandbox.compile_cpp(spec.files, main_file=spec.main, extra_flags=spec.link)
        except SandboxError as err:
            return Prepared(spec, ok=False, internal_error=str(err))
        return Prepared(
            spec, ok=program.ok, compile_output=program.compile_output, handle=program if program.ok else None
        )

    def _close_prepared(self, prepared: Prepared) -> None:
        if prepared.handle is not None:
            prepared.handle.close()

    def run(self, prepared: Prepared, stdins: Sequence[str], limits: Limits) -> list[RunOutcome]:
        """Run a compiled program (or Python source) in the local sandbox once per stdin and map each ExecResult to a
        RunOutcome; a sandbox failure gives IE for every stdin, and a program that did not compile is a ValueError.
        """
        if not prepared.ok:
            raise ValueError("cannot run a program that did not compile; check Prepared.ok first")
        if not stdins:
            return []
        try:
            if prepared.spec.language == "python":
                results = self.sandbox.run_python_many(prepared.spec.files[prepared.spec.main], list(stdins), limits)
            else:
                results = self.sandbox.run_program_many(prepared.handle, list(stdins), limits)
        except SandboxError as err:
            return [RunOutcome("IE", detail=str(err)) for _ in stdins]
        self._count(runs=len(stdins))
        return [outcome_from_exec(r) for r in results]

    def close(self) -> None:
        """Empty the compile cache and, when this executor started the sandbox, shut its workers down."""
        super().close()
        if self._own and self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None


_VERDICT_TO_STATUS = {
    Verdict.AC: "OK",
    Verdict.WA: "OK",
    Verdict.TLE: "TLE",
    Verdict.MLE: "MLE",
    Verdict.RE: "RE",
    Verdict.OLE: "OLE",
    Verdict.CE: "CE",
    Verdict.IE: "IE",
    Verdict.SKIPPED: "IE",
}


class ProviderExecutor(Executor):
    """Run through any `open_r1.sandbox` provider. The provider compiles inside each call, so one call carries a
    whole batch of tests (`stats.compiles` counts those calls for C++); outputs longer than the provider's
    truncation limit (10,000 characters) reach the checker truncated.

    Args:
        provider: a `Provider` (`open_r1.sandbox.get_provider(...)`).
        workers (`int`, *optional*, defaults to 8): submissions judged at once.
    """

    def __init__(self, provider: Provider, *, workers: int = 8, cache_size: int = 256) -> None:
        super().__init__(cache_size)
        self.provider = provider
        self.name = getattr(provider, "name", "provider")
        self.workers = workers
        self._loop = LoopThread("open-r1-competitive")

    def _compile(self, spec: ProgramSpec) -> Prepared:
        if spec.language == "python":
            error = python_syntax_error(spec.files[spec.main], spec.main)
            return Prepared(spec, ok=error is None, compile_output=error or "", handle=spec.single_file())
        return Prepared(spec, ok=True, handle=spec.single_file())

    def run(self, prepared: Prepared, stdins: Sequence[str], limits: Limits) -> list[RunOutcome]:
        """Send the amalgamated program and all stdins to the provider as one submission and map its per-test verdicts
        back to RunOutcomes; a provider failure, a compile error or a result count mismatch applies to every stdin
        alike.
        """
        if not stdins:
            return []
        tests = [TestCase(input=s, output=None, name=str(i)) for i, s in enumerate(stdins)]
        submission = Submission(code=prepared.handle, language=prepared.spec.language, tests=tests, limits=limits)
        try:
            (result,) = self._loop.run(self.provider.run_submissions([submission]))
        except Exception as err:  # noqa: BLE001 -- any provider failure is "no information", never a verdict
            return [RunOutcome("IE", detail=f"{type(err).__name__}: {err}") for _ in stdins]
        self._count(compiles=int(prepared.spec.language == "cpp"), runs=len(stdins))
        if result.verdict == Verdict.IE:
            return [RunOutcome("IE", detail=result.error) for _ in stdins]
        if result.verdict == Verdict.CE:
            return [RunOutcome("CE", detail=result.compile_output) for _ in stdins]
        if len(result.tests) != len(stdins):
            return [
                RunOutcome("IE", detail=f"provider returned {len(result.tests)} results for {len(stdins)} tests")
                for _ in stdins
            ]
        return [
            RunOutcome(
                _VERDICT_TO_STATUS.get(t.verdict, "IE"),
                t.stdout,
                t.stderr,
                t.time_s,
                detail=str(t.verdict) if t.verdict not in (Verdict.AC, Verdict.WA) else "",
            )
            for t in result.tests
        ]


def make_executor(
    provider: str = "local", *, workers: int | None = None, router_url: str | None = None, **provider_kwargs: Any
) -> Executor:
    """An executor by provider name: "local" (default) runs in this machine's sandbox; "piston", "morph",
    "e2b" go through `open_r1.sandbox.get_provider(name, **provider_kwargs)`; `router_url` uses a router."""
    if router_url:
        from open_r1.sandbox import get_provider

        return ProviderExecutor(get_provider("router", url=router_url, **provider_kwargs), workers=workers or 8)
    if provider == "local":
        return LocalExecutor(workers=workers, **provider_kwargs)
    from open_r1.sandbox import get_provider

    return ProviderExecutor(get_provider(provider, **provider_kwargs), workers=workers or 8)


__all__ = [
    "CPP_COMMAND",
    "CompileCache",
    "ExecStats",
    "Executor",
    "LocalExecutor",
    "Prepared",
    "ProgramSpec",
    "ProviderExecutor",
    "RunOutcome",
    "make_executor",
    "outcome_from_exec",
    "python_syntax_error",
]
