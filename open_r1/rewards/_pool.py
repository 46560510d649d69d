"""A persistent pool of worker processes that runs every task under a wall-clock budget.

WHAT: `BudgetedPool(script, size).run(tasks, budget_s)` sends each task to a worker process started from
`script` and returns one `(status, score, shown)` per task, in order. Status "timeout" means the budget ran out.

WHY: `concurrent.futures.ProcessPoolExecutor` cannot cancel a running task: one answer that sends SymPy into a
tower of exponents would hold a worker (and the GRPO step) forever. Here each worker has its own pipes, so the
parent always knows which task a worker is on and can kill exactly that worker when its task overruns, then
start a fresh one. Workers are started with `subprocess` (no `fork` of a multi-threaded trainer, no re-import of
the trainer's `__main__` as `spawn` would do) and live for the whole run, so the ~0.4 s start is paid once.

HOW: each worker holds at most `depth` tasks (one running, the rest queued in its pipe, so it never idles
waiting for the parent). The running task is the worker's oldest unanswered one; it started when the previous
answer arrived. The worker enforces the budget itself (interval timer, see `_mathworker`); the parent kills a
worker whose running task passes `budget_s + grace_s` (code that never returns to the interpreter ignores
signals), marks that task "timeout", requeues the tasks queued behind it and starts a replacement. A worker that
dies marks its running task "crash". Worst case per task: budget_s + grace_s after it starts.

DATA FLOW: `verifier.MathVerifier` owns one pool per process (module-level, created on first use, closed at
exit) and feeds it the unique (gold, answer) pairs that its memo and fast path could not settle.
"""

from __future__ import annotations

import atexit
import math
import os
import subprocess
import sys
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

# Run the worker file by path with `runpy`, so the worker does not import the `open_r1` package (faster start,
# and the worker's sys.path does not gain the rewards folder, whose module names could shadow the stdlib).
_BOOT = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"


class PoolError(RuntimeError):
    """The worker processes cannot be started (a broken environment, not a bad sample)."""


@dataclass
class _Worker:
    proc: subprocess.Popen
    inbox: Connection  # parent -> worker
    outbox: Connection  # worker -> parent
    started_at: float
    ready: bool = False
    inflight: deque = field(default_factory=deque)  # task ids, oldest (running) first
    head_start: float = 0.0

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        for conn in (self.inbox, self.outbox):
            try:
                conn.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
            pass


_LIVE_POOLS: weakref.WeakSet[BudgetedPool] = weakref.WeakSet()


class BudgetedPool:
    """Worker processes with a per-task time budget. Thread-safe; one `run` at a time."""

    def __init__(
        self,
        script: str,
        size: int,
        *,
        grace_s: float = 0.5,
        depth: int = 2,
        memory_mb: int = 4096,
        startup_timeout_s: float = 60.0,
    ) -> None:
        self.script, self.size, self.grace_s, self.depth = script, max(1, size), grace_s, max(1, depth)
        self.memory_mb, self.startup_timeout_s = memory_mb, startup_timeout_s
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._owner = os.getpid()
        self._startup_failures = 0
        self.stats = {"tasks": 0, "timeouts": 0, "kills": 0, "crashes": 0, "spawned": 0}
        _LIVE_POOLS.add(self)

    # -- lifecycle -----------------------------------------------------------------------------------------

    def _check_owner(self) -> None:
        # After a fork (a DataLoader worker, say) the child must not talk to its parent's workers, and a lock that
        # was held at fork time would never be released: start over with nothing.
        if os.getpid() != self._owner:
            self._owner, self._workers, self._lock = os.getpid(), [], threading.Lock()

    def _spawn(self) -> _Worker:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", _BOOT, self.script, str(to_child_r), str(from_child_w), str(self.memory_mb)],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                close_fds=True,
            )
        except OSError as err:
            for fd in (to_child_r, to_child_w, from_child_r, from_child_w):
                os.close(fd)
            raise PoolError(f"cannot start a math worker ({sys.executable}): {err}") from err
        # Close our copies of the child's ends, so a dead child shows up as EOF on our read end.
        os.close(to_child_r)
        os.close(from_child_w)
        self.stats["spawned"] += 1
        return _Worker(
            proc,
            Connection(to_child_w, readable=False),
            Connection(from_child_r, writable=False),
            started_at=time.monotonic(),
        )

    def _fill(self) -> None:
        while len(self._workers) < self.size:
            self._workers.append(self._spawn())

    def warmup(self, timeout_s: float | None = None) -> None:
        """Start the workers now and wait until they are ready (otherwise the first `run` does it)."""
        self._check_owner()
        with self._lock:
            self._fill()
            deadline = time.monotonic() + (timeout_s or self.startup_timeout_s)
            while not all(w.ready for w in self._workers):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PoolError(f"math workers not ready after {timeout_s or self.startup_timeout_s:.0f} s")
                for conn in wait([w.outbox for w in self._workers if not w.ready], remaining):
                    worker = next(w for w in self._workers if w.outbox is conn)
                    self._drain(worker, {}, deque())

    def close(self) -> None:
        """Stop every worker (they also exit by themselves when the parent's pipe closes)."""
        if os.getpid() != self._owner:
            self._workers = []
            return
        workers, self._workers = self._workers, []
        for worker in workers:
            try:
                worker.inbox.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 1.0
        for worker in workers:
            try:
                worker.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            worker.kill()

    @property
    def alive(self) -> int:
        return len(self._workers)

    # -- running tasks -------------------------------------------------------------------------------------

    def run(self, tasks: list[tuple[Any, ...]], budget_s: float) -> list[tuple[str, float | None, str]]:
        """Run every task (a tuple of the worker's arguments) with `budget_s` seconds each; results in order."""
        self._check_owner()
        if not tasks:
            return []
        with self._lock:
            try:
                return self._run(tasks, budget_s)
            except BaseException:
                # Interrupted (Ctrl-C, a PoolError): workers still busy with this call's tasks would answer into
                # the next call. Drop them; fresh ones start on demand.
                for worker in [w for w in self._workers if w.inflight]:
                    self._workers.remove(worker)
                    worker.kill()
                raise

    def _run(self, tasks: list[tuple[Any, ...]], budget_s: float) -> list[tuple[str, float | None, str]]:
        results: dict[int, tuple[str, float | None, str]] = {}
        pending: deque[int] = deque(range(len(tasks)))
        self.stats["tasks"] += len(tasks)
        self._fill()
        while len(results) < len(tasks):
            now = time.monotonic()
            for worker in list(self._workers):
                while worker.ready and pending and len(worker.inflight) < self.depth:
                    task_id = pending.popleft()
                    try:
                        worker.inbox.send((task_id, *tasks[task_id], budget_s))
                    except OSError:
                        pending.appendleft(task_id)
                        self._retire(worker, "crash", results, pending)
                        break
                    if not worker.inflight:
                        worker.head_start = now
                    worker.inflight.append(task_id)
            deadline = math.inf
            for worker in self._workers:
                if worker.inflight:
                    deadline = min(deadline, worker.head_start + budget_s + self.grace_s)
                elif not worker.ready:
                    deadline = min(deadline, worker.started_at + self.startup_timeout_s)
            timeout = max(0.0, deadline - time.monotonic()) if deadline < math.inf else None
            for conn in wait([w.outbox for w in self._workers], timeout):
                worker = next((w for w in self._workers if w.outbox is conn), None)
                if worker is not None:
                    self._drain(worker, results, pending)
            now = time.monotonic()
            for worker in list(self._workers):
                if worker.inflight and now > worker.head_start + budget_s + self.grace_s:
                    self.stats["kills"] += 1
                    self._retire(worker, "timeout", results, pending)
                elif not worker.ready and now > worker.started_at + self.startup_timeout_s:
                    self._retire(worker, "crash", results, pending)
                    raise PoolError(f"a math worker did not start within {self.startup_timeout_s:.0f} s")
            self._fill()
        self.stats["timeouts"] += sum(1 for status, _, _ in results.values() if status == "timeout")
        return [results[i] for i in range(len(tasks))]

    def _drain(self, worker: _Worker, results: dict, pending: deque) -> None:
        try:
            while worker.outbox.poll():
                message = worker.outbox.recv()
                if message[0] == "ready":
                    worker.ready = True
                    self._startup_failures = 0
                    continue
                if message[0] == "fatal":
                    self._retire(worker, "crash", results, pending)
                    raise PoolError(f"a math worker failed to start:\n{message[1]}")
                task_id, status, score, shown = message
                if worker.inflight and worker.inflight[0] == task_id:
                    worker.inflight.popleft()
                    results[task_id] = (status, score, shown)
                    # The worker starts its next queued task as soon as it sent this answer.
                    worker.head_start = time.monotonic()
        except (EOFError, OSError):
            if not worker.ready:
                self._startup_failures += 1
                code = worker.proc.poll()
                self._retire(worker, "crash", results, pending)
                if self._startup_failures >= 3:
                    raise PoolError(
                        f"math workers exit during start-up (exit code {code}); "
                        f"check that `{sys.executable} -c 'import math_verify'` works"
                    ) from None
                return
            self.stats["crashes"] += 1
            self._retire(worker, "crash", results, pending)

    def _retire(self, worker: _Worker, head_status: str, results: dict, pending: deque) -> None:
        """Remove a worker: its running task gets `head_status`, the tasks queued behind it go back in line."""
        if worker in self._workers:
            self._workers.remove(worker)
        if worker.inflight:
            head = worker.inflight.popleft()
            results[head] = (head_status, None, "")
            pending.extendleft(reversed(worker.inflight))
            worker.inflight.clear()
        worker.kill()


@atexit.register
def _close_all() -> None:
    for pool in list(_LIVE_POOLS):
        try:
            pool.close()
        except Exception:
            pass
