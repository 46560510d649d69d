"""`open-r1 doctor`: a correct diagnosis of this (GPU-less) machine without false alarms, and every problem with a fix.

The judging is a pure function of `Facts`, so the broken machines below (CPU torch on a GPU box, an old driver, a
64 MB /dev/shm, vLLM built for another torch) are described, not needed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from open_r1.labs.doctor import Facts, diagnose, gather

GPU_SMI = [{"name": "NVIDIA H100 80GB HBM3", "driver": "570.86.15", "memory_mib": "81559", "capability": "9.0"}]
CUDA_TORCH = {
    "version": "2.13.0+cu128",
    "cuda": "12.8",
    "cuda_available": True,
    "gloo": True,
    "nccl": True,
    "nccl_version": "2.27.3",
    "devices": [{"name": "NVIDIA H100 80GB HBM3", "memory_gib": 79.2, "capability": "9.0"}],
}


def by_name(checks):
    return {c.name: c for c in checks}


@pytest.fixture(scope="module")
def here() -> Facts:
    return gather()


def test_this_machine_no_gpu_and_no_false_alarms(here):
    import torch

    checks = diagnose(here)
    gpu = by_name(checks)["gpu"]
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; the no-GPU diagnosis is tested on CPU machines (CI)")
    assert gpu.status == "info" and gpu.ok and "no GPU" in gpu.detail and "nano" in gpu.detail
    problems = [c for c in checks if c.status in ("warn", "fail")]
    if os.environ.get("OPEN_R1_REQUIRE_SYSTEM_TESTS") != "1":
        # A fresh laptop or container (the README quickstart) may lack the sandbox tools or have Docker's 64 MB
        # /dev/shm: those warnings are true there. Each must match a fact; CI (everything installed) gets none.
        def explained(check) -> bool:
            if check.name.startswith("sandbox tool "):
                return here.tools.get(check.name.removeprefix("sandbox tool ")) is None
            return check.name == "/dev/shm" and (here.shm_gib or 0) < 1.0

        problems = [c for c in problems if not explained(c)]
    assert problems == [], problems
    # the stack the labs need imports, the caches are writable, gloo is there for the nano FSDP / ZeRO-3 runs
    names = by_name(checks)
    assert all(names[f"import {m}"].ok for m in ("torch", "transformers", "trl", "accelerate"))
    assert names["gloo"].status == "ok"


def test_require_gpu_turns_the_diagnosis_into_a_failure_with_a_fix(here):
    import torch

    if torch.cuda.is_available():
        pytest.skip("has a GPU")
    gpu = by_name(diagnose(here, require_gpu=True))["gpu"]
    assert gpu.status == "fail" and "slurm" in gpu.fix


def test_cli_exit_code_and_health_check_line():
    out = subprocess.run([sys.executable, "-m", "open_r1", "doctor"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "all required checks pass" in out.stdout  # the images' HEALTHCHECK reads this (tests/images)
    assert "[info] gpu: no GPU" in out.stdout or "[ok  ] gpu:" in out.stdout


def test_tokens_are_reported_never_printed(monkeypatch, tmp_path):
    secret = "hf_SECRET_value_never_printed_1234"
    monkeypatch.setenv("HF_TOKEN", secret)
    monkeypatch.setenv("WANDB_API_KEY", "wandb-" + secret)
    out = subprocess.run(
        [sys.executable, "-m", "open_r1", "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ},
    )
    assert secret not in out.stdout and secret not in out.stderr
    checks = {c["name"]: c for c in json.loads(out.stdout)["checks"]}
    assert checks["token: Hugging Face"]["detail"] == "present ($HF_TOKEN)"
    assert checks["token: Weights & Biases"]["detail"] == "present ($WANDB_API_KEY)"


def test_cpu_torch_on_a_gpu_machine(here):
    facts = replace(
        here,
        nvidia_smi=GPU_SMI,
        torch={**CUDA_TORCH, "version": "2.13.0+cpu", "cuda": None, "cuda_available": False, "devices": []},
    )
    gpu = by_name(diagnose(facts))["gpu"]
    assert gpu.status == "fail" and "CPU build" in gpu.detail and "CUDA build" in gpu.fix


def test_driver_too_old_for_torch_cuda(here):
    smi = [{**GPU_SMI[0], "driver": "535.104.05"}]
    facts = replace(here, nvidia_smi=smi, torch={**CUDA_TORCH, "cuda_available": False, "devices": []})
    checks = by_name(diagnose(facts))
    assert checks["driver"].status == "fail" and "570.26" in checks["driver"].detail
    assert "12.1" in checks["driver"].fix  # the newest CUDA that driver runs
    assert checks["gpu"].status == "fail"


def test_healthy_gpu_machine_passes(here):
    facts = replace(
        here,
        nvidia_smi=GPU_SMI,
        torch=CUDA_TORCH,
        shm_gib=64.0,
        packages={**here.packages, "vllm": "0.31.0", "flash-attn": "2.8.3"},
        requirements={**here.requirements, "vllm": [f"torch=={here.packages['torch'].split('+')[0]}"]},
    )
    checks = by_name(diagnose(facts))
    assert checks["gpu"].status == "ok" and checks["driver"].status == "ok" and checks["nccl"].status == "ok"
    assert checks["flash-attn"].status == "ok"


def test_version_mismatch_between_vllm_and_torch(here):
    facts = replace(
        here,
        packages={**here.packages, "vllm": "0.33.0"},
        requirements={**here.requirements, "vllm": ["torch==2.14.0", "transformers<5.21"]},
    )
    failures = [c for c in diagnose(facts) if c.status == "fail"]
    assert any("vllm" in c.name and "torch==2.14.0" in c.detail for c in failures)
    assert any("vllm" in c.name and "transformers<5.21" in c.detail for c in failures)


def test_flash_attn_built_for_another_torch(here):
    facts = replace(
        here,
        packages={**here.packages, "flash-attn": "2.8.3"},
        flash_attn_import_error="ImportError: flash_attn_2_cuda.so: undefined symbol: _ZN3c104cuda9SetDevice",
    )
    check = by_name(diagnose(facts))["flash-attn"]
    assert check.status == "fail" and "rebuild" in check.fix


def test_small_shared_memory_and_full_disk(here):
    facts = replace(
        here,
        nvidia_smi=GPU_SMI,
        torch=CUDA_TORCH,
        shm_gib=0.0625,
        disk_free_gib={**here.disk_free_gib, "open-r1 cache": 1.0},
    )
    checks = by_name(diagnose(facts))
    assert checks["/dev/shm"].status == "warn" and "--shm-size" in checks["/dev/shm"].fix
    assert checks["disk: open-r1 cache"].status == "fail"


def test_packages_report_the_distribution_that_import_loads(tmp_path, monkeypatch):
    """A second, older trl placed *after* site-packages on sys.path is shadowed: the doctor must report the one
    Python imports (the first on the path), as `import trl` does — seen on a GPU box with a PYTHONPATH overlay."""
    import trl

    stale = tmp_path / "trl-0.0.1.dist-info"
    stale.mkdir()
    (stale / "METADATA").write_text("Metadata-Version: 2.1\nName: trl\nVersion: 0.0.1\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path)])
    assert gather().packages["trl"] == trl.__version__
