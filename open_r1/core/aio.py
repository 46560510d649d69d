"""A private asyncio event loop on a daemon thread, for synchronous callers of async code.

WHAT
    `LoopThread(name).run(coro)` runs a coroutine on the loop and returns its result, from any thread.
WHY
    TRL calls synchronous reward functions on its main thread, and the judges are called from scripts, threads and
    notebooks that may already run a loop (`asyncio.run` would fail there). Provider clients (httpx, cloud SDKs)
    also want one long-lived loop rather than a new one per call. The code reward and the competitive judges
    once each had their own copy of this class.
HOW
    The loop is created lazily under a lock and served by `run_forever` on a daemon thread (it never blocks exit);
    `asyncio.run_coroutine_threadsafe(coro, loop).result()` hands the coroutine over and waits.
DATA FLOW
    open_r1.sandbox.rewards (code / binary_code) and open_r1.competitive.execution (IOI / Codeforces judges) → here.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """One event loop on one daemon thread, started on first use (see the module docstring)."""

    def __init__(self, name: str = "open-r1-loop") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on this thread's loop and return its result (blocks the caller until it is done)."""
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name=self.name, daemon=True).start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()
