"""The warm worker that runs *inside* the local sandbox and forks one fresh child per test.

WHAT
    A small, standard-library-only Python program (it runs under the system interpreter inside bubblewrap, where
    `open_r1` is not importable). It reads length-prefixed JSON requests on stdin and answers on stdout, one at a
    time. A request is one test: run Python source in-process, or exec a binary (the compiled C++ program, g++
    itself), with stdin bytes, optional files and limits. The answer holds the raw facts -- exit code or signal,
    stdout/stderr (capped), CPU and wall time, peak RSS, and whether the wall clock or the output cap stopped it.
    The host (`open_r1.sandbox.local`) turns facts into verdicts.

WHY
    DeepSeek-R1-style code rewards (arXiv 2501.12948, §2.2.2) execute thousands of model-written programs per
    training step. Starting a sandbox and an interpreter per test costs ~15 ms, which caps a core at ~70 tests/s.
    This worker pays that once: it is started once inside the sandbox (no network, private /proc, read-only
    system directories, clean environment, none of the host's files), then forks a child per test from an
    already-warm interpreter (~1 ms). Isolation *between* tests comes from the child, not from a new sandbox:
      * the child drops to an unprivileged uid that only this worker uses, so RLIMIT_NPROC counts exactly the
        test's own processes and threads, and the child can neither signal nor ptrace the (root) worker
        (rootless mode, in a user namespace: the child keeps the worker's uid, RLIMIT_NPROC counts per namespace
        -- offset by bwrap's init and the worker -- and the worker makes itself non-dumpable, so it cannot be
        traced; it can still be killed, which the host reports as an internal error);
      * it gets a fresh, empty working directory (and TMPDIR/HOME) that is deleted after the test, while the
        rest of the filesystem is read-only or root-only;
      * every process left behind by the test's uid is killed before the next test starts;
      * rlimits (CPU, address space, processes, file size, open files, no core dumps) are set in the child before
        it drops privileges, soft = hard, so it cannot raise them back.

HOW
    request:  {"kind": "python"|"exec", "code": str, "argv": [str], "runs": [{"stdin": b64}, ...], "files":
               {name: b64}, "executable": [name], "collect": [name], "env": {str: str},
               "limits": {"cpu": s, "wall": s, "mem_mb": int, "nproc": int, "out_bytes": int, "file_bytes": int}}
    response: {"ok": true, "results": [{"exit_code", "signal", "stdout": b64, "stderr": b64, "cpu", "wall",
               "max_rss_kb", "wall_timeout", "output_exceeded", "compile_error", "setup_error",
               "files": {name: b64}}, ...]}      (one result per run; {"ok": false, "error"} if the worker failed)
    per test: mkdir the test directory (owner: the test uid) -> write stdin to a root-only file -> fork ->
      child: new session, stdin/stdout/stderr redirected, every other fd closed, rlimits, setgroups/setresgid/
      setresuid to the test uid, then compile+exec the Python source (or execve the binary) ->
      parent: poll stdout, stderr and a pidfd until exit, wall deadline or output cap; SIGKILL on the last two ->
      kill every process of the test uid (a helper forked as that uid calls kill(-1, SIGKILL)) -> wait4 for the
      rusage -> delete the test directory.
    Python runs in-process: `compile` then `exec` in a fresh `__main__` module; a syntax error is reported as a
    compile error through a close-on-exec status pipe, so user code cannot fake it.

DATA FLOW
    `LocalSandbox` (host) starts N of these under bwrap (or, when the user opted out of isolation, directly) ->
    sends one request per test -> reads the response -> `ExecResult` -> verdicts -> rewards.
"""

import atexit
import base64
import builtins
import io
import json
import os
import resource
import select
import shutil
import signal
import struct
import sys
import threading
import time
import traceback
import types

_HEADER = struct.Struct(">I")
try:
    import ctypes

    _LIBC = ctypes.CDLL(None, use_errno=True)
except (ImportError, OSError):  # pragma: no cover -- a Python without ctypes
    _LIBC = None
# The whole environment a test sees (plus HOME and TMPDIR, its own directory): nothing of the host's.
_BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
_MAX_REQUEST = 512 * 1024 * 1024


def _read_exact(fd, n):
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _read_msg(fd):
    header = _read_exact(fd, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > _MAX_REQUEST:
        raise ValueError("request too large")
    body = _read_exact(fd, size)
    return None if body is None else json.loads(body)


def _write_msg(fd, obj):
    body = json.dumps(obj).encode()
    data = _HEADER.pack(len(body)) + body
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _kill_every_process_of_this_uid():
    """kill(-1, SIGKILL) as the test uid: every process that uid owns (a few rounds, for forks in flight)."""
    for _ in range(3):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            break


class Worker:
    """The per-sandbox state of the warm worker (folders for tests and stdin files, the test uid and gid, rootless and
    pid-namespace modes): `handle` runs one request by forking a fresh, rlimited child per test and collecting its raw
    facts.
    """

    def __init__(self, config):
        self.work_root = config["work_root"]  # per-test directories live here (a size-capped tmpfs in bwrap)
        self.io_root = config["io_root"]  # root-only: stdin files the child opens before dropping privileges
        self.uid = config.get("uid")  # None: cannot switch uid (rootless bwrap, or unisolated as non-root)
        self.gid = config.get("gid")
        # rootless: inside an unprivileged user namespace where tests share the worker's uid. RLIMIT_NPROC then
        # counts per namespace: bwrap's init and this worker are 2 of the processes it sees.
        self.rootless = bool(config.get("rootless"))
        # isolated (under bwrap --unshare-pid): this pid namespace holds only bwrap's init, this worker and tests
        self.own_pid_namespace = bool(config.get("own_pid_namespace"))
        if self.rootless and _LIBC is not None:
            _LIBC.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: a test (same uid) cannot ptrace or read this worker
        # the interpreter's own path (stdlib, dist-packages), without the worker's directory
        here = os.path.dirname(os.path.abspath(__file__))
        self.python_path = [p for p in sys.path if p and p != here]
        self.counter = 0
        self.multi_process = True
        os.makedirs(self.io_root, mode=0o700, exist_ok=True)
        os.chmod(self.io_root, 0o700)

    # -- the child ---------------------------------------------------------------------------------------------

    def _child(self, req, test_dir, stdin_path, out_w, err_w, status_w):
        """Runs in the forked child; never returns (whatever happens, it must not fall back into the worker's
        request loop)."""
        try:
            self._child_setup_and_run(req, test_dir, stdin_path, out_w, err_w, status_w)
        except BaseException as err:  # noqa: BLE001 -- anything here is a sandbox setup failure
            try:
                os.write(status_w, ("X" + repr(err)).encode())
            except BaseException:  # noqa: BLE001
                try:
                    os.write(2, ("sandbox: " + repr(err)).encode("utf-8", "replace"))
                except BaseException:  # noqa: BLE001
                    pass
        finally:
            os._exit(126)

    def _child_setup_and_run(self, req, test_dir, stdin_path, out_w, err_w, status_w):
        os.setsid()
        fd_in = os.open(stdin_path, os.O_RDONLY)
        os.dup2(fd_in, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        # close every inherited descriptor (the worker's protocol pipes above all); close_range(2) is one syscall
        os.closerange(3, status_w)
        os.closerange(status_w + 1, 1 << 16)
        os.chdir(test_dir)
        # python starts with SIGPIPE and SIGXFSZ ignored (it raises OSError instead); an exec'd program must get
        # the defaults, or a C++ program writing past RLIMIT_FSIZE spins on EFBIG instead of dying with SIGXFSZ
        default_or_ignore = signal.SIG_DFL if req["kind"] == "exec" else signal.SIG_IGN
        signal.signal(signal.SIGPIPE, default_or_ignore)
        signal.signal(signal.SIGXFSZ, default_or_ignore)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        lim = req["limits"]
        cpu = max(1, int(-(-float(lim["cpu"]) // 1)))  # RLIMIT_CPU has 1 s granularity: round up
        mem = int(lim["mem_mb"]) * 1024 * 1024
        nfile = int(lim["file_bytes"])
        for res, soft, hard in (
            (resource.RLIMIT_CPU, cpu, cpu + 1),  # SIGXCPU at the limit, SIGKILL one second later
            (resource.RLIMIT_AS, mem, mem),
            (resource.RLIMIT_FSIZE, nfile, nfile),
            (resource.RLIMIT_CORE, 0, 0),
            (resource.RLIMIT_NOFILE, 256, 256),
            (resource.RLIMIT_MEMLOCK, 0, 0),
            (resource.RLIMIT_MSGQUEUE, 0, 0),
            # unlimited stack: deep recursion is bounded by RLIMIT_AS instead, and glibc then gives new
            # threads 2 MiB stacks rather than reserving the stack limit per thread (which RLIMIT_AS would refuse)
            (resource.RLIMIT_STACK, resource.RLIM_INFINITY, resource.RLIM_INFINITY),
        ):
            resource.setrlimit(res, (soft, hard))
        if self.rootless:
            resource.setrlimit(resource.RLIMIT_NPROC, (int(lim["nproc"]) + 2, int(lim["nproc"]) + 2))
        if self.uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (int(lim["nproc"]), int(lim["nproc"])))
            os.setgroups([])
            os.setresgid(self.gid, self.gid, self.gid)
            os.setresuid(self.uid, self.uid, self.uid)
        env = dict(_BASE_ENV, HOME=test_dir, TMPDIR=test_dir)
        env.update(req.get("env") or {})
        if req["kind"] == "exec":
            argv = req["argv"]
            try:
                os.execve(argv[0], argv, env)
            except OSError as err:
                os.write(status_w, ("X" + str(err)).encode())
                os._exit(127)
        self._run_python(req["code"], test_dir, env, status_w)

    def _run_python(self, source, test_dir, env, status_w):
        # dropping from root made this process non-dumpable (its /proc/self/* owned by root); an exec'd program
        # gets that back from execve, an in-process Python program from us -- so /proc/self works as usual
        if (self.uid is not None or self.rootless) and _LIBC is not None:
            _LIBC.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE
        # the worker's environment already is _BASE_ENV (set in main); only the per-test entries change
        for key, value in env.items():
            if os.environ.get(key) != value:
                os.environ[key] = value
        try:
            code = compile(source, "solution.py", "exec")
        except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError) as err:
            # ValueError: NUL bytes in the source; the others: pathological literals / nesting
            os.write(status_w, b"C")
            os.close(status_w)
            msg = "".join(traceback.format_exception_only(type(err), err))
            os.write(2, msg.encode("utf-8", "replace"))
            os._exit(1)
        os.close(status_w)
        # the std streams were created once in the worker over /dev/null (`_std_streams`); the child's dup2 put the
        # test's stdin/stdout/stderr underneath them, and their buffers are empty
        sys.argv = ["solution.py"]
        sys.path[:] = [test_dir, *self.python_path]
        if "random" in sys.modules:  # a forked child would otherwise replay its parent's random stream
            sys.modules["random"].seed()
        main = types.ModuleType("__main__")
        main.__dict__.update({"__file__": "solution.py", "__builtins__": builtins})
        sys.modules["__main__"] = main
        exit_code = 0
        try:
            exec(code, main.__dict__)
        except SystemExit as exc:
            exit_code = _exit_code_of(exc)
        except BaseException:  # noqa: BLE001 -- mirror the interpreter: print the traceback, exit 1
            exc_type, exc, tb = sys.exc_info()
            traceback.print_exception(exc_type, exc, tb.tb_next if tb is not None else None)
            exit_code = 1
        exit_code = _finish_python(exit_code)
        os._exit(exit_code)

    # -- the parent --------------------------------------------------------------------------------------------

    @staticmethod
    def _test_processes():
        """Live processes of this pid namespace other than bwrap's init (1) and this worker: under bwrap every one
        of them belongs to a test. Zombies are dead already (the worker reaps its child, bwrap's init the
        orphans). /proc lists pids in increasing order and a new pid is larger than its parent's (short of pid
        wrap-around), so a process forked during the scan is still listed."""
        me = os.getpid()
        alive = []
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) in (1, me):
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    state = fh.read().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != b"Z":
                alive.append(int(name))
        return alive

    def _sweep(self):
        """Kill every process of the test uid (stray children, daemons) -- as that uid, so nothing else dies.
        Skipped when the test could not create any (RLIMIT_NPROC 1: the child is the uid's only process), and,
        in our own pid namespace, when a scan of /proc finds none left (most tests: a fork costs ~1 ms, a scan
        of a namespace this small ~0.05 ms)."""
        if not self.multi_process:
            return
        if self.rootless:
            for _ in range(100):
                alive = self._test_processes()
                if not alive:
                    return
                for pid in alive:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.001)
            return
        if self.uid is None:
            return
        if self.own_pid_namespace and not self._test_processes():
            return
        self._as_test_user(_kill_every_process_of_this_uid)

    def _as_test_user(self, action):
        """Run `action()` in a forked child that has dropped to the test uid/gid, and wait for it: kill(-1) and IPC
        removal then reach exactly the test's own processes and objects, never the worker's."""
        pid = os.fork()
        if pid == 0:
            try:
                os.setresgid(self.gid, self.gid, self.gid)
                os.setresuid(self.uid, self.uid, self.uid)
                action()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)

    def _ipc_sweep(self):
        """Remove System V IPC objects (shared memory, semaphores, message queues) a test created: they outlive
        processes, so they would carry state to the next test (and hold memory). The IPC namespace is this
        worker's own, so every object in it is a test's; the removal runs as the test uid, their owner."""
        found = []
        for kind in ("shm", "sem", "msg"):  # raw reads: this runs after every test
            try:
                fd = os.open("/proc/sysvipc/" + kind, os.O_RDONLY)
            except OSError:
                continue
            try:
                rows = os.read(fd, 1 << 20).splitlines()[1:]
            finally:
                os.close(fd)
            found += [(kind, int(row.split()[1])) for row in rows if row.strip()]
        if not found or _LIBC is None or (self.uid is None and not self.rootless):
            return
        if self.rootless:  # tests run as our uid: we own what they made
            self._ipc_remove(found)
            return
        self._as_test_user(lambda: self._ipc_remove(found))

    @staticmethod
    def _ipc_remove(found):
        for kind, ipc_id in found:  # IPC_RMID = 0
            if kind == "shm":
                _LIBC.shmctl(ipc_id, 0, None)
            elif kind == "sem":
                _LIBC.semctl(ipc_id, 0, 0)
            else:
                _LIBC.msgctl(ipc_id, 0, None)

    def handle(self, req):
        """One request: the same program on one or more stdins (`runs`), each in its own fresh child and
        directory. Returns {"ok": true, "results": [raw facts per run]}."""
        runs = req.get("runs")
        if runs is None:
            runs = [{"stdin": req.get("stdin") or ""}]
        lim = req["limits"]
        self.multi_process = int(lim["nproc"]) > 1
        files = [(name, base64.b64decode(data)) for name, data in (req.get("files") or {}).items()]
        return {"ok": True, "results": [self._run_one(req, files, run) for run in runs]}

    def _run_one(self, req, files, run):
        self.counter += 1
        n = self.counter
        test_dir = os.path.join(self.work_root, f"t{n}")
        stdin_path = os.path.join(self.io_root, f"{n}.in")
        lim = req["limits"]
        out_cap = int(lim["out_bytes"])
        os.mkdir(test_dir, 0o700)
        try:
            if self.uid is not None:
                os.chown(test_dir, self.uid, self.gid)
            executable = set(req.get("executable") or [])
            for name, data in files:
                path = os.path.join(test_dir, name)
                if os.path.dirname(name):
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as fh:
                    fh.write(data)
                os.chmod(path, 0o755 if name in executable else 0o644)
                if self.uid is not None:
                    os.chown(path, self.uid, self.gid)
            # stdin is a root-only file the child opens before it drops privileges: no writer process, no
            # pipe-buffer deadlock on large inputs, and the test cannot see any other test's input
            fd = os.open(stdin_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                data = base64.b64decode(run.get("stdin") or "")
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            status_r, status_w = os.pipe2(os.O_CLOEXEC)
            sys.stdout.flush()
            sys.stderr.flush()
            start = time.monotonic()
            pid = os.fork()
            if pid == 0:
                self._child(req, test_dir, stdin_path, out_w, err_w, status_w)
            os.close(out_w)
            os.close(err_w)
            os.close(status_w)
            result = self._supervise(pid, out_r, err_r, status_r, float(lim["wall"]), out_cap, start)
            if req.get("collect"):
                collected = {}
                for name in req["collect"]:
                    path = os.path.join(test_dir, name)
                    if os.path.isfile(path) and not os.path.islink(path):
                        with open(path, "rb") as fh:
                            collected[name] = _b64(fh.read(256 * 1024 * 1024))
                result["files"] = collected
            return result
        finally:
            self._ipc_sweep()
            try:
                os.rmdir(test_dir)  # the common case: the test wrote nothing
            except OSError:
                shutil.rmtree(test_dir, ignore_errors=True)
            try:
                os.unlink(stdin_path)
            except OSError:
                pass

    def _supervise(self, pid, out_r, err_r, status_r, wall, out_cap, start):
        pidfd = os.pidfd_open(pid)
        bufs = {out_r: bytearray(), err_r: bytearray()}
        open_fds = {out_r, err_r}
        status = bytearray()
        status_open = True
        exited = False
        wall_timeout = output_exceeded = False
        deadline = start + wall
        poller = select.poll()
        for fd in (out_r, err_r, status_r, pidfd):
            poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        killed = False
        killed_at = 0.0
        while open_fds or not exited or status_open:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0 and not killed:
                wall_timeout = True
                self._kill(pid)
                killed, killed_at = True, now
            if killed and now - killed_at > 5:
                break  # a killed child always dies; this only guards against a pipe held open elsewhere
            timeout_ms = max(0, int(remaining * 1000)) if not killed else 500
            events = poller.poll(timeout_ms)
            for fd, _ev in events:
                if fd == pidfd:
                    exited = True
                    poller.unregister(pidfd)
                    # the test is over: whatever it left behind (a daemonised grandchild holding the pipes)
                    # dies now, so the pipes reach EOF
                    self._sweep()
                    continue
                chunk = os.read(fd, 1 << 16)
                if fd == status_r:
                    if chunk:
                        status += chunk
                    else:
                        status_open = False
                        poller.unregister(fd)
                    continue
                if not chunk:
                    open_fds.discard(fd)
                    poller.unregister(fd)
                    continue
                buf = bufs[fd]
                buf += chunk
                if len(buf) > out_cap and not killed:
                    output_exceeded = True
                    self._kill(pid)
                    killed, killed_at = True, time.monotonic()
        for fd in (out_r, err_r, status_r, pidfd):
            os.close(fd)
        _, wstatus, rusage = os.wait4(pid, 0)
        wall_s = time.monotonic() - start
        self._sweep()
        exit_code = os.waitstatus_to_exitcode(wstatus)
        sig = -exit_code if exit_code < 0 else None
        status_text = bytes(status).decode("utf-8", "replace")
        return {
            "ok": True,
            "exit_code": None if sig else exit_code,
            "signal": sig,
            "stdout": _b64(bytes(bufs[out_r][: out_cap + 1])),
            "stderr": _b64(bytes(bufs[err_r][: out_cap + 1])),
            "cpu": rusage.ru_utime + rusage.ru_stime,
            "wall": wall_s,
            "max_rss_kb": rusage.ru_maxrss,
            "wall_timeout": wall_timeout,
            "output_exceeded": output_exceeded,
            "compile_error": status_text == "C",
            "setup_error": status_text[1:] if status_text.startswith("X") else "",
        }

    def _kill(self, pid):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        self._sweep()


def _exit_code_of(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:  # noqa: BLE001
        pass
    return 1


def _finish_python(exit_code):
    """What the interpreter does at exit: join non-daemon threads, run atexit hooks, flush stdio."""
    try:
        threading._shutdown()  # joins non-daemon threads, like a normal interpreter exit
    except BaseException:  # noqa: BLE001
        pass
    try:
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            pass
        except BaseException:  # noqa: BLE001 -- e.g. a write past RLIMIT_FSIZE while flushing
            if exit_code == 0:
                exit_code = 120  # what CPython returns when flushing stdout fails at exit
    return exit_code


# Modules competitive-programming solutions import most. Importing them once here, before any fork, means a test
# pays nothing for `import math` -- and neither sees nor shares any state of another test (each child is a copy).
_PRELOAD = ("math", "collections", "itertools", "functools", "heapq", "bisect", "re", "string", "operator", "copy",
            "fractions", "decimal", "random", "array", "typing", "dataclasses", "statistics", "json")


def _std_streams():
    """Text streams over fds 0/1/2 as a normal interpreter has them (UTF-8, block-buffered stdout, line-buffered
    stderr with backslashreplace), made once here rather than in every child."""
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                                   errors="backslashreplace", line_buffering=True)


def _warm_up():
    """Pay one-time costs in the parent instead of in every child: the parser's lazily built tables (the first
    `compile` in a process costs ~1 ms, later ones ~0.02 ms), common imports; then freeze the heap so that the
    children's garbage collector does not walk (and copy-on-write) the worker's objects."""
    import gc
    import importlib

    for name in _PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    sample = "import sys\nn = int(input())\nprint(sum(map(int, input().split())), [i*i for i in range(3)], f'{n}')\n"
    compile(sample, "warmup", "exec")
    gc.collect()
    gc.freeze()


# glibc's mallopt parameter for the most malloc arenas (malloc.h: M_ARENA_MAX)
_M_ARENA_MAX = -8
_THREAD_STACK_BYTES = 2 << 20


def _thread_friendly_memory():
    """Make a thread cost a Python test what it costs a C++ one, under RLIMIT_AS.

    Tests may start threads (up to `nproc`), and RLIMIT_AS counts *reserved* address space. Python tests are
    forked from this worker, so they inherit glibc's state of a process started under the host's 8 MiB
    RLIMIT_STACK: 8 MiB per thread stack, and one 64 MiB malloc arena reserved per new thread -- five threads
    exhausted 256 MiB. An exec'd C++ program starts under an unlimited RLIMIT_STACK (2 MiB thread stacks).
    So: 2 MiB default thread stacks (a program can still ask for more with `threading.stack_size`), and a
    single malloc arena (the GIL serialises Python's allocations anyway). Measured: 63 threads fit in 256 MiB."""
    if _LIBC is None:
        return
    try:
        attr = ctypes.create_string_buffer(256)  # larger than any pthread_attr_t
        if _LIBC.pthread_attr_init(attr) == 0:
            _LIBC.pthread_attr_setstacksize(attr, ctypes.c_size_t(_THREAD_STACK_BYTES))
            _LIBC.pthread_setattr_default_np(attr)
            _LIBC.pthread_attr_destroy(attr)
        _LIBC.mallopt(_M_ARENA_MAX, 1)
    except (AttributeError, OSError):  # a libc without these (musl): threads keep its defaults
        pass


def main():
    """The worker's entry point inside the sandbox: read the JSON config from argv, clean the environment, move the
    protocol pipes off stdin/stdout, warm up, announce readiness, then answer length-prefixed requests until stdin
    closes (a failing request gets an error reply, the loop goes on).
    """
    config = json.loads(sys.argv[1])
    os.environ.clear()
    os.environ.update(_BASE_ENV)
    # the protocol pipes move off 0/1 so that nothing (a stray print) can corrupt them
    fd_in = os.dup(0)
    fd_out = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    _std_streams()
    _thread_friendly_memory()
    worker = Worker(config)
    _warm_up()
    _write_msg(fd_out, {"ready": True, "pid": os.getpid(), "uid": worker.uid})
    while True:
        req = _read_msg(fd_in)
        if req is None:
            return
        try:
            resp = worker.handle(req)
        except Exception as err:  # noqa: BLE001 -- report, keep serving
            resp = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        _write_msg(fd_out, resp)


if __name__ == "__main__":
    main()
