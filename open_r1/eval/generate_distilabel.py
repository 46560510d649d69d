"""`open-r1 generate --backend distilabel`: the same generation contract, run by a distilabel pipeline.

WHAT
    `run_generate_distilabel(GenerateConfig)` does what open_r1.eval.generate.run_generate does — dataset → prompts
    → n samples per prompt → one JSON line per (row, sample) appended to the output, resumable — but the requests
    are sent by a distilabel pipeline:

        LoadDataFromDicts(pending samples) ─► ChatGeneration(OpenAILLM → the same OpenAI-compatible server)
                                           ─► AppendSamples (writes each finished batch to the output at once)

    The output lines have the project generator's schema (`row`, `sample`, `prompt_hash`, the row's columns,
    `messages`, `generation`, `usage`, `model`) plus `"backend": "distilabel"`, so `data pass-rate`, `data
    decontaminate` and `train sft` read them unchanged.

WHY
    open-r1 writes its distillation data with distilabel (DeepSeek-R1 arXiv 2501.12948 §2.4: the small models are
    distilled from ~800k R1 samples; open-r1's `generate.py` is a distilabel `TextGeneration` pipeline over vLLM).
    Users who already have distilabel pipelines keep them; what this project adds is the contract distilabel's own
    cache does not give: the output is keyed by (row, sample), a rerun skips what is on disk whatever changed in
    between, a killed run loses only the batch in flight, and no sample is written twice. So distilabel's cache is
    turned off (`use_cache=False`) and the pending set comes from our output file, exactly as in the project's
    generator — the two backends can even take turns on one output file.

HOW
    1. The parent (project venv) reads the dataset, builds prompts and hashes with open_r1.eval.generate, takes the
       output's lock, repairs a torn tail, checks the prompt hashes and lists the pending (row, sample) keys.
    2. It writes them to `<output>.distilabel/spec.json` and starts open_r1/eval/lighteval_env/distilabel_runner.py
       (standard library + distilabel only) in its own process group — with the project's Python
       when distilabel is installed there, else in the tool-managed `distilabel` environment
       (open_r1.eval.lighteval_env) — so distilabel's worker processes never outlive the command.
    3. In the child, one input row per pending sample (`num_generations=1`: a sample is the unit of progress and of
       loss); `ChatGeneration` sends `concurrency` requests at a time through `OpenAILLM`; `AppendSamples` appends
       each batch's finished samples with one write + flush per line and skips keys already on disk. A sample whose
       request failed (distilabel returns `generation=None` after its retries) is left pending for the rerun.
    4. The parent re-reads the output and reports the same summary as the project's generator.

    Differences from the project's generator, on purpose and documented: distilabel's `OpenAILLM` sends no
    per-request `seed` (so a redone sample is a fresh draw, not the lost one), and retries are distilabel's
    (`max_retries` of the OpenAI SDK).

DATA FLOW
    `open-r1 generate --backend distilabel` (open_r1.cli.generate) → here → [child] distilabel → OpenAI-compatible
    server (vLLM / `transformers serve`) → output jsonl → `open-r1 data pass-rate | decontaminate` → `train sft`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError

# The child: a standalone script (standard library + distilabel), like the lighteval runner beside it.
RUNNER = Path(__file__).resolve().parent / "lighteval_env" / "distilabel_runner.py"


def distilabel_python(log=print) -> Path:
    """A Python that can import distilabel: this one if it can, else the tool-managed `distilabel` environment."""
    if importlib.util.find_spec("distilabel") is not None:
        return Path(sys.executable)
    from open_r1.eval.lighteval_env import ensure_env

    return ensure_env("distilabel", log=log)


def run_generate_distilabel(cfg: Any, log=print) -> dict[str, Any]:
    """Generate every missing (row, sample) of `cfg` (a GenerateConfig) through distilabel; returns counts."""
    from open_r1.eval.generate import R1_REASONING_JOIN, RESERVED, OutputFile, build_prompt, load_rows, prompt_hash

    cfg.check()
    if cfg.api != "chat":
        raise ConfigError(
            "the distilabel backend sends chat requests only", key="--api", fix="use --api chat or --backend client."
        )
    if cfg.extra_body:
        raise ConfigError(
            "distilabel's OpenAILLM has no way to add fields to a request",
            key="--extra-body",
            fix="drop --extra-body, or use --backend client.",
        )
    rows = load_rows(cfg)
    prompts = [build_prompt(r, cfg) for r in rows]
    hashes = [prompt_hash(p) for p in prompts]
    out = OutputFile(cfg.output)
    work = Path(f"{out.path}.distilabel")
    try:
        before = len(out.done)
        pending = out.pending(hashes, cfg.n)
        items = []
        for i, j in pending:
            columns = {(f"source_{k}" if k in RESERVED else k): v for k, v in rows[i].items()}
            head = {"row": i, "sample": j, "prompt_hash": hashes[i], **columns}
            items.append({"messages": prompts[i], "open_r1_head": json.dumps(head, ensure_ascii=False, default=str)})
        started = time.time()
        returncode = 0
        if items:
            # A killed run leaves distilabel's scratch (its pipeline.yaml may be cut mid-write), and distilabel reads
            # it back even with use_cache=False: start from an empty scratch. Resuming is ours: the JSONL's keys.
            shutil.rmtree(work / "cache", ignore_errors=True)
            work.mkdir(parents=True, exist_ok=True)
            spec = {
                "output": str(out.path),
                "items": items,
                "base_url": cfg.base_url,
                "model": cfg.model,
                "api_key": cfg.api_key or os.environ.get("OPENAI_API_KEY", "EMPTY"),
                "generation_kwargs": {
                    "max_new_tokens": cfg.max_tokens,
                    "temperature": cfg.temperature,
                    "top_p": cfg.top_p,
                },
                "batch_size": cfg.concurrency,
                "max_retries": cfg.retries,
                "timeout": int(cfg.timeout),
                "cache_dir": str(work / "cache"),
                "reasoning_join": R1_REASONING_JOIN,
            }
            spec_path = work / "spec.json"
            spec_path.write_text(json.dumps(spec, ensure_ascii=False))
            returncode = _run_child(
                distilabel_python(log), spec_path, work / "distilabel.log", quiet=cfg.quiet, lock_fd=out.lock_fd
            )
        wall = time.time() - started
        done, tokens = _read_done(out.path, started)
        missing = sum((i, j) not in done for i in range(len(rows)) for j in range(cfg.n))
        written = len(done) - before
    finally:
        out.close()
        if work.exists() and returncode == 0:
            shutil.rmtree(work, ignore_errors=True)  # the spec and distilabel's scratch are not results
    summary: dict[str, Any] = {
        "backend": "distilabel",
        "written": written,
        "failed": len(pending) - written,
        "rejected": 0,
        "completion_tokens": tokens,
        "aborted": None
        if returncode == 0
        else f"distilabel exited with {returncode} (log: {work / 'distilabel.log'})",
        "wall_s": round(wall, 2),
        "gen_per_s": round(written / wall, 3) if wall > 0 else None,
        "tokens_per_s": round(tokens / wall, 1) if wall > 0 else None,
        "missing": missing,
        "rows": len(rows),
        "n": cfg.n,
        "total": len(rows) * cfg.n,
        "done_before": before,
        "repaired_bytes": out.repaired,
        "output": str(out.path),
    }
    summary["complete"] = missing == 0
    return summary


def _run_child(python: Path, spec_path: Path, log_path: Path, quiet: bool, lock_fd: int) -> int:
    """Run the pipeline in its own process group; any exit of ours (Ctrl-C, exception) ends the group with us, and
    the runner ends itself if we die without clean-up (SIGKILL). The child inherits the output's lock, so the file
    stays locked until the last writer is gone: a rerun cannot start a second writer beside an orphan."""
    env = {**os.environ}
    env.setdefault("DISTILABEL_LOG_LEVEL", "WARNING" if quiet else "INFO")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [str(python), str(RUNNER), str(spec_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            pass_fds=(lock_fd,),
        )
        try:
            return proc.wait()
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def _read_done(path: Path, since: float) -> tuple[set[tuple[int, int]], int]:
    """Keys on disk, and the completion tokens of lines written by this run."""
    done: set[tuple[int, int]] = set()
    tokens = 0
    if path.exists():
        with open(path) as fh:
            for line in fh:
                if not line.strip():
                    continue
                rec = json.loads(line)
                done.add((int(rec["row"]), int(rec["sample"])))
                if rec.get("backend") == "distilabel" and rec.get("written_at", 0) >= since:
                    tokens += int((rec.get("usage") or {}).get("completion_tokens") or 0)
    return done, tokens
