"""The `e2b` provider: judge submissions in E2B cloud sandboxes (e2b-code-interpreter SDK).

WHAT
    `E2BProvider(api_key=None, template=None, max_concurrency=8, sandbox_timeout_s=300, request_timeout_s=60,
    retry=RetryPolicy(), **sdk_opts)` -- `await provider.run_submissions([...])`. Each submission becomes one
    `AsyncSandbox.run_code` call that runs the judge driver (`_driver.py`) on all its tests inside a fresh E2B
    sandbox, which is killed afterwards. C++ needs `g++` in the sandbox template (E2B's default
    code-interpreter template is built for Python: pass `template=` a template with build-essential).

WHY
    E2B gives each call a Firecracker microVM: strong isolation without owning machines, and a throughput that
    scales with money instead of cores -- useful when code rewards (DeepSeek-R1, arXiv 2501.12948, §2.2.2)
    outgrow the trainer's spare CPUs. One call per submission (not per test) keeps the round trips down; a
    fresh sandbox per submission keeps programs from seeing each other's files.

HOW
    The key comes from `api_key` or E2B_API_KEY and is checked (with the SDK import) in `__init__`, before any
    work. Calls run under the `RemoteProvider` semaphore and retry policy: E2B's rate-limit and timeout
    exceptions, transport errors and a missing result line are retried with backoff and jitter; other errors
    become IE results. Extra keyword arguments (`api_url`, `domain`, `sandbox_url`, ...) go to the SDK, which is
    how the tests point the real SDK at a local server speaking E2B's protocol.

DATA FLOW
    rewards / router -> `E2BProvider.run_submissions` -> `remote.driver_script` -> `AsyncSandbox.create` ->
    `run_code` (POST /execute, NDJSON stream) -> stdout -> `remote.parse_driver_output` -> `SubmissionResult`.
"""

from __future__ import annotations

from typing import Any

from open_r1.sandbox.base import Submission, SubmissionResult
from open_r1.sandbox.remote import (
    RemoteProvider,
    RetryableError,
    RetryPolicy,
    driver_script,
    is_retriable,
    parse_driver_output,
    require_module,
    resolve_key,
)


class E2BProvider(RemoteProvider):
    """Judges each submission in a fresh E2B cloud sandbox: one `run_code` call runs the judge driver on all its tests,
    the sandbox is killed afterwards, and rate limits and timeouts are retried. Needs E2B_API_KEY and, for C++, a
    template with g++.
    """

    name = "e2b"

    def __init__(self, api_key: str | None = None, template: str | None = None, max_concurrency: int = 8,
                 sandbox_timeout_s: int = 300, request_timeout_s: float = 60.0, retry: RetryPolicy | None = None,
                 **sdk_opts: Any) -> None:
        super().__init__(max_concurrency=max_concurrency, retry=retry)
        self.api_key = resolve_key(api_key, "E2B_API_KEY", "e2b", "e2b")
        self._sdk = require_module("e2b_code_interpreter", "e2b", "e2b")
        self.template = template
        self.sandbox_timeout_s = sandbox_timeout_s
        self.request_timeout_s = request_timeout_s
        self.sdk_opts = sdk_opts

    def _retriable(self, err: BaseException) -> bool:
        exceptions = self._sdk
        transient = tuple(getattr(exceptions, n) for n in ("RateLimitException", "TimeoutException")
                          if hasattr(exceptions, n))
        return is_retriable(err) or (bool(transient) and isinstance(err, transient))

    async def _run_one(self, submission: Submission) -> SubmissionResult:
        script = driver_script(submission)
        tests = len(submission.effective_tests)
        # the whole submission's budget: compile + every test's wall limit, plus slack for the sandbox itself
        budget = 30.0 + tests * submission.limits.wall_s
        sandbox = await self._sdk.AsyncSandbox.create(template=self.template, timeout=self.sandbox_timeout_s,
                                                      api_key=self.api_key,
                                                      request_timeout=self.request_timeout_s, **self.sdk_opts)
        try:
            execution = await sandbox.run_code(script, language="python", timeout=budget,
                                               request_timeout=self.request_timeout_s)
        finally:
            try:
                await sandbox.kill()
            except Exception:  # noqa: BLE001 -- the sandbox times out by itself anyway
                pass
        if execution.error is not None:
            raise RetryableError(f"the judge driver raised {execution.error.name}: {execution.error.value}")
        return parse_driver_output("".join(execution.logs.stdout), submission)
