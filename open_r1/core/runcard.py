"""Run cards: what every run records, so that a run card alone is enough to rerun it.

WHAT
    `write_run_card(output_dir, ...)` writes `<output_dir>/run_card.json`: the resolved configs, the recipe path and
    overrides, git SHA (and whether the tree was dirty), package versions, seed, hardware, container image and
    digest (when run inside one of the project's images), metrics, and a `rerun` block that `open-r1 lab rerun`
    reads. `update_run_card(path, **fields)` merges more fields in (the lab runner adds its own block).

WHY
    Reproducibility (the project's first promise): "same seed, same machine ⇒ same metrics" can only be checked if
    every run says exactly what it ran. Model cards in the R1 ecosystem rarely record package versions or the
    resolved config; a run card does, in a machine-readable file next to the weights.

HOW
    Everything is gathered without network access; package versions come from `importlib.metadata`; the GPU list
    from torch when CUDA is present; the image from `/etc/open-r1/image.json` (written at image build time) and
    `OPEN_R1_IMAGE_DIGEST` (passed by the container runtimes). Writes are atomic (temp file + rename).

DATA FLOW
    open_r1.train.* and open_r1.labs.manifest → here → run_card.json → `open-r1 lab rerun`, the docs' results tables, and
    people comparing runs.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from open_r1.core.configs import to_jsonable
from open_r1.core.io import write_json_atomic
from open_r1.core.paths import project_root

TRACKED_PACKAGES = (
    "open-r1-labs",
    "torch",
    "transformers",
    "trl",
    "accelerate",
    "datasets",
    "tokenizers",
    "math-verify",
    "deepspeed",
    "vllm",
    "peft",
    "liger-kernel",
    "flash-attn",
    "lighteval",
)


def git_state(root: Path | None = None) -> dict[str, Any]:
    """The checkout's commit and whether the tree had uncommitted changes (None outside a git checkout, where an
    image's OPEN_R1_GIT_SHA stands in for the sha): what a rerun needs to get the same code.
    """
    root = root or project_root()

    def run(*cmd: str) -> str | None:
        try:
            return subprocess.run(
                ["git", *cmd], cwd=root, capture_output=True, text=True, timeout=5, check=True
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    sha = run("rev-parse", "HEAD")
    status = run("status", "--porcelain", "--untracked-files=no")
    return {"sha": sha or os.environ.get("OPEN_R1_GIT_SHA"), "dirty": bool(status) if status is not None else None}


def package_versions() -> dict[str, str]:
    """The installed versions of the packages that decide results (torch, transformers, TRL, accelerate, ...), skipping
    those not installed.
    """
    out = {}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def hardware() -> dict[str, Any]:
    """The machine a run used: platform, Python, CPU count, torch's threads and, when torch sees them, the GPUs and
    the CUDA version; lets a reader tell a CPU figure from a GPU one.
    """
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
            info["cuda"] = torch.version.cuda
        else:
            info["gpus"] = []
    except ImportError:
        pass
    return info


def image_info() -> dict[str, Any] | None:
    """The container image a run ran in: /etc/open-r1/image.json written by the lab image (lab, version, revision,
    CUDA, torch) plus the digest the runner passes in; None outside an image.
    """
    path = Path(os.environ.get("OPEN_R1_IMAGE_INFO", "/etc/open-r1/image.json"))
    info = json.loads(path.read_text()) if path.exists() else None
    digest = os.environ.get("OPEN_R1_IMAGE_DIGEST")
    if info is None and digest is None:
        return None
    return {**(info or {}), "digest": digest}


def write_run_card(
    output_dir: str | os.PathLike,
    *,
    kind: str,
    recipe: str | None,
    overrides: list[str],
    configs: dict[str, Any],
    metrics: dict[str, Any],
    seed: int | None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write `<output_dir>/run_card.json` atomically: the recipe and overrides, the resolved configs, seed, git state,
    package versions, hardware, image and metrics, merged over an existing card (a resumed run keeps its creation
    time). Enough to rerun the run; returns the card's path.
    """
    path = Path(output_dir) / "run_card.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    card = {
        **previous,
        "schema": 1,
        "kind": kind,
        "created": previous.get("created") or time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "recipe": recipe,
        "overrides": overrides,
        "seed": seed,
        "config": to_jsonable(configs),
        "git": git_state(),
        "packages": package_versions(),
        "hardware": hardware(),
        "image": image_info(),
        "metrics": to_jsonable(metrics),
        **(extra or {}),
    }
    write_json_atomic(path, card, sort_keys=False)  # in the order written: what it is, then what happened
    return path


def update_run_card(path: str | os.PathLike, **fields: Any) -> dict[str, Any]:
    """Merge fields into an existing run card (creating it if absent), written atomically: how the runner adds held-out
    scores and SLURM attempts after training.
    """
    path = Path(path)
    card = json.loads(path.read_text()) if path.exists() else {}
    card.update(to_jsonable(fields))
    write_json_atomic(path, card, sort_keys=False)  # in the order written: what it is, then what happened
    return card


def read_run_card(path: str | os.PathLike) -> dict[str, Any]:
    """The card of a run, given the card file or the run folder holding it; a ConfigError naming the path when there is
    none or it is not JSON. What `open-r1 lab rerun` starts from.
    """
    from open_r1.core.errors import ConfigError

    p = Path(path)
    if p.is_dir():
        p = p / "run_card.json"
    if not p.is_file():
        raise ConfigError("run card not found", file=str(p), fix="pass a run_card.json or the run folder holding it.")
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as err:
        raise ConfigError(f"is not valid JSON ({err})", file=str(p)) from None
