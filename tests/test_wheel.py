"""The installed package works without the checkout: a wheel carries its labs, recipes and SLURM templates.

Builds the wheel from this checkout, installs it into a fresh venv (its own site-packages; the project's locked
dependencies are visible behind it, read-only, through a path entry), and runs code there from a folder that is not
the checkout: every lab manifest loads from the wheel's bundled copy, and every lab's full profile renders a
SLURM job from the templates inside the package.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = r"""
import json, sys
from pathlib import Path
import open_r1
from open_r1.core import paths
from open_r1.labs.manifest import list_labs, load_lab
from open_r1.labs.runtimes import slurm

out = {"package": open_r1.__file__, "checkout": str(paths.CHECKOUT_ROOT), "labs": {}, "jobs": {}}
for name in list_labs():
    lab = load_lab(name)
    out["labs"][name] = str(lab.folder)
    if lab.is_pipeline:  # one job per stage: its first stage's job stands for all (tests/test_pipeline.py)
        from open_r1.labs.runtimes.slurm_pipeline import StageView

        lab = StageView(lab, lab.stages[0], "full")
    plan = slurm.plan_train_job(lab, "full", [], Path(sys.argv[1]) / name, {}, slurm.load_cluster_profile(None))
    out["jobs"][name] = slurm.render("train.sbatch.j2", **plan)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The python of a fresh venv with the freshly built wheel installed (no editable link to the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(work / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = (work / "dist").glob("open_r1_labs-*.whl")
    venv.create(work / "venv", with_pip=False)
    python = work / "venv" / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The wheel goes into the new venv's site-packages; its dependencies come from the project's venv, added
    # as a plain path entry *after* it (its editable-install hook is a .pth there, which a path entry never runs).
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (site / "zz_project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_wheel_loads_every_lab_and_renders_slurm_jobs(installed, tmp_path):
    result = subprocess.run(
        [str(installed), "-I", "-c", CHECK, str(tmp_path / "runs")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout)
    package = Path(out["package"]).parent
    assert "site-packages" in str(package) and not package.is_relative_to(ROOT)  # the wheel, not the checkout
    assert out["checkout"] == "None"
    checkout_labs = sorted(p.parent.name for p in (ROOT / "labs").glob("*/lab.yaml"))
    assert sorted(out["labs"]) == checkout_labs
    for name, folder in out["labs"].items():
        assert Path(folder) == package / "bundled" / "labs" / name
    for name, script in out["jobs"].items():
        assert script.startswith("#!/bin/bash") and "#SBATCH" in script, name
        assert "-m open_r1 train" in script or "competitive" in script or "ioi" in script, name
