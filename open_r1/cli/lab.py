"""`open-r1 lab list | show | run | rerun | schema`: the labs from the command line.

WHAT: list the labs (a table from the manifests), show one, run a profile under a runtime, replay a run card, and
    print the JSON Schema of lab.yaml.
WHY: one command per verb, with the work in open_r1.labs (manifest, runner), so `just lab grpo-math`, a SLURM job
    and a test call the same functions (R1 arXiv 2501.12948 §2.2-2.4: each lab is one stage of the pipeline).
HOW: argparse subcommands → open_r1.labs.manifest (load_lab, lab_schema) / open_r1.labs.runner (run_lab, rerun).
DATA FLOW: `just lab <lab>` → here → run_lab → run folder + run card → `open-r1 lab rerun <card>`.
"""

from __future__ import annotations

import argparse
from typing import Any

from open_r1.labs.manifest import PROFILES, RUNTIME_OPTIONS, RUNTIMES, list_labs, load_lab, resources
from open_r1.labs.runner import rerun, run_lab


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
        table.add_row(name, lab.stage, status, lab.reproduces.get("open_r1_recipe", ""), f"{r.nodes}×{r.gpus} GPU")
    Console().print(table)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from rich.console import Console

    lab = load_lab(args.lab)
    console = Console()
    console.print((lab.folder / "lab.yaml").read_text())
    for pname in lab.profiles:
        recipes = [lab.stage_recipe(pname, s.name) for s in lab.stages] or [lab.recipe_path(pname)]
        for recipe in recipes:  # a pipeline lab: one recipe per stage
            console.rule(f"{pname} recipe: {recipe.relative_to(lab.folder)}")
            console.print(recipe.read_text())
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    overrides = list(args.unknown) + list(args.passthrough)
    options = {key: getattr(args, key) for key in RUNTIME_OPTIONS}
    run_lab(
        args.lab,
        args.profile,
        args.runtime,
        overrides,
        run_dir=args.run_dir,
        runs_root=args.runs_root,
        dry_run=args.dry_run,
        options=options,
    )
    return 0


def _cmd_rerun(args: argparse.Namespace) -> int:
    rerun(args.card, runs_root=args.runs_root, runtime=args.runtime)
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    import json

    from open_r1.labs.manifest import lab_schema

    print(json.dumps(lab_schema(), indent=2))
    return 0


def register(subparsers: Any) -> None:
    """Add `open-r1 lab` and its actions to the command tree: list, show, run (profile, runtime, run folder, container
    and cluster options), rerun from a run card, and schema.
    """
    lab = subparsers.add_parser("lab", help="list, show and run the labs")
    sub = lab.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="the labs and their status").set_defaults(func=_cmd_list)
    show = sub.add_parser("show", help="a lab's manifest and recipes")
    show.add_argument("lab", help="the lab's name (`open-r1 lab list`)")
    show.set_defaults(func=_cmd_show)
    run = sub.add_parser("run", help="run a lab (overrides after --, e.g. -- --max_steps 10)")
    run.add_argument("lab", help="the lab's name (`open-r1 lab list`)")
    run.add_argument(
        "--profile",
        default="auto",
        choices=["auto", *PROFILES],
        help="auto: the biggest profile the planner says fits this machine (full, then gpu, then nano); "
        "$OPEN_R1_HARDWARE=1x24 declares the target machine when planning from another",
    )
    run.add_argument(
        "--runtime",
        default="native",
        choices=list(RUNTIMES),
        help="native (this machine), docker/podman (the lab image), apptainer or slurm (a cluster)",
    )
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
    again.add_argument("--runs-root", help="where the new run folder goes (default: runs/ in the current folder)")
    again.add_argument("--runtime", choices=list(RUNTIMES), help="run it under another runtime than the card's")
    again.set_defaults(func=_cmd_rerun)
    schema = sub.add_parser("schema", help="print the JSON Schema of lab.yaml (for editors that validate YAML)")
    schema.set_defaults(func=_cmd_schema)
