"""The local sandbox: run untrusted Python and C++ on this machine, isolated, with no account and no network.

WHAT
    * `LocalSandbox` -- the low-level API. `run(argv, stdin, files, limits)`, `run_python(code, stdin, limits)`,
      `compile_cpp(sources, main_file, extra_flags) -> CompiledProgram` and `run_program(program, stdin, limits)`,
      each returning an `ExecResult` (status OK/TLE/MLE/RE/OLE, exit code, signal, stdout, stderr, timings).
      Thread-safe; runs as many tests at once as it has workers.
    * `LocalProvider` -- the `local` provider: `await run_submissions([Submission]) -> [SubmissionResult]`.
    * `check_isolation()` -- can this machine isolate? (bubblewrap present and working; root or rootless mode).

WHY
    DeepSeek-R1's code rewards (arXiv 2501.12948, §2.2.2) are execution feedback: a model-written program is run
    against test cases and the reward is what it printed. During RL the policy writes *anything* -- fork bombs,
    infinite loops, code that reads ~/.ssh or the trainer's environment (API keys, hub tokens), code that phones
    home. Running it as a plain subprocess of the trainer would hand all of that to it, so the default executor
    isolates every run, and refuses to run unisolated unless the user opts in explicitly
    (`OPEN_R1_SANDBOX_UNSAFE=1` or `allow_unisolated=True`), with a loud warning.

HOW
    Isolation (bubblewrap, started once per worker):
      * namespaces: new pid, net (only a loopback that nothing on the host listens on), ipc, uts, cgroup;
      * filesystem: /usr (and the /bin, /lib symlinks) read-only, a few /etc files the dynamic linker needs,
        private /proc and minimal /dev, /tmp read-only-ish and empty, /work a size-capped tmpfs; nothing else of
        the host exists inside -- not /root, /home, /etc/shadow, the project, or the trainer's temp files;
      * environment: cleared (`--clearenv`), then PATH/LANG only; no_new_privs; a new session (no TIOCSTI);
      * capabilities: the worker keeps only what it needs to drop to the test uid and clean up after it.
    Two modes. As root (the default in containers and CI), each worker claims a uid of its own and every test
    runs under it (below). Without root ("rootless"), bubblewrap builds the same sandbox inside an unprivileged
    user namespace; tests then share their worker's uid, so RLIMIT_NPROC is counted per namespace (exact all the
    same) but a hostile test can kill its own worker: that test ends as IE (reward None) and the worker is
    replaced. Every other guarantee holds in both modes.
    Limits, per test, set in the forked child (see `_worker.py`): RLIMIT_CPU (+ a post-hoc check of the measured
    CPU time, since the rlimit has 1 s granularity), a wall clock enforced by the worker, RLIMIT_AS (memory),
    RLIMIT_NPROC on a uid used by this worker only (processes and threads: a bound, 64 by default like Piston,
    not a ban -- `Limits.max_processes`), RLIMIT_FSIZE (files), an stdout /
    stderr cap read from pipes, no core dumps. The child switches to that uid, so it cannot signal, ptrace or
    read the worker, and every process of that uid is killed after the test.
    Speed: a worker is a warm Python interpreter inside the sandbox that forks one child per test (~1-2 ms)
    instead of starting bwrap + an interpreter (~15 ms); Python source runs in the forked child, compiled C++
    runs by execve. C++ is compiled once per submission (inside the sandbox) and the binary is reused by every
    test. Each worker gets a uid claimed with a lock file, so several trainers on one host never share one.
    Verdict facts: wall timeout or CPU > limit -> TLE; SIGXFSZ / EFBIG / output cap -> OLE; MemoryError /
    std::bad_alloc -> MLE; another signal -> RE; a Python SyntaxError -> compile_error (CE).

DATA FLOW
    `open_r1.sandbox.rewards` / the router service / `open-r1 sandbox run` -> `LocalProvider.run_submissions` ->
    (per C++ submission) `compile_cpp` -> per test `LocalSandbox.run_python` / `run_program` -> a `_WorkerProcess`
    (JSON over pipes) -> `_worker.py` inside bwrap -> raw facts -> `classify_raw` -> `ExecResult` ->
    `verdict_for` -> `SubmissionResult`.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import itertools
import json
import logging
import os
import queue
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
import weakref
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from open_r1.sandbox.base import (
    COMPILE_LIMITS,
    ExecResult,
    ExecStatus,
    IsolationUnavailable,
    Limits,
    SandboxError,
    Submission,
    SubmissionResult,
    TestResult,
    Verdict,
    truncate,
    verdict_for,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

UNSAFE_ENV = "OPEN_R1_SANDBOX_UNSAFE"
WORKER_SOURCE = Path(__file__).with_name("_worker.py")
# Uids handed to test processes. Far above any real account so RLIMIT_NPROC counts only our tests; each worker
# claims one with a lock file, so sandboxes in several processes (training ranks) never share a uid.
UID_BASE = 1_810_000
UID_COUNT = 50_000
UID_LOCK_DIR = Path(tempfile.gettempdir()) / "open-r1-sandbox-uids"
# Directories of the host mounted read-only in the sandbox (when they exist): the system, and an optional place
# for extra runtimes an admin wants programs to use. /etc is *not* mounted: only the files the dynamic linker
# and compilers look at.
RO_DIRS = ("/usr", "/opt/open-r1-sandbox")
ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime")
_HEADER = struct.Struct(">I")
# Time the host gives a worker beyond a test's wall limit before declaring the worker dead.
_RESPONSE_GRACE_S = 15.0
_WORKER_START_TIMEOUT_S = 30.0


# ---------------------------------------------------------------------------------------------------------------
# Can we isolate?


@dataclass
class IsolationReport:
    """What `check_isolation` found: `available`, the `mode` ("root" or "rootless"), and a sentence for people
    when isolation is unavailable."""

    available: bool
    bwrap: str | None
    reason: str = ""
    mode: str = ""


_ISOLATION_CACHE: IsolationReport | None = None


def check_isolation(refresh: bool = False) -> IsolationReport:
    """Probe bubblewrap once per process: present and able to build the sandbox.

    As root ("root" mode) every test also runs under its own uid, which makes RLIMIT_NPROC exact and keeps a test
    from signalling or tracing its supervisor. Without root ("rootless" mode) bubblewrap uses an unprivileged user
    namespace: the same filesystem, network and environment isolation and the same limits, but a test shares its
    worker's uid -- a hostile program can kill its worker, which ends that test as an internal error (IE, reward
    None) and the worker is replaced."""
    global _ISOLATION_CACHE
    if _ISOLATION_CACHE is not None and not refresh:
        return _ISOLATION_CACHE
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        report = IsolationReport(False, None, "bubblewrap is not installed (Debian/Ubuntu: `apt-get install -y "
                                             "bubblewrap`; Fedora: `dnf install bubblewrap`).")
    else:
        mode = "root" if os.geteuid() == 0 else "rootless"
        argv = [bwrap, *_namespace_args(mode), *_fs_args(), "--", "/bin/true"]
        try:
            proc = subprocess.run(argv, capture_output=True, timeout=20, env={})
            ok, err = proc.returncode == 0, proc.stderr.decode(errors="replace").strip()
        except (OSError, subprocess.TimeoutExpired) as exc:
            ok, err = False, str(exc)
        hint = "" if mode == "root" else (" (without root, bubblewrap needs unprivileged user namespaces: "
                                          "sysctl kernel.unprivileged_userns_clone=1, or run as root)")
        report = IsolationReport(ok, bwrap, "" if ok else f"bubblewrap is installed but cannot create a sandbox "
                                                           f"here: {err or 'unknown error'}{hint}", mode)
    _ISOLATION_CACHE = report
    return report


def _namespace_args(mode: str = "root") -> list[str]:
    args = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if mode == "rootless":
        # an unprivileged user namespace, and no nested ones for the programs inside
        args += ["--unshare-user", "--disable-userns"]
    return args


def _fs_args() -> list[str]:
    args: list[str] = []
    for path in RO_DIRS:
        if os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ROOT_LINKS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    args += ["--perms", "0755", "--dir", "/etc"]  # else bwrap creates it 0700 and test uids cannot see ld.so.cache
    for path in ETC_FILES:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "0755", "--size", str(1 << 20), "--tmpfs", "/tmp"]
    return args


def _python_for_sandbox() -> tuple[str, list[str]]:
    """The interpreter workers run, and host directories to expose for it. The system python3 lives in /usr;
    an interpreter elsewhere (pyenv, conda) needs its prefix mounted read-only."""
    if os.path.exists("/usr/bin/python3"):
        return "/usr/bin/python3", []
    exe = os.path.realpath(sys.executable)
    prefix = os.path.realpath(sys.base_prefix)
    return exe, [prefix]


def _allow_unisolated(explicit: bool | None) -> bool:
    if explicit is not None:
        return explicit
    return os.environ.get(UNSAFE_ENV, "").strip().lower() in ("1", "true", "yes")


# ---------------------------------------------------------------------------------------------------------------
# Uid claims


class _UidClaim:
    """An exclusive, cross-process claim on one test uid (a held flock on a file named after it)."""

    def __init__(self) -> None:
        UID_LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
        start = (os.getpid() * 7919) % UID_COUNT  # spread processes apart so claims rarely collide
        for i in range(UID_COUNT):
            uid = UID_BASE + (start + i) % UID_COUNT
            fd = os.open(UID_LOCK_DIR / f"{uid}.lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            return
        raise SandboxError(f"no free sandbox uid in {UID_BASE}..{UID_BASE + UID_COUNT - 1}")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


# ---------------------------------------------------------------------------------------------------------------
# One worker process


class _Spawner:
    """Starts worker processes from one long-lived thread.

    bwrap's --die-with-parent uses PR_SET_PDEATHSIG, which fires when the *thread* that forked it exits, not the
    process. Workers started from a short-lived thread (a thread pool that shuts down, `asyncio.to_thread`)
    would be killed with it; starting them all here ties their life to the sandbox instead."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="open-r1-sandbox-spawner", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            fn, future = item
            try:
                future.set_result(fn())
            except BaseException as err:  # noqa: BLE001 -- handed to the caller
                future.set_exception(err)

    def call(self, fn: Callable[[], T]) -> T:
        future: Future[T] = Future()
        self._queue.put((fn, future))
        return future.result()

    def stop(self) -> None:
        self._queue.put(None)


class _WorkerProcess:
    """Host side of one `_worker.py`: start it (under bwrap), send a request, read the answer, kill it."""

    def __init__(self, index: int, root: Path, isolated: bool, work_mb: int, spawner: _Spawner) -> None:
        self.index = index
        self.isolated = isolated
        self.log_path = root / f"worker-{index}.log"
        self.claim = _UidClaim() if os.geteuid() == 0 else None
        uid = self.claim.uid if self.claim else None
        python, extra_ro = _python_for_sandbox()
        mode = "root" if uid is not None else "rootless"
        if isolated:
            config = {"work_root": "/work", "io_root": "/work/.io", "uid": uid, "gid": uid,
                      "rootless": mode == "rootless", "own_pid_namespace": True}
            argv = [shutil.which("bwrap") or "bwrap", *_namespace_args(mode), *_fs_args()]
            for path in extra_ro:
                argv += ["--ro-bind", path, path]
            argv += ["--perms", "0755", "--size", str(work_mb << 20), "--tmpfs", "/work",
                     "--ro-bind", str(WORKER_SOURCE), "/opt/open-r1-worker/worker.py",
                     "--ro-bind", str(root / "progs"), "/progs",
                     "--chdir", "/work", "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
                     "--setenv", "LANG", "C.UTF-8"]
            if mode == "root":
                # setuid/setgid: drop to the test uid; kill: stop a child that is no longer ours by uid; chown,
                # dac_override, fowner: prepare and delete directories the test uid owns.
                argv += ["--cap-drop", "ALL"]
                for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"):
                    argv += ["--cap-add", cap]
            argv += ["--", python, "-I", "/opt/open-r1-worker/worker.py", json.dumps(config)]
            cwd = "/"
        else:
            work = root / f"work-{index}"
            work.mkdir(mode=0o755)
            config = {"work_root": str(work), "io_root": str(work / ".io"), "uid": uid, "gid": uid}
            argv = [python, "-I", str(WORKER_SOURCE), json.dumps(config)]
            cwd = str(work)
        log = open(self.log_path, "ab")  # noqa: SIM115 -- lives as long as the worker
        try:
            # An empty environment: nothing of the trainer's (tokens, keys) reaches the worker, even unisolated.
            self.proc = spawner.call(lambda: subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, cwd=cwd,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, start_new_session=True))
        finally:
            log.close()
        self.uid = uid
        try:
            hello = self._read(time.monotonic() + _WORKER_START_TIMEOUT_S)
            if not hello.get("ready"):
                raise SandboxError(f"sandbox worker did not start: {hello}")
        except BaseException:
            self.close(graceful_s=0)  # free the process and the uid claim
            raise
        self.pid = self.proc.pid

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:].strip()
        except OSError:
            return ""

    def _read(self, deadline: float) -> dict:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()

        def exact(n: int) -> bytes:
            chunks: list[bytes] = []
            while n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SandboxError("sandbox worker did not answer in time (it has been restarted)")
                ready, _, _ = select.select([fd], [], [], remaining)
                if not ready:
                    continue
                chunk = os.read(fd, min(n, 1 << 20))
                if not chunk:
                    self.proc.poll()
                    raise SandboxError(f"sandbox worker exited (code {self.proc.returncode}); its log: "
                                       f"{self._log_tail() or '(empty)'}")
                chunks.append(chunk)
                n -= len(chunk)
            return b"".join(chunks)

        (size,) = _HEADER.unpack(exact(_HEADER.size))
        return json.loads(exact(size))

    def request(self, req: dict, timeout_s: float) -> dict:
        assert self.proc.stdin is not None
        body = json.dumps(req).encode()
        try:
            self.proc.stdin.write(_HEADER.pack(len(body)) + body)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as err:
            raise SandboxError(f"sandbox worker is gone ({err}); its log: {self._log_tail() or '(empty)'}") from err
        resp = self._read(time.monotonic() + timeout_s)
        if not resp.get("ok"):
            raise SandboxError(f"sandbox worker failed: {resp.get('error', resp)}")
        return resp

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self, graceful_s: float = 1.0) -> None:
        # graceful first: at EOF the worker exits, bwrap's pid-namespace init follows (taking every sandboxed
        # process with it) and the outer bwrap reaps it -- no zombie is left for the host's init to collect
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=graceful_s)
        except subprocess.TimeoutExpired:
            try:
                # the whole session: bwrap and, through --die-with-parent, its pid-namespace init
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.proc.stdout,):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        if self.claim:
            self.claim.release()
            self.claim = None


# ---------------------------------------------------------------------------------------------------------------
# Results


@dataclass
class CompiledProgram:
    """A compiled C++ program, reusable for any number of runs. `ok` False means a compile error (`output`)."""

    ok: bool
    compile_output: str
    path: str | None = None  # the binary as seen inside the sandbox
    host_path: Path | None = None
    result: ExecResult | None = None
    _owner: LocalSandbox | None = field(default=None, repr=False)

    def close(self) -> None:
        """Delete the binary now (the sandbox deletes every binary when it closes anyway)."""
        if self.host_path is not None:
            shutil.rmtree(self.host_path.parent, ignore_errors=True)
            self.host_path = None

    def __enter__(self) -> CompiledProgram:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _decode(data: str) -> bytes:
    return base64.b64decode(data) if data else b""


def classify_raw(raw: dict, limits: Limits, python: bool) -> ExecResult:
    """Turn the worker's raw facts into an `ExecResult` (see HOW in the module docstring)."""
    stdout_b = _decode(raw["stdout"])[: limits.max_output_bytes]
    stderr_b = _decode(raw["stderr"])[: limits.max_output_bytes]
    stdout = stdout_b.decode("utf-8", "replace")
    stderr = stderr_b.decode("utf-8", "replace")
    sig = raw.get("signal")
    exit_code = raw.get("exit_code")
    cpu, wall = float(raw["cpu"]), float(raw["wall"])
    tail = "\n".join(stderr.strip().splitlines()[-3:])
    if raw.get("wall_timeout") or cpu > limits.cpu_time_s or sig == signal.SIGXCPU:
        status = ExecStatus.TLE
    elif raw.get("output_exceeded") or sig == signal.SIGXFSZ or (exit_code and "File too large" in tail):
        status = ExecStatus.OLE
    elif (exit_code or sig) and ("MemoryError" in tail or "std::bad_alloc" in tail
                                 or "Cannot allocate memory" in tail or "out of memory" in tail.lower()):
        status = ExecStatus.MLE
    elif sig is not None:
        status = ExecStatus.RE
    else:
        status = ExecStatus.OK
    return ExecResult(status=status, exit_code=exit_code, signal=sig, stdout=stdout, stderr=stderr,
                      cpu_time_s=round(cpu, 4), wall_time_s=round(wall, 4), memory_kb=int(raw.get("max_rss_kb", 0)),
                      compile_error=bool(raw.get("compile_error")))


def _b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode("ascii")


# ---------------------------------------------------------------------------------------------------------------
# The sandbox


class LocalSandbox:
    """A pool of warm, isolated workers (see the module docstring). Use as a context manager or call `close()`.

    Args:
        workers (`int`, *optional*): concurrent tests; defaults to two per CPU core (a worker alternates between
            supervising and running its test, so one per core leaves the cores idle between tests).
        allow_unisolated (`bool`, *optional*): run without bubblewrap when isolation is unavailable. Defaults to
            the `OPEN_R1_SANDBOX_UNSAFE` environment variable; otherwise `IsolationUnavailable` is raised.
        work_mb (`int`, *optional*, defaults to 256): size of each worker's tmpfs for test directories.
    """

    def __init__(self, workers: int | None = None, *, allow_unisolated: bool | None = None, work_mb: int = 256):
        self.n_workers = max(1, workers or 2 * (os.cpu_count() or 1))
        self.work_mb = work_mb
        report = check_isolation()
        self.isolated = report.available
        if not self.isolated:
            if not _allow_unisolated(allow_unisolated):
                raise IsolationUnavailable(
                    f"refusing to run untrusted code: {report.reason} To run it anyway, UNISOLATED (it can read "
                    f"your files and use the network), set {UNSAFE_ENV}=1 or pass allow_unisolated=True.")
            msg = (f"!!! open-r1 sandbox: running untrusted code WITHOUT isolation ({report.reason}) -- it can read "
                   f"this machine's files and reach the network. !!!")
            warnings.warn(msg, RuntimeWarning, stacklevel=2)
            logger.warning(msg)
        self._root = Path(tempfile.mkdtemp(prefix=f"open-r1-sandbox-{os.getpid()}-"))
        (self._root / "progs").mkdir(mode=0o755)
        os.chmod(self._root, 0o755)  # test uids must be able to traverse to /progs when unisolated
        self._idle: queue.Queue[_WorkerProcess | None] = queue.Queue()
        self._all: list[_WorkerProcess] = []
        self._lock = threading.Lock()
        self._started = 0
        self._index = itertools.count()
        self._closed = False
        self._spawner = _Spawner()
        self._finalizer = weakref.finalize(self, LocalSandbox._cleanup, self._all, self._root, self._spawner)

    # -- lifecycle ---------------------------------------------------------------------------------------------

    @staticmethod
    def _cleanup(workers: list[_WorkerProcess], root: Path, spawner: _Spawner) -> None:
        for worker in list(workers):
            worker.close()
        workers.clear()
        spawner.stop()
        shutil.rmtree(root, ignore_errors=True)

    def close(self) -> None:
        """Kill every worker (and so every sandboxed process) and delete the sandbox's files."""
        self._closed = True
        self._finalizer()

    def __enter__(self) -> LocalSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def worker_pids(self) -> list[int]:
        return [w.pid for w in self._all if w.alive()]

    @property
    def root(self) -> Path:
        return self._root

    def _acquire(self) -> _WorkerProcess:
        if self._closed:
            raise SandboxError("this LocalSandbox is closed")
        with self._lock:
            if self._idle.empty() and self._started < self.n_workers:
                self._started += 1
                self._idle.put(None)  # a slot: the caller starts the worker outside the lock
        worker = self._idle.get()
        if worker is None or not worker.alive():
            if worker is not None:
                self._forget(worker)
            try:
                worker = _WorkerProcess(next(self._index), self._root, self.isolated, self.work_mb, self._spawner)
            except BaseException:
                self._idle.put(None)
                raise
            with self._lock:
                self._all.append(worker)
        return worker

    def _forget(self, worker: _WorkerProcess) -> None:
        worker.close(graceful_s=0)
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def _submit(self, req: dict, limits: Limits, n_runs: int) -> list[dict]:
        """Send one request to an idle worker; return its raw per-run results. Raises SandboxError (after
        replacing the worker) when the worker fails, and when the program could not even be started."""
        worker = self._acquire()
        try:
            resp = worker.request(req, n_runs * limits.wall_s + _RESPONSE_GRACE_S)
            results = resp["results"]
            if len(results) != n_runs:
                raise SandboxError(f"sandbox worker returned {len(results)} results for {n_runs} runs")
        except BaseException:
            # a worker that misbehaved once is not trusted again: replace it
            self._forget(worker)
            self._idle.put(None)
            raise
        self._idle.put(worker)
        for raw in results:
            if raw.get("setup_error"):
                target = req.get("argv", ["python"])[0]
                raise SandboxError(f"could not start {target!r} in the sandbox: {raw['setup_error']}")
        return results

    # -- the API -----------------------------------------------------------------------------------------------

    @staticmethod
    def _limits_msg(limits: Limits) -> dict:
        return {"cpu": limits.cpu_time_s, "wall": limits.wall_s, "mem_mb": limits.memory_mb,
                "nproc": limits.max_processes, "out_bytes": limits.max_output_bytes,
                "file_bytes": limits.max_file_bytes}

    def run(self, argv: list[str], stdin: bytes | str = b"", files: Mapping[str, bytes | str] | None = None,
            limits: Limits | None = None, *, executable: Iterable[str] = (),
            collect: Iterable[str] = ()) -> ExecResult:
        """Run `argv` in a fresh, empty working directory holding `files`, with `stdin`, under `limits`.

        `argv[0]` is a path inside the sandbox (the system's /usr is visible) or a bare name looked up on PATH
        (/usr/local/bin:/usr/bin:/bin); files named in `executable` (or `argv[0]` when it names one of `files`)
        are made executable. Files named in `collect` are read back after the run (see `run_collect`).
        """
        result, _ = self.run_collect(argv, stdin, files, limits, executable=executable, collect=collect)
        return result

    def run_collect(self, argv: list[str], stdin: bytes | str = b"", files: Mapping[str, bytes | str] | None = None,
                    limits: Limits | None = None, *, executable: Iterable[str] = (),
                    collect: Iterable[str] = ()) -> tuple[ExecResult, dict[str, bytes]]:
        """`run`, also returning the files named in `collect` that the program left in its directory."""
        limits = limits or Limits()
        req = self._exec_request(argv, [stdin], files, limits, executable, collect)
        (raw,) = self._submit(req, limits, 1)
        collected = {k: _decode(v) for k, v in (raw.get("files") or {}).items()}
        return classify_raw(raw, limits, python=False), collected

    def run_many(self, argv: list[str], stdins: list[bytes | str], files: Mapping[str, bytes | str] | None = None,
                 limits: Limits | None = None) -> list[ExecResult]:
        """`run` once per stdin, in one round trip to one worker (each run still gets a fresh process and
        directory). Cheaper than many `run` calls; use several calls to spread work over workers."""
        limits = limits or Limits()
        req = self._exec_request(argv, stdins, files, limits, (), ())
        return [classify_raw(raw, limits, python=False) for raw in self._submit(req, limits, len(stdins))]

    def _exec_request(self, argv: list[str], stdins: list[bytes | str], files: Mapping[str, bytes | str] | None,
                      limits: Limits, executable: Iterable[str], collect: Iterable[str]) -> dict:
        files = dict(files or {})
        if not argv:
            raise ValueError("argv must not be empty")
        argv = list(argv)
        execs = set(executable)
        first = argv[0]
        if first.startswith("./") and first[2:] in files:
            execs.add(first[2:])
        elif first in files:
            execs.add(first)
            argv[0] = "./" + first
        elif "/" not in first:
            found = shutil.which(first, path="/usr/local/bin:/usr/bin:/bin")
            if found is None:
                raise SandboxError(f"{first!r} is not installed in /usr/local/bin, /usr/bin or /bin")
            argv[0] = found
        return {"kind": "exec", "argv": argv, "runs": [{"stdin": _b64(x)} for x in stdins],
                "files": {k: _b64(v) for k, v in files.items()}, "executable": sorted(execs),
                "collect": list(collect), "limits": self._limits_msg(limits)}

    def run_python(self, code: str, stdin: bytes | str = b"", limits: Limits | None = None,
                   files: Mapping[str, bytes | str] | None = None) -> ExecResult:
        """Run Python 3 source as `solution.py` (`__name__ == "__main__"`) in a fresh directory -- the fast path:
        a child forked from a warm interpreter. A SyntaxError sets `ExecResult.compile_error`."""
        return self.run_python_many(code, [stdin], limits, files)[0]

    def run_python_many(self, code: str, stdins: list[bytes | str], limits: Limits | None = None,
                        files: Mapping[str, bytes | str] | None = None) -> list[ExecResult]:
        """`run_python` once per stdin in one round trip to one worker; each run is still a fresh child."""
        limits = limits or Limits()
        if not stdins:
            return []
        req = {"kind": "python", "code": code, "runs": [{"stdin": _b64(x)} for x in stdins],
               "files": {k: _b64(v) for k, v in (files or {}).items()}, "limits": self._limits_msg(limits)}
        return [classify_raw(raw, limits, python=True) for raw in self._submit(req, limits, len(stdins))]

    def compile_cpp(self, sources: Mapping[str, str] | str, main_file: str = "main.cpp",
                    extra_flags: Iterable[str] = (), limits: Limits | None = None) -> CompiledProgram:
        """Compile C++17 (`g++ -std=gnu++17 -O2`) inside the sandbox. A compile error (or a compiler that runs out
        of time or memory: template bombs, `#include "/dev/random"`) gives `ok=False` and the compiler's output,
        truncated. `sources` is a {file name: source} dict or a single source (saved as `main_file`)."""
        if isinstance(sources, str):
            sources = {main_file: sources}
        if main_file not in sources:
            raise ValueError(f"main_file {main_file!r} is not among the sources {sorted(sources)}")
        limits = limits or COMPILE_LIMITS
        argv = ["g++", "-std=gnu++17", "-O2", "-pipe", *extra_flags, "-o", "prog", main_file]
        result, collected = self.run_collect(argv, b"", dict(sources), limits, collect=["prog"])
        output = truncate(result.stdout + result.stderr)
        if result.status == ExecStatus.TLE:
            output = f"compilation exceeded its time limit ({limits.cpu_time_s:g} s CPU / {limits.wall_s:g} s)\n" \
                     + output
        elif result.status == ExecStatus.MLE:
            output = f"compilation exceeded its memory limit ({limits.memory_mb} MiB)\n" + output
        elif result.status == ExecStatus.OLE:
            output = "compilation produced too much output or too large a file\n" + output
        if not result.ok or "prog" not in collected:
            return CompiledProgram(ok=False, compile_output=output, result=result)
        prog_dir = self._root / "progs" / uuid.uuid4().hex
        prog_dir.mkdir(mode=0o755)
        host_path = prog_dir / "prog"
        host_path.write_bytes(collected["prog"])
        host_path.chmod(0o755)
        path = f"/progs/{prog_dir.name}/prog" if self.isolated else str(host_path)
        return CompiledProgram(ok=True, compile_output=output, path=path, host_path=host_path, result=result,
                               _owner=self)

    def run_program(self, program: CompiledProgram, stdin: bytes | str = b"", limits: Limits | None = None,
                    files: Mapping[str, bytes | str] | None = None) -> ExecResult:
        """Run a compiled program (from `compile_cpp` on this sandbox) on one input."""
        return self.run_program_many(program, [stdin], limits, files)[0]

    def run_program_many(self, program: CompiledProgram, stdins: list[bytes | str], limits: Limits | None = None,
                         files: Mapping[str, bytes | str] | None = None) -> list[ExecResult]:
        """Run a compiled program once per stdin, in one round trip to one worker."""
        if not program.ok or program.path is None or program.host_path is None:
            raise ValueError("program did not compile (or was closed); check CompiledProgram.ok first")
        if program._owner is not self:
            raise ValueError("this program was compiled by another LocalSandbox")
        if not stdins:
            return []
        return self.run_many([program.path], stdins, files, limits)


# ---------------------------------------------------------------------------------------------------------------
# The provider


class LocalProvider:
    """The `local` provider: judges submissions with a `LocalSandbox` (created on first use, shared).

    Args:
        workers (`int`, *optional*): concurrent tests (default: two per CPU core).
        allow_unisolated (`bool`, *optional*): see `LocalSandbox`.
        sandbox (`LocalSandbox`, *optional*): use this sandbox instead of creating one.
    """

    name = "local"

    def __init__(self, workers: int | None = None, *, allow_unisolated: bool | None = None,
                 sandbox: LocalSandbox | None = None, **_: object) -> None:
        self._own = sandbox is None
        self._sandbox = sandbox
        self._workers = workers
        self._allow = allow_unisolated
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    @property
    def sandbox(self) -> LocalSandbox:
        """The LocalSandbox this provider judges with, started on first use (thread-safe); raises IsolationUnavailable
        when this machine cannot isolate tests and unisolated runs are not allowed.
        """
        with self._lock:
            if self._sandbox is None:
                self._sandbox = LocalSandbox(self._workers, allow_unisolated=self._allow)
            return self._sandbox

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                n = self._sandbox.n_workers if self._sandbox is not None else 0
                n = n or self._workers or 2 * (os.cpu_count() or 1)
                self._pool = ThreadPoolExecutor(max_workers=max(2, 2 * n), thread_name_prefix="open-r1-sandbox")
            return self._pool

    def close(self) -> None:
        """Stop the thread pool and, when this provider created the sandbox, shut its workers down; a later call starts
        them again.
        """
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._own and self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def judge(self, submission: Submission) -> SubmissionResult:
        """Judge one submission synchronously (tests one after another)."""
        return asyncio.run(self.run_submissions([submission]))[0]

    async def run_submissions(self, submissions: list[Submission]) -> list[SubmissionResult]:
        """The Provider contract: judge every submission concurrently on the local sandbox, C++ compiled once per
        submission, and return the results in order.
        """
        sandbox = self.sandbox  # raises IsolationUnavailable before any work
        return list(await asyncio.gather(*(self._one(sandbox, s) for s in submissions)))

    async def _one(self, sandbox: LocalSandbox, sub: Submission) -> SubmissionResult:
        loop = asyncio.get_running_loop()
        pool = self._executor()
        program: CompiledProgram | None = None
        try:
            if sub.language == "cpp":
                program = await loop.run_in_executor(pool, sandbox.compile_cpp, sub.code)
                if not program.ok:
                    tests = [TestResult(t.name or str(i), Verdict.CE) for i, t in enumerate(sub.effective_tests)]
                    return SubmissionResult(verdict=Verdict.CE, tests=tests, compile_output=program.compile_output,
                                            passed=0, total=len(tests), id=sub.id)

            tests = sub.effective_tests

            def run_chunk(lo: int, hi: int) -> list[TestResult]:
                stdins = [t.input for t in tests[lo:hi]]
                if program is not None:
                    runs = sandbox.run_program_many(program, stdins, sub.limits)
                else:
                    runs = sandbox.run_python_many(sub.code, stdins, sub.limits)
                return [TestResult(t.name or str(lo + k), verdict_for(r, t.output), truncate(r.stdout),
                                   truncate(r.stderr, 4000), r.wall_time_s)
                        for k, (t, r) in enumerate(zip(tests[lo:hi], runs, strict=True))]

            n = len(tests)
            results: list[TestResult] = []
            if sub.stop_on_first_failure:
                for i in range(n):
                    (res,) = await loop.run_in_executor(pool, run_chunk, i, i + 1)
                    results.append(res)
                    if res.verdict != Verdict.AC:
                        results += [TestResult(t.name or str(j), Verdict.SKIPPED)
                                    for j, t in enumerate(tests) if j > i]
                        break
            else:
                # one round trip per chunk, the chunks spread over the workers
                size = -(-n // sandbox.n_workers)
                parts = await asyncio.gather(*(loop.run_in_executor(pool, run_chunk, lo, min(n, lo + size))
                                               for lo in range(0, n, size)))
                results = [r for part in parts for r in part]
            compile_output = program.compile_output if program is not None else ""
            if results and all(r.verdict == Verdict.CE for r in results):  # a Python syntax error
                compile_output = results[0].stderr
            return SubmissionResult.from_tests(results, compile_output=compile_output, id=sub.id)
        except SandboxError as err:
            return SubmissionResult.internal_error(sub, str(err))
        finally:
            if program is not None:
                program.close()

