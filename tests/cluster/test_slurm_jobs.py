"""Real SLURM jobs on a real (two-node, one-machine) cluster: a one-node GRPO lab, a two-node FSDP lab, preemption.

Jobs go through the same command people use (`open-r1 lab run <lab> --runtime slurm`), shrunk by overrides so the
three of them take a few minutes on two cores. What each proves:
  * grpo-math nano, one node: the runtime submits, follows and collects; the run card has the lab, the metrics
    and the slurm block.
  * fsdp-32b nano, two nodes: SLURM_NODEID 0 and 1 both train, in one process group (each rank saw both node ids
    through an all-gather), from one c10d rendezvous on the first node.
  * preemption: USR1 to the batch script → checkpoint → `scontrol requeue` → the requeued job resumes from the
    checkpoint and ends with exactly the uninterrupted job's per-step losses and final weights.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from open_r1.labs.runner import run_lab

GRPO_SHRINK = ["--max_steps", "4", "--heldout_samples", "40", "--logging_steps", "1"]
FSDP_SHRINK = ["--max_steps", "12", "--logging_steps", "1", "--save_steps", "100"]
OPTIONS = {"nodes": None, "container": None, "cluster_profile": None}


def card(run_dir: Path) -> dict:
    return json.loads((run_dir / "run_card.json").read_text())


def step_losses(run_dir: Path) -> list[tuple[int, float]]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [(r["step"], r["loss"]) for r in rows if "loss" in r]


@pytest.fixture(autouse=True)
def no_user_profile(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("OPEN_R1_CLUSTER_PROFILE", raising=False)


@pytest.fixture(scope="module")
def fsdp_job(slurm_cluster, nano_model, tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("fsdp-job") / "run"
    run_lab("fsdp-32b", profile="nano", runtime="slurm", overrides=FSDP_SHRINK, run_dir=str(run_dir), options=OPTIONS)
    return run_dir


def test_grpo_math_as_a_one_node_job(slurm_cluster, nano_model, tmp_path):
    run_dir = tmp_path / "run"
    started = time.time()
    run_lab("grpo-math", profile="nano", runtime="slurm", overrides=GRPO_SHRINK, run_dir=str(run_dir), options=OPTIONS)
    c = card(run_dir)
    assert c["lab"]["runtime"] == "slurm" and c["rerun"]["runtime"] == "slurm"
    assert c["metrics"]["global_step"] == 4
    assert c["metrics"]["heldout_after"]["n"] == 40 and c["metrics"]["heldout_before"]["format"] >= 0.9
    s = c["slurm"]
    assert s["nodes"] == 1 and s["world_size"] == 1 and s["vllm"] == "none"
    assert [(a["exit"], a["preempted"]) for a in s["attempts"]] == [(0, False)]
    assert [r["slurm_node"] for r in s["ranks"]] == ["n1"]
    assert (run_dir / "slurm" / "train.sbatch").is_file()
    assert (run_dir / "slurm" / f"job-{s['job_id']}.log").is_file()
    print(f"grpo-math nano one-node job: {time.time() - started:.0f} s")


def test_fsdp_32b_as_a_two_node_job(fsdp_job):
    c = card(fsdp_job)
    assert c["metrics"]["global_step"] == 12
    s = c["slurm"]
    assert (s["nodes"], s["training_nodes"], s["processes_per_node"], s["world_size"]) == (2, 2, 1, 2)
    ranks = sorted(s["ranks"], key=lambda r: r["rank"])
    # both SLURM nodes trained ...
    assert sorted(r["slurm_node_id"] for r in ranks) == ["0", "1"]
    assert sorted(r["slurm_node"] for r in ranks) == ["n1", "n2"]
    # ... as one process group of 2 (one rendezvous): every rank saw both nodes' ids through one all-gather
    for r in ranks:
        assert r["world_size"] == 2 and sorted(r["group_nodes"]) == ["0", "1"]
        assert r["global_step"] == 12 and r["phase"] == "end"
    # the final model was gathered from the shards into one loadable file
    assert (fsdp_job / "model.safetensors").is_file()


def _job_id(run_dir: Path, timeout: float = 120) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        logs = list((run_dir / "slurm").glob("job-*.log")) if (run_dir / "slurm").is_dir() else []
        if logs:
            return logs[0].stem.removeprefix("job-")
        time.sleep(0.5)
    raise AssertionError("the job was never submitted")


def test_preemption_requeues_and_resumes_to_the_same_result(fsdp_job, tmp_path):
    run_dir = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "open_r1",
        "lab",
        "run",
        "fsdp-32b",
        "--profile",
        "nano",
        "--runtime",
        "slurm",
        "--run-dir",
        str(run_dir),
        "--",
        *FSDP_SHRINK,
    ]
    log = (tmp_path / "runner.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    try:
        job = _job_id(run_dir)
        # Training has begun (the trap is installed long before): warn the batch script as SLURM would near the
        # time limit (--signal=B:USR1@<s>).
        deadline = time.time() + 600
        while not (run_dir / "slurm" / "ranks" / "attempt0-rank0.json").exists():
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "runner.log").read_text()[-3000:]
            time.sleep(0.2)
        subprocess.run(["scancel", "--signal=USR1", "--batch", job], check=True)
        # The requeued job waits for its old credentials to expire (cred_expire, 10 s on the test cluster), then
        # runs again on both nodes.
        assert proc.wait(timeout=900) == 0, (tmp_path / "runner.log").read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            subprocess.run(["scancel", _job_id(run_dir, 1)], check=False)
    marker = (
        json.loads((run_dir / "slurm" / "preempted.json").read_text())
        if (run_dir / "slurm" / "preempted.json").exists()
        else None
    )
    c = card(run_dir)
    attempts = c["slurm"]["attempts"]
    assert [(a["attempt"], a["preempted"], a["exit"]) for a in attempts] == [(0, True, 0), (1, False, 0)], (
        attempts,
        (tmp_path / "runner.log").read_text()[-3000:],
    )
    assert marker is None  # the requeued attempt removed it when it started
    resumed = c["metrics"]["resumed_from"]
    assert resumed and Path(resumed).name.startswith("checkpoint-")
    stopped_at = int(Path(resumed).name.split("-")[1])
    assert 1 <= stopped_at < 12, "the signal should land mid-run"
    # Both attempts ran on both nodes; the second started from the checkpoint step.
    begins = {r["slurm_restart"]: r.get("resumed_at") for r in c["slurm"]["ranks"] if r["rank"] == 0}
    assert begins == {0: 0, 1: stopped_at}
    # The same result as the uninterrupted job: every step's loss, and the final weights, bit for bit.
    assert step_losses(run_dir) == step_losses(fsdp_job)
    from safetensors.torch import load_file

    a, b = load_file(run_dir / "model.safetensors"), load_file(fsdp_job / "model.safetensors")
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
