"""The lab runner: run a profile of a lab under a runtime, leave a run folder and a run card; replay a card.

WHAT
    `run_lab(name, profile, runtime, overrides)` → the run card dict; `rerun(card)` replays a run card;
    `resolve_profile(lab, "auto")` picks the biggest profile the planner says fits (open_r1.labs.hardware); `train_command(lab, profile, out, overrides)` is the launcher
    command line; `_precheck` parses the recipe (every error before any model loads or job is queued).

WHY
    Profiles change sizes and models, never code: `nano` and `full` run the same entrypoint (`open-r1 train grpo`),
    only with a different recipe and launcher (plain Python on a CPU, `accelerate launch` with DeepSpeed/FSDP on
    GPUs). A run card with the `rerun` block is enough to run the same thing again (same seed ⇒ same metrics).

HOW
    profile `auto` → full, gpu or nano, whichever is the biggest that fits this machine's GPUs by the planner's
    estimate (or declared hardware, $OPEN_R1_HARDWARE), announced in a banner with the numbers and recorded in the
    run card (`profile_choice`); an explicit profile that cannot fit a local run fails first, with the figures. Runtime `native` builds the
    launcher command line from the manifest and runs it as a child process in the run folder; container and
    cluster runtimes wrap the same command (see open_r1.labs.runtimes). The child writes run_card.json; the runner
    adds the lab block and the `rerun` recipe (lab, profile, runtime, overrides, seed) to it.

DATA FLOW
    `just lab <lab>` → `open-r1 lab run <lab>` (open_r1.cli.lab) → here → `python -m open_r1 train ...` (or
    accelerate launch) → run folder (`runs/<lab>/<profile>-<time>/`) → `open-r1 lab rerun <run card>`.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from open_r1.core import paths
from open_r1.core.errors import ConfigError
from open_r1.labs.hardware import detect_hardware, has_gpu
from open_r1.labs.manifest import RUNTIMES, LabManifest, load_lab
from open_r1.labs.vllm_server import plan_local_server, run_training

LOCAL_RUNTIMES = ("native", "docker", "podman")  # run on this machine: its GPUs decide what fits


def resolve_profile(lab: LabManifest, requested: str, runtime: str = "native") -> tuple[str, str | None, dict | None]:
    """(profile, banner, profile_choice record) for a run of `lab`.

    `auto` asks the planner which profile fits this machine (full → gpu → nano; open_r1.labs.hardware) and says
    why in the banner. An explicit profile on a local runtime must fit too, or this fails before any download or
    model load with the planner's figures; cluster runtimes (apptainer, slurm) run elsewhere and are not checked.
    """
    from open_r1.labs.hardware import check_profile_fits, choice_record, choose_profile, detect_hardware

    hw = detect_hardware()
    if requested == "auto":
        chosen, tried = choose_profile(lab, hw)
        why = tried[-1].reason
        skipped = "; ".join(f"{f.profile}: {f.reason}" for f in tried[:-1])
        banner = f"{hw.describe()} → profile {chosen.upper()} ({why})" + (f" — not {skipped}" if skipped else "")
        return chosen, banner, choice_record(hw, chosen, tried)
    lab.profile(requested)
    if runtime in LOCAL_RUNTIMES:
        fit = check_profile_fits(lab, requested, hw)
        return requested, None, choice_record(hw, requested, [fit])
    return requested, None, None


def train_command(lab: LabManifest, profile: str, output_dir: Path, overrides: list[str]) -> list[str]:
    """The command line that runs a lab profile's entrypoint with its recipe, output folder and overrides: `python -m
    open_r1 ...`, behind `accelerate launch` with the profile's config and process count when the launcher is
    accelerate.
    """
    prof = lab.profile(profile)
    entry = shlex.split(lab.entrypoint)
    tail = ["--config", str(lab.recipe_path(profile)), "--output_dir", str(output_dir), *overrides]
    if prof.launcher == "accelerate":
        # `python -m accelerate.commands.launch`, not the `accelerate` script: the venv need not be on PATH.
        launch = [sys.executable, "-m", "accelerate.commands.launch"]
        if prof.accelerate_config:
            launch += ["--config_file", str(paths.project_path(prof.accelerate_config))]
        if prof.num_processes:
            launch += ["--num_processes", str(prof.num_processes)]
        return [*launch, "-m", "open_r1", *entry, *tail]
    return [sys.executable, "-m", "open_r1", *entry, *tail]


def new_run_dir(lab: str, profile: str, base: str | None = None) -> Path:
    """A fresh run folder `<runs root>/<lab>/<profile>-<YYYYmmdd-HHMMSS>` under `base`, $OPEN_R1_RUNS or runs/, with a
    -2, -3 suffix when that name is taken; the folder is not created here.
    """
    root = Path(base or os.environ.get("OPEN_R1_RUNS", "runs"))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / lab / f"{profile}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = root / lab / f"{profile}-{stamp}-{n}"
    return path


def run_lab(
    name: str,
    profile: str = "auto",
    runtime: str = "native",
    overrides: list[str] | None = None,
    run_dir: str | None = None,
    runs_root: str | None = None,
    dry_run: bool = False,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`open-r1 lab run`: check the lab and runtime, resolve the profile, precheck the recipe, run the training command
    (natively or through a runtime) in a run folder, then add the lab, rerun and profile-choice blocks to its run card
    and print a summary; pipeline labs go to open_r1.labs.pipeline.
    """
    from rich.console import Console

    from open_r1.core.configs import load_yaml
    from open_r1.core.runcard import update_run_card

    console = Console(stderr=True)
    overrides = list(overrides or [])
    lab = load_lab(name)
    if lab.status != "runnable":
        raise ConfigError(
            f"lab '{name}' is not runnable yet: see issue #{lab.issue}",
            file=str(lab.folder / "lab.yaml"),
            key="status",
        )
    if runtime not in RUNTIMES:
        raise ConfigError(f"unknown runtime '{runtime}'", key="--runtime", fix=f"use one of {RUNTIMES}.")
    if lab.is_pipeline:  # stages chained by open_r1.labs.pipeline (one run folder, one run card, one block per stage)
        from open_r1.labs.pipeline import run_pipeline_lab

        # auto: the planner's choice as for every lab (it plans the first stage's recipe, the largest model)
        profile, banner, choice = resolve_profile(lab, profile, runtime)
        _print_banner(console, profile, banner)
        out = Path(run_dir) if run_dir else new_run_dir(name, profile, runs_root)
        card = run_pipeline_lab(lab, profile, runtime, overrides, out, dry_run, dict(options or {}), console)
        if choice and not dry_run and (out / "run_card.json").exists():
            card = update_run_card(out / "run_card.json", profile_choice=choice)
        return card
    profile, banner, choice = resolve_profile(lab, profile, runtime)
    # first: the choice and its numbers are shown even when the precheck below refuses the recipe
    _print_banner(console, profile, banner)
    # Check the recipe and overrides now, before any child process or model: a typo fails in a second. This
    # machine's packages and devices matter only when the job really starts here (not for a --dry-run plan).
    _precheck(lab, profile, overrides, here=runtime == "native" and not dry_run)
    out = Path(run_dir) if run_dir else new_run_dir(name, profile, runs_root)
    console.print(f"[bold]lab[/] {name} · profile {profile} · runtime {runtime} · run folder {out}")
    started = time.time()
    server = None
    if runtime == "native":
        cmd = train_command(lab, profile, out, overrides)
        console.print(f"[dim]$ {shlex.join(cmd)}")
        # GRPO in vLLM server mode: the generation server is started here, on GPUs of its own (open_r1.labs.vllm_server)
        gpus, processes = detect_hardware().gpus, lab.profile(profile).num_processes
        where = {"file": str(lab.folder / "lab.yaml"), "key": f"profiles.{profile}.num_processes"}
        if dry_run:
            result: dict[str, Any] = {"command": cmd, "run_dir": str(out), "profile": profile}
            plan = plan_local_server(cmd, gpus, processes, **where)
            if plan:
                console.print(
                    f"[dim]vLLM server on GPU(s) {','.join(plan.serve_devices)} (training on "
                    f"{','.join(plan.train_devices)}), started first and waited for:\n$ {shlex.join(plan.command)}"
                )
                result.update(vllm_server=shlex.join(plan.command), train_devices=plan.train_devices)
            return result
        out.mkdir(parents=True, exist_ok=True)
        returncode, server = run_training(cmd, gpus, processes, out, console, **where)
    else:
        from open_r1.labs import runtimes

        cmd, returncode = runtimes.launch(runtime, lab, profile, overrides, out, dict(options or {}), dry_run)
        if dry_run:
            if runtime != "slurm":  # the SLURM runtime prints its own plan (the script it would submit)
                console.print(f"[dim]$ {shlex.join(cmd)}")
            return {"command": cmd, "run_dir": str(out), "profile": profile}
    wall = round(time.time() - started, 1)
    if returncode != 0:
        console.print(
            f"[bold red]lab {name} failed (exit {returncode}) after {wall} s; run folder {out}; "
            f"rerun the same command with --run-dir {out} to resume from the last checkpoint."
        )
        raise SystemExit(returncode)
    card = update_run_card(
        out / "run_card.json",
        lab={
            "name": name,
            "profile": profile,
            "runtime": runtime,
            "title": lab.title,
            "recipe": paths.display_path(lab.recipe_path(profile)),
            "recipe_content": load_yaml(lab.recipe_path(profile)),
            "wall_s": wall,
            "command": cmd,
        },
        rerun={"lab": name, "profile": profile, "runtime": runtime, "overrides": overrides},
        **({"profile_choice": choice} if choice else {}),
        **({"vllm_server": server} if server else {}),
    )
    _print_summary(console, card)
    return card


def _print_banner(console: Any, profile: str, banner: str | None) -> None:
    """The profile choice and the planner's numbers behind it, as a rule and a line (nothing for an explicit one)."""
    if banner:
        console.rule(f"[bold yellow]profile {profile}")
        console.print(f"[yellow]{banner}", soft_wrap=True)


def _precheck(lab: LabManifest, profile: str, overrides: list[str], here: bool = True) -> None:
    """Parse the recipe with every check that can run before a job starts; `here`: the job runs on this machine
    (native), so its packages and devices are checked too (see open_r1.train.parse_training_recipe)."""
    from open_r1.train import TRAINING_KINDS, parse_training_recipe

    kind = lab.entrypoint.split()[-1]
    if kind == "ioi-eval":
        from open_r1.labs.ioi_eval import load_config

        load_config(str(lab.recipe_path(profile)), overrides)
        return
    if kind not in TRAINING_KINDS:
        return
    # A login node or laptop has no GPU: TRL refuses bf16 there, but the job itself runs where GPUs are. The
    # precheck only needs the recipe to parse, so it switches mixed precision off for itself alone.
    no_gpu = [] if has_gpu() else ["--bf16", "false", "--fp16", "false"]
    parse_training_recipe(
        kind, str(lab.recipe_path(profile)), [*overrides, *no_gpu, "--output_dir", "/tmp/open-r1-precheck"], here=here
    )


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
    names = (
        {"accuracy": "code reward (binary_code)", "sampled_accuracy": "code reward, sampled"}
        if after.get("task") == "code"
        else {}
    )
    for key in ("format", "accuracy", "sampled_accuracy"):
        if key in before and key in after:
            table.add_row(names.get(key, key), f"{before[key]:.1%}", f"{after[key]:.1%}")
    console.print(table)


def rerun(card_path: str, runs_root: str | None = None, runtime: str | None = None) -> dict[str, Any]:
    """`open-r1 lab rerun`: run the lab, profile, runtime and overrides recorded in a run card's `rerun` block again and
    print whether the held-out metrics came out identical; returns the new run card.
    """
    from open_r1.core.runcard import read_run_card

    card = read_run_card(card_path)
    spec = card.get("rerun")
    if not spec:
        raise ConfigError(
            "has no 'rerun' block (it was not written by `open-r1 lab run`)",
            file=str(card_path),
            fix="rerun a run folder made by `open-r1 lab run`.",
        )
    new = run_lab(spec["lab"], spec["profile"], runtime or spec["runtime"], spec["overrides"], runs_root=runs_root)
    same = new.get("metrics", {}).get("heldout_after") == card.get("metrics", {}).get("heldout_after")
    print(f"metrics identical to the original run: {same}")
    return new
