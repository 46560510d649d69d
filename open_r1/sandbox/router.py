"""The `router` provider: send batches to an `open-r1 sandbox serve` router shared by many training ranks.

WHAT
    `RouterProvider(url, batch_size=32, max_concurrency=4, retry=RetryPolicy(), timeout_s=600)` --
    `await provider.run_submissions([...])` posts `{"submissions": [...]}` to `{url}/batch` in chunks of
    `batch_size` and returns the router's `SubmissionResult`s.

WHY
    With 8 ranks per node each starting its own sandbox pool, a node runs 8x the workers it has cores for. One
    router per node (or per cluster, fronting E2B/Morph/Piston) owns the executor and caps concurrency for
    everyone; ranks just send batches. DeepSeek-R1-style code rewards (arXiv 2501.12948, §2.2.2) then cost the
    trainer one HTTP round trip per chunk of completions.

HOW
    Chunks are posted concurrently (at most `max_concurrency` at once), each with retries (backoff + jitter) on
    transport errors and 408/429/5xx; a chunk that still fails yields IE results for its submissions.

DATA FLOW
    rewards (`make_code_reward(router_url=...)`) -> `RouterProvider` -> POST /batch -> `open_r1.sandbox.server`
    -> the router's provider -> JSON results -> `SubmissionResult`s.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from open_r1.sandbox.base import ProviderConfigError, Submission, SubmissionResult
from open_r1.sandbox.remote import RemoteProvider, RetryPolicy, with_retries


class RouterProvider(RemoteProvider):
    """The client of an `open-r1 sandbox serve` router shared by many training ranks: sends submissions in chunks of
    `batch_size` to `POST /batch`, at most `max_concurrency` chunks at once, and turns a chunk that keeps failing into
    IE results.
    """

    name = "router"

    def __init__(self, url: str | None = None, batch_size: int = 32, max_concurrency: int = 4,
                 retry: RetryPolicy | None = None, timeout_s: float = 600.0, **_: Any) -> None:
        super().__init__(max_concurrency=max_concurrency, retry=retry)
        if not url:
            raise ProviderConfigError("the router provider needs url=... (the address of `open-r1 sandbox serve`)")
        if not url.startswith(("http://", "https://")):
            raise ProviderConfigError(f"router url must start with http:// or https://, got {url!r}")
        self.url = url.rstrip("/")
        self.batch_size = max(1, batch_size)
        self.timeout_s = timeout_s

    async def health(self) -> dict[str, Any]:
        """The router's `GET /health` answer as a dict, to check the service is up (and what it runs) before training
        depends on it.
        """
        async with httpx.AsyncClient(timeout=10) as client:
            resp = await client.get(f"{self.url}/health")
            resp.raise_for_status()
            return resp.json()

    async def _post_chunk(self, client: httpx.AsyncClient, chunk: list[Submission]) -> list[SubmissionResult]:
        async def post() -> list[SubmissionResult]:
            resp = await client.post(f"{self.url}/batch", json={"submissions": [s.to_dict() for s in chunk]})
            resp.raise_for_status()
            results = [SubmissionResult.from_dict(r) for r in resp.json()["results"]]
            if len(results) != len(chunk):
                raise ValueError(f"router returned {len(results)} results for {len(chunk)} submissions")
            return results

        async with self._semaphore():
            try:
                return await with_retries(post, self.retry, self._retriable, what="router batch")
            except Exception as err:  # noqa: BLE001 -- the router failed, not the programs
                return [SubmissionResult.internal_error(s, f"router: {type(err).__name__}: {err}") for s in chunk]

    async def run_submissions(self, submissions: list[Submission]) -> list[SubmissionResult]:
        """Split the submissions into chunks, post them concurrently over one HTTP client, and return the router's
        results flattened back into submission order.
        """
        chunks = [submissions[i:i + self.batch_size] for i in range(0, len(submissions), self.batch_size)]
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            parts = await asyncio.gather(*(self._post_chunk(client, c) for c in chunks))
        return [r for part in parts for r in part]
