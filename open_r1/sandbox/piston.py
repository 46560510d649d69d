"""The `piston` provider: judge submissions on a Piston v2 server (or on `open-r1 sandbox serve`).

WHAT
    `PistonProvider(url=None, max_concurrency=8, retry=RetryPolicy(), api_key=None, timeout_s=120)` --
    `await provider.run_submissions([...])`. Speaks the Piston v2 HTTP API:

    * `GET  {url}/api/v2/runtimes` -> `[{"language", "version", "aliases"}]` (read once, to pick versions)
    * `POST {url}/api/v2/execute`  <- `{"language", "version", "files": [{"name", "content"}], "stdin", "args",
      "compile_timeout", "run_timeout" (ms), "run_cpu_time" (ms), "compile_memory_limit",
      "run_memory_limit" (bytes)}` -> `{"language", "version", "run": {"stdout", "stderr", "output", "code",
      "signal", "status", "message", "cpu_time", "wall_time", "memory"}, "compile": {...}}`

WHY
    Piston is the self-hosted executor many RL code pipelines already run (it ships as a container and runs
    a queue of jobs in isolated boxes); DeepSeek-R1-style code rewards (arXiv 2501.12948, §2.2.2) only need
    "run this on that stdin". Speaking its API lets users reuse an existing fleet -- and lets any Piston tool use
    our local sandbox through `open-r1 sandbox serve`, which implements the same API.

HOW
    One request per test (Piston has no batch call); `max_concurrency` bounds the requests in flight.
    Verdicts use the same rules as the local sandbox: run `status` "TO" -> TLE, "OL"/"EL" -> OLE, a signal ->
    RE (SIGXCPU -> TLE, SIGXFSZ -> OLE), MemoryError / std::bad_alloc -> MLE, a failed compile stage -> CE, then
    `verdict_for` compares stdout. The URL comes from `url` or PISTON_URL and is checked before any work.

DATA FLOW
    rewards / router -> `PistonProvider.run_submissions` -> per test `POST /api/v2/execute` (with retries) ->
    raw facts -> `local.classify_raw` -> `verdict_for` -> `SubmissionResult`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal as signal_mod
from typing import Any

import httpx

from open_r1.sandbox.base import (
    COMPILE_LIMITS,
    ProviderConfigError,
    Submission,
    SubmissionResult,
    TestResult,
    Verdict,
    truncate,
    verdict_for,
)
from open_r1.sandbox.remote import RemoteProvider, RetryPolicy, with_retries

PISTON_LANGUAGE = {"python": "python", "cpp": "c++"}
MAIN_FILE = {"python": "solution.py", "cpp": "main.cpp"}


def signal_number(name: Any) -> int | None:
    """Piston reports signals by name ("SIGKILL"); our judge works with numbers."""
    if name in (None, ""):
        return None
    if isinstance(name, int):
        return name
    try:
        return int(signal_mod.Signals[str(name)])
    except KeyError:
        return int(signal_mod.SIGKILL)


def raw_from_stage(stage: dict[str, Any]) -> dict[str, Any]:
    """A Piston run/compile stage as the raw facts `local.classify_raw` understands."""
    status = stage.get("status") or ""
    code = stage.get("code")
    sig = signal_number(stage.get("signal"))
    return {
        "exit_code": None if sig else code,
        "signal": sig,
        "stdout": base64.b64encode((stage.get("stdout") or "").encode()).decode(),
        "stderr": base64.b64encode((stage.get("stderr") or "").encode()).decode(),
        "cpu": float(stage.get("cpu_time") or 0) / 1000,
        "wall": float(stage.get("wall_time") or 0) / 1000,
        "max_rss_kb": int(stage.get("memory") or 0) // 1024,
        "wall_timeout": status == "TO",
        "output_exceeded": status in ("OL", "EL"),
    }


class PistonProvider(RemoteProvider):
    """Judges submissions on a Piston v2 server (or `open-r1 sandbox serve`) at `url` or $PISTON_URL: one execute
    request per test, bounded by `max_concurrency`, with raw results classified by the same code as the local provider.
    """

    name = "piston"

    def __init__(self, url: str | None = None, max_concurrency: int = 8, retry: RetryPolicy | None = None,
                 api_key: str | None = None, timeout_s: float = 120.0, **_: Any) -> None:
        super().__init__(max_concurrency=max_concurrency, retry=retry)
        url = url or os.environ.get("PISTON_URL", "")
        if not url:
            raise ProviderConfigError(
                "the piston provider needs a server: pass url=... or set PISTON_URL (e.g. http://127.0.0.1:2000, "
                "or start one here with `open-r1 sandbox serve`).")
        if not url.startswith(("http://", "https://")):
            raise ProviderConfigError(f"piston url must start with http:// or https://, got {url!r}")
        self.url = url.rstrip("/")
        self.headers = {"Authorization": api_key} if api_key else {}
        self.timeout_s = timeout_s
        self._versions: dict[str, str] = {}
        self._clients: dict[int, httpx.AsyncClient] = {}

    def _client(self) -> httpx.AsyncClient:
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in self._clients:
            self._clients[loop_id] = httpx.AsyncClient(timeout=self.timeout_s, headers=self.headers)
        return self._clients[loop_id]

    async def runtimes(self) -> list[dict[str, Any]]:
        """The server's installed runtimes (`GET /api/v2/runtimes`: language, version, aliases), with retries;
        `version_for` picks from them.
        """
        async def get() -> list[dict[str, Any]]:
            resp = await self._client().get(f"{self.url}/api/v2/runtimes")
            resp.raise_for_status()
            return resp.json()

        return await with_retries(get, self.retry, self._retriable, what="piston runtimes")

    async def version_for(self, language: str) -> str:
        """The runtime version the server offers for `language` (python or cpp), looked up by name or alias once and
        cached; a server without it is a ProviderConfigError.
        """
        if language not in self._versions:
            wanted = PISTON_LANGUAGE[language]
            for rt in await self.runtimes():
                names = {rt.get("language"), *rt.get("aliases", [])}
                if wanted in names or language in names:
                    self._versions[language] = rt["version"]
                    break
            else:
                raise ProviderConfigError(f"the piston server at {self.url} has no {wanted} runtime")
        return self._versions[language]

    async def execute(self, submission: Submission, stdin: str) -> dict[str, Any]:
        """One Piston execute call (retried); the server's JSON answer."""
        lim = submission.limits
        body = {
            "language": PISTON_LANGUAGE[submission.language],
            "version": await self.version_for(submission.language),
            "files": [{"name": MAIN_FILE[submission.language], "content": submission.code}],
            "stdin": stdin,
            "args": [],
            "compile_timeout": int(COMPILE_LIMITS.wall_s * 1000),
            "run_timeout": int(lim.wall_s * 1000),
            "run_cpu_time": int(lim.cpu_time_s * 1000),
            "compile_memory_limit": COMPILE_LIMITS.memory_mb * 1024 * 1024,
            "run_memory_limit": lim.memory_mb * 1024 * 1024,
        }

        async def post() -> dict[str, Any]:
            resp = await self._client().post(f"{self.url}/api/v2/execute", json=body)
            resp.raise_for_status()
            return resp.json()

        async with self._semaphore():  # bounds requests in flight (a submission fans out one per test)
            return await with_retries(post, self.retry, self._retriable, what="piston execute")

    async def _run_one(self, submission: Submission) -> SubmissionResult:
        from open_r1.sandbox.local import classify_raw

        tests = submission.effective_tests

        async def one(i: int) -> tuple[TestResult, str | None]:
            data = await self.execute(submission, tests[i].input)
            compile_stage = data.get("compile")
            if compile_stage and (compile_stage.get("code") not in (0, None) or compile_stage.get("signal")
                                  or compile_stage.get("status")):
                return TestResult(tests[i].name or str(i), Verdict.CE), truncate(
                    (compile_stage.get("stdout") or "") + (compile_stage.get("stderr") or ""))
            raw = raw_from_stage(data["run"])
            # Piston has no output-size parameter (its cap is server-side): enforce ours on what came back
            if max(len(data["run"].get("stdout") or ""), len(data["run"].get("stderr") or "")) > \
                    submission.limits.max_output_bytes:
                raw["output_exceeded"] = True
            res = classify_raw(raw, submission.limits, submission.language == "python")
            return TestResult(tests[i].name or str(i), verdict_for(res, tests[i].output), truncate(res.stdout),
                              truncate(res.stderr, 4000), res.wall_time_s), None

        results: list[TestResult] = []
        compile_output = ""
        if submission.stop_on_first_failure:
            for i in range(len(tests)):
                res, comp = await one(i)
                results.append(res)
                compile_output = comp or compile_output
                if res.verdict != Verdict.AC:
                    results += [TestResult(t.name or str(j), Verdict.SKIPPED) for j, t in enumerate(tests) if j > i]
                    break
        else:
            pairs = await asyncio.gather(*(one(i) for i in range(len(tests))))
            results = [p[0] for p in pairs]
            compile_output = next((p[1] for p in pairs if p[1]), "")
        return SubmissionResult.from_tests(results, compile_output=compile_output, id=submission.id)

    async def _guarded(self, submission: Submission) -> SubmissionResult:
        # retries and the concurrency cap apply per request, inside `execute`
        try:
            return await self._run_one(submission)
        except ProviderConfigError:
            raise
        except Exception as err:  # noqa: BLE001 -- the provider failed, not the program
            return SubmissionResult.internal_error(submission, f"piston: {type(err).__name__}: {err}")

    async def aclose(self) -> None:
        """Close the HTTP clients this provider opened, one per event loop it was used from."""
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
