"""One retry policy for every remote call: exponential backoff with jitter, a bounded number of tries.

WHAT
    `RetryPolicy(attempts, base_delay_s, max_delay_s, jitter)`, `with_retries(fn, policy, retriable, what)` (awaits
    `fn()` until it succeeds, fails for good, or the tries are spent), `is_retriable(err)` (the default rule) and
    `RetryableError` (raise it to ask for a retry).
WHY
    R1-style training and distillation make thousands of remote calls per step (cloud sandboxes, a Piston fleet,
    an OpenAI-compatible vLLM server): rate limits (429), a flaky gateway (5xx) and dropped connections are
    routine. Backoff absorbs them; jitter stops many ranks that failed together from retrying in lockstep (a
    thundering herd). The sandbox providers and the generator once each had their own loop with different rules.
HOW
    delay_k = min(max_delay, base_delay · 2^k), slept as uniform(delay_k · (1 − jitter), delay_k), k = 0, 1, …
    up to `attempts` tries in total. Retriable: `RetryableError`, `httpx.TransportError` (refused, reset, timed
    out) and HTTP 408 / 409 / 425 / 429 / 500 / 502 / 503 / 504. Everything else is raised at once.
DATA FLOW
    open_r1.sandbox.remote (E2B, Morph, Piston, router providers) and open_r1.eval.generate → here → asyncio.sleep.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")

RETRIABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class RetryableError(Exception):
    """A failure worth retrying (rate limit, server error, dropped connection, a missing result line)."""


@dataclass
class RetryPolicy:
    """attempts: tries in total (1 = no retry); base_delay_s / max_delay_s: the backoff; jitter: the fraction of
    each delay that is randomised (0 = none, 1 = anywhere between 0 and the delay)."""

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    jitter: float = 0.5

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The pause after failed try number `attempt` (0-based)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * (2**attempt))
        rng = rng or random
        return rng.uniform(ceiling * (1 - self.jitter), ceiling)


def is_retriable(err: BaseException) -> bool:
    """The default rule: `RetryableError`, an httpx transport error, or an HTTP status in `RETRIABLE_STATUS`."""
    import httpx

    if isinstance(err, RetryableError | httpx.TransportError):
        return True
    if isinstance(err, httpx.HTTPStatusError):
        return err.response.status_code in RETRIABLE_STATUS
    return False


async def with_retries(
    fn: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    retriable: Callable[[BaseException], bool] = is_retriable,
    what: str = "request",
) -> T:
    """Await `fn()` until it succeeds, a non-retriable error occurs, or `policy.attempts` tries are spent."""
    for attempt in range(policy.attempts):
        try:
            return await fn()
        except Exception as err:
            if attempt + 1 >= policy.attempts or not retriable(err):
                raise
            pause = policy.delay(attempt)
            logger.warning(
                "%s failed (%s: %s); retry %d/%d in %.2fs",
                what,
                type(err).__name__,
                err,
                attempt + 1,
                policy.attempts - 1,
                pause,
            )
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")
