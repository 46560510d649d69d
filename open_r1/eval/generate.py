"""`open-r1 generate`: sample n completions per prompt from an OpenAI-compatible server, resumably.

WHAT
    `run_generate(GenerateConfig)` reads prompts from a dataset (hub id, local file, nano://), sends each prompt n
    times to `/v1/chat/completions` (or `/v1/completions`) of an OpenAI-compatible server — vLLM (`vllm serve`) in
    the GPU images, `transformers serve` on a CPU — with bounded concurrency and retries, and appends one JSON line
    per finished sample to the output file:

        {"row": 17, "sample": 2, "prompt_hash": "…", <the row's columns>, "messages": [user…, assistant],
         "generation": "<think>…", "finish_reason": "stop", "usage": {...}, "model": "…"}

    The `messages` column makes the file an SFT dataset as it stands (`train sft --dataset_name out.jsonl`), and
    `open-r1 data pass-rate` reads it directly. `--serve MODEL` starts `transformers serve` for the run (`LocalServer`,
    CPU machines without vLLM; the tests use it too).

WHY
    Distillation (DeepSeek-R1 arXiv 2501.12948 §2.4: 800k samples written by R1, then SFT of the small models) is a
    generation job of millions of long requests: hours on many GPUs, so it *will* be interrupted. The output is
    append-only and keyed by (row, sample): a rerun of the same command skips what is on disk, a crash loses at most
    the requests in flight, and no sample is ever written twice. A sample is one request (n = 1 per request) so the
    unit of progress is the unit of loss; the server batches concurrent requests anyway (vLLM's continuous
    batching), so nothing is lost in throughput. Each sample gets its own seed, derived from (seed, row, sample),
    so a rerun asks for the same sample the lost request would have produced (servers that honour `seed`).

HOW
    1. Rows → prompts (chat messages, or raw text for the completions API) → prompt hash per row.
    2. Lock `<output>.lock` (one writer per file), cut a torn last line left by a crash, read the finished keys and
       check that their prompt hashes still match the dataset (else: a different dataset, refuse).
    3. Pending keys go to a queue; `concurrency` asyncio workers (httpx) take keys, POST with retries (exponential
       backoff with jitter on connection errors, 408/429/5xx), and append each result at once (write + flush from
       the single event-loop thread, so lines never interleave).
    4. A request that stays unreachable after its retries stops the run (the server is gone: the rest would fail
       too); a request the server rejects (4xx) is logged to `<output>.errors.jsonl` and left pending. Either way
       the command exits 1 and says to rerun it.

DATA FLOW
    dataset (open_r1.data.load_one) → here → OpenAI-compatible server (vLLM / transformers serve) → output jsonl →
    `open-r1 data pass-rate` / `decontaminate` → `open-r1 train sft` (distill lab) or `train grpo`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError, OpenR1Error
from open_r1.core.retry import RETRIABLE_STATUS, RetryableError, RetryPolicy, is_retriable, with_retries

# Names the output adds to each line; a dataset column with one of these names is kept as `source_<name>`.
RESERVED = ("row", "sample", "prompt_hash", "messages", "generation", "reasoning", "finish_reason", "usage", "model")


@dataclass
class GenerateConfig:
    """Every option of one `open-r1 generate` job (the command line's flags, one field each); `check()` validates them
    before any request is sent."""
    dataset: str
    output: str
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "default"
    config: str | None = None
    split: str = "train"
    prompt_column: str = "problem"
    system_prompt: str | None = None
    api: str = "chat"  # chat | completions
    n: int = 1
    temperature: float = 0.6  # DeepSeek-R1's recommended sampling (arXiv 2501.12948 §3)
    top_p: float = 0.95
    max_tokens: int = 32768
    seed: int | None = 0
    concurrency: int = 16
    retries: int = 8
    retry_wait: float = 1.0  # first backoff in seconds; doubles per attempt, capped at 30 s
    timeout: float = 1800.0  # per request: a 32k-token R1 trace can take many minutes
    limit: int | None = None
    api_key: str | None = None
    extra_body: dict[str, Any] | None = None
    quiet: bool = False

    def check(self) -> None:
        """Fail with a ConfigError naming the flag when a value cannot work (unknown API, a count below 1, ...)."""
        if self.api not in ("chat", "completions"):
            raise ConfigError(f"unknown api '{self.api}'", key="--api", fix="use chat or completions.")
        for name in ("n", "concurrency", "max_tokens"):
            if getattr(self, name) < 1:
                raise ConfigError(f"must be >= 1, got {getattr(self, name)}", key=f"--{name.replace('_', '-')}")
        if self.retries < 0:
            raise ConfigError("must be >= 0", key="--retries")


class Unreachable(OpenR1Error):
    """The server did not answer (connection refused, reset, timeout) within the retry budget."""


class Rejected(OpenR1Error):
    """The server answered with a non-retryable error for this request (e.g. 400: prompt too long)."""


def sample_seed(seed: int, row: int, sample: int) -> int:
    """A per-sample seed: stable across reruns, different for every (row, sample)."""
    digest = hashlib.sha256(f"{seed}:{row}:{sample}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


def build_prompt(row: dict[str, Any], cfg: GenerateConfig) -> list[dict[str, str]] | str:
    """The request's prompt for one dataset row: chat messages (system prompt first, if any) or, with
    `--api completions`, the plain text; a missing prompt column is a ConfigError listing the columns."""
    if cfg.prompt_column not in row:
        raise ConfigError(
            f"column '{cfg.prompt_column}' is not in the dataset (columns: {sorted(row)})",
            key="--prompt-column",
            fix="name the column that holds the question.",
        )
    value = row[cfg.prompt_column]
    if cfg.api == "completions":
        if not isinstance(value, str):
            raise ConfigError("the completions API needs a text prompt column", key="--prompt-column")
        return value
    if isinstance(value, list):
        # A conversation column: send it without a trailing assistant turn (that is what we want generated).
        messages = [dict(m) for m in value]
        while messages and messages[-1].get("role") == "assistant":
            messages.pop()
    else:
        messages = [{"role": "user", "content": str(value)}]
    if cfg.system_prompt and not (messages and messages[0].get("role") == "system"):
        messages.insert(0, {"role": "system", "content": cfg.system_prompt})
    return messages


def prompt_hash(prompt: list[dict[str, str]] | str) -> str:
    """A short, stable fingerprint of a prompt, stored on every line: a rerun refuses an output file whose lines were
    generated from different prompts (a changed dataset or system prompt)."""
    return hashlib.sha256(json.dumps(prompt, sort_keys=True).encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------------------------------------------
# The output file: append-only, keyed by (row, sample)


class OutputFile:
    """One writer per output: lock, crash repair, finished keys, and append of one line per sample."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fh = open(f"{self.path}.lock", "w")  # noqa: SIM115 (held for the whole run)
        try:
            fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_fh.close()
            raise ConfigError(
                "another `open-r1 generate` is writing this file",
                file=str(self.path),
                fix="wait for it, or choose another --output.",
            ) from None
        self.repaired = self._cut_torn_tail()
        self.done: dict[tuple[int, int], str] = {}
        if self.path.exists():
            with open(self.path) as fh:
                for line in fh:
                    if line.strip():
                        rec = json.loads(line)
                        self.done[(int(rec["row"]), int(rec["sample"]))] = rec.get("prompt_hash", "")
        self._fh = open(self.path, "a")  # noqa: SIM115

    def pending(self, hashes: list[str], n: int) -> list[tuple[int, int]]:
        """The (row, sample < n) keys still to generate, after checking that every line already on disk was made from
        the prompt the dataset gives now (`hashes`, one per row): resuming onto another dataset would mix two runs
        in one file, so that fails with the file and a fix. Both generate backends resume through this check.
        """
        for (row, _sample), digest in self.done.items():
            if row >= len(hashes) or digest != hashes[row]:
                raise ConfigError(
                    f"line for row {row} was generated from a different prompt than the dataset now gives",
                    file=str(self.path),
                    fix="use a new --output for a different dataset.",
                )
        return [(i, j) for i in range(len(hashes)) for j in range(n) if (i, j) not in self.done]

    def _cut_torn_tail(self) -> int:
        """A crash mid-write leaves a last line without its newline: drop it (that sample is simply redone)."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return 0
        with open(self.path, "rb+") as fh:
            data = fh.read()
            if data.endswith(b"\n"):
                return 0
            keep = data.rfind(b"\n") + 1
            fh.truncate(keep)
            return len(data) - keep

    def append(self, record: dict[str, Any]) -> bool:
        """Write one finished sample as one line and flush it; False (nothing written) when its (row, sample) key is
        already in the file."""
        key = (record["row"], record["sample"])
        if key in self.done:  # belt and braces: a key is written once, whatever the scheduler did
            return False
        self._fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        # flush hands the line to the OS: a killed process loses nothing written; fsync (at close) covers power loss.
        self._fh.flush()
        self.done[key] = record["prompt_hash"]
        return True

    @property
    def lock_fd(self) -> int:
        """The lock file's descriptor: a helper process that inherits it keeps the output locked while it lives."""
        return self._lock_fh.fileno()

    def close(self) -> None:
        """Flush and fsync the file, then close it (the lock is released with the handle)."""
        with contextlib.suppress(OSError):
            self._fh.flush()
            os.fsync(self._fh.fileno())
        self._fh.close()
        fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
        self._lock_fh.close()


# ----------------------------------------------------------------------------------------------------------------
# Requests


def request_body(cfg: GenerateConfig, prompt: list[dict[str, str]] | str, row: int, sample: int) -> dict[str, Any]:
    """The JSON body of one request: one completion (`n: 1`, a sample is the unit of progress), the sampling
    options, and the sample's own seed so that a redone sample asks for the same draw."""
    body: dict[str, Any] = {
        "model": cfg.model,
        "n": 1,
        "temperature": cfg.temperature,
        "top_p": cfg.top_p,
        "max_tokens": cfg.max_tokens,
    }
    body["messages" if cfg.api == "chat" else "prompt"] = prompt
    if cfg.seed is not None:
        body["seed"] = sample_seed(cfg.seed, row, sample)
    body.update(cfg.extra_body or {})
    return body


async def post_with_retries(client: Any, path: str, body: dict[str, Any], cfg: GenerateConfig) -> dict[str, Any]:
    """POST `body` under the project's one retry policy (open_r1.core.retry): `cfg.retries` retries, backoff
    starting at `cfg.retry_wait` s; a 4xx other than 408/409/425/429 is the server refusing the request (Rejected)."""
    policy = RetryPolicy(attempts=cfg.retries + 1, base_delay_s=cfg.retry_wait, max_delay_s=30.0)

    async def once() -> dict[str, Any]:
        response = await client.post(path, json=body)
        if response.status_code == 200:
            return response.json()
        if response.status_code in RETRIABLE_STATUS or response.status_code >= 500:
            raise RetryableError(f"HTTP {response.status_code}: {response.text[:200]}")
        raise Rejected(f"HTTP {response.status_code}: {response.text[:500]}")

    try:
        return await with_retries(once, policy, what=f"POST {cfg.base_url}{path}")
    except Exception as err:
        if isinstance(err, Rejected) or not is_retriable(err):
            raise
        raise Unreachable(
            f"{cfg.base_url}{path} failed {cfg.retries + 1} times; last error: {type(err).__name__}: {err}"
        ) from None


# How a think block that a server split off is put back in front of the answer: R1's own layout (arXiv 2501.12948
# §2.2.1, Table 1: "<think> reasoning process here </think> <answer> ... </answer>"), the layout the `format` reward
# and the held-out check read. One definition: the distilabel backend receives it in its job spec.
R1_REASONING_JOIN = "<think>\n{reasoning}\n</think>\n{content}"


def join_reasoning(content: str, reasoning: str | None) -> str:
    """The whole completion when a server split the think block off (vLLM's `--reasoning-parser`, `transformers
    serve` for Qwen2-type models): distillation data must keep the reasoning, or SFT teaches answers without it."""
    return R1_REASONING_JOIN.format(reasoning=reasoning, content=content) if reasoning else content


def parse_choice(cfg: GenerateConfig, payload: dict[str, Any]) -> dict[str, Any]:
    """One sample's fields from a server's reply: the generation (think block put back), the reasoning as the server
    split it, finish reason, token usage and model."""
    choice = payload["choices"][0]
    out: dict[str, Any] = {"finish_reason": choice.get("finish_reason")}
    if cfg.api == "chat":
        message = choice.get("message") or {}
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        out["generation"] = join_reasoning(message.get("content") or "", reasoning)
        if reasoning:
            out["reasoning"] = reasoning  # also as the server gave it
    else:
        out["generation"] = choice.get("text") or ""
    out["usage"] = payload.get("usage") or {}
    out["model"] = payload.get("model", cfg.model)
    return out


# ----------------------------------------------------------------------------------------------------------------
# The run


def load_rows(cfg: GenerateConfig) -> list[dict[str, Any]]:
    """The dataset rows to prompt with (hub, local file or nano://), cut to `--limit` rows."""
    from open_r1.data import load_one

    ds = load_one(cfg.dataset, cfg.config, cfg.split, file="command line")
    if cfg.limit is not None:
        ds = ds.select(range(min(cfg.limit, len(ds))))
    return [dict(r) for r in ds]


def run_generate(cfg: GenerateConfig) -> dict[str, Any]:
    """Generate every missing (row, sample) of `cfg`; returns counts. Safe to call again after any interruption."""
    cfg.check()
    rows = load_rows(cfg)
    prompts = [build_prompt(r, cfg) for r in rows]
    hashes = [prompt_hash(p) for p in prompts]
    out = OutputFile(cfg.output)
    try:
        pending = out.pending(hashes, cfg.n)
        before = len(out.done)
        summary = asyncio.run(_run_pending(cfg, rows, prompts, hashes, pending, out))
        # Complete = every (row, sample < n) is on disk; extra samples from an earlier, larger n do not count.
        summary["missing"] = sum((i, j) not in out.done for i in range(len(rows)) for j in range(cfg.n))
    finally:
        out.close()
    summary.update(
        {
            "rows": len(rows),
            "n": cfg.n,
            "total": len(rows) * cfg.n,
            "done_before": before,  # lines already on disk when this run started
            "repaired_bytes": out.repaired,
            "output": str(out.path),
        }
    )
    summary["complete"] = summary["missing"] == 0
    return summary


async def _run_pending(
    cfg: GenerateConfig,
    rows: list[dict[str, Any]],
    prompts: list[Any],
    hashes: list[str],
    pending: list[tuple[int, int]],
    out: OutputFile,
) -> dict[str, Any]:
    import httpx
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    path = "/chat/completions" if cfg.api == "chat" else "/completions"
    headers = {"Authorization": f"Bearer {cfg.api_key or os.environ.get('OPENAI_API_KEY', 'EMPTY')}"}
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for key in pending:
        queue.put_nowait(key)
    stats = {"written": 0, "failed": 0, "rejected": 0, "completion_tokens": 0}
    abort: list[str] = []
    started = time.time()
    errors_path = Path(f"{cfg.output}.errors.jsonl")
    progress = Progress(
        TextColumn("[bold]generate"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=Console(stderr=True, quiet=cfg.quiet),
        transient=False,
    )
    task = progress.add_task("generate", total=len(out.done) + len(pending), completed=len(out.done), rate="")

    def record(i: int, j: int, result: dict[str, Any]) -> dict[str, Any]:
        columns = {(f"source_{k}" if k in RESERVED else k): v for k, v in rows[i].items()}
        prompt = prompts[i]
        conversation = list(prompt) if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
        conversation.append({"role": "assistant", "content": result["generation"]})
        return {"row": i, "sample": j, "prompt_hash": hashes[i], **columns, "messages": conversation, **result}

    async def worker(client: Any) -> None:
        while not abort:
            try:
                i, j = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                payload = await post_with_retries(client, path, request_body(cfg, prompts[i], i, j), cfg)
                result = parse_choice(cfg, payload)
            except Rejected as err:
                stats["rejected"] += 1
                with open(errors_path, "a") as fh:
                    fh.write(json.dumps({"row": i, "sample": j, "error": str(err), "time": time.time()}) + "\n")
                continue
            except Unreachable as err:
                abort.append(str(err))
                return
            if out.append(record(i, j, result)):
                stats["written"] += 1
                stats["completion_tokens"] += int((result.get("usage") or {}).get("completion_tokens") or 0)
            elapsed = max(time.time() - started, 1e-6)
            progress.update(
                task,
                advance=1,
                rate=f"{stats['written'] / elapsed:.1f} gen/s {stats['completion_tokens'] / elapsed:.0f} tok/s",
            )

    limits = httpx.Limits(max_connections=cfg.concurrency, max_keepalive_connections=cfg.concurrency)
    with progress:
        async with httpx.AsyncClient(
            base_url=cfg.base_url.rstrip("/"),
            headers=headers,
            limits=limits,
            timeout=httpx.Timeout(cfg.timeout, connect=30.0),
        ) as client:
            workers = [asyncio.create_task(worker(client)) for _ in range(min(cfg.concurrency, len(pending)) or 0)]
            while workers:
                done, still = await asyncio.wait(workers, return_when=asyncio.FIRST_COMPLETED)
                workers = list(still)
                if abort:
                    # The server is gone: stop the others now instead of letting each exhaust its retries.
                    for w in workers:
                        w.cancel()
                    await asyncio.gather(*workers, return_exceptions=True)
                    workers = []
    wall = time.time() - started
    stats["failed"] = len(pending) - stats["written"]
    return {
        **stats,
        "aborted": abort[0] if abort else None,
        "wall_s": round(wall, 2),
        "gen_per_s": round(stats["written"] / wall, 3) if wall > 0 else None,
        "tokens_per_s": round(stats["completion_tokens"] / wall, 1) if wall > 0 else None,
    }


# ----------------------------------------------------------------------------------------------------------------
# A local OpenAI-compatible server for CPU machines (`--serve`, and the tests)


class LocalServer:
    """`transformers serve` for one model, in the tool-managed evaluation environment, on 127.0.0.1.

    vLLM is the server in the GPU images; on a CPU, transformers' own OpenAI-compatible server (continuous batching,
    /v1/chat/completions and /v1/completions) serves the nano model. It lives in the `lighteval` environment because
    its serving extra (openai, fastapi) is there already and the training venv does not carry it. The server pins
    the model, so requests must name it by its path (`self.model`).
    """

    def __init__(self, model_path: str, port: int | None = None, log_path: str | Path | None = None):
        self.model = model_path
        self.port = port or free_port()
        self.log_path = Path(log_path) if log_path else None
        self.proc: Any = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 300.0) -> LocalServer:
        """Start `transformers serve` (from the lighteval environment) on loopback, wait for /health and one warm-up
        request; an OpenR1Error naming the log file if it exits or is not ready within `timeout`."""
        import subprocess

        import httpx

        from open_r1.eval.lighteval_env import ensure_env

        python = ensure_env("lighteval")
        cmd = [
            str(python.parent / "transformers"),
            "serve",
            self.model,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--device",
            "cpu",
            "--continuous-batching",
        ]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        # Its own process group, so stop() ends the server and anything it started, and nothing else.
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise OpenR1Error(f"transformers serve exited with {self.proc.returncode} (log: {self.log_path})")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).status_code == 200:
                    # One tiny request first: the first batch pays for the model's warm-up, which should not count
                    # against a client's per-request timeout.
                    body = {"model": self.model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
                    httpx.post(
                        f"{self.base_url}/chat/completions", json=body, timeout=max(deadline - time.time(), 30.0)
                    )
                    return self
            time.sleep(0.5)
        self.stop()
        raise OpenR1Error(f"transformers serve was not ready after {timeout:.0f} s (log: {self.log_path})")

    def stop(self, hard: bool = False) -> None:
        """Stop the server's whole process group: SIGTERM, or SIGKILL with `hard=True` (how the tests lose requests in
        flight)."""
        import signal

        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL if hard else signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------------------------------------------------
# CLI


__all__ = ["GenerateConfig", "run_generate", "asdict"]
