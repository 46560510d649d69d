"""A worker for BudgetedPool tests, speaking the math worker's protocol, with controllable misbehaviour.

Tasks are (kind, value): "echo" answers value; "sleep" sleeps under the interval-timer budget (a well-behaved
slow task); "hang" blocks SIGALRM and sleeps (code that ignores signals, like a long C loop); "crash" exits.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from multiprocessing.connection import Connection


class _Budget(BaseException):
    pass


def _alarm(signum, frame):
    raise _Budget


def main() -> int:
    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    inbox, outbox = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    signal.signal(signal.SIGALRM, _alarm)
    if os.environ.get("FAKE_WORKER_FAIL_START"):
        outbox.send(("fatal", "Traceback: ImportError: no math here"))
        return 1
    outbox.send(("ready", os.getpid()))
    while True:
        try:
            message = inbox.recv()
        except EOFError:
            return 0
        if message is None:
            return 0
        task_id, kind, value, budget = message
        if kind == "crash":
            os._exit(3)
        if kind == "hang":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(3600)
        status, result = "ok", value
        signal.setitimer(signal.ITIMER_REAL, budget)
        try:
            if kind == "sleep":
                time.sleep(value)
        except _Budget:
            status, result = "timeout", None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        outbox.send((task_id, status, result, f"pid={os.getpid()}"))


if __name__ == "__main__":
    raise SystemExit(main())
