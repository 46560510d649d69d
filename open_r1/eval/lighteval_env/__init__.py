"""Separate Python environments the tool creates and caches itself (lighteval), keyed by a content hash.

WHAT
    `ENVIRONMENTS` names each environment and its pinned requirements; `ensure_env(name)` returns the path of a
    ready environment's Python, creating it on first use under `envs_root()/<name>-<hash>/`
    (`$OPEN_R1_ENVS`, else `~/.cache/open-r1/envs`); `env_status(name)` says whether it exists and what it holds.

WHY
    lighteval 0.13 pins `latex2sympy2_extended==1.0.6`, which breaks math-verify 0.9 in the training stack
    (platform notes): the evaluator cannot share the training venv. Asking users to build and activate a second
    venv by hand is how evaluations end up run with the wrong versions, so the tool owns it: the environment is
    a cache entry, created when first needed, reused while its requirements are unchanged (the folder name is a
    hash of them), and rebuilt when they change. In the GPU images the same function runs at build time
    (`open-r1 eval setup`, with `OPEN_R1_ENVS` pointing into the image), so the image layer holds a ready
    environment and nothing is installed at run time.

HOW
    hash = sha256(name, requirements, Python major.minor, platform)[:12]. Creation holds an exclusive file lock
    (concurrent test workers or lab runs wait instead of racing), runs `python -m venv` and `pip install` with
    the caller's pip configuration (find-links, index, certificates), and writes `ready.json` (requirements,
    `pip freeze`, seconds taken) last: a folder without it is a crashed build and is deleted and redone.

DATA FLOW
    open_r1.eval.benchmarks (`open-r1 eval run|setup`) → here → `<env>/bin/python` → open_r1/eval/lighteval_env/lighteval_runner.py.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from open_r1.core.errors import OpenR1Error


@dataclass(frozen=True)
class EnvSpec:
    """One tool-owned Python environment: its name, the pinned requirements pip installs into it, and a line saying what
    it is for; its content hash names the folder it lives in.
    """

    name: str
    requirements: tuple[str, ...]
    purpose: str


ENVIRONMENTS: dict[str, EnvSpec] = {
    # The CPU/transformers backend (and the offline nano benchmark). torch is pinned to the build the training
    # stack uses so pip takes the local CPU wheel instead of downloading a CUDA one; transformers/datasets match
    # the training venv so a model saved by training loads identically here. xxhash<4: lighteval's details logger.
    "lighteval": EnvSpec(
        name="lighteval",
        requirements=(
            "lighteval[math]==0.13.0",
            # transformers' OpenAI-compatible server (`open-r1 generate --serve`, the generate tests).
            "transformers[serving]==5.24.0",
            "torch==2.13.0",
            "datasets==5.2.0",
            "accelerate==1.15.0",
            "xxhash<4",
        ),
        purpose="lighteval with the transformers backend (CPU or GPU), and `transformers serve`",
    ),
    # `open-r1 generate --backend distilabel` when distilabel is not in the project's venv. distilabel 1.5.3 resolves
    # beside the training stack's lock (checked with pip against requirements/lock.txt), but it is an optional
    # backend with its own pins, so it is not in the lock: its own environment keeps it out of the training stack.
    # requests: distilabel 1.5.3 imports it (distilabel.models.image_generation) without declaring it.
    "distilabel": EnvSpec(
        name="distilabel",
        requirements=("distilabel[openai]==1.5.3", "openai==3.57.0", "datasets==5.2.0", "requests==2.34.2"),
        purpose="distilabel 1.5 with its OpenAI client (`open-r1 generate --backend distilabel`)",
    ),
    # The GPU images' evaluator: lighteval's vLLM backend. lighteval 0.13's `vllm` extra wants vllm<0.10.2, which
    # brings its own CUDA torch — one more reason this is not the training venv.
    "lighteval-vllm": EnvSpec(
        name="lighteval-vllm",
        requirements=("lighteval[math,vllm]==0.13.0", "xxhash<4"),
        purpose="lighteval with the vLLM backend (GPU images; R1 benchmarks)",
    ),
}

RUNNER = Path(__file__).resolve().parent / "lighteval_runner.py"


class EnvError(OpenR1Error):
    """An environment that cannot be used: an unknown name, or pip failing to build it (the message ends with the fix).
    """

    pass


def envs_root() -> Path:
    """`$OPEN_R1_ENVS`, else `$XDG_CACHE_HOME/open-r1/envs`, else `~/.cache/open-r1/envs`.

    Deliberately not under `$OPEN_R1_CACHE`: tests point that at a fresh folder per session, and a multi-GB
    environment keyed by content hash is safe to share across caches.
    """
    if os.environ.get("OPEN_R1_ENVS"):
        return Path(os.environ["OPEN_R1_ENVS"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "open-r1" / "envs"


def get_spec(name: str) -> EnvSpec:
    """The EnvSpec registered under `name` in ENVIRONMENTS; an unknown name is an EnvError listing the known ones."""
    if name not in ENVIRONMENTS:
        raise EnvError(f"unknown environment '{name}': choose one of {sorted(ENVIRONMENTS)}")
    return ENVIRONMENTS[name]


def env_hash(spec: EnvSpec) -> str:
    """The 12-hex-digit content hash of an environment (name, sorted requirements, Python major.minor, platform): a
    change to any of them gives a new folder, so a stale environment is never reused.
    """
    blob = json.dumps(
        {
            "name": spec.name,
            "requirements": sorted(spec.requirements),
            "python": f"{sys.version_info.major}.{sys.version_info.minor}",
            "platform": f"{platform.system()}-{platform.machine()}",
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def env_dir(name: str) -> Path:
    """Where environment `name` lives: `<envs_root>/<name>-<hash>`, whether or not it has been built yet."""
    spec = get_spec(name)
    return envs_root() / f"{spec.name}-{env_hash(spec)}"


def env_python(name: str) -> Path:
    """The interpreter of environment `name` (`<env_dir>/bin/python`), the one that runs the lighteval runner; it may
    not exist yet (see ensure_env).
    """
    return env_dir(name) / "bin" / "python"


def env_status(name: str) -> dict:
    """What `open-r1 eval setup` reports for an environment, without building it: its path, whether ready.json says it
    is complete, how long its install took, and its requirements.
    """
    path = env_dir(name)
    ready = path / "ready.json"
    info = json.loads(ready.read_text()) if ready.exists() else None
    return {
        "name": name,
        "path": str(path),
        "ready": info is not None,
        "install_s": info.get("install_s") if info else None,
        "requirements": list(get_spec(name).requirements),
    }


def ensure_env(name: str, log=print) -> Path:
    """Python of a ready environment `name`, created (once, under a lock) if missing."""
    spec = get_spec(name)
    path = env_dir(name)
    if (path / "ready.json").exists():
        return path / "bin" / "python"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it: wait, then reuse its work
        if (path / "ready.json").exists():
            return path / "bin" / "python"
        if path.exists():
            shutil.rmtree(path)  # no ready.json: a build that crashed half-way
        started = time.time()
        log(f"creating the '{name}' environment ({spec.purpose}) at {path}; first use only, a few minutes")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
            python = path / "bin" / "python"
            cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", *spec.requirements]
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                raise EnvError(
                    f"pip could not create the '{name}' environment (exit {result.returncode}):\n"
                    f"{result.stderr[-3000:]}\nFix: check network access to the package index, or "
                    f"set OPEN_R1_ENVS to a folder with a prebuilt environment."
                )
            freeze = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True).stdout
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        info = {
            "name": name,
            "requirements": list(spec.requirements),
            "hash": env_hash(spec),
            "install_s": round(time.time() - started, 1),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "freeze": freeze.splitlines(),
        }
        (path / "ready.json").write_text(json.dumps(info, indent=2))
        log(f"environment '{name}' ready in {info['install_s']} s")
        return path / "bin" / "python"
