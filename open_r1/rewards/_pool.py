"""A persistent pool of worker processes that runs every task under a wall-clock budget.

WHAT: `BudgetedPool(script, size).run(tasks, budget_s)` sends each task to a worker process started from
`script` and returns one `(status, score, shown)` per task, in order. Status "timeout" means the budget ran out.

WHY: `concurrent.futures.ProcessPoolExecutor` cannot cancel a running task: one answer that sends SymPy into a
tower of exponents would hold a worker (and the GRPO step) forever. Here each worker has its own pipes, so the
parent always knows which task a worker is on and can kill exactly that worker when its task overruns, then
start a fresh one. Workers are started with `subprocess` (no `fork` of a multi-threaded trainer, no re-import of
the trainer's `__main__` as `spawn` would do) and live for the whole run, so the ~0.4 s start is paid once.

HOW: tasks carry an affinity key (the verifier uses the gold answer). Tasks with one key go to one worker, so the
answers to one prompt meet the caches that worker built for them (math-verify memoises parsed LaTeX per process;
split randomly over N workers, expressions would be parsed up to N times and re-parsing would eat the
parallelism). Key groups are spread largest first onto the least-loaded worker, and a worker whose own queue runs
dry steals from the tail of the longest queue, so the load stays balanced. Each worker holds at most `depth` tasks
(one running, the rest queued in its pipe, so it never idles waiting for the parent). The running task is the
worker's oldest unanswered one; it started when the previous answer arrived. The worker enforces the budget
itself (interval timer, see `_mathworker`); the parent kills a worker whose running task passes
`budget_s + grace_s` (code that never returns to the interpreter ignores signals), marks that task "timeout",
requeues the tasks queued behind it and starts a replacement. A worker that dies marks its running task "crash".
Worst case per task: budget_s + grace_s after it starts.

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
from collections import OrderedDict, deque
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
    slot: int
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
        self._key_slots: OrderedDict[str, int] = OrderedDict()  # key -> slot that served it last
        self.stats = {"tasks": 0, "timeouts": 0, "kills": 0, "crashes": 0, "spawned": 0}
        _LIVE_POOLS.add(self)

    # -- lifecycle -----------------------------------------------------------------------------------------

    def _check_owner(self) -> None:
        # After a fork (a DataLoader worker, say) the child must not talk to its parent's workers, and a lock that
        # was held at fork time would never be released: start over with nothing.
        if os.getpid() != self._owner:
            self._owner, self._workers, self._lock = os.getpid(), [], threading.Lock()

    def _spawn(self, slot: int) -> _Worker:
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
            slot,
            proc,
            Connection(to_child_w, readable=False),
            Connection(from_child_r, writable=False),
            started_at=time.monotonic(),
        )

    def _fill(self) -> None:
        taken = {w.slot for w in self._workers}
        for slot in range(self.size):
            if slot not in taken:
                self._workers.append(self._spawn(slot))

    def start(self) -> None:
        """Start the worker processes without waiting for them (they get ready while the caller goes on)."""
        self._check_owner()
        with self._lock:
            self._fill()

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
                    self._drain(worker, {}, [deque() for _ in range(self.size)])

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

    def run(
        self, tasks: list[tuple[Any, ...]], budget_s: float, keys: list[str] | None = None
    ) -> list[tuple[str, float | None, str]]:
        """Run every task (a tuple of the worker's arguments) with `budget_s` seconds each; results in order.

        `keys` (one per task) route tasks with the same key to the same worker when it is free (cache affinity).
        """
        self._check_owner()
        if not tasks:
            return []
        with self._lock:
            try:
                return self._run(tasks, budget_s, keys)
            except BaseException:
                # Interrupted (Ctrl-C, a PoolError): workers still busy with this call's tasks would answer into
                # the next call. Drop them; fresh ones start on demand.
                for worker in [w for w in self._workers if w.inflight]:
                    self._workers.remove(worker)
                    worker.kill()
                raise

    def _run(
        self, tasks: list[tuple[Any, ...]], budget_s: float, keys: list[str] | None
    ) -> list[tuple[str, float | None, str]]:
        results: dict[int, tuple[str, float | None, str]] = {}
        queues = self._plan(len(tasks), keys)
        self.stats["tasks"] += len(tasks)
        while len(results) < len(tasks):
            # Replace retired workers first: a worker can die between two sends (its pipe breaks mid-dispatch),
            # and waiting with no worker to wait on would block forever.
            self._fill()
            now = time.monotonic()
            for worker in list(self._workers):
                while worker.ready and len(worker.inflight) < self.depth:
                    task_id = self._next_task(queues, worker.slot)
                    if task_id is None:
                        break
                    try:
                        worker.inbox.send((task_id, *tasks[task_id], budget_s))
                    except OSError:
                        queues[worker.slot].appendleft(task_id)
                        self._retire(worker, "crash", results, queues)
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
            if not self._workers or (deadline == math.inf and not any(w.inflight for w in self._workers)):
                if any(queues) or not self._workers:
                    continue  # a worker was retired while dispatching: refill and dispatch again
                raise PoolError(f"{len(tasks) - len(results)} tasks lost track of (a bug in the pool)")
            timeout = max(0.0, deadline - time.monotonic()) if deadline < math.inf else None
            for conn in wait([w.outbox for w in self._workers], timeout):
                worker = next((w for w in self._workers if w.outbox is conn), None)
                if worker is not None:
                    self._drain(worker, results, queues)
            now = time.monotonic()
            for worker in list(self._workers):
                if worker.inflight and now > worker.head_start + budget_s + self.grace_s:
                    self.stats["kills"] += 1
                    self._retire(worker, "timeout", results, queues)
                elif not worker.ready and now > worker.started_at + self.startup_timeout_s:
                    self._retire(worker, "crash", results, queues)
                    raise PoolError(f"a math worker did not start within {self.startup_timeout_s:.0f} s")
        self.stats["timeouts"] += sum(1 for status, _, _ in results.values() if status == "timeout")
        return [results[i] for i in range(len(tasks))]

    def _plan(self, count: int, keys: list[str] | None) -> list[deque[int]]:
        """One queue per worker slot. Tasks sharing a key stay together; groups are spread largest first onto
        the least-loaded slot (ties go to the slot that served the key last time, whose caches know it)."""
        queues: list[deque[int]] = [deque() for _ in range(self.size)]
        if not keys:
            for task_id in range(count):
                queues[task_id % self.size].append(task_id)
            return queues
        groups: dict[str, list[int]] = {}
        for task_id, key in enumerate(keys):
            groups.setdefault(key, []).append(task_id)
        for key, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            previous = self._key_slots.get(key)
            slot = min(range(self.size), key=lambda s: (len(queues[s]), s != previous, s))
            queues[slot].extend(members)
            self._key_slots[key] = slot
            self._key_slots.move_to_end(key)
        while len(self._key_slots) > 8192:
            self._key_slots.popitem(last=False)
        return queues

    @staticmethod
    def _next_task(queues: list[deque[int]], slot: int) -> int | None:
        """The slot's own next task, else one stolen from the tail of the longest queue (least likely to be
        reached soon by its owner)."""
        if queues[slot]:
            return queues[slot].popleft()
        donor = max(queues, key=len)
        return donor.pop() if donor else None

    def _drain(self, worker: _Worker, results: dict, queues: list[deque[int]]) -> None:
        try:
            while worker.outbox.poll():
                message = worker.outbox.recv()
                if message[0] == "ready":
                    worker.ready = True
                    self._startup_failures = 0
                    continue
                if message[0] == "fatal":
                    self._retire(worker, "crash", results, queues)
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
                self._retire(worker, "crash", results, queues)
                if self._startup_failures >= 3:
                    raise PoolError(
                        f"math workers exit during start-up (exit code {code}); "
                        f"check that `{sys.executable} -c 'import math_verify'` works"
                    ) from None
                return
            self.stats["crashes"] += 1
            self._retire(worker, "crash", results, queues)

    def _retire(self, worker: _Worker, head_status: str, results: dict, queues: list[deque[int]]) -> None:
        """Remove a worker: its running task gets `head_status`, the tasks queued behind it go back in line
        (its slot's queue, served by the replacement or stolen by the others)."""
        if worker in self._workers:
            self._workers.remove(worker)
        if worker.inflight:
            head = worker.inflight.popleft()
            results[head] = (head_status, None, "")
            queues[worker.slot].extendleft(reversed(worker.inflight))
            worker.inflight.clear()
        worker.kill()


@atexit.register
def _close_all() -> None:
    for pool in list(_LIVE_POOLS):
        try:
            pool.close()
        except Exception:
            pass
