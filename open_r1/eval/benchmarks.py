"""`open-r1 eval run | setup | report`: benchmark evaluation through lighteval, in its own environment.

WHAT
    `run_eval(model, benchmarks, output_dir, ...)` evaluates a model on AIME 2024/2025, MATH-500, GPQA-Diamond and
    LiveCodeBench with DeepSeek-R1's protocol, or on the offline nano benchmark (held-out nano problems as a
    lighteval custom task read from local files), through lighteval running in a separate environment the tool
    creates (open_r1.eval.lighteval_env). Outputs in `output_dir`: lighteval's `results/…json` and `details/…parquet`,
    `open_r1_summary.json` (the runner's), and `open_r1_eval.json`: per benchmark the lighteval score, our own
    unbiased pass@k recomputed from the per-problem details, and the R1 paper's figure for the same model size.
    `results_table(...)` renders that comparison.

WHY
    DeepSeek-R1 §3 (arXiv 2501.12948): long-CoT models are evaluated by *sampling* — temperature 0.6, top-p 0.95,
    up to 32,768 generated tokens — and pass@1 is averaged over k samples per problem (64 for AIME, 4 for
    MATH-500, 8 for GPQA, 16 for LiveCodeBench), because greedy decoding makes them repeat themselves and one
    sample is too noisy. "Eval scores far below reported" is the reproduction's most common complaint; pinning
    these settings in code (not in a user's shell history) and printing the paper's number beside ours is the
    fix. pass@k follows Codex (arXiv 2107.03374 §2.1), computed by open_r1.eval.passk from lighteval's details.

HOW
    1. Benchmarks → lighteval task strings (`aime24@k=1@n=64|0`: lighteval's pass@k metric with n samples) plus
       custom task files (recipes/tasks/*.py: nano_math, lcb_r1).
    2. nano: `nano://math/heldout` → `<output_dir>/nano_task/test.jsonl` (a local "dataset repo").
    3. A JSON spec → `<env python> open_r1/eval/lighteval_env/lighteval_runner.py spec.json` (subprocess: the env's
       packages never meet the training stack's).
    4. Summary → per-problem correct counts → pass@k → table beside the published figures.

DATA FLOW
    `open-r1 eval run --model runs/distill/... --benchmarks nano` (or the lab) → here → open_r1.eval.lighteval_env
    (environment) → lighteval → results/details → open_r1_eval.json → table; open_r1.eval.passk for the estimator.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError, OpenR1Error
from open_r1.core.paths import PACKAGE_DIR, recipes_root
from open_r1.eval.passk import pass_at_k_table

TASKS_DIR = recipes_root() / "tasks"

# DeepSeek-R1 §3 sampling (arXiv 2501.12948).
R1_GENERATION = {"temperature": 0.6, "top_p": 0.95, "max_new_tokens": 32768}
R1_VLLM = {"max_model_length": 32768, "gpu_memory_utilization": 0.8}


@dataclass(frozen=True)
class Benchmark:
    """One benchmark `open-r1 eval run` knows: its key and title, the lighteval task string (with the sample count to
    fill in), DeepSeek-R1's samples per problem, an optional custom task file under recipes/tasks, and the column of the
    published figures it is compared with.
    """

    key: str
    title: str
    task: str  # lighteval task string, "{n}" filled with the sample count
    samples: int  # DeepSeek-R1's samples per problem
    custom_tasks: str | None = None  # file under recipes/tasks
    paper_column: str | None = None  # key in PUBLISHED


BENCHMARKS: dict[str, Benchmark] = {
    "aime24": Benchmark("aime24", "AIME 2024", "aime24@k=1@n={n}|0", 64, paper_column="aime24"),
    "aime25": Benchmark("aime25", "AIME 2025", "aime25@k=1@n={n}|0", 64),
    "math_500": Benchmark("math_500", "MATH-500", "math_500@k=1@n={n}|0", 4, paper_column="math_500"),
    "gpqa": Benchmark("gpqa", "GPQA-Diamond", "gpqa:diamond@k=1@n={n}|0", 8, paper_column="gpqa"),
    "lcb": Benchmark("lcb", "LiveCodeBench", "lcb_r1|0", 16, custom_tasks="r1_lcb.py", paper_column="lcb"),
    # open-r1's `lcb_v4` (its `extended|lcb:codegeneration_v4`): the `v4` subset of lighteval/code_generation_lite,
    # the problems LiveCodeBench added in its fourth release. The R1 paper has no figure for that subset (its LCB
    # column is 2024-08 – 2025-01), so the comparison columns stay empty rather than compare unlike sets.
    "lcb_v4": Benchmark("lcb_v4", "LiveCodeBench v4", "lcb_r1_v4|0", 16, custom_tasks="r1_lcb.py"),
    "nano": Benchmark("nano", "nano math (held-out)", "nano_math|0", 4, custom_tasks="nano_math.py"),
}
R1_SUITE = ("aime24", "aime25", "math_500", "gpqa", "lcb")

# Published pass@1 (%) — AIME 2024 / MATH-500 / GPQA-Diamond / LiveCodeBench — by model size.
PUBLISHED: dict[str, dict[str, dict[str, float]]] = {
    "DeepSeek-R1 paper": {
        "1.5B": {"aime24": 28.9, "math_500": 83.9, "gpqa": 33.8, "lcb": 16.9},
        "7B": {"aime24": 55.5, "math_500": 92.8, "gpqa": 49.1, "lcb": 37.6},
        "14B": {"aime24": 69.7, "math_500": 93.9, "gpqa": 59.1, "lcb": 53.1},
        "32B": {"aime24": 72.6, "math_500": 94.3, "gpqa": 62.1, "lcb": 57.2},
    },
    "open-r1 (lighteval)": {
        "1.5B": {"aime24": 30.7, "math_500": 83.1, "gpqa": 35.8, "lcb": 16.1},
        "7B": {"aime24": 50.8, "math_500": 94.5, "gpqa": 50.5, "lcb": 37.4},
        "32B": {"aime24": 69.7, "math_500": 95.6, "gpqa": 63.1, "lcb": 56.0},
    },
    "OpenR1-Distill-7B": {"7B": {"aime24": 52.7, "math_500": 89.0, "gpqa": 52.8, "lcb": 39.4}},
}
# Where each published row comes from: printed under the table and the plot, so a reader can check the figure.
PUBLISHED_SOURCES: dict[str, str] = {
    "DeepSeek-R1 paper": "DeepSeek-R1, arXiv 2501.12948, Table 5 (R1-Distill-Qwen; LCB 2024-08 – 2025-01)",
    "open-r1 (lighteval)": "huggingface/open-r1 README, 'Reproducing Deepseek's evaluation results' (lighteval, vLLM)",
    "OpenR1-Distill-7B": "huggingface/open-r1 README, OpenR1-Distill-7B model card table (LCB v5)",
}


class EvalError(OpenR1Error):
    """An evaluation that failed outside the user's configuration, such as lighteval exiting non-zero; the message
    carries the log's tail and where the full log is.
    """

    pass


def parse_benchmarks(text: str, custom_tasks: str | None = None) -> list[Benchmark]:
    """'r1,nano' → Benchmarks. With `custom_tasks` (a lighteval task file), names that are not built-in benchmarks
    are tasks of that file: each must appear there as `name="<task>"` (checked now, before any model loads)."""
    keys: list[str] = []
    for item in text.split(","):
        item = item.strip()
        keys += list(R1_SUITE) if item == "r1" else [item]
    unknown = [k for k in keys if k not in BENCHMARKS]
    if unknown and custom_tasks is None:
        raise ConfigError(
            f"unknown benchmark(s) {unknown}",
            key="--benchmarks",
            fix=f"use r1 (the R1 suite) or any of {sorted(BENCHMARKS)}, or name tasks of a --custom-tasks file.",
        )
    custom = {k: custom_benchmark(k, custom_tasks) for k in unknown} if custom_tasks else {}
    return [BENCHMARKS.get(k) or custom[k] for k in dict.fromkeys(keys)]


def custom_benchmark(task: str, tasks_file: str | Path) -> Benchmark:
    """A benchmark for task `task` of a user's lighteval task file (its `TASKS_TABLE`), run like the built-in ones.

    The file runs inside the lighteval environment with `$OPEN_R1_SOURCE` (the project's source, for
    `open_r1.eval.heldout.check`-style imports of standard-library-only code) and `$OPEN_R1_SAMPLES` (the samples per
    problem asked with --samples, default 1) set.
    """
    path = Path(tasks_file).resolve()
    if not path.is_file():
        raise ConfigError("no such task file", file=str(path), key="--custom-tasks")
    text = path.read_text()
    if f'name="{task}"' not in text and f"name='{task}'" not in text:
        raise ConfigError(
            f"task '{task}' is neither a built-in benchmark nor defined in the custom task file",
            file=str(path),
            key="--benchmarks",
            fix=f'define a LightevalTaskConfig(name="{task}", ...) in its TASKS_TABLE, or use one of {sorted(BENCHMARKS)}.',
        )
    return Benchmark(task, task, f"{task}|0", 1, custom_tasks=str(path))


def cache_as_hub_revision(folder: str | Path, repo_id: str, branch: str, hub_cache: str | Path) -> str:
    """Make a model folder a branch of `repo_id` in a Hugging Face cache, so `--revision` can pick it offline.

    The cache layout is huggingface_hub's: `models--<org>--<name>/snapshots/<commit>/…` holds the files and
    `refs/<branch>` names the commit. The commit id is the folder's content hash (40 hex digits, like git's).
    Returns the commit id. Used to evaluate local checkpoints by revision without a hub (tests, tutorial 26).
    """
    import hashlib

    folder = Path(folder)
    digest = hashlib.sha1()
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    commit = digest.hexdigest()
    repo = Path(hub_cache) / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    for path in files:
        target = snapshot / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / branch).write_text(commit)
    return commit


def check_revision(model_path: str, revision: str | None) -> None:
    """Fail before anything loads when `--revision` cannot be honoured.

    A revision is a commit, branch or tag of a *hub repository*; a local folder has none (transformers would
    silently ignore it and evaluate whatever the folder holds). Offline, the revision must already be in the local
    Hugging Face cache (`$HF_HUB_CACHE`): checked here, so the error names the repo and revision instead of a
    lighteval stack trace minutes later.
    """
    if revision is None:
        return
    if Path(model_path).exists():
        raise ConfigError(
            f"--revision {revision} given for a local folder ({model_path}); a folder has no revisions",
            key="--revision",
            fix="pass a hub id (it may live in the local HF cache) or the folder of the revision you want.",
        )
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        from huggingface_hub import try_to_load_from_cache

        # $HF_HUB_CACHE read now, not when huggingface_hub was imported: the runner subprocess reads it at start too
        cache_dir = os.environ.get("HF_HUB_CACHE")
        found = try_to_load_from_cache(model_path, "config.json", revision=revision, cache_dir=cache_dir)
        if not isinstance(found, str):
            raise ConfigError(
                f"revision '{revision}' of '{model_path}' is not in the local Hugging Face cache and HF_HUB_OFFLINE=1",
                key="--revision",
                fix="download it first (`hf download MODEL --revision REV`) or unset HF_HUB_OFFLINE.",
            )


def check_parallelism(backend: str, data_parallel: int | None, tensor_parallel: int | None, model_path: str) -> None:
    """`--data-parallel` / `--tensor-parallel` only mean something to the vLLM backend; values must be >= 1 and a
    tensor-parallel size must divide the model's attention heads (vLLM shards heads evenly)."""
    for key, value in (("--data-parallel", data_parallel), ("--tensor-parallel", tensor_parallel)):
        if value is not None and value < 1:
            raise ConfigError(f"must be >= 1, got {value}", key=key)
    if backend != "vllm" and (data_parallel or 1) * (tensor_parallel or 1) > 1:
        raise ConfigError(
            f"data/tensor parallelism ({data_parallel}/{tensor_parallel}) needs the vLLM backend; "
            f"the {backend} backend runs one model copy",
            key="--data-parallel/--tensor-parallel",
            fix="add --backend vllm (GPU images), or drop the parallelism options.",
        )
    if tensor_parallel and tensor_parallel > 1 and Path(model_path, "config.json").is_file():
        heads = json.loads(Path(model_path, "config.json").read_text()).get("num_attention_heads")
        if heads and heads % tensor_parallel:
            raise ConfigError(
                f"--tensor-parallel {tensor_parallel} does not divide the model's {heads} attention heads",
                key="--tensor-parallel",
                fix=f"use a divisor of {heads}.",
            )


def model_size(name: str) -> str | None:
    """'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B' → '1.5B' (the size the published figures are keyed by)."""
    match = re.search(r"(\d+(?:\.\d+)?)[bB](?![a-zA-Z])", Path(name).name)
    return f"{match.group(1)}B" if match else None


def write_nano_task(output_dir: Path, dataset: str = "nano://math/heldout") -> Path:
    """Write the nano held-out math problems as `<output_dir>/nano_task/test.jsonl` (problem, answer, level), the local
    dataset the `nano` benchmark's lighteval task reads offline; returns the folder.
    """
    from open_r1.data import load_one

    folder = output_dir / "nano_task"
    folder.mkdir(parents=True, exist_ok=True)
    rows = load_one(dataset, split="heldout")
    with open(folder / "test.jsonl", "w") as fh:
        for row in rows:
            fh.write(
                json.dumps({"problem": row["problem"], "answer": str(row["answer"]), "level": row.get("level")}) + "\n"
            )
    return folder


def build_spec(
    model_path: str,
    bench: Benchmark,
    output_dir: Path,
    backend: str,
    samples: int | None,
    max_samples: int | None,
    generation: dict[str, Any],
    extra_env: dict[str, str],
    revision: str | None = None,
    system_prompt: str | None = None,
    data_parallel: int | None = None,
    tensor_parallel: int | None = None,
) -> dict[str, Any]:
    """The JSON the lighteval runner reads: model (+ revision), task string, generation settings, backend options."""
    n = samples or bench.samples
    env = dict(extra_env)
    if bench.custom_tasks and bench.key not in BENCHMARKS:  # a user's task file (custom_benchmark)
        env.update({"OPEN_R1_SOURCE": str(PACKAGE_DIR.parent), "OPEN_R1_SAMPLES": str(n)})
    if bench.key == "nano":
        env.update(
            {
                "OPEN_R1_NANO_TASK_DIR": str(write_nano_task(output_dir)),
                "OPEN_R1_SOURCE": str(PACKAGE_DIR.parent),  # the task file imports open_r1.eval.heldout.check
                "OPEN_R1_NANO_SAMPLES": str(n),
                "OPEN_R1_NANO_MAX_TOKENS": str(generation.get("max_new_tokens", 64)),
            }
        )
    if bench.key in ("lcb", "lcb_v4"):
        env["OPEN_R1_LCB_SAMPLES"] = str(n)
    spec: dict[str, Any] = {
        "model": model_path,
        "revision": revision,  # None: the hub's main branch (or the folder as it is)
        "system_prompt": system_prompt,  # lighteval puts it first in the chat template's messages
        "tasks": bench.task.format(n=n),
        "output_dir": str(output_dir),
        "backend": backend,
        "generation": generation,
        "max_samples": max_samples,
        "env": env,
        # The nano task reads local files; hub benchmarks need the hub unless the user has pre-cached them.
        "offline": bench.key == "nano" or os.environ.get("HF_HUB_OFFLINE") == "1",
        "custom_tasks": str(TASKS_DIR / bench.custom_tasks) if bench.custom_tasks else None,
    }
    if backend == "vllm":
        sizes = parallelism(model_path)
        if data_parallel or tensor_parallel:  # the user's overrides beat the size rule
            sizes = {"data_parallel_size": data_parallel or 1, "tensor_parallel_size": tensor_parallel or 1}
        spec["vllm"] = {**R1_VLLM, **sizes}
    else:
        import torch

        spec.update({"device": "cuda" if torch.cuda.is_available() else "cpu", "dtype": "float32", "batch_size": 64})
    return spec


def parallelism(model_path: str, gpus: int | None = None) -> dict[str, int]:
    """open-r1's rule: 30B+ models use tensor parallelism over the most GPUs that divide the attention heads;
    smaller ones fit one GPU and use data parallelism (one engine per GPU)."""
    if gpus is None:
        import torch

        gpus = max(torch.cuda.device_count(), 1)
    size = model_size(model_path)
    if size is None or float(size[:-1]) < 30:
        return {"data_parallel_size": gpus, "tensor_parallel_size": 1}
    try:
        from transformers import AutoConfig

        heads = AutoConfig.from_pretrained(model_path).num_attention_heads
    except Exception:  # noqa: BLE001 (no config reachable: assume the usual power-of-two head count)
        heads = 64
    tp = max(d for d in range(1, gpus + 1) if heads % d == 0)
    return {"data_parallel_size": 1, "tensor_parallel_size": tp}


def score_from_summary(bench: Benchmark, summary: dict[str, Any], n: int, ks: tuple[int, ...]) -> dict[str, Any]:
    """lighteval's aggregate score and our pass@k from its per-problem details."""
    results = {k: v for k, v in summary.get("results", {}).items() if k != "all"}
    task_scores = next(iter(results.values()), {})
    headline = next((v for k, v in task_scores.items() if "pass@" in k and not k.endswith("_stderr")), None)
    per_problem: list[list[bool]] = []
    for rows in summary.get("per_sample", {}).values():
        for row in rows:
            metrics = row["metrics"]
            if "correct" in metrics and "n" in metrics:
                count, total = int(round(metrics["correct"])), int(round(metrics["n"]))
            else:
                rate = next((v for k, v in metrics.items() if "pass@" in k), None)
                if rate is None:
                    continue
                total = n
                count = int(round(rate * n))
            per_problem.append([True] * count + [False] * (total - count))
    out: dict[str, Any] = {
        "benchmark": bench.key,
        "title": bench.title,
        "samples": n,
        "problems": len(per_problem),
        "lighteval": task_scores,
        "pass@1_lighteval": headline,
    }
    out.update(pass_at_k_table(per_problem, ks))
    if "format" in task_scores:
        out["format"] = task_scores["format"]
    return out


def run_eval(
    model: str,
    benchmarks: list[Benchmark],
    output_dir: str | Path,
    backend: str = "transformers",
    samples: int | None = None,
    max_samples: int | None = None,
    max_new_tokens: int | None = None,
    ks: tuple[int, ...] = (1,),
    size: str | None = None,
    env_name: str | None = None,
    log=print,
    revision: str | None = None,
    system_prompt: str | None = None,
    data_parallel: int | None = None,
    tensor_parallel: int | None = None,
) -> dict[str, Any]:
    """Evaluate `model` on `benchmarks` through lighteval (own environment); returns and writes the report.

    Checks every option first (revision, parallelism), so a bad value fails before an environment is created or a
    model loaded. Per benchmark, `<output_dir>/<key>/details.jsonl` holds one line per problem (prompt, completions,
    gold, per-completion verdicts where the task's check is known here, metrics); `report.html` and
    `comparison.png` put the run beside the published figures of the same size.
    """
    from open_r1.eval.lighteval_env import RUNNER, ensure_env
    from open_r1.models import resolve_model_path

    output_dir = Path(output_dir).resolve()
    model_path = resolve_model_path(model)
    check_revision(model_path, revision)
    check_parallelism(backend, data_parallel, tensor_parallel, model_path)
    output_dir.mkdir(parents=True, exist_ok=True)
    if not (model_path.startswith(("/", ".")) or Path(model_path).exists()) and os.environ.get("HF_HUB_OFFLINE"):
        log(f"note: '{model_path}' is a hub id and HF_HUB_OFFLINE is set; it must be in the local HF cache")
    python = ensure_env(env_name or ("lighteval-vllm" if backend == "vllm" else "lighteval"), log=log)
    started = time.time()
    scores = []
    for bench in benchmarks:
        n = samples or bench.samples
        generation = dict(R1_GENERATION)
        if bench.key == "nano":
            generation["max_new_tokens"] = 64  # nano traces are ~40 tokens; its context is 512
        if max_new_tokens:
            generation["max_new_tokens"] = max_new_tokens
        bench_dir = output_dir / bench.key
        spec = build_spec(
            model_path,
            bench,
            bench_dir,
            backend,
            samples,
            max_samples,
            generation,
            {},
            revision=revision,
            system_prompt=system_prompt,
            data_parallel=data_parallel,
            tensor_parallel=tensor_parallel,
        )
        bench_dir.mkdir(parents=True, exist_ok=True)
        spec_path = bench_dir / "spec.json"
        spec_path.write_text(json.dumps(spec, indent=2))
        log(
            f"eval {bench.title}: {spec['tasks']} ({n} samples/problem, T={generation['temperature']}, "
            f"top-p {generation['top_p']}, {generation['max_new_tokens']} tokens) → {bench_dir}"
        )
        with open(bench_dir / "lighteval.log", "w") as logfile:
            proc = subprocess.run(
                [str(python), str(RUNNER), str(spec_path)],
                stdout=logfile,
                stderr=subprocess.STDOUT,
                env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
            )
        if proc.returncode != 0:
            tail = (bench_dir / "lighteval.log").read_text()[-3000:]
            raise EvalError(
                f"lighteval failed on {bench.key} (exit {proc.returncode}); log {bench_dir}/lighteval.log:\n{tail}"
            )
        summary = json.loads((bench_dir / "open_r1_summary.json").read_text())
        score = score_from_summary(bench, summary, n, ks)
        score["details"] = str(write_details(bench, summary, bench_dir / "details.jsonl"))
        scores.append(score)
    size = size or model_size(model_path)
    report = {
        "model": model,
        "model_path": model_path,
        "revision": revision,
        "system_prompt": system_prompt,
        "size": size,
        "backend": backend,
        "benchmarks": scores,
        "published": {src: figs.get(size, {}) for src, figs in PUBLISHED.items()} if size else {},
        "published_sources": PUBLISHED_SOURCES,
        "generation": R1_GENERATION,
        "wall_s": round(time.time() - started, 1),
    }
    from open_r1.core.io import write_json_atomic

    write_json_atomic(output_dir / "open_r1_eval.json", report)
    write_html_report(report, output_dir)
    return report


# ----------------------------------------------------------------------------------------------------------------
# Per-sample details: what the model was asked, what it wrote, what was expected, and the verdict


def write_details(bench: Benchmark, summary: dict[str, Any], path: Path) -> Path:
    """One JSON line per problem from the runner's summary: prompt, completions, gold, metrics, and — for the nano
    task, whose check is open_r1.eval.heldout.check — a verdict per completion (format, correct).

    lighteval's own `details/*.parquet` holds the same samples in its schema; this file is the plain, greppable
    copy the report and `open-r1 eval report --details` read.
    """
    from open_r1.core.io import write_jsonl_atomic
    from open_r1.eval.heldout import check

    lines = []
    for task, rows in summary.get("per_sample", {}).items():
        for index, row in enumerate(rows):
            gold = row.get("gold") or []
            completions = row.get("completions") or []
            line = {
                "benchmark": bench.key,
                "task": task,
                "index": index,
                "prompt": row.get("prompt") if row.get("prompt") is not None else row.get("query"),
                "gold": gold,
                "completions": completions,
                "metrics": row.get("metrics", {}),
            }
            if bench.key == "nano" and gold:
                line["verdicts"] = [
                    {"format": fmt, "correct": ok} for fmt, ok in (check(text, str(gold[0])) for text in completions)
                ]
            lines.append(line)
    write_jsonl_atomic(path, lines)
    return path


def read_details(path: str | Path) -> list[dict[str, Any]]:
    """The per-problem lines of a benchmark's `details.jsonl` (see write_details)."""
    from open_r1.core.io import read_jsonl

    return list(read_jsonl(path))


def problem_solved_fraction(line: dict[str, Any]) -> float | None:
    """Fraction of a problem's completions judged correct: from the verdicts when present, else the task's pass@1."""
    if line.get("verdicts"):
        return sum(v["correct"] for v in line["verdicts"]) / len(line["verdicts"])
    metrics = line.get("metrics", {})
    return next((v for k, v in metrics.items() if k.startswith("pass@")), None)


# ----------------------------------------------------------------------------------------------------------------
# The report: table, plot, details — one HTML file beside open_r1_eval.json


def comparison_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per benchmark: our pass@1 (%) and each published source's figure (%) for the report's model size."""
    size = report.get("size")
    rows = []
    for b in report["benchmarks"]:
        bench = BENCHMARKS.get(b["benchmark"])
        row: dict[str, Any] = {"benchmark": b["title"], "ours": None if b.get("pass@1") is None else 100 * b["pass@1"]}
        for src, figs in PUBLISHED.items():
            if size and size in figs and bench is not None and bench.paper_column:
                row[src] = figs[size].get(bench.paper_column)
        rows.append(row)
    return rows


def comparison_plot(report: dict[str, Any], path: str | Path) -> Path:
    """Grouped bars: this run beside the published R1 / R1-Distill figures of the same size, sources in the caption."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = comparison_rows(report)
    sources = [s for s in PUBLISHED if any(s in r for r in rows)]
    series = ["ours", *sources]
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.8 * len(rows) + 2), 3.6))
    for i, name in enumerate(series):
        values = [r.get(name) for r in rows]
        xs = [j + i * width for j, v in enumerate(values) if v is not None]
        ys = [v for v in values if v is not None]
        label = f"{report['model'].split('/')[-1]} (this run)" if name == "ours" else f"{name} {report.get('size')}"
        bars = ax.bar(xs, ys, width, label=label)
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    ax.set_xticks([j + width * (len(series) - 1) / 2 for j in range(len(rows))], [r["benchmark"] for r in rows])
    ax.set_ylabel("pass@1 (%)")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=7, loc="upper right")
    caption = "; ".join(f"{s}: {PUBLISHED_SOURCES[s]}" for s in sources) or "no published figures for this size"
    fig.text(0.01, 0.01, caption, fontsize=5, wrap=True)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_html_report(report: dict[str, Any], output_dir: str | Path, details_per_benchmark: int = 200) -> Path:
    """`report.html`: settings, the comparison table and plot (with sources), and every problem's details
    (prompt, completions, gold, verdicts) in folded sections — a file a browser opens with no server."""
    import base64
    import html

    output_dir = Path(output_dir)
    plot = comparison_plot(report, output_dir / "comparison.png")
    rows = comparison_rows(report)
    sources = [s for s in PUBLISHED if any(s in r for r in rows)]
    esc = html.escape
    cell = lambda v: "—" if v is None else f"{v:.1f}"  # noqa: E731
    parts = [
        "<!doctype html><meta charset='utf-8'><title>open-r1 eval</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:auto}td,th{padding:2px 8px;text-align:right}"
        "td:first-child{text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:4px}"
        ".ok{color:#080}.bad{color:#a00}</style>",
        f"<h1>{esc(report['model'])}</h1>",
        f"<p>revision: <code>{esc(str(report.get('revision') or 'main / as on disk'))}</code> · size: "
        f"{esc(str(report.get('size') or 'unknown'))} · backend: {esc(report['backend'])} · generation: "
        f"<code>{esc(json.dumps(report.get('generation')))}</code></p>",
        f"<p>system prompt: <code>{esc(str(report.get('system_prompt')))}</code></p>",
        "<h2>pass@1 (%) beside the published figures</h2><table><tr><th>benchmark</th><th>this run</th>"
        + "".join(f"<th>{esc(s)} {esc(str(report.get('size')))}</th>" for s in sources)
        + "</tr>",
    ]
    for r in rows:
        parts.append(
            f"<tr><td>{esc(r['benchmark'])}</td><td>{cell(r['ours'])}</td>"
            + "".join(f"<td>{cell(r.get(s))}</td>" for s in sources)
            + "</tr>"
        )
    parts.append("</table><ul>" + "".join(f"<li>{esc(s)}: {esc(PUBLISHED_SOURCES[s])}</li>" for s in sources))
    parts.append("</ul>")
    parts.append(f"<img alt='comparison' src='data:image/png;base64,{base64.b64encode(plot.read_bytes()).decode()}'>")
    for b in report["benchmarks"]:
        if not b.get("details") or not Path(b["details"]).is_file():
            continue
        lines = read_details(b["details"])
        parts.append(f"<h2>{esc(b['title'])}: {len(lines)} problems (first {details_per_benchmark} shown)</h2>")
        for line in lines[:details_per_benchmark]:
            solved = problem_solved_fraction(line)
            mark = "ok" if solved else "bad"
            parts.append(
                f"<details><summary class='{mark}'>#{line['index']} solved {cell(None if solved is None else 100 * solved)}"
                f"% · gold {esc(str(line['gold'][:1]))}</summary><p>prompt</p><pre>{esc(str(line['prompt']))}</pre>"
            )
            for k, text in enumerate(line["completions"]):
                verdict = (line.get("verdicts") or [None] * len(line["completions"]))[k]
                tag = "" if verdict is None else f" format={verdict['format']} correct={verdict['correct']}"
                parts.append(f"<p>completion {k}{esc(tag)}</p><pre>{esc(text)}</pre>")
            parts.append(f"<p>metrics <code>{esc(json.dumps(line['metrics']))}</code></p></details>")
    path = output_dir / "report.html"
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, path)
    return path


def results_table(report: dict[str, Any]):
    """A rich table: our scores beside the R1 paper's (and open-r1's re-measured) figures for the same size."""
    from rich.table import Table

    size = report.get("size")
    sources = [src for src, figs in PUBLISHED.items() if size and size in figs]
    revision = f" @ {report['revision']}" if report.get("revision") else ""
    table = Table(
        title=f"{report['model']}{revision} ({size or 'size unknown'}) — pass@1 %, R1 sampling (T 0.6, top-p 0.95)",
        caption="\n".join(f"{s}: {PUBLISHED_SOURCES[s]}" for s in sources) or None,
    )
    for col in ("benchmark", "samples", "problems", "ours pass@1", *(f"{s} {size}" for s in sources)):
        table.add_column(col, justify="left" if col == "benchmark" else "right")
    extra = sorted(
        {
            k
            for b in report["benchmarks"]
            for k in b
            if k.startswith("pass@") and k != "pass@1" and not k.endswith("_lighteval")
        }
    )
    for col in extra + (["format"] if any("format" in b for b in report["benchmarks"]) else []):
        table.add_column(f"ours {col}", justify="right")
    for b in report["benchmarks"]:
        bench = BENCHMARKS.get(b["benchmark"])
        ours = b.get("pass@1")
        row = [b["title"], str(b["samples"]), str(b["problems"]), f"{100 * ours:.1f}" if ours is not None else "—"]
        for src in sources:
            fig = PUBLISHED[src][size].get(bench.paper_column) if bench and bench.paper_column else None
            row.append(f"{fig:.1f}" if fig is not None else "—")
        for col in extra:
            row.append(f"{100 * b[col]:.1f}" if col in b else "—")
        if any("format" in x for x in report["benchmarks"]):
            row.append(f"{100 * b['format']:.1f}" if "format" in b else "—")
        table.add_row(*row)
    return table


# ----------------------------------------------------------------------------------------------------------------
# CLI
