"""What every remote provider shares: retries with backoff and jitter, bounded concurrency, the judge driver.

WHAT
    * `RetryPolicy` + `with_retries(fn, policy, retriable)` -- exponential backoff with jitter (open_r1.core.retry,
      re-exported here for the providers).
    * `RemoteProvider` -- a base class: `run_submissions` fans submissions out under a semaphore
      (`max_concurrency`), retries each one's remote call, and turns a final failure into a `Verdict.IE` result
      (a reward then gives None, not 0).
    * `driver_script(submission)` / `parse_driver_output(text, submission)` -- the judge program that runs in a
      cloud sandbox (`_driver.py` plus the submission as an embedded payload) and the parser of its output.
    * `resolve_key(value, env, extra, provider)` -- API-key lookup that fails before any work, with the fix.

WHY
    DeepSeek-R1-style training (arXiv 2501.12948, §2.2.2) scores every completion by executing it; at scale that
    means thousands of remote calls per step, so transient failures are routine: rate limits (429), a flaky
    gateway (5xx), a dropped connection. Retrying with exponential backoff absorbs them; jitter keeps many ranks
    that failed together from retrying in lockstep (a thundering herd); a bounded semaphore keeps one trainer from
    exceeding its quota. A call that still fails is *not* the program's fault -> IE -> reward None.

HOW
    delay_k = min(max_delay, base_delay * 2**k), slept as uniform(delay_k * (1 - jitter), delay_k), k = 0, 1, ...
    up to `attempts` tries. Retriable: `httpx.TransportError` (connect/read errors, timeouts), HTTP 408/425/429/5xx,
    and provider-specific exceptions (`RetryableError`). Everything else fails at once.

DATA FLOW
    `E2BProvider`, `MorphProvider` (driver-based), `PistonProvider` and `RouterProvider` (HTTP) subclass
    `RemoteProvider` -> `_run_one(submission)` -> `SubmissionResult` -> rewards.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from pathlib import Path
from typing import Any, TypeVar

from open_r1.core.retry import RETRIABLE_STATUS, RetryableError, RetryPolicy, is_retriable, with_retries
from open_r1.sandbox.base import (
    COMPILE_LIMITS,
    ExecStatus,
    ProviderConfigError,
    Submission,
    SubmissionResult,
    TestResult,
    Verdict,
    truncate,
    verdict_for,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")
DRIVER_SOURCE = Path(__file__).with_name("_driver.py")
MARKER = "__OPEN_R1_RESULT__"
def resolve_key(value: str | None, env: str, provider: str, extra: str) -> str:
    """The API key from the argument or the environment; a clear error (raised before any work) otherwise."""
    key = value or os.environ.get(env, "")
    if not key.strip():
        raise ProviderConfigError(
            f"the {provider} sandbox provider needs an API key: set {env} (or pass api_key=...). "
            f"No account? Use the `local` provider (no key, runs here) instead. Install: pip install "
            f"'open-r1-labs[{extra}]'.")
    return key.strip()


def require_module(module: str, extra: str, provider: str) -> Any:
    """Import an optional SDK or explain how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ProviderConfigError(
            f"the {provider} sandbox provider needs the `{module}` package: pip install 'open-r1-labs[{extra}]'"
        ) from err


class RemoteProvider:
    """Base class: bounded fan-out, retries, IE on final failure. Subclasses implement `_run_one`."""

    name = "remote"

    def __init__(self, max_concurrency: int = 8, retry: RetryPolicy | None = None) -> None:
        if max_concurrency < 1:
            raise ProviderConfigError(f"max_concurrency must be >= 1, got {max_concurrency}")
        self.max_concurrency = max_concurrency
        self.retry = retry or RetryPolicy()
        self._semaphores: dict[int, asyncio.Semaphore] = {}

    def _semaphore(self) -> asyncio.Semaphore:
        # one semaphore per event loop: a provider may be used from several loops (rewards, server, tests)
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in self._semaphores:
            self._semaphores[loop_id] = asyncio.Semaphore(self.max_concurrency)
        return self._semaphores[loop_id]

    async def _run_one(self, submission: Submission) -> SubmissionResult:
        raise NotImplementedError

    def _retriable(self, err: BaseException) -> bool:
        """Which failures to retry; providers add their SDK's transient exceptions."""
        return is_retriable(err)

    async def _guarded(self, submission: Submission) -> SubmissionResult:
        async with self._semaphore():
            try:
                return await with_retries(lambda: self._run_one(submission), self.retry, self._retriable,
                                          what=f"{self.name} submission {submission.id or ''}".strip())
            except ProviderConfigError:
                raise
            except Exception as err:  # noqa: BLE001 -- the provider failed, not the program
                logger.error("%s provider failed: %s: %s", self.name, type(err).__name__, err)
                return SubmissionResult.internal_error(submission, f"{self.name}: {type(err).__name__}: {err}")

    async def run_submissions(self, submissions: list[Submission]) -> list[SubmissionResult]:
        """The Provider contract for every remote backend: judge all submissions concurrently, each bounded by the
        semaphore and retried, returning IE results for those whose provider failed for good.
        """
        return list(await asyncio.gather(*(self._guarded(s) for s in submissions)))

    async def aclose(self) -> None:
        """Release remote resources (sandboxes, instances, HTTP clients)."""


# ---------------------------------------------------------------------------------------------------------------
# The judge driver (E2B, Morph)


def driver_payload(submission: Submission) -> dict[str, Any]:
    """What the judge driver needs to judge one submission remotely: code, language, every test's stdin, the run limits
    and the compile limits, as a JSON-ready dict.
    """
    return {
        "code": submission.code,
        "language": submission.language,
        "inputs": [t.input for t in submission.effective_tests],
        "limits": submission.limits.to_dict(),
        "compile_limits": COMPILE_LIMITS.to_dict(),
    }


def driver_script(submission: Submission) -> str:
    """A self-contained Python program: the driver plus this submission's payload, base64-embedded (so no
    quoting can break it), ending in a call that prints the marker line."""
    blob = base64.b64encode(json.dumps(driver_payload(submission)).encode()).decode()
    return (DRIVER_SOURCE.read_text() + "\n\nimport base64 as _b64, json as _json\n"
            f"main(_json.loads(_b64.b64decode('{blob}')))\n")


def parse_driver_output(stdout: str, submission: Submission) -> SubmissionResult:
    """Judge a submission from the driver's output. A missing or malformed marker line is an IE."""
    from open_r1.sandbox.local import classify_raw

    line = next((ln for ln in reversed(stdout.splitlines()) if ln.startswith(MARKER)), None)
    if line is None:
        raise RetryableError(f"the remote judge printed no result; its output: {truncate(stdout, 500)!r}")
    data = json.loads(line[len(MARKER):])
    tests = submission.effective_tests
    comp = data.get("compile")
    if comp and comp.get("compile_error"):  # a Python syntax error
        output = base64.b64decode(comp.get("stderr", "")).decode("utf-8", "replace")
        return SubmissionResult(verdict=Verdict.CE, compile_output=truncate(output), total=len(tests),
                                tests=[TestResult(t.name or str(i), Verdict.CE) for i, t in enumerate(tests)],
                                id=submission.id)
    if comp is not None:  # C++
        res = classify_raw(comp, COMPILE_LIMITS, python=False)
        output = truncate(res.stdout + res.stderr)
        if not res.ok:
            if res.status == ExecStatus.TLE:
                output = "compilation exceeded its time limit\n" + output
            return SubmissionResult(verdict=Verdict.CE, compile_output=output, total=len(tests),
                                    tests=[TestResult(t.name or str(i), Verdict.CE) for i, t in enumerate(tests)],
                                    id=submission.id)
    runs = data.get("runs", [])
    if len(runs) != len(tests):
        raise RetryableError(f"the remote judge returned {len(runs)} results for {len(tests)} tests")
    results = []
    for i, (test, raw) in enumerate(zip(tests, runs, strict=True)):
        res = classify_raw(raw, submission.limits, python=submission.language == "python")
        results.append(TestResult(test.name or str(i), verdict_for(res, test.output), truncate(res.stdout),
                                  truncate(res.stderr, 4000), res.wall_time_s))
    return SubmissionResult.from_tests(results, id=submission.id)


__all__ = ["RETRIABLE_STATUS", "RemoteProvider", "RetryPolicy", "RetryableError", "driver_script", "is_retriable",
           "parse_driver_output", "resolve_key", "with_retries"]
