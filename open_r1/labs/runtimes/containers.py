"""Container runtimes: run a lab inside its image with Docker, Podman or Apptainer.

WHAT
    `launch(runtime, lab, profile, overrides, run_dir, options, dry_run) -> (command, exit_code)` for the runtimes
    `docker`, `podman` and `apptainer` of `open-r1 lab run`. `container_command(...)` builds the command line (pure,
    tested without any engine); `launch` adds the image digest, runs it and returns the container's exit code.
    Inside the image the same runner runs natively: `open-r1 lab run <lab> --profile <p> --runtime native
    --run-dir /workspace/run -- <overrides>`.

WHY
    One code path at every scale (design principle): a container run is the native run wrapped, so a lab gives the
    same run folder and run card on a laptop, in Docker/Podman on a GPU box and under Apptainer on a cluster. The host
    run folder is bind-mounted, so the run card lands where the native runner expects it and the runner adds its own
    block to it afterwards, as for a native run.

HOW
    - Mounts: the run folder at /workspace/run, the nano/model cache ($OPEN_R1_CACHE) at /cache/open-r1 and the
      Hugging Face cache ($HF_HOME) at /cache/huggingface (the image's ENV points there), created first so the
      engine does not create them as root.
    - Secrets: HF_TOKEN, WANDB_API_KEY, ... are passed by name only (`-e HF_TOKEN`, Apptainer: APPTAINERENV_*), so
      their values never appear on a command line, in `ps`, or in the run card that records the command.
    - User: Docker and rootful Podman run as the calling user (`--user uid:gid`), rootless Podman maps it
      (`--userns keep-id`), so the files in the run folder are yours. Apptainer always runs as you.
    - Network: the nano profile runs with `--network none` (it is offline by design, and this proves it); the full
      profile needs the hub. `OPEN_R1_CONTAINER_NETWORK` overrides; `OPEN_R1_CONTAINER_ARGS` adds engine flags.
    - GPUs (profiles whose resources ask for them): Docker `--gpus all`, Podman CDI `--device nvidia.com/gpu=all`,
      Apptainer `--nv`; a 16 GB /dev/shm for NCCL and data loaders. `--no-healthcheck`: the image's periodic
      `open-r1 doctor` is for long-lived services (compose), not for a batch job.
    - The image: `--image`, else `$OPEN_R1_IMAGE`, else the lab manifest's `image:` with `{version}` filled in and
      the registry replaced by `$OPEN_R1_REGISTRY` when set. Its digest goes to the run card (OPEN_R1_IMAGE_DIGEST).

DATA FLOW
    `open-r1 lab run <lab> --runtime podman` → open_r1.labs.run_lab → open_r1.labs.runtimes.launch → here →
    `podman run ... <image> lab run <lab> --runtime native ...` → the run folder on the host (checkpoints, model,
    run_card.json with the image block from /etc/open-r1/image.json) → open_r1.labs.manifest adds the lab and rerun blocks.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

from open_r1 import __version__
from open_r1.core.errors import ConfigError

ENGINES = ("docker", "podman", "apptainer")
# Passed into the container by name when set on the host; never baked into an image, never on a command line.
PASSTHROUGH_ENV = (
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_ENDPOINT",
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "WANDB_API_KEY",
    "WANDB_PROJECT",
    "WANDB_ENTITY",
    "WANDB_MODE",
    "WANDB_RUN_GROUP",  # the tracking settings a recipe's env: block or a launcher sets (open_r1.train.tracking)
    "WANDB_NAME",
    "E2B_API_KEY",
    "MORPH_API_KEY",
    "CUDA_VISIBLE_DEVICES",
)
RUN_DIR = "/workspace/run"  # where the host run folder appears inside the container
CACHE_DIR = "/cache/open-r1"  # $OPEN_R1_CACHE inside the image
HF_HOME = "/cache/huggingface"  # $HF_HOME inside the image
DEFAULT_REGISTRY = "ghcr.io/open-r1-labs"
# For labs whose image has the `sandbox` extra (lab.yaml `image_extras`; their rewards run untrusted code in the
# local bubblewrap sandbox inside the container): bwrap needs user namespaces and its own /proc, which the engines'
# default seccomp/AppArmor profiles and masked /proc paths forbid. These flags give them back to the container, and
# bwrap's isolation is then what stands between the untrusted program and the trainer.
SANDBOX_SECURITY_OPTS = ("seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined")
SHM_SIZE_GPU = "16g"  # NCCL and data loader workers use /dev/shm; the engines' 64 MB default is far too small
SHM_SIZE_CPU = "1g"


def image_reference(lab: Any, options: dict[str, Any]) -> str:
    """The image to run: --image, $OPEN_R1_IMAGE, or the lab manifest's `image:` (with $OPEN_R1_REGISTRY)."""
    if options.get("image"):
        return str(options["image"])
    if os.environ.get("OPEN_R1_IMAGE"):
        return os.environ["OPEN_R1_IMAGE"]
    ref = lab.image.replace("{version}", __version__)
    registry = os.environ.get("OPEN_R1_REGISTRY")
    if registry and "/" in ref:
        ref = f"{registry.rstrip('/')}/{ref.rsplit('/', 1)[1]}"
    return ref


def host_mounts(run_dir: Path) -> dict[str, Path]:
    """Host side of the three mounts: run folder, open-r1 cache, Hugging Face cache (absolute paths)."""
    from open_r1.core.paths import cache_root

    hf_home = os.environ.get("HF_HOME") or str(Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "huggingface")
    return {
        RUN_DIR: Path(run_dir).expanduser().resolve(),
        CACHE_DIR: cache_root().expanduser().resolve(),
        HF_HOME: Path(hf_home).expanduser().resolve(),
    }


def inner_args(lab: Any, profile: str, overrides: list[str]) -> list[str]:
    """The `open-r1` arguments run inside the image: the same lab, natively, into the mounted run folder."""
    args = ["lab", "run", lab.name, "--profile", profile, "--runtime", "native", "--run-dir", RUN_DIR]
    return [*args, "--", *overrides] if overrides else args


def wants_gpus(lab: Any, profile: str) -> bool:
    """Whether the lab profile asks for GPUs (its resources name at least one): decides whether the container gets the
    engine's GPU flags.
    """
    return lab.profile(profile).resources.gpus > 0


def _user_flags(engine: str) -> list[str]:
    uid, gid = os.getuid(), os.getgid()
    if engine == "podman" and uid != 0:
        return ["--userns", "keep-id"]  # rootless: your uid inside maps to your uid outside
    return ["--user", f"{uid}:{gid}"]


def container_command(
    runtime: str,
    lab: Any,
    profile: str,
    overrides: list[str],
    run_dir: Path,
    options: dict[str, Any],
    digest: str | None = None,
) -> tuple[list[str], dict[str, str]]:
    """(command, extra environment for the engine process). Pure: reads the environment, runs nothing."""
    if runtime not in ENGINES:
        raise ConfigError(f"'{runtime}' is not a container runtime", key="--runtime", fix=f"use one of {ENGINES}.")
    image = image_reference(lab, options)
    mounts = host_mounts(run_dir)
    gpus = wants_gpus(lab, profile)
    passthrough = [name for name in PASSTHROUGH_ENV if name in os.environ]
    extra = shlex.split(os.environ.get("OPEN_R1_CONTAINER_ARGS", ""))
    child_env: dict[str, str] = {}
    if runtime == "apptainer":
        cmd = ["apptainer", "exec", "--cleanenv", "--no-home", "--writable-tmpfs", "--pwd", "/workspace"]
        if gpus:
            cmd.append("--nv")
        cmd += ["--bind", ",".join(f"{host}:{inside}" for inside, host in mounts.items())]
        if digest:
            cmd += ["--env", f"OPEN_R1_IMAGE_DIGEST={digest}"]
        # --cleanenv drops the host environment; APPTAINERENV_<NAME> is how a value crosses without a command line
        child_env = {f"APPTAINERENV_{name}": os.environ[name] for name in passthrough}
        if image.endswith(".sif") or "://" in image:
            target = image
        else:
            target = f"docker://{image}"
        return [*cmd, *extra, target, "open-r1", *inner_args(lab, profile, overrides)], child_env

    network = os.environ.get("OPEN_R1_CONTAINER_NETWORK") or ("none" if profile == "nano" else None)
    cmd = [runtime, "run", "--rm", "--no-healthcheck", *_user_flags(runtime)]
    if network:
        cmd += ["--network", network]
    if gpus:
        cmd += ["--gpus", "all"] if runtime == "docker" else ["--device", "nvidia.com/gpu=all"]
    cmd += ["--shm-size", SHM_SIZE_GPU if gpus else SHM_SIZE_CPU]
    if "sandbox" in lab.image_extras:
        for opt in SANDBOX_SECURITY_OPTS:
            cmd += ["--security-opt", opt]
    for inside, host in mounts.items():
        cmd += ["-v", f"{host}:{inside}"]
    for name in passthrough:
        cmd += ["-e", name]
    if digest:
        cmd += ["-e", f"OPEN_R1_IMAGE_DIGEST={digest}"]
    return [*cmd, *extra, image, *inner_args(lab, profile, overrides)], child_env


def image_digest(runtime: str, image: str) -> str | None:
    """The local image's digest (podman: manifest digest; docker: repo digest, else image id), pulling if missing."""
    if runtime == "apptainer":
        return f"sif:{Path(image).resolve()}" if image.endswith(".sif") else image
    template = (
        "{{.Digest}}" if runtime == "podman" else "{{if .RepoDigests}}{{index .RepoDigests 0}}{{else}}{{.Id}}{{end}}"
    )

    def inspect() -> subprocess.CompletedProcess:
        return subprocess.run(
            [runtime, "image", "inspect", "--format", template, image], capture_output=True, text=True
        )

    found = inspect()
    if found.returncode != 0:
        pulled = subprocess.run([runtime, "pull", image])
        found = inspect() if pulled.returncode == 0 else found
    if found.returncode != 0:
        return None
    return found.stdout.strip() or None


def launch(
    runtime: str,
    lab: Any,
    profile: str,
    overrides: list[str],
    run_dir: Path,
    options: dict[str, Any],
    dry_run: bool = False,
) -> tuple[list[str], int]:
    """Run a lab in its image with docker, podman or apptainer: check the engine is installed and the image is here or
    pullable (resolving its digest for the run card), build the command, create the host folders it mounts, run it.
    Returns the command and its exit code; with `dry_run`, the command only.
    """
    from shutil import which

    if not dry_run and which(runtime) is None:
        hint = {
            "apptainer": "install Apptainer (https://apptainer.org) or use --runtime docker/podman",
            "podman": "apt-get install podman (or use --runtime docker)",
            "docker": "install Docker Engine (or use --runtime podman)",
        }[runtime]
        raise ConfigError(f"'{runtime}' is not installed here", key="--runtime", fix=hint + ".")
    digest = None
    if not dry_run:
        image = image_reference(lab, options)
        digest = image_digest(runtime, image)
        if digest is None:
            raise ConfigError(
                f"image '{image}' is neither here nor pullable",
                key="--image",
                fix=f"build it (`just build {lab.name}`) or pull it (`just pull {lab.name}`), or pass --image.",
            )
    cmd, child_env = container_command(runtime, lab, profile, overrides, run_dir, options, digest)
    if dry_run:
        return cmd, 0
    for host in host_mounts(run_dir).values():
        host.mkdir(parents=True, exist_ok=True)  # else the engine creates them, owned by root
    return cmd, subprocess.run(cmd, env={**os.environ, **child_env}).returncode
