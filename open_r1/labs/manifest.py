"""Lab manifests: `labs/<lab>/lab.yaml`, typed and checked, the single source of truth for a lab.

WHAT
    A lab is one stage of the R1 recipe, described by `labs/<lab>/lab.yaml`: what it reproduces, its image,
    entrypoint, profiles (`nano` and `full`: recipe, launcher, resources, expected result) and image extras.
    `LabManifest` / `Profile` / `Resources` are pydantic models with a description per field; `load_lab(name)`
    validates a manifest (file, key, value and fix in every error) and `lab_schema()` is its JSON Schema
    (`open-r1 lab schema`, for editors that validate YAML). Running a lab is open_r1.labs.runner.

WHY
    One file per lab means the Justfile, compose.yaml, SLURM templates, images and docs read the same facts instead
    of repeating them (and tests fail when they drift). Profiles change sizes and models, never code: `nano` and
    `full` run the same entrypoint (`open-r1 train grpo`, R1 arXiv 2501.12948 §2.2 at full scale or nano scale),
    only with a different recipe and launcher. A typed schema lets an editor catch a typo before a job is queued.

HOW
    YAML → `validate_model(LabManifest, raw)` (unknown keys, wrong types, missing fields) → cross-field checks the
    types cannot express (name = folder, a planned lab names its issue, the recipe and accelerate config exist).

DATA FLOW
    open_r1.labs.runner, open_r1.labs.runtimes, open_r1.labs.plan, images/build.sh (image_extras), scripts/docs →
    `load_lab` → `LabManifest`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field

from open_r1.core import paths
from open_r1.core.configs import StrictModel
from open_r1.core.errors import ConfigError

RUNTIMES = ("native", "docker", "podman", "apptainer", "slurm")
RUNTIME_OPTIONS = ("image", "nodes", "gpus_per_node", "partition", "account", "container", "cluster_profile")
# What a lab's image may add to the shared core image (`image_extras:` in lab.yaml; images/lab/Dockerfile has one
# stage per extra, switched on by images/build.sh): `sandbox` the local code sandbox's tools (bubblewrap, g++; the
# container runtimes then relax the engine's confinement for bwrap), `lighteval` lighteval in its own venv.
IMAGE_EXTRAS = ("sandbox", "lighteval")


PROFILES = ("nano", "gpu", "full")  # CPU minutes; one GPU, about an hour; the public recipe's size


class Resources(StrictModel):
    """What one run of a profile asks a machine or a scheduler for."""

    gpus: int = Field(0, ge=0, description="GPUs per node (0: CPU only)")
    nodes: int = Field(1, ge=1, description="nodes (SLURM --nodes; 1 for a single machine)")
    cpus: int = Field(2, ge=1, description="CPU cores per node")
    memory_gb: float = Field(4.0, gt=0, description="host memory per node, GB")
    gpu_memory_gb: float | None = Field(None, gt=0, description="memory of each GPU, GB (what the planner checks)")
    time_limit: str | None = Field(
        None,
        pattern=r"^(\d+-)?\d{1,2}:\d{2}:\d{2}$",
        description="wall-clock limit, SLURM style (e.g. 04:00:00 or 1-00:00:00)",
    )


class Profile(StrictModel):
    """One way to run a lab: a recipe, how to launch it, and what it needs and gives."""

    recipe: str = Field(description="the training recipe, relative to the lab folder (e.g. recipes/nano.yaml)")
    launcher: Literal["python", "accelerate"] = Field(
        "python", description="python (one process) or accelerate (accelerate launch with accelerate_config)"
    )
    accelerate_config: str | None = Field(
        None, description="accelerate config relative to the project root (e.g. recipes/accelerate/zero2.yaml)"
    )
    num_processes: int | None = Field(None, ge=1, description="processes per node for accelerate (default: GPUs)")
    resources: Resources = Field(default_factory=Resources, description="what one run needs")
    expected: str | None = Field(None, description="what a person should see: time, memory, result")


# What a pipeline stage may run: the project's own entrypoints (`open-r1 <entrypoint> --config <stage recipe>`).
STAGE_ENTRYPOINTS = ("train sft", "train grpo", "data rejection-sample")
PIPELINE_ENTRYPOINT = "pipeline"  # a lab whose stages the runner chains (open_r1.labs.pipeline)


class Stage(StrictModel):
    """One stage of a pipeline lab: an existing entrypoint, its recipe (per profile), and where its inputs come from.

    A stage's recipe is `<profile recipe folder>/<stage name>.yaml`. Its output folder is `<run>/<stage name>/`;
    `model_from` and `data_from` name earlier stages whose outputs this stage reads, so the runner can hand them
    over as `--model_name_or_path` / `--dataset_name` overrides (and a scheduler can order jobs by them).
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="stage name (lowercase, _): its folder and recipe")
    title: str = Field(description="one line: what the stage does")
    paper: str = Field(description="the paper section it reproduces, e.g. 'DeepSeek-R1 §2.3.1 cold start'")
    entrypoint: Literal["train sft", "train grpo", "data rejection-sample"] = Field(
        description="the open-r1 command the stage runs"
    )
    model_from: str | None = Field(None, description="an earlier stage whose final model this stage starts from")
    data_from: str | None = Field(None, description="an earlier stage whose data.jsonl this stage trains on")


class Reproduces(StrictModel):
    """What the lab reproduces, so a reader can check it against the source."""

    model_config = ConfigDict(extra="allow", strict=True)

    paper: str = Field(description="paper and exact section, e.g. 'DeepSeek-R1 (arXiv 2501.12948) §2.2'")
    open_r1_recipe: str = Field(description="the public open-r1 recipe the full profile mirrors")


class LabManifest(StrictModel):
    """`labs/<lab>/lab.yaml`: everything the runner, the images and the docs know about a lab."""

    name: str = Field(description="the lab's name; must equal its folder name")
    title: str = Field(description="one-line title")
    stage: str = Field(description="which R1 stage it is, e.g. 'R1 stage 2 (RL)'")
    status: Literal["runnable", "planned"] = Field(description="runnable, or planned (then `issue` is required)")
    summary: str = Field("", description="a paragraph for `open-r1 lab show` and the docs")
    issue: int | None = Field(None, description="the issue that tracks a planned lab")
    reproduces: Reproduces = Field(description="paper section and public recipe it reproduces")
    entrypoint: str = Field(description="the open-r1 command it runs, e.g. 'train grpo'")
    image: str = Field(description="its container image; {version} is replaced by the package version")
    image_extras: list[Literal["sandbox", "lighteval"]] = Field(
        default_factory=list,
        description="what its image adds to the core image, each at most once: "
        "sandbox (bubblewrap, g++ for the local code sandbox), lighteval (lighteval in its own venv)",
    )
    profiles: dict[str, Profile] = Field(description=f"one entry per profile: {', '.join(PROFILES)}")
    stages: list[Stage] = Field(
        default_factory=list,
        description="pipeline labs (entrypoint: pipeline): the stages in order; each profile's recipe is then a "
        "folder holding <stage>.yaml for every stage",
    )

    folder: Path = Field(Path("."), exclude=True, description="the lab folder (set by load_lab)")

    def profile(self, name: str) -> Profile:
        """The profile `name`, or a ConfigError listing the lab's profiles."""
        if name not in self.profiles:
            raise ConfigError(
                f"lab '{self.name}' has no profile '{name}'",
                file=str(self.folder / "lab.yaml"),
                key="profiles",
                fix=f"use one of {sorted(self.profiles)}.",
            )
        return self.profiles[name]

    def recipe_path(self, profile: str) -> Path:
        """The absolute path of a profile's recipe (a pipeline lab: the folder of its stage recipes)."""
        return self.folder / self.profile(profile).recipe

    @property
    def is_pipeline(self) -> bool:
        """True for a lab whose stages the runner chains (open_r1.labs.pipeline)."""
        return bool(self.stages)

    def stage_named(self, name: str) -> Stage:
        """The stage `name`, or a ConfigError listing the lab's stages."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise ConfigError(
            f"lab '{self.name}' has no stage '{name}'",
            file=str(self.folder / "lab.yaml"),
            key="stages",
            fix=f"use one of {[s.name for s in self.stages]}.",
        )

    def stage_recipe(self, profile: str, stage: str) -> Path:
        """The recipe of one stage of a pipeline lab under a profile: `<profile recipe folder>/<stage>.yaml`."""
        return self.recipe_path(profile) / f"{self.stage_named(stage).name}.yaml"


def lab_schema() -> dict[str, Any]:
    """The JSON Schema of lab.yaml (`open-r1 lab schema`); editors validate manifests with it."""
    schema = LabManifest.model_json_schema()
    schema["properties"].pop("folder", None)
    schema["title"] = "open-r1 lab manifest (labs/<lab>/lab.yaml)"
    return schema


def list_labs() -> list[str]:
    """The names of the labs: every folder under open_r1.core.paths.labs_root() with a lab.yaml."""
    return sorted(p.parent.name for p in paths.labs_root().glob("*/lab.yaml"))


def load_lab(name: str) -> LabManifest:
    """Read and check `labs/<name>/lab.yaml`; every error names the file, the key, the value and the fix."""
    from open_r1.core.configs import load_yaml, validate_model

    path = paths.labs_root() / name / "lab.yaml"
    if not path.exists():
        raise ConfigError(f"no lab named '{name}'", file=str(path), fix=f"choose one of {list_labs()}.")
    raw = load_yaml(path)
    if isinstance(raw.get("image_extras"), list) and len(set(map(str, raw["image_extras"]))) != len(
        raw["image_extras"]
    ):
        raise ConfigError(
            f"{raw['image_extras']} names an extra twice",
            file=str(path),
            key="image_extras",
            fix=f"name each of {IMAGE_EXTRAS} at most once.",
        )
    lab = validate_model(LabManifest, raw, str(path))
    if lab.name != name:
        raise ConfigError(f"name '{lab.name}' differs from its folder '{name}'", file=str(path), key="name")
    if lab.status == "planned" and not lab.issue:
        raise ConfigError("a planned lab must name the issue that tracks it", file=str(path), key="issue")
    unknown = [p for p in lab.profiles if p not in PROFILES]
    if unknown:
        raise ConfigError(
            f"unknown profile(s) {unknown}", file=str(path), key="profiles", fix=f"use {', '.join(PROFILES)}."
        )
    lab.folder = path.parent
    _check_stages(lab, path)
    for pname, prof in lab.profiles.items():
        if lab.is_pipeline:
            continue  # stage recipes checked by _check_stages
        if not (path.parent / prof.recipe).is_file():
            raise ConfigError(f"recipe '{prof.recipe}' does not exist", file=str(path), key=f"profiles.{pname}.recipe")
        if prof.accelerate_config and not paths.project_path(prof.accelerate_config).is_file():
            raise ConfigError(
                f"accelerate config '{prof.accelerate_config}' does not exist",
                file=str(path),
                key=f"profiles.{pname}.accelerate_config",
            )
    missing = [p for p in PROFILES if p not in lab.profiles]
    if missing:
        raise ConfigError(f"profile(s) {missing} missing", file=str(path), key="profiles",
                          fix=f"every lab has the profiles {', '.join(PROFILES)}.")
    lab.folder = path.parent
    return lab


def _check_stages(lab: LabManifest, path: Path) -> None:
    """A pipeline lab: entrypoint `pipeline`, unique stage names, inputs from earlier stages, every stage recipe."""
    if lab.is_pipeline != (lab.entrypoint == PIPELINE_ENTRYPOINT):
        raise ConfigError(
            f"entrypoint '{lab.entrypoint}' with {len(lab.stages)} stage(s)",
            file=str(path),
            key="entrypoint",
            fix=f"a lab with stages has entrypoint: {PIPELINE_ENTRYPOINT}; any other lab has no stages.",
        )
    seen: list[str] = []
    for i, stage in enumerate(lab.stages):
        if stage.name in seen:
            raise ConfigError(f"stage '{stage.name}' is listed twice", file=str(path), key=f"stages[{i}].name")
        for key in ("model_from", "data_from"):
            source = getattr(stage, key)
            if source is not None and source not in seen:
                raise ConfigError(
                    f"'{source}' is not an earlier stage (earlier: {seen or 'none'})",
                    file=str(path),
                    key=f"stages[{i}].{key}",
                    fix="name a stage listed above this one.",
                )
        if stage.data_from is not None and lab.stage_named(stage.data_from).entrypoint != "data rejection-sample":
            raise ConfigError(
                f"stage '{stage.data_from}' writes no data (only data rejection-sample stages do)",
                file=str(path),
                key=f"stages[{i}].data_from",
            )
        seen.append(stage.name)
        for pname, prof in lab.profiles.items():
            if not (path.parent / prof.recipe / f"{stage.name}.yaml").is_file():
                raise ConfigError(
                    f"stage recipe '{prof.recipe}/{stage.name}.yaml' does not exist",
                    file=str(path),
                    key=f"profiles.{pname}.recipe",
                    fix="a pipeline profile's recipe is a folder with one <stage>.yaml per stage.",
                )


def resources(lab: LabManifest, profile: str) -> Resources:
    """What a profile of a lab asks for (GPUs, nodes, memory, time)."""
    return lab.profile(profile).resources
