"""Helpers shared by the image tests (a uniquely named module: `conftest` is ambiguous across folders).

The image hierarchy mirrors images/: base (CUDA or Debian + the locked Python stack) → core (open-r1, docs, user,
entrypoint) → one image per lab. Like jupyter/docker-stacks, each image has its own unit scripts in
tests/images/units/<image>/, and an image also runs its ancestors' units; units/lab/ holds what every lab image
must pass (its identity in /etc/open-r1/image.json).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "images"
UNITS = Path(__file__).resolve().parent / "units"
IMAGE_PARENT = {"base": None, "core": "base", "lab": "core"}  # every lab image's parent is "lab"

try:
    from tests.conftest import require_system
except ImportError:  # pytest started without the repository root on sys.path (plain `pytest`)
    sys.path.insert(0, str(REPO))
    from tests.conftest import require_system

__all__ = ["require_system"]


def lab_names() -> list[str]:
    return sorted(p.parent.name for p in (REPO / "labs").glob("*/lab.yaml"))


def parent(image: str) -> str | None:
    return IMAGE_PARENT.get(image, "lab")


def unit_dirs(image: str) -> list[Path]:
    """The image's own unit folder and its ancestors', root first; a lab image adds `extra-<name>/` for each of
    its manifest's `image_extras` (what an extra installs is tested once, in every image that has it)."""
    chain: list[str] = []
    current: str | None = image
    while current:
        chain.insert(0, current)
        current = parent(current)
    if image in lab_names():
        from open_r1.labs.manifest import load_lab

        chain += [f"extra-{extra}" for extra in load_lab(image).image_extras]
    return [UNITS / name for name in chain if (UNITS / name).is_dir()]


def torch_version() -> str:
    return (REPO / "requirements" / "torch-version.txt").read_text().strip()


def project_version() -> str:
    return re.search(r'__version__ = "(.+)"', (REPO / "open_r1" / "__init__.py").read_text()).group(1)


def base_cuda_version() -> str:
    """CUDA version of the base image's runtime stage (images/base/Dockerfile, ARG BASE_IMAGE)."""
    text = (IMAGES / "base" / "Dockerfile").read_text()
    return re.search(r"^ARG BASE_IMAGE=\S*cuda:(\d+\.\d+\.\d+)-", text, re.M).group(1)


def cuda_tag() -> str:
    major, minor, _ = base_cuda_version().split(".")
    return f"cu{major}{minor}"


def require_podman() -> None:
    require_system(
        "podman",
        shutil.which("podman") is not None,
        "apt-get install podman buildah runc, or run scripts/ci/containers.sh",
    )


def podman(*args: str, timeout: float = 600, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, check=check, **kwargs)


def git_sha() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()


def env_without(*names: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in names}
