"""Nano FSDP and ZeRO-3 on 2 CPU processes (gloo) give the single-process losses; FSDP checkpoints resume exactly.

The same SFT entrypoint runs three ways on the same 16 sequences per step: one process (batch 16), FSDP full shard
over 2 processes (8 each; recipes/accelerate/fsdp-cpu.yaml) and DeepSpeed ZeRO-3 over 2 processes
(recipes/accelerate/zero3-cpu.yaml). Sharding changes where parameters, gradients and optimizer states live, not the
arithmetic, so the per-step losses agree to float32 reduction-order noise: TOLERANCE below (measured: ≤ 2e-6).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from open_r1.core.paths import project_root as repo_root

RECIPE = str(repo_root() / "labs" / "fsdp-32b" / "recipes" / "nano.yaml")
STEPS = 5
SHRINK = ["--max_steps", str(STEPS), "--logging_steps", "1", "--save_strategy", "no", "--learning_rate", "3e-4"]
TOLERANCE = 1e-4  # relative, per step


def losses(run_dir: Path) -> list[float]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [r["loss"] for r in rows if "loss" in r]


def run(cmd: list[str], log: Path, timeout: int = 600, env: dict[str, str] | None = None) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}  # 2 processes on 2 cores: no oversubscription
    with log.open("w") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, timeout=timeout, cwd=repo_root(), env=env)
    assert proc.returncode == 0, log.read_text()[-4000:]


def launch_two(config: str, out: Path, extra: list[str] | None = None) -> list[str]:
    return [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        str(repo_root() / config),
        "--num_processes",
        "2",
        "--main_process_port",
        "0",
        "-m",
        "open_r1",
        "train",
        "sft",
        "--config",
        RECIPE,
        "--output_dir",
        str(out),
        "--per_device_train_batch_size",
        "8",
        *SHRINK,
        *(extra or []),
    ]


@pytest.fixture(scope="module")
def single(nano_model, tmp_path_factory) -> list[float]:
    out = tmp_path_factory.mktemp("single")
    env_cmd = [
        sys.executable,
        "-m",
        "open_r1",
        "train",
        "sft",
        "--config",
        RECIPE,
        "--output_dir",
        str(out),
        "--per_device_train_batch_size",
        "16",
        *SHRINK,
    ]
    run(env_cmd, out / "log.txt")
    return losses(out)


@pytest.fixture(scope="module")
def fsdp_run(nano_model, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fsdp")
    run(launch_two("recipes/accelerate/fsdp-cpu.yaml", out), out / "log.txt")
    return out


def assert_close(got: list[float], want: list[float]) -> None:
    assert len(got) == len(want) == STEPS
    for step, (a, b) in enumerate(zip(got, want, strict=True), 1):
        assert abs(a - b) <= TOLERANCE * abs(b), f"step {step}: {a} vs {b}"


def test_fsdp_two_processes_match_one(single, fsdp_run):
    assert_close(losses(fsdp_run), single)
    # the final model was gathered whole from the shards, loadable without FSDP
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(fsdp_run)
    assert sum(p.numel() for p in model.parameters()) > 100_000


def test_zero3_two_processes_match_one(single, tmp_path):
    from tests.conftest import require_system

    try:
        import deepspeed  # noqa: F401
    except ImportError:
        deepspeed = None
    require_system("deepspeed", deepspeed is not None, "pip install -e '.[deepspeed]' (DS_BUILD_OPS=0 is enough)")
    # The first ZeRO run on a machine JIT-compiles DeepSpeed's CPU communication op (~60 s, then cached).
    run(launch_two("recipes/accelerate/zero3-cpu.yaml", tmp_path), tmp_path / "log.txt", timeout=900)
    assert_close(losses(tmp_path), single)
    assert "zero_optimization" in (tmp_path / "log.txt").read_text() or (tmp_path / "model.safetensors").exists()


def test_fsdp_stop_file_checkpoints_and_resumes_exactly(fsdp_run, tmp_path):
    """The preemption path without SLURM: stop file → sharded checkpoint + marker + exit 0 → rerun resumes → the
    uninterrupted run's losses, bit for bit."""
    out = tmp_path / "run"
    out.mkdir()
    stop, marker = out / "STOP", out / "preempted.json"
    stop.touch()  # asked to stop from the start: the ranks agree at the end of step 1
    env = {"OPEN_R1_STOP_FILE": str(stop), "OPEN_R1_PREEMPT_MARKER": str(marker)}
    run(launch_two("recipes/accelerate/fsdp-cpu.yaml", out), out / "log1.txt", env=env)
    assert json.loads(marker.read_text())["step"] == 1
    # a sharded checkpoint: each of the 2 ranks wrote its own shard of the weights and of the optimizer state
    for part in ("pytorch_model_fsdp_0", "optimizer_0"):
        assert sorted(p.name for p in (out / "checkpoint-1" / part).glob("*.distcp")) == [
            "__0_0.distcp",
            "__1_0.distcp",
        ]
    assert not (out / "run_card.json").exists()  # not finished: no run card, no final model
    stop.unlink()
    run(launch_two("recipes/accelerate/fsdp-cpu.yaml", out), out / "log2.txt", env=env)
    card = json.loads((out / "run_card.json").read_text())
    assert card["metrics"]["resumed_from"].endswith("checkpoint-1")
    assert losses(out) == losses(fsdp_run)


def test_native_lab_run_really_shards(nano_model, tmp_path, monkeypatch):
    """`open-r1 lab run fsdp-32b` natively: 2 processes, FSDP (sharded checkpoints), a whole final model."""
    from open_r1.labs.runner import run_lab

    # the runner starts `accelerate` by name: make this interpreter's one the first on PATH
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")

    run_dir = tmp_path / "run"
    run_lab(
        "fsdp-32b",
        profile="nano",
        overrides=["--max_steps", "2", "--save_steps", "2", "--logging_steps", "1"],
        run_dir=str(run_dir),
    )
    shards = sorted(p.name for p in (run_dir / "checkpoint-2" / "pytorch_model_fsdp_0").glob("*.distcp"))
    assert shards == ["__0_0.distcp", "__1_0.distcp"]
    assert (run_dir / "model.safetensors").is_file()
