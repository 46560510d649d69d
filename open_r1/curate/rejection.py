"""Rejection sampling: sample n answers per prompt from a model, keep the verified ones, deduplicate → SFT data.

WHAT
    `run_rejection_sampling(config)` reads prompts (one or more datasets, each tagged with a task), samples
    `n` completions per prompt from `config.model_name_or_path`, scores every completion with the verifier of its
    task (a reward from the registry, e.g. `accuracy` for math, `binary_code` for code, plus the strict format rule),
    keeps the verified ones, drops duplicates (same prompt, same whitespace-normalised answer), and writes into
    `output_dir`:
        samples/chunk-<k>.jsonl   every sample, written one chunk of prompts at a time (atomic; the resume unit)
        data.jsonl                the kept rows: the source columns + `task` + `messages` (an SFT dataset as is)
        report.json               counts per task: prompts, samples, verified, kept; pass rate; acceptance rate
    `RejectionConfig` is its recipe (`open-r1 data rejection-sample --config recipe.yaml`).

WHY
    DeepSeek-R1 §2.3.3 (arXiv 2501.12948): when reasoning-oriented RL converges, its checkpoint writes the SFT data
    for the next round — "we perform rejection sampling ... retain only the correct responses" (600k reasoning
    samples), filtering chaotic outputs (mixed languages, long paragraphs, code blocks inside the reasoning). The
    model thus learns from its own verified best, not from a teacher. The verifier is the reward library (the same
    rule GRPO is trained against), so "correct" means the same thing in every stage; unparseable golds and failed
    executions (reward None) count as not verified, never as correct.

HOW
    prompts → chunks of `chunk_prompts` prompts → each chunk sampled with one seed (seed + chunk index) by the
    in-process transformers generator (open_r1.eval.heldout.generate: batched, left-padded, temperature 1) →
    verifier(completions, **row columns) ≥ threshold and strict format → keep → dedupe by (prompt, answer text)
    keeping the first sample. A chunk file is written only when the chunk is complete, so a killed run resumes at
    the first missing chunk and produces exactly the samples an uninterrupted run would (same seeds, same batches).
    On GPUs the generator is the same code on CUDA; a vLLM server (`open-r1 generate`) writes the same sample
    format when throughput matters (see docs/tutorials/30_*).

DATA FLOW
    pipeline lab stage `rejection_sampling` (open_r1.labs.pipeline) → `open-r1 data rejection-sample` (open_r1.cli.data)
    → here → data.jsonl → the next stage's `train sft --dataset_name <stage>/data.jsonl`.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from pydantic import Field

from open_r1.core.configs import StrictModel
from open_r1.core.errors import ConfigError, OpenR1Error
from open_r1.core.io import read_jsonl, write_json_atomic, write_jsonl_atomic


class PromptSource(StrictModel):
    """One dataset of prompts, tagged with its task (the task picks the verifier)."""

    id: str = Field(description="dataset: hub id, local file or nano://<kit>/<split>")
    split: str = Field("train", description="split to read")
    task: str = Field(description="task name; `verifiers` must have an entry for it")
    limit: int | None = Field(None, ge=1, description="use only the first `limit` distinct prompts")
    prompt_column: str | None = Field(None, description="this source's question column (default: the recipe's)")


class Verifier(StrictModel):
    """How a task's samples are verified: a reward from the registry and the score that counts as correct."""

    reward: str = Field(description="reward name (`open-r1 rewards list`), e.g. accuracy or binary_code")
    params: dict[str, Any] = Field(default_factory=dict, description="the reward's parameters")
    threshold: float = Field(1.0, description="a sample is verified when its reward is >= this")


class RejectionConfig(StrictModel):
    """The recipe of `open-r1 data rejection-sample`."""

    model_name_or_path: str | None = Field(None, description="the model that samples (the pipeline passes it)")
    output_dir: str | None = Field(None, description="where samples/, data.jsonl, report.json go")
    datasets: list[PromptSource] = Field(description="prompt sources, each with its task")
    verifiers: dict[str, Verifier] = Field(description="task → verifier")
    prompt_column: str = Field("problem", description="column holding the question")
    n: int = Field(4, ge=1, description="samples per prompt")
    max_new_tokens: int = Field(64, ge=1, description="completion budget per sample")
    chunk_prompts: int = Field(64, ge=1, description="prompts per chunk: the generation batch and the resume unit")
    require_format: bool = Field(True, description="keep only samples in the strict <think>/<answer> format")
    dedupe: bool = Field(True, description="drop a sample whose answer text repeats an earlier one for the prompt")
    seed: int = Field(0, description="sampling seed (chunk k uses seed + k)")


def check_config(config: RejectionConfig, file: str | None) -> None:
    """Cross-field checks and reward names, before any model loads."""
    from open_r1.rewards import validate_reward_config

    if not config.model_name_or_path:
        raise ConfigError("no model given", file=file, key="model_name_or_path", fix="pass --model_name_or_path.")
    if not config.output_dir:
        raise ConfigError("no output folder given", file=file, key="output_dir", fix="pass --output_dir.")
    for i, source in enumerate(config.datasets):
        if source.task not in config.verifiers:
            raise ConfigError(
                f"task '{source.task}' has no verifier (verifiers: {sorted(config.verifiers)})",
                file=file,
                key=f"datasets[{i}].task",
                fix="add it under verifiers: {<task>: {reward: ...}}.",
            )
    for task, verifier in config.verifiers.items():
        validate_reward_config(
            [verifier.reward], {verifier.reward: verifier.params} if verifier.params else None, file=file
        )
        if verifier.reward not in _ROW_VERIFIERS:
            raise ConfigError(
                f"reward '{verifier.reward}' does not check correctness",
                file=file,
                key=f"verifiers.{task}.reward",
                fix=f"use one of {sorted(_ROW_VERIFIERS)}.",
            )


# Rewards that decide "correct" for a row (the others shape style or length).
_ROW_VERIFIERS = {"accuracy", "binary_code", "code", "ioi_code", "cf_code"}


def normalise_answer(text: str) -> str:
    """The dedupe key of a completion: whitespace collapsed, so reflowed copies count once."""
    return re.sub(r"\s+", " ", text).strip()


def load_prompts(config: RejectionConfig) -> list[dict[str, Any]]:
    """The rows to sample, in order: each source's distinct prompts (first occurrence), tagged with `task`."""
    from open_r1.data import load_one

    rows: list[dict[str, Any]] = []
    for source in config.datasets:
        seen: set[str] = set()
        column = source.prompt_column or config.prompt_column
        for row in load_one(source.id, split=source.split):
            prompt = row[column]
            if prompt in seen:
                continue
            seen.add(prompt)
            rows.append({**dict(row), config.prompt_column: prompt, "task": source.task})
            if source.limit and len(seen) >= source.limit:
                break
    return rows


def run_rejection_sampling(config: RejectionConfig, file: str | None = None) -> dict[str, Any]:
    """Sample, verify, dedupe; resumable by chunk. Returns the report (also written to report.json)."""
    from open_r1.core.configs import to_jsonable
    from open_r1.eval.heldout import generate
    from open_r1.models import get_model, get_tokenizer, resolve_model_path
    from open_r1.rewards import get_reward_funcs
    from open_r1.rewards.format import match_strict_format

    check_config(config, file)
    started = time.time()
    out = Path(str(config.output_dir))
    (out / "samples").mkdir(parents=True, exist_ok=True)
    rows = load_prompts(config)
    verifiers = {
        task: get_reward_funcs([v.reward], {v.reward: v.params} if v.params else None)[0]
        for task, v in config.verifiers.items()
    }
    model_path = resolve_model_path(str(config.model_name_or_path))
    tokenizer = model = None
    chunks = [rows[i : i + config.chunk_prompts] for i in range(0, len(rows), config.chunk_prompts)]
    resumed = 0
    for k, chunk in enumerate(chunks):
        path = out / "samples" / f"chunk-{k:05d}.jsonl"
        if path.exists():
            resumed += 1
            continue
        if model is None:
            tokenizer = get_tokenizer(model_path)
            model = get_model(model_path)
        prompts = [[{"role": "user", "content": r[config.prompt_column]}] for r in chunk for _ in range(config.n)]
        completions = generate(
            model,
            tokenizer,
            prompts,
            config.max_new_tokens,
            sample=True,
            batch_size=len(prompts),
            seed=config.seed + k,
        )
        samples = []
        for j, completion in enumerate(completions):
            row = chunk[j // config.n]
            samples.append(
                {
                    "row": k * config.chunk_prompts + j // config.n,
                    "sample": j % config.n,
                    "task": row["task"],
                    "generation": completion,
                }
            )
        # Verify per task, with the row's own columns as the reward's keyword arguments (as GRPO passes them).
        for task, verify in verifiers.items():
            idx = [i for i, s in enumerate(samples) if s["task"] == task]
            if not idx:
                continue
            first = chunk[idx[0] // config.n]
            columns = {key: [chunk[i // config.n].get(key) for i in idx] for key in first if key != "task"}
            scores = verify([samples[i]["generation"] for i in idx], **columns)
            for i, score in zip(idx, scores, strict=True):
                samples[i]["score"] = score
        for s in samples:
            score = s.get("score")
            formatted = match_strict_format(s["generation"]) is not None
            s["format"] = formatted
            s["verified"] = (
                score is not None
                and score >= config.verifiers[s["task"]].threshold
                and (formatted or not config.require_format)
            )
        write_jsonl_atomic(path, samples)  # atomic: a chunk is on disk whole or not at all

    kept, report = _collect(rows, out, config, len(chunks))
    write_jsonl_atomic(out / "data.jsonl", kept)
    report.update(
        {
            "model": model_path,
            "chunks": len(chunks),
            "chunks_resumed": resumed,
            "wall_s": round(time.time() - started, 1),
            "config": to_jsonable(config),
        }
    )
    write_json_atomic(out / "report.json", report)
    if not kept:  # the report stays on disk to read; the stage is not finished, so a rerun redoes it
        raise OpenR1Error(
            f"rejection sampling kept 0 of {report['samples']} samples ({report['verified']} verified, by task: "
            f"{ {t: st['verified'] for t, st in report['by_task'].items()} }); the SFT stage that reads "
            f"{out / 'data.jsonl'} would have nothing to learn from. Fix: train the model that samples longer, raise "
            "`n` or the datasets' `limit`, or check the verifiers (see report.json next to it)."
        )
    return report


def _collect(
    rows: list[dict[str, Any]], out: Path, config: RejectionConfig, n_chunks: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read every chunk back, keep verified samples once per (prompt, answer), count per task."""
    kept: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    stats: dict[str, dict[str, int]] = {}
    solved: dict[str, set[int]] = {}
    for k in range(n_chunks):
        for s in read_jsonl(out / "samples" / f"chunk-{k:05d}.jsonl"):
            task = stats.setdefault(s["task"], {"prompts": 0, "samples": 0, "verified": 0, "kept": 0})
            task["samples"] += 1
            if not s["verified"]:
                continue
            task["verified"] += 1
            solved.setdefault(s["task"], set()).add(s["row"])
            key = (s["row"], normalise_answer(s["generation"]))
            if config.dedupe and key in seen:
                continue
            seen.add(key)
            task["kept"] += 1
            row = rows[s["row"]]
            kept.append(
                {
                    **row,
                    "messages": [
                        {"role": "user", "content": row[config.prompt_column]},
                        {"role": "assistant", "content": s["generation"]},
                    ],
                }
            )
    for row in rows:
        stats.setdefault(row["task"], {"prompts": 0, "samples": 0, "verified": 0, "kept": 0})["prompts"] += 1
    for task, st in stats.items():
        st["prompts_solved"] = len(solved.get(task, ()))
        st["pass_rate"] = round(st["verified"] / st["samples"], 4) if st["samples"] else 0.0
        st["acceptance"] = round(st["kept"] / st["samples"], 4) if st["samples"] else 0.0
    total = {k: sum(st[k] for st in stats.values()) for k in ("prompts", "samples", "verified", "kept")}
    return kept, {"by_task": stats, **total}
