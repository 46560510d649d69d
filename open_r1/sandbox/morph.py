"""The `morph` provider: judge submissions on a Morph Cloud instance (morphcloud SDK).

WHAT
    `MorphProvider(api_key=None, snapshot_id=None, max_concurrency=8, ttl_seconds=3600, base_url=None,
    retry=RetryPolicy())` -- `await provider.run_submissions([...])`. One instance is started from
    `snapshot_id` (or MORPH_SNAPSHOT_ID) on first use and shared by every submission until `aclose()`; each
    submission uploads the judge driver with its payload and runs it with `instance.aexec`.

    The snapshot must have `python3` and `g++` (e.g. start `morphvm-minimal`, `apt-get install -y python3 g++`,
    snapshot it).

WHY
    Morph instances boot from memory snapshots in well under a second and keep state, so one warm instance can
    judge many submissions concurrently; DeepSeek-R1-style code rewards (arXiv 2501.12948, §2.2.2) need exactly
    that: many short programs, fast. Each submission still runs in its own fresh temp directory under rlimits;
    the VM is the isolation boundary from the trainer.

HOW
    The key (`api_key` or MORPH_API_KEY), the snapshot id and the SDK import are checked in `__init__`, before any
    work. A command line is capped at 128 KiB per argument by Linux, so the script is written in base64 chunks of
    64 KiB (`python3 -c ... chunk`) and then run (`python3 <file>`); the file is removed afterwards. Transport
    errors, 429/5xx and a missing result line are retried with backoff and jitter on the same instance.

DATA FLOW
    rewards / router -> `MorphProvider.run_submissions` -> `remote.driver_script` -> `aexec` (POST
    /instance/{id}/exec) -> stdout -> `remote.parse_driver_output` -> `SubmissionResult`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from typing import Any

from open_r1.sandbox.base import ProviderConfigError, Submission, SubmissionResult
from open_r1.sandbox.remote import (
    RETRIABLE_STATUS,
    RemoteProvider,
    RetryableError,
    RetryPolicy,
    driver_script,
    parse_driver_output,
    require_module,
    resolve_key,
)

CHUNK = 64 * 1024
_APPEND = "import base64,sys;open(sys.argv[1],'ab').write(base64.b64decode(sys.argv[2]))"


class MorphProvider(RemoteProvider):
    """Judges submissions on one Morph Cloud instance started from a snapshot with python3 and g++, shared until
    `aclose`: each submission uploads the judge driver in chunks and runs it with `aexec`. Needs MORPH_API_KEY and a
    snapshot id.
    """

    name = "morph"

    def __init__(self, api_key: str | None = None, snapshot_id: str | None = None, max_concurrency: int = 8,
                 ttl_seconds: int = 3600, base_url: str | None = None, retry: RetryPolicy | None = None,
                 start_timeout_s: float = 300.0, **_: Any) -> None:
        super().__init__(max_concurrency=max_concurrency, retry=retry)
        self.api_key = resolve_key(api_key, "MORPH_API_KEY", "morph", "morph")
        self.snapshot_id = snapshot_id or os.environ.get("MORPH_SNAPSHOT_ID", "")
        if not self.snapshot_id:
            raise ProviderConfigError(
                "the morph provider needs a snapshot with python3 and g++: pass snapshot_id=... or set "
                "MORPH_SNAPSHOT_ID (make one: start morphvm-minimal, apt-get install -y python3 g++, snapshot).")
        self._api = require_module("morphcloud.api", "morph", "morph")
        self.base_url = base_url
        self.ttl_seconds = ttl_seconds
        self.start_timeout_s = start_timeout_s
        self._client: Any = None
        self._instance: Any = None
        self._lock: asyncio.Lock | None = None

    def _retriable(self, err: BaseException) -> bool:
        # the SDK turns HTTP errors into ApiError(status_code=...): retry rate limits and server errors
        api_error = getattr(self._api, "ApiError", None)
        if api_error is not None and isinstance(err, api_error):
            return getattr(err, "status_code", None) in RETRIABLE_STATUS
        return super()._retriable(err)

    async def _get_instance(self) -> Any:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._instance is None:
                if self._client is None:
                    self._client = self._api.MorphCloudClient(api_key=self.api_key, base_url=self.base_url)
                self._instance = await self._client.instances.astart(
                    self.snapshot_id, metadata={"purpose": "open-r1-code-rewards"}, ttl_seconds=self.ttl_seconds,
                    ttl_action="stop", timeout=self.start_timeout_s)
            return self._instance

    async def _exec(self, instance: Any, command: list[str], timeout: float) -> Any:
        try:
            return await instance.aexec(command, timeout=timeout)
        except TimeoutError as err:
            raise RetryableError(str(err)) from err

    async def _run_one(self, submission: Submission) -> SubmissionResult:
        instance = await self._get_instance()
        script = driver_script(submission).encode()
        path = f"/tmp/open-r1-{uuid.uuid4().hex}.py"
        budget = 30.0 + len(submission.effective_tests) * submission.limits.wall_s
        try:
            for start in range(0, len(script), CHUNK):
                chunk = base64.b64encode(script[start:start + CHUNK]).decode()
                res = await self._exec(instance, ["python3", "-c", _APPEND, path, chunk], timeout=60)
                if res.exit_code != 0:
                    raise RetryableError(f"uploading the judge script failed: {res.stderr[-500:]}")
            res = await self._exec(instance, ["python3", path], timeout=budget)
        finally:
            try:
                await instance.aexec(["rm", "-f", path], timeout=30)
            except Exception:  # noqa: BLE001 -- a leftover temp file in a throwaway VM
                pass
        return parse_driver_output(res.stdout, submission)

    async def aclose(self) -> None:
        """Stop the shared Morph instance if one was started, so it stops costing money before its TTL runs out."""
        if self._instance is not None:
            try:
                await self._instance.astop()
            finally:
                self._instance = None
