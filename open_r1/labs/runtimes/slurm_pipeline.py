"""A pipeline lab on SLURM: one job per stage, each waiting for the one before (`--dependency=afterok:<id>`).

WHAT
    `submit_pipeline(lab, profile, commands, run_dir, options, dry_run, console)` renders one train.sbatch.j2 job
    per stage (`<run>/<stage>/slurm/train.sbatch`, the same template and planner as a single-stage lab:
    open_r1.labs.runtimes.slurm.plan_train_job) and submits them in order, stage k with
    `--dependency=afterok:<job of stage k-1>`; the ids go into the run card's `slurm_pipeline` block.

WHY
    R1's stages differ in size and length (hours of SFT, days of RL, a generation job in between): one allocation
    for all of them would hold every GPU through the cheap stages. Separate jobs chained by dependencies let the
    scheduler place each stage on what it needs, and a failed stage stops the chain (afterok) instead of starting
    the next stage on a missing model. Each job runs the stage's own command, which resumes from its checkpoints
    when requeued, exactly as a native run does.

HOW
    Stage view: the lab seen as a one-stage lab (name `<lab>-<stage>`, entrypoint = the stage's, recipe = the
    stage recipe, profile resources of the lab) → plan_train_job(run_dir = `<run>/<stage>`, overrides = the
    stage's inputs and overrides) → render → sbatch --parsable (stage k > 0 adds the dependency).

DATA FLOW
    open_r1.labs.pipeline.run_pipeline_lab (runtime slurm) → here → slurm_templates/train.sbatch.j2 → sbatch →
    each job: `open-r1 <stage entrypoint> ...` → `<run>/<stage>/` → the next job.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from open_r1.core.runcard import update_run_card
from open_r1.labs.manifest import LabManifest, Profile, Stage
from open_r1.labs.runtimes.slurm import (
    ClusterProfile,
    load_cluster_profile,
    plan_train_job,
    render,
    submit,
)


class StageView:
    """A pipeline stage seen as a one-stage lab, so the single-lab SLURM planner plans its job unchanged."""

    def __init__(self, lab: LabManifest, stage: Stage, profile: str):
        self.name = f"{lab.name}-{stage.name}"
        self.folder = lab.folder
        self.entrypoint = stage.entrypoint
        self.image = lab.image
        self._recipe = lab.stage_recipe(profile, stage.name)
        base = lab.profile(profile)
        # Rejection sampling is one process that generates; only training stages use the profile's launcher.
        self._profile = (
            base
            if stage.entrypoint.startswith("train")
            else Profile(
                recipe=base.recipe, launcher="python", resources=base.resources.model_copy(update={"nodes": 1})
            )
        )

    def profile(self, name: str) -> Profile:
        """The lab profile (resources, launcher) this stage runs under."""
        return self._profile

    def recipe_path(self, profile: str) -> Path:
        """The recipe this stage trains or samples with (the lab's stage recipe for the profile chosen at construction),
        whatever profile name the planner passes.
        """
        return self._recipe


def _stage_args(cmd: list[str]) -> list[str]:
    """The stage command's arguments after `--config X --output_dir Y` (its inputs and overrides)."""
    i = cmd.index("--output_dir")
    return cmd[i + 2 :]


def submit_pipeline(
    lab: LabManifest,
    profile: str,
    commands: list[tuple[Stage, list[str]]],
    run_dir: Path,
    options: dict[str, Any],
    dry_run: bool,
    console: Any,
) -> dict[str, Any]:
    """Render (and unless dry_run, submit) one job per stage, chained with afterok dependencies."""
    base = load_cluster_profile(options.get("cluster_profile"))
    run_dir = Path(run_dir).resolve()
    jobs: list[dict[str, Any]] = []
    previous: str | None = None
    for stage, cmd in commands:
        cluster = ClusterProfile(**{**asdict(base), "source": base.source})
        if previous is not None:
            # afterok: the next stage starts only if this one succeeded (a failed stage must not feed the next).
            cluster.sbatch = [*cluster.sbatch, f"--dependency=afterok:{previous}"]
        elif jobs:
            cluster.sbatch = [*cluster.sbatch, "--dependency=afterok:<previous stage>"]
        stage_run = run_dir / stage.name
        plan = plan_train_job(StageView(lab, stage, profile), profile, _stage_args(cmd), stage_run, options, cluster)
        script = stage_run / "slurm" / "train.sbatch"
        text = render("train.sbatch.j2", **plan)
        entry = {"stage": stage.name, "script": str(script), "command": plan["train"]["command"], "job_id": None}
        if dry_run:
            print(f"# ---- stage {stage.name}: {script}\n{text}")
            previous = f"<job of {stage.name}>"
        else:
            script.parent.mkdir(parents=True, exist_ok=True)
            script.write_text(text)
            previous = submit(script)
            entry["job_id"] = previous
            console.print(f"[bold]submitted[/] stage {stage.name}: job {previous} ({script})")
        jobs.append(entry)
    if not dry_run:
        update_run_card(
            run_dir / "run_card.json",
            kind="lab pipeline",
            slurm_pipeline=jobs,
            lab={"name": lab.name, "profile": profile, "runtime": "slurm"},
            rerun={"lab": lab.name, "profile": profile, "runtime": "slurm", "overrides": []},
        )
    return {"run_dir": str(run_dir), "profile": profile, "jobs": jobs}
