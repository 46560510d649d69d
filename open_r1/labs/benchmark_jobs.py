"""Benchmark jobs for pushed checkpoints: the launcher that open_r1.train.hub calls when a push lands.

WHAT
    `benchmark_launcher(runtime, output_dir)` returns a callable `launch(pushed) -> job id` for
    open_r1.train.hub.PushCheckpointsCallback / publish_final. `pushed` names a Hub repository, branch and the
    benchmarks; the job runs `open-r1 eval run --model <repo> --revision <branch> --benchmarks ...` with its results in
    `<output_dir>/benchmarks/<branch>/` (the revision is first downloaded to `.../<branch>/model`):
      * `local` (also inside a container: the job runs in the same image as training) — a detached process; the job
        id is `pid:<pid>`, its log `<output_dir>/benchmarks/<branch>.log`;
      * `slurm` — an sbatch script written next to the results and submitted; the job id is SLURM's.

WHY
    open-r1 launches its benchmark jobs from the training callback whenever a checkpoint reaches the Hub, so scores
    for every checkpoint exist when training ends (the curves behind the R1 report's tables, arXiv 2501.12948 §3).
    Which runtime runs them is a lab-level fact, so the launcher is built here and handed down to the training
    layer as a plain callable (the layers stay one-way: train never imports labs).

HOW
    The command line is built once (`eval_command`); `local` starts it with `subprocess.Popen(start_new_session=True)`
    so it outlives the trainer's signals; `slurm` wraps it in a one-GPU-node script and calls runtimes.slurm.submit.
    The model is read from the Hub server training pushed to (HF_ENDPOINT passes through the environment).

DATA FLOW
    open_r1.cli.train → `benchmark_launcher` → open_r1.train.hub (on each landed push) → here → eval process / SLURM
    job → `<output_dir>/benchmarks/<branch>/open_r1_eval.json`; the job id goes to `<output_dir>/hub_pushes.jsonl`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError

RUNTIMES = ("local", "slurm")


def eval_command(pushed: Any, results_dir: Path) -> list[str]:
    """One job for one pushed revision (`pushed`: open_r1.train.hub.PushedRevision): download that revision with
    huggingface_hub's `hf download` (the Hub server is HF_ENDPOINT, the token HF_TOKEN, both from the environment),
    then `open-r1 eval run` on the local copy, so the evaluator (lighteval in its own environment) reads files only."""
    model_dir = results_dir / "model"
    hf = Path(sys.executable).with_name("hf")
    download = [str(hf), "download", pushed.repo_id, "--revision", pushed.branch, "--local-dir", str(model_dir)]
    evaluate = [
        sys.executable, "-m", "open_r1", "eval", "run",
        "--model", str(model_dir),
        "--benchmarks", ",".join(pushed.benchmarks),
        "--output-dir", str(results_dir),
    ]  # fmt: skip
    return ["bash", "-c", f"{shlex.join(download)} && {shlex.join(evaluate)}"]


def benchmark_launcher(runtime: str, output_dir: str | os.PathLike) -> Callable[[Any], str]:
    """A launcher for `runtime` (`local` or `slurm`) writing under `<output_dir>/benchmarks/`."""
    if runtime not in RUNTIMES:
        raise ConfigError(
            f"unknown benchmark runtime '{runtime}'",
            key="OPEN_R1_BENCHMARK_RUNTIME",
            fix=f"use one of {', '.join(RUNTIMES)}.",
        )
    root = Path(output_dir) / "benchmarks"

    def launch(pushed: Any) -> str:
        results = root / pushed.branch
        results.mkdir(parents=True, exist_ok=True)
        command = eval_command(pushed, results)
        if runtime == "local":
            log = open(root / f"{pushed.branch}.log", "ab")  # noqa: SIM115 -- handed to the child, closed below
            try:
                child = subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
                )
            finally:
                log.close()
            return f"pid:{child.pid}"
        from open_r1.labs.runtimes.slurm import submit

        script = results / "benchmark.sbatch"
        script.write_text(
            "#!/bin/bash\n"
            f"#SBATCH --job-name=bench-{pushed.branch}\n"
            "#SBATCH --nodes=1\n#SBATCH --gres=gpu:8\n"  # the R1 suite's vLLM settings assume one 8-GPU node
            f"#SBATCH --output={results}/slurm-%j.out\n"
            "set -euo pipefail\n" + shlex.join(command) + "\n"
        )
        return submit(script)

    return launch
