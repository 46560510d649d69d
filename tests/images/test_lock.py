"""The images' locks: hash-locked, complete, and in step with pyproject.toml and requirements/torch-version.txt.

The GPU lock (images/base/requirements-gpu.lock) is resolved by images/lock.sh for linux x86_64 + CUDA, Python 3.12.
Every `==` pin of pyproject's core dependencies must appear in it at the same version, except the documented
exceptions of images/base/gpu-overrides.txt, each of which must still be needed.
"""

from __future__ import annotations

import re
import tomllib

import pytest
from images_helpers import IMAGES, REPO, base_cuda_version, torch_version
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

GPU_LOCK = IMAGES / "base" / "requirements-gpu.lock"
OVERRIDES = IMAGES / "base" / "gpu-overrides.txt"
TRL_VLLM_RANGE = (Version("0.22"), Version("0.32"))  # TRL 1.16 supports vllm 0.22-0.31
GPU_EXTRAS = ("deepspeed", "vllm", "tracking", "docs", "e2b", "morph")  # pyproject extras images/lock.sh compiles in


def parse_lock(path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) for a pip-style lock with `--hash` continuation lines."""
    text = path.read_text()
    out: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=\S)", text):
        first = block.strip().splitlines()[0] if block.strip() else ""
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", first)
        if not m:
            continue
        out[canonicalize_name(m.group(1))] = (m.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return out


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def overrides() -> dict[str, str]:
    out = {}
    for line in OVERRIDES.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            out[canonicalize_name(req.name)] = str(req.specifier).removeprefix("==")
    return out


@pytest.fixture(scope="module")
def gpu_lock():
    return parse_lock(GPU_LOCK)


@pytest.mark.parametrize(
    "lock",
    [
        "base/requirements-gpu.lock",
        "base/flash-attn.lock",
        "base/bootstrap.lock",
        "lighteval/requirements-cp312.lock",
        "lighteval/requirements-cp311.lock",
    ],
)
def test_every_locked_package_is_hashed(lock):
    parsed = parse_lock(IMAGES / lock)
    assert parsed, f"images/{lock} holds no pins"
    unhashed = [name for name, (_, hashes) in parsed.items() if not hashes]
    assert not unhashed, f"images/{lock}: no --hash for {unhashed}; regenerate with images/lock.sh"


def test_gpu_lock_says_how_to_regenerate_it():
    assert "images/lock.sh" in GPU_LOCK.read_text().splitlines()[1]


def test_pyproject_pins_match_gpu_lock(gpu_lock):
    excepted = overrides()
    mismatched, missing = [], []
    for raw in pyproject()["project"]["dependencies"]:
        req = Requirement(raw)
        name = canonicalize_name(req.name)
        if name not in gpu_lock:
            missing.append(name)
            continue
        locked = gpu_lock[name][0]
        if name in excepted:
            continue
        pins = [s.version for s in req.specifier if s.operator == "=="]
        if pins and pins[0] != locked:
            mismatched.append(f"{name}: pyproject {pins[0]}, GPU lock {locked}")
        elif not req.specifier.contains(locked, prereleases=True):
            mismatched.append(f"{name}: GPU lock {locked} outside pyproject's {req.specifier}")
    assert not missing, f"core dependencies missing from the GPU lock: {missing} (run images/lock.sh)"
    assert not mismatched, (
        "pyproject.toml and images/base/requirements-gpu.lock disagree: "
        + "; ".join(mismatched)
        + " (run images/lock.sh, or document an exception in images/base/gpu-overrides.txt)"
    )


def test_each_exception_is_documented_and_still_needed(gpu_lock):
    text = OVERRIDES.read_text()
    core = {canonicalize_name(Requirement(r).name): Requirement(r) for r in pyproject()["project"]["dependencies"]}
    for name, version in overrides().items():
        assert gpu_lock[name][0] == version, f"{name}: override {version} but the GPU lock has {gpu_lock[name][0]}"
        assert name in core, f"{name} is overridden but pyproject does not depend on it"
        assert not core[name].specifier.contains(version), f"{name} {version} satisfies pyproject: drop the exception"
        # the reason sits in a comment naming the package, right above it
        assert re.search(rf"#[^\n]*{re.escape(name)}[^\n]*\n{re.escape(name)}==", text, re.I), f"{name}: no reason"


def test_gpu_stack_versions(gpu_lock):
    assert gpu_lock["torch"][0] == torch_version(), "GPU lock torch != requirements/torch-version.txt"
    vllm = Version(gpu_lock["vllm"][0])
    assert TRL_VLLM_RANGE[0] <= vllm < TRL_VLLM_RANGE[1], f"vllm {vllm} is outside TRL 1.16's range 0.22-0.31"
    extras = pyproject()["project"]["optional-dependencies"]
    excepted = overrides()
    for extra in GPU_EXTRAS:
        for raw in extras[extra]:
            req = Requirement(raw)
            name = canonicalize_name(req.name)
            assert name in gpu_lock, f"{raw} (extra '{extra}') is missing from the GPU lock (run images/lock.sh)"
            if name not in excepted:
                assert req.specifier.contains(gpu_lock[name][0], prereleases=True), f"{raw} vs GPU lock"
    for name in ("deepspeed", "trl", "transformers", "accelerate", "peft", "bitsandbytes", "wandb", "tensorboard",
                 "liger-kernel", "math-verify", "einops"):
        assert name in gpu_lock, f"{name} is missing from the GPU lock"


def test_gpu_lock_is_cuda_and_matches_the_base_image(gpu_lock):
    """torch's CUDA (cuda-toolkit, nvidia-* wheels) has the base image's CUDA major.minor: flash-attn's nvcc
    must match the CUDA torch was built with."""
    toolkit = gpu_lock["cuda-toolkit"][0]
    assert toolkit.split(".")[:2] == base_cuda_version().split(".")[:2], (toolkit, base_cuda_version())
    major = base_cuda_version().split(".")[0]
    assert f"nvidia-cudnn-cu{major}" in gpu_lock and f"nvidia-nccl-cu{major}" in gpu_lock
    assert "triton" in gpu_lock


def test_flash_attn_is_an_sdist_built_against_the_lock():
    text = (IMAGES / "base" / "flash-attn.lock").read_text()
    assert re.search(r"^flash-attn==2\.8\.3\.post2 \\\n\s+--hash=sha256:[0-9a-f]{64}", text, re.M)
    dockerfile = (IMAGES / "base" / "Dockerfile").read_text()
    assert "--no-build-isolation" in dockerfile and "FLASH_ATTENTION_FORCE_BUILD=TRUE" in dockerfile


def test_lighteval_env_is_separate_and_keeps_its_pins():
    for py in ("cp312", "cp311"):
        lock = parse_lock(IMAGES / "lighteval" / f"requirements-{py}.lock")
        assert lock["lighteval"][0] == "0.13.0"
        assert lock["latex2sympy2-extended"][0] == "1.0.6"  # the reason it cannot share the training venv
        assert "torch" not in lock, "lighteval's lock must borrow the base's torch, not bring its own"
        assert not any(n.startswith("nvidia-") for n in lock)
        assert Version(lock["xxhash"][0]) < Version("4")


def test_lock_script_compiles_the_extras_these_tests_check():
    named = re.findall(r"--extra (\w+)", (IMAGES / "lock.sh").read_text())
    assert set(named) == set(GPU_EXTRAS), named
