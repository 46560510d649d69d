"""Lab manifests and the lab runner: `open-r1 lab list | show | run | rerun`.

WHAT
    A lab is one stage of the R1 recipe, described by `labs/<lab>/lab.yaml` — the single source of truth for what
    it reproduces, its image, entrypoint, recipes (`nano` and `full` profiles), launcher and resources.
    `load_lab(name)` parses and validates a manifest (`LabManifest`); `run_lab(...)` runs a profile under a runtime
    and leaves a run folder with checkpoints, the final model, metrics and a run card.

WHY
    One file per lab means the Justfile, compose.yaml, SLURM templates and docs read the same facts instead of
    repeating them (and tests fail when they drift). Profiles change sizes and models, never code: `nano` and `full`
    run the same entrypoint (`open-r1 train grpo`), only with a different recipe and launcher (plain Python on a
    CPU, `accelerate launch` with DeepSpeed/FSDP on GPUs).

HOW
    profile `auto` → `full` when CUDA is visible, else `nano`, announced in a banner. Runtime `native` builds the
    launcher command line from the manifest and runs it as a child process in the run folder; container and
    cluster runtimes wrap the same command (see open_r1.runtimes). The child writes run_card.json; the runner adds
    the lab block and the `rerun` recipe (lab, profile, runtime, overrides, seed) to it.

DATA FLOW
    `just lab <lab>` → `open-r1 lab run <lab>` → here → `python -m open_r1 train ...` (or accelerate launch) →
    run folder (`runs/<lab>/<profile>-<time>/`) → `open-r1 lab rerun <run card>`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from open_r1.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNTIMES = ("native", "docker", "podman", "apptainer", "slurm")
RUNTIME_OPTIONS = ("image", "nodes", "gpus_per_node", "partition", "account", "container", "cluster_profile")
LAUNCHERS = ("python", "accelerate")
STATUSES = ("runnable", "planned")
# What a lab's image may add to the shared core image (`image_extras:` in lab.yaml; images/lab/Dockerfile has one
# stage per extra, switched on by images/build.sh): `sandbox` the local code sandbox's tools (bubblewrap, g++; the
# container runtimes then relax the engine's confinement for bwrap), `lighteval` lighteval in its own venv.
IMAGE_EXTRAS = ("sandbox", "lighteval")


@dataclass
class Resources:
    gpus: int = 0  # GPUs per node
    nodes: int = 1
    cpus: int = 2
    memory_gb: float = 4.0  # host memory
    gpu_memory_gb: float | None = None  # per GPU
    time_limit: str | None = None  # SLURM-style, e.g. "04:00:00"


@dataclass
class Profile:
    recipe: str  # path relative to the lab folder
    launcher: str = "python"
    accelerate_config: str | None = None  # relative to the repository root
    num_processes: int | None = None
    resources: dict[str, Any] = field(default_factory=dict)
    expected: str | None = None  # what a person should see (time, metrics)


@dataclass
class LabManifest:
    name: str
    title: str
    stage: str
    status: str
    reproduces: dict[str, Any]
    entrypoint: str
    image: str
    profiles: dict[str, Any]
    summary: str = ""
    issue: int | None = None  # where the work on a planned lab is tracked
    image_extras: list[str] = field(default_factory=list)  # what its image adds to core: IMAGE_EXTRAS
    # Filled by load_lab:
    folder: Path = field(default=Path("."), repr=False)

    def profile(self, name: str) -> Profile:
        if name not in self.profiles:
            raise ConfigError(f"lab '{self.name}' has no profile '{name}'", file=str(self.folder / "lab.yaml"),
                              key="profiles", fix=f"use one of {sorted(self.profiles)}.")
        return self.profiles[name]

    def recipe_path(self, profile: str) -> Path:
        return self.folder / self.profile(profile).recipe


def labs_root() -> Path:
    return Path(os.environ.get("OPEN_R1_LABS", REPO_ROOT / "labs"))


def list_labs() -> list[str]:
    return sorted(p.parent.name for p in labs_root().glob("*/lab.yaml"))


def load_lab(name: str) -> LabManifest:
    from open_r1.configs import _check_mapping, load_yaml

    path = labs_root() / name / "lab.yaml"
    if not path.exists():
        raise ConfigError(f"no lab named '{name}'", file=str(path), fix=f"choose one of {list_labs()}.")
    raw = load_yaml(path)
    _check_mapping(LabManifest, raw, str(path), "lab")
    missing = [k for k in ("name", "title", "stage", "status", "reproduces", "entrypoint", "image", "profiles")
               if k not in raw]
    if missing:
        raise ConfigError(f"missing required key(s) {missing}", file=str(path), fix="see labs/grpo-math/lab.yaml.")
    if raw["name"] != name:
        raise ConfigError(f"name '{raw['name']}' differs from its folder '{name}'", file=str(path), key="name")
    if raw["status"] not in STATUSES:
        raise ConfigError(f"status '{raw['status']}' is not one of {STATUSES}", file=str(path), key="status")
    if raw["status"] == "planned" and not raw.get("issue"):
        raise ConfigError("a planned lab must name the issue that tracks it", file=str(path), key="issue")
    extras = raw.get("image_extras", [])
    unknown = [e for e in extras if e not in IMAGE_EXTRAS]
    if unknown or len(set(extras)) != len(extras):
        raise ConfigError(f"{extras} must name each of {IMAGE_EXTRAS} at most once", file=str(path),
                          key="image_extras", fix="the image extras are defined in images/lab/Dockerfile.")
    for key in ("paper", "open_r1_recipe"):
        if key not in raw["reproduces"]:
            raise ConfigError("missing", file=str(path), key=f"reproduces.{key}")
    profiles = {}
    for pname, praw in raw["profiles"].items():
        if pname not in ("nano", "full"):
            raise ConfigError(f"unknown profile '{pname}'", file=str(path), key="profiles", fix="use nano and full.")
        if not isinstance(praw, dict):
            raise ConfigError("must be a mapping", file=str(path), key=f"profiles.{pname}")
        _check_mapping(Profile, praw, str(path), f"profiles.{pname}")
        if "recipe" not in praw:
            raise ConfigError("missing", file=str(path), key=f"profiles.{pname}.recipe")
        _check_mapping(Resources, praw.get("resources", {}), str(path), f"profiles.{pname}.resources")
        prof = Profile(**praw)
        if prof.launcher not in LAUNCHERS:
            raise ConfigError(f"launcher '{prof.launcher}' is not one of {LAUNCHERS}", file=str(path),
                              key=f"profiles.{pname}.launcher")
        if not (path.parent / prof.recipe).is_file():
            raise ConfigError(f"recipe '{prof.recipe}' does not exist", file=str(path),
                              key=f"profiles.{pname}.recipe")
        if prof.accelerate_config and not (REPO_ROOT / prof.accelerate_config).is_file():
            raise ConfigError(f"accelerate config '{prof.accelerate_config}' does not exist", file=str(path),
                              key=f"profiles.{pname}.accelerate_config")
        profiles[pname] = prof
    if "nano" not in profiles or "full" not in profiles:
        raise ConfigError("every lab has a nano and a full profile", file=str(path), key="profiles")
    lab = LabManifest(**{**raw, "profiles": profiles})
    lab.folder = path.parent
    return lab


def resources(lab: LabManifest, profile: str) -> Resources:
    return Resources(**lab.profile(profile).resources)


# ----------------------------------------------------------------------------------------------------------------
# Running


def has_gpu() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def resolve_profile(requested: str) -> tuple[str, str | None]:
    """('nano' | 'full', banner) — `auto` picks by hardware and says so."""
    if requested != "auto":
        return requested, None
    if has_gpu():
        return "full", "GPU found: running the FULL profile (the public recipe's sizes)."
    return "nano", "No GPU found: running the NANO profile on the CPU (same code path, tiny model, minutes)."


def train_command(lab: LabManifest, profile: str, output_dir: Path, overrides: list[str]) -> list[str]:
    prof = lab.profile(profile)
    entry = shlex.split(lab.entrypoint)
    tail = ["--config", str(lab.recipe_path(profile)), "--output_dir", str(output_dir), *overrides]
    if prof.launcher == "accelerate":
        # `python -m accelerate.commands.launch`, not the `accelerate` script: the venv need not be on PATH.
        launch = [sys.executable, "-m", "accelerate.commands.launch"]
        if prof.accelerate_config:
            launch += ["--config_file", str(REPO_ROOT / prof.accelerate_config)]
        if prof.num_processes:
            launch += ["--num_processes", str(prof.num_processes)]
        return [*launch, "-m", "open_r1", *entry, *tail]
    return [sys.executable, "-m", "open_r1", *entry, *tail]


def new_run_dir(lab: str, profile: str, base: str | None = None) -> Path:
    root = Path(base or os.environ.get("OPEN_R1_RUNS", "runs"))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / lab / f"{profile}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = root / lab / f"{profile}-{stamp}-{n}"
    return path


def run_lab(name: str, profile: str = "auto", runtime: str = "native", overrides: list[str] | None = None,
            run_dir: str | None = None, runs_root: str | None = None, dry_run: bool = False,
            options: dict[str, Any] | None = None) -> dict[str, Any]:
    from rich.console import Console

    from open_r1.configs import load_yaml
    from open_r1.runcard import update_run_card

    console = Console(stderr=True)
    overrides = list(overrides or [])
    lab = load_lab(name)
    if lab.status != "runnable":
        raise ConfigError(f"lab '{name}' is not runnable yet: see issue #{lab.issue}", file=str(lab.folder / "lab.yaml"),
                          key="status")
    if runtime not in RUNTIMES:
        raise ConfigError(f"unknown runtime '{runtime}'", key="--runtime", fix=f"use one of {RUNTIMES}.")
    profile, banner = resolve_profile(profile)
    lab.profile(profile)
    # Check the recipe and overrides now, before any child process or model: a typo fails in a second.
    _precheck(lab, profile, overrides)
    out = Path(run_dir) if run_dir else new_run_dir(name, profile, runs_root)
    if banner:
        console.rule(f"[bold yellow]{banner}")
    console.print(f"[bold]lab[/] {name} · profile {profile} · runtime {runtime} · run folder {out}")
    started = time.time()
    if runtime == "native":
        cmd = train_command(lab, profile, out, overrides)
        console.print(f"[dim]$ {shlex.join(cmd)}")
        if dry_run:
            return {"command": cmd, "run_dir": str(out), "profile": profile}
        out.mkdir(parents=True, exist_ok=True)
        returncode = subprocess.run(cmd, cwd=os.getcwd()).returncode
    else:
        from open_r1 import runtimes

        cmd, returncode = runtimes.launch(runtime, lab, profile, overrides, out, dict(options or {}), dry_run)
        if dry_run:
            return {"command": cmd, "run_dir": str(out), "profile": profile}
    wall = round(time.time() - started, 1)
    if returncode != 0:
        console.print(f"[bold red]lab {name} failed (exit {returncode}) after {wall} s; run folder {out}; "
                      f"rerun the same command with --run-dir {out} to resume from the last checkpoint.")
        raise SystemExit(returncode)
    card = update_run_card(
        out / "run_card.json",
        lab={"name": name, "profile": profile, "runtime": runtime, "title": lab.title,
             "recipe": str(lab.recipe_path(profile).relative_to(REPO_ROOT)) if lab.folder.is_relative_to(REPO_ROOT)
             else str(lab.recipe_path(profile)),
             "recipe_content": load_yaml(lab.recipe_path(profile)), "wall_s": wall, "command": cmd},
        rerun={"lab": name, "profile": profile, "runtime": runtime, "overrides": overrides},
    )
    _print_summary(console, card)
    return card


def _precheck(lab: LabManifest, profile: str, overrides: list[str]) -> None:
    from trl import GRPOConfig, SFTConfig

    from open_r1.configs import parse_recipe

    kind = lab.entrypoint.split()[-1]
    if kind == "ioi-eval":
        from open_r1.competitive.lab import load_config

        load_config(str(lab.recipe_path(profile)), overrides)
        return
    config_class = {"grpo": GRPOConfig, "sft": SFTConfig}.get(kind)
    if config_class is None:
        return
    # A login node or laptop has no GPU: TRL refuses bf16 there, but the job itself runs where GPUs are. The
    # precheck only needs the recipe to parse, so it switches mixed precision off for itself alone.
    no_gpu = [] if has_gpu() else ["--bf16", "false", "--fp16", "false"]
    parse_recipe(config_class, str(lab.recipe_path(profile)),
                 [*overrides, *no_gpu, "--output_dir", "/tmp/open-r1-precheck"])


def _print_summary(console: Any, card: dict[str, Any]) -> None:
    from rich.table import Table

    metrics = card.get("metrics", {})
    before, after = metrics.get("heldout_before"), metrics.get("heldout_after")
    if not (before and after):
        return
    stage = "SFT" if "sft" in str(card.get("kind", "")) else "GRPO"
    # A GRPO lab starts from an SFT'd model (R1 stage 2 after stage 1); the distill lab starts from scratch.
    labels = ("SFT base", "after GRPO") if stage == "GRPO" else ("before SFT", "after SFT")
    table = Table(title=f"held-out nano problems (n={after['n']})")
    table.add_column("metric")
    table.add_column(labels[0], justify="right")
    table.add_column(labels[1], justify="right")
    # Code tasks score `accuracy` with the binary_code reward (every test passes in the sandbox): say so.
    names = {"accuracy": "code reward (binary_code)", "sampled_accuracy": "code reward, sampled"} \
        if after.get("task") == "code" else {}
    for key in ("format", "accuracy", "sampled_accuracy"):
        if key in before and key in after:
            table.add_row(names.get(key, key), f"{before[key]:.1%}", f"{after[key]:.1%}")
    console.print(table)


def rerun(card_path: str, runs_root: str | None = None, runtime: str | None = None) -> dict[str, Any]:
    from open_r1.runcard import read_run_card

    card = read_run_card(card_path)
    spec = card.get("rerun")
    if not spec:
        raise ConfigError("has no 'rerun' block (it was not written by `open-r1 lab run`)", file=str(card_path),
                          fix="rerun a run folder made by `open-r1 lab run`.")
    new = run_lab(spec["lab"], spec["profile"], runtime or spec["runtime"], spec["overrides"], runs_root=runs_root)
    same = new.get("metrics", {}).get("heldout_after") == card.get("metrics", {}).get("heldout_after")
    print(f"metrics identical to the original run: {same}")
    return new


# ----------------------------------------------------------------------------------------------------------------
# CLI


def _cmd_list(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="open-r1 labs")
    for col in ("lab", "stage", "status", "reproduces", "full-scale resources"):
        table.add_column(col)
    for name in list_labs():
        lab = load_lab(name)
        r = resources(lab, "full")
        status = lab.status if lab.status == "runnable" else f"planned (#{lab.issue})"
        table.add_row(name, lab.stage, status, lab.reproduces.get("open_r1_recipe", ""),
                      f"{r.nodes}×{r.gpus} GPU")
    Console().print(table)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from rich.console import Console

    lab = load_lab(args.lab)
    console = Console()
    console.print((lab.folder / "lab.yaml").read_text())
    for pname in lab.profiles:
        console.rule(f"{pname} recipe: {lab.profile(pname).recipe}")
        console.print(lab.recipe_path(pname).read_text())
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    overrides = list(args.unknown) + list(args.passthrough)
    options = {key: getattr(args, key) for key in RUNTIME_OPTIONS}
    run_lab(args.lab, args.profile, args.runtime, overrides, run_dir=args.run_dir, runs_root=args.runs_root,
            dry_run=args.dry_run, options=options)
    return 0


def _cmd_rerun(args: argparse.Namespace) -> int:
    rerun(args.card, runs_root=args.runs_root, runtime=args.runtime)
    return 0


def register(subparsers: Any) -> None:
    lab = subparsers.add_parser("lab", help="list, show and run the labs")
    sub = lab.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="the labs and their status").set_defaults(func=_cmd_list)
    show = sub.add_parser("show", help="a lab's manifest and recipes")
    show.add_argument("lab")
    show.set_defaults(func=_cmd_show)
    run = sub.add_parser("run", help="run a lab (overrides after --, e.g. -- --max_steps 10)")
    run.add_argument("lab")
    run.add_argument("--profile", default="auto", choices=["auto", "nano", "full"])
    run.add_argument("--runtime", default="native", choices=list(RUNTIMES))
    run.add_argument("--run-dir", help="use this run folder (an existing one resumes from its last checkpoint)")
    run.add_argument("--runs-root", help="where new run folders go (default ./runs or $OPEN_R1_RUNS)")
    run.add_argument("--dry-run", action="store_true", help="print the command, run nothing")
    group = run.add_argument_group("container and cluster runtimes")
    group.add_argument("--image", help="image reference or .sif file (default: the lab's image)")
    group.add_argument("--nodes", type=int, help="SLURM: nodes (default: the profile's resources)")
    group.add_argument("--gpus-per-node", type=int, help="SLURM: GPUs per node")
    group.add_argument("--partition", help="SLURM partition")
    group.add_argument("--account", help="SLURM account")
    group.add_argument("--container", choices=["apptainer", "pyxis", "none"], help="SLURM: how jobs enter the image")
    group.add_argument("--cluster-profile", help="YAML file with your cluster's defaults")
    run.set_defaults(func=_cmd_run, accepts_unknown=True)
    again = sub.add_parser("rerun", help="run again what a run card describes")
    again.add_argument("card", help="run_card.json or its run folder")
    again.add_argument("--runs-root")
    again.add_argument("--runtime", choices=list(RUNTIMES))
    again.set_defaults(func=_cmd_rerun)
