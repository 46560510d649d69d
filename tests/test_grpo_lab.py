"""The grpo-math lab end to end on the nano model: run card, determinism, and resume after a kill.

These runs are shrunk (a few GRPO steps, 40 held-out problems) so the three of them take about a minute on two
cores; the full nano lab (`just lab grpo-math`) is measured by scripts/bench_lab.py, not here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from open_r1.labs.runner import run_lab

SHRINK = ["--max_steps", "4", "--save_steps", "2", "--heldout_samples", "40", "--logging_steps", "1"]


def card(run_dir: Path) -> dict:
    return json.loads((run_dir / "run_card.json").read_text())


@pytest.fixture(scope="module")
def first_run(nano_model, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "a"
    run_lab("grpo-math", profile="nano", overrides=SHRINK, run_dir=str(run_dir))
    return run_dir


def test_run_card_is_complete(first_run):
    c = card(first_run)
    assert c["lab"]["name"] == "grpo-math" and c["lab"]["profile"] == "nano"
    assert c["rerun"] == {"lab": "grpo-math", "profile": "nano", "runtime": "native", "overrides": SHRINK}
    assert c["seed"] == 42
    # a git checkout (CI, developers) records its SHA; an exported tree has none to record
    if (Path(__file__).resolve().parent.parent / ".git").exists():
        assert c["git"]["sha"] and len(c["git"]["sha"]) == 40
    assert c["packages"]["trl"] and c["packages"]["torch"]
    import torch

    # the card lists the GPUs this host has (none in CI, one on a GPU box): what torch sees, not an assumption
    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    assert c["hardware"]["cpus"] >= 1 and c["hardware"]["gpus"] == gpus
    # the profile check behind the run (open_r1.labs.hardware): the hardware it saw and the fit it found
    choice = c["profile_choice"]
    assert choice["chosen"] == "nano" and choice["hardware"]["gpus"] == len(gpus)
    assert [(f["profile"], f["fits"]) for f in choice["fits"]] == [("nano", True)]
    assert c["config"]["training"]["max_steps"] == 4 and c["config"]["training"]["learning_rate"] > 0
    m = c["metrics"]
    assert m["global_step"] == 4
    # peak GPU memory beside the planner's estimate: none on a CPU run, a positive figure on a GPU
    if torch.cuda.is_available():
        assert m["peak_gpu_memory"]["allocated_gib"] > 0
    else:
        assert m["peak_gpu_memory"] is None
    for key in ("heldout_before", "heldout_after"):
        assert m[key]["n"] == 40
        assert 0.0 <= m[key]["accuracy"] <= 1.0 and 0.0 <= m[key]["format"] <= 1.0
    # the SFT base follows the R1 format (distillation worked)
    assert m["heldout_before"]["format"] >= 0.9
    # the final model and its tokenizer were saved and stop at EOS
    gen = json.loads((first_run / "generation_config.json").read_text())
    tok = json.loads((first_run / "tokenizer_config.json").read_text())
    assert gen["eos_token_id"] is not None and gen["eos_token_id"] != gen["pad_token_id"]
    assert tok["eos_token"] == "<|im_end|>"
    # live metrics were appended while training
    lines = (first_run / "metrics.jsonl").read_text().splitlines()
    assert any("reward" in json.loads(line) for line in lines)


def test_grpo_changed_the_policy_weights(first_run, nano_model):
    """GRPO really trained: the saved policy differs from the SFT model it started from (nano://math), in most
    tensors and by more than float noise, and stays finite. Every other check here would pass with a zero step."""
    import torch
    from safetensors.torch import load_file

    start = load_file(str(nano_model / "model.safetensors"))
    end = load_file(str(first_run / "model.safetensors"))
    assert start.keys() == end.keys()
    assert all(torch.isfinite(t).all() for t in end.values())
    changed = [name for name in start if not torch.equal(start[name], end[name])]
    assert len(changed) >= 0.9 * len(start), f"only {len(changed)} of {len(start)} tensors moved"
    largest = max((end[n].float() - start[n].float()).abs().max().item() for n in changed)
    assert largest > 1e-6, f"the weights moved by at most {largest}: float noise, not training"


def test_same_seed_same_metrics(first_run, tmp_path):
    run_dir = tmp_path / "b"
    run_lab("grpo-math", profile="nano", overrides=SHRINK, run_dir=str(run_dir))
    assert card(run_dir)["metrics"]["heldout_after"] == card(first_run)["metrics"]["heldout_after"]
    assert card(run_dir)["metrics"]["train"]["train_loss"] == card(first_run)["metrics"]["train"]["train_loss"]


def test_killed_run_resumes_to_the_same_result(first_run, tmp_path):
    run_dir = tmp_path / "c"
    cmd = [
        sys.executable,
        "-m",
        "open_r1",
        "lab",
        "run",
        "grpo-math",
        "--profile",
        "nano",
        "--run-dir",
        str(run_dir),
        "--",
        *SHRINK,
    ]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (run_dir / "checkpoint-2" / "trainer_state.json").exists():
        assert proc.poll() is None, "the run ended before its first checkpoint"
        assert time.time() < deadline
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: runner and trainer
    proc.wait()
    assert not (run_dir / "run_card.json").exists() or "rerun" not in card(run_dir)
    # the same command again resumes from checkpoint-2
    assert subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    c = card(run_dir)
    assert c["metrics"]["resumed_from"].endswith("checkpoint-2")
    assert c["metrics"]["heldout_after"] == card(first_run)["metrics"]["heldout_after"]
    assert c["metrics"]["heldout_before"] == card(first_run)["metrics"]["heldout_before"]


def test_rerun_from_card(first_run, tmp_path):
    from open_r1.labs.runner import rerun

    new = rerun(str(first_run / "run_card.json"), runs_root=str(tmp_path))
    assert new["metrics"]["heldout_after"] == card(first_run)["metrics"]["heldout_after"]
