"""The SLURM runtime: `open-r1 lab run <lab> --runtime slurm` renders a batch script, submits it, follows it.

WHAT
    `launch(runtime, lab, profile, overrides, run_dir, options, dry_run) -> (command, exit_code)` — the runtime
    contract of open_r1.labs.runtimes. It reads your cluster profile (`ClusterProfile`, YAML: partition, account,
    container, image, ...), plans the job (`plan_train_job`: nodes, processes per node, rendezvous, an optional
    vLLM server), renders open_r1/labs/runtimes/slurm_templates/train.sbatch.j2 into `<run_dir>/slurm/train.sbatch` (with the accelerate
    config it launches, `<run_dir>/slurm/accelerate.yaml`), and then either prints it (`--dry-run`) or submits it
    with `sbatch`, follows its log until the job ends (across requeues), and adds a `slurm` block to the run card
    (job id, nodes, attempts, ranks). `render_service(kind, ...)` and `python -m open_r1.labs.runtimes.slurm` do the same
    for the evaluate, generate, sandbox-router and piston-workers templates.

    Cluster profile: `--cluster-profile FILE`, else `$OPEN_R1_CLUSTER_PROFILE`, else
    `$XDG_CONFIG_HOME/open-r1/cluster.yaml` (~/.config/open-r1/cluster.yaml); none is fine (defaults). Keys and
    their meaning: `ClusterProfile` below and open_r1/labs/runtimes/slurm_templates/README.md. Command-line flags win over the profile,
    the profile over the lab's resources.

WHY
    DeepSeek-R1 (arXiv 2501.12948 §2.4) distils into students up to 70B; the open reproductions train them on
    16 nodes (OlympicCoder-32B with FSDP, arXiv 2304.11277) or shard with ZeRO (arXiv 1910.02054), and run GRPO with
    generation on a dedicated vLLM node (TRL server mode). What breaks at that scale is plumbing: rendezvous
    addresses, which node serves vLLM, what happens at the time limit. This module keeps that plumbing in one
    tested place, generated from the same lab.yaml as the native runner (one source of truth), and the scripts it
    writes stay readable for people who submit them by hand.

HOW
    Layout: training nodes = nodes − vllm_nodes when the recipe uses vLLM in server mode on 2+ nodes (the last
    node(s) run `trl vllm-serve`), else all nodes (one node with vLLM: its GPUs split into num_processes for
    training and the rest for vLLM). Processes per node = GPUs per node (or num_processes / nodes on CPUs).
    Launch: one srun task per training node runs `accelerate launch --num_machines N --num_processes N·P
    --machine_rank $SLURM_NODEID --main_process_ip <first node's address> --rdzv_backend c10d` (the derived
    accelerate config sets same_network: false so the c10d endpoint is used), or plain Python for one-process labs.
    Every process runs `python -m open_r1 train ...`, whose entry installs open_r1.train.distributed's hooks
    (preemption + rank records; see that module).
    Preemption: `--requeue --signal=B:USR1@<s>`; the script's trap writes a stop file, the trainers checkpoint
    and exit, the script calls `scontrol requeue`, the requeued job resumes from the checkpoint. Following: the
    log file (`--open-mode=append`, so attempts follow each other) is tailed while `scontrol show job` reports
    the state; the exit code is the last attempt's (`<run_dir>/slurm/attempts.jsonl`, written by the script).

DATA FLOW
    `just slurm <lab>` / `open-r1 lab run <lab> --runtime slurm` → open_r1.labs.run_lab → open_r1.labs.runtimes.launch
    → here → open_r1/labs/runtimes/slurm_templates/*.j2 → `sbatch` → nodes: srun → accelerate launch → open_r1 train (hooks of open_r1.train.distributed) →
    `open-r1 train ...` → run folder (checkpoints, model, run_card.json) → here (slurm block) → open_r1.labs.manifest (lab
    and rerun blocks).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from open_r1 import __version__
from open_r1.core.errors import ConfigError, OpenR1Error
from open_r1.core.paths import display_path, project_path, project_root
from open_r1.labs.vllm_server import (
    idle_serving_gpus,
    serve_command,
    split_gpus,
    trl_executable,
    uses_server_mode,
)

TEMPLATES = Path(__file__).resolve().parent / "slurm_templates"  # shipped inside the package (wheel too)
PROFILE_ENV = "OPEN_R1_CLUSTER_PROFILE"
CONTAINERS = ("none", "apptainer", "pyxis")
IMAGE_CODE_ROOT = "/opt/open-r1"  # where the images install the project (images/core/Dockerfile)
IMAGE_CACHES = {"hf": "/cache/huggingface", "open_r1": "/cache/open-r1"}
REQUEUE_GRACE = 300.0  # seconds a requeued job may look ended before SLURM shows it pending again
TERMINAL_STATES = {
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "BOOT_FAIL",
    "DEADLINE",
    "PREEMPTED",
    "SPECIAL_EXIT",
}


# ----------------------------------------------------------------------------------------------------------------
# Cluster profile


@dataclass
class ClusterProfile:
    """Your cluster's defaults (YAML). Every key is optional."""

    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    container: str = "none"  # none (the submitting venv, shared filesystem) | apptainer | pyxis
    image: str | None = None  # .sif file or image reference; default: the lab's image (lab.yaml `image:`)
    gpus_per_node: int | None = None
    cpus_per_task: int | None = None
    mem: str | None = None  # e.g. "0" (all of the node), "512G"; default: the lab's resources.memory_gb
    time_limit: str | None = None  # default: the lab's resources.time_limit, else 01:00:00
    signal_seconds: int = 300  # USR1 this long before the time limit: time to write one checkpoint
    requeue: bool = True
    exclusive: bool = False
    rendezvous_port: int = 6000  # + job id % 1000
    vllm_nodes: int = 1  # nodes that serve generation when a GRPO recipe uses vLLM server mode on 2+ nodes
    vllm_port: int = 8000
    vllm_tensor_parallel: int = 1
    python: str | None = None  # interpreter on the nodes (container none); default: this one (shared filesystem)
    workdir: str | None = None  # code root on the nodes; default: this checkout, or /opt/open-r1 in the images
    env: dict[str, str] = field(default_factory=dict)  # exported in the job (e.g. NCCL_SOCKET_IFNAME, HF_HOME)
    setup: list[str] = field(default_factory=list)  # shell lines run first (e.g. "module load cuda/12.8")
    mounts: list[str] = field(default_factory=list)  # extra SRC:DST binds for the containers
    sbatch: list[str] = field(default_factory=list)  # extra #SBATCH options, e.g. "--constraint=h100"
    srun: list[str] = field(default_factory=list)  # extra srun options
    follow: bool = True  # wait for the job and stream its log (false: submit and return)
    poll_seconds: float = 2.0
    source: str = field(default="defaults", repr=False)


def default_profile_path() -> Path:
    """Where the cluster profile lives when neither `--cluster-profile` nor $OPEN_R1_CLUSTER_PROFILE names one:
    `$XDG_CONFIG_HOME/open-r1/cluster.yaml`, else ~/.config/open-r1/cluster.yaml.
    """
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "open-r1" / "cluster.yaml"


def load_cluster_profile(path: str | os.PathLike | None = None) -> ClusterProfile:
    """Read and validate the cluster profile (explicit path, else $OPEN_R1_CLUSTER_PROFILE, else the default path) into
    a ClusterProfile; no file at the default path means the defaults, while a named file that is missing, an unknown key
    or a wrongly typed value is a ConfigError.
    """
    explicit = path or os.environ.get(PROFILE_ENV)
    file = Path(explicit) if explicit else default_profile_path()
    if not file.is_file():
        if explicit:
            raise ConfigError(
                "cluster profile not found",
                file=str(file),
                fix="create it (see open_r1/labs/runtimes/slurm_templates/README.md) or drop --cluster-profile.",
            )
        return ClusterProfile()
    import yaml

    raw = yaml.safe_load(file.read_text()) or {}
    if not isinstance(raw, dict):
        raise ConfigError("must be a mapping of keys to values", file=str(file))
    known = {f.name for f in fields(ClusterProfile) if f.name != "source"}
    for key in raw:
        if key not in known:
            raise ConfigError(f"unknown key '{key}'", file=str(file), key=key, fix=f"use one of {sorted(known)}.")
    profile = ClusterProfile(**raw, source=str(file))
    if profile.container not in CONTAINERS:
        raise ConfigError(
            f"container '{profile.container}' is not one of {CONTAINERS}", file=str(file), key="container"
        )
    for key in ("env",):
        if not isinstance(getattr(profile, key), dict):
            raise ConfigError("must be a mapping", file=str(file), key=key)
    for key in ("setup", "mounts", "sbatch", "srun"):
        if not isinstance(getattr(profile, key), list):
            raise ConfigError("must be a list", file=str(file), key=key)
    return profile


# ----------------------------------------------------------------------------------------------------------------
# Rendering


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["q"] = lambda value: shlex.quote(str(value))
    return env


def render(template: str, **context: Any) -> str:
    """Render one of the slurm_templates Jinja files with `context` (undefined variables are errors) and squeeze runs of
    blank lines, so the job scripts people read stay tidy.
    """
    text = _environment().get_template(template).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text)


def _rel(path: Path) -> str:
    """A path as the nodes see it from the code root: relative when inside this checkout."""
    path = Path(path).resolve()
    return display_path(Path(path).resolve())


def _image_ref(image: str, container: str) -> str:
    if container == "pyxis" and not image.endswith((".sqsh", ".sif")) and "#" not in image:
        head, _, rest = image.partition("/")
        if "." in head and rest:  # enroot names a registry host with '#': ghcr.io#org/image:tag
            return f"{head}#{rest}"
    return image


def _cache_dirs() -> tuple[Path, Path]:
    from open_r1.core.paths import cache_root

    hf = Path(
        os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "huggingface"
    )
    return hf, cache_root()


def job_context(
    cluster: ClusterProfile,
    *,
    name: str,
    title: str,
    source: str,
    run_dir: Path,
    nodes: int,
    gpus_per_node: int,
    cpus: int,
    memory_gb: float | None,
    time_limit: str | None,
    image: str | None,
    requeue: bool,
    generated_by: str,
) -> dict[str, Any]:
    """The `job` block every template's header reads (open_r1/labs/runtimes/slurm_templates/_common.j2)."""
    container = cluster.container
    mounts: list[str] = []
    container_env = ""
    if container == "none":
        workdir = cluster.workdir or str(project_root())
        python = cluster.python or sys.executable
        image = None
    else:
        if not image:
            raise ConfigError(
                f"container '{container}' needs an image",
                key="--image",
                fix="pass --image (a .sif file or an image reference) or set image: in the cluster profile.",
            )
        workdir = cluster.workdir or IMAGE_CODE_ROOT
        python = "python"
        hf, cache = _cache_dirs()
        mounts = [
            f"{run_dir}:{run_dir}",
            f"{hf}:{IMAGE_CACHES['hf']}",
            f"{cache}:{IMAGE_CACHES['open_r1']}",
            *cluster.mounts,
        ]
        # The images point HF_HOME / OPEN_R1_CACHE at their mount points; say so explicitly, whatever the engine's
        # rules for host versus image environment.
        container_env = f"export HF_HOME={IMAGE_CACHES['hf']} OPEN_R1_CACHE={IMAGE_CACHES['open_r1']}; "
        image = _image_ref(image, container)
    mem = cluster.mem if cluster.mem is not None else (f"{int(memory_gb)}G" if memory_gb else None)
    return {
        "name": name,
        "title": title,
        "source": source,
        "generated_by": generated_by,
        "cluster_profile": cluster.source,
        "run_dir": str(run_dir),
        "log": str(run_dir / "slurm" / "job-%j.log"),
        "nodes": nodes,
        "gpus_per_node": gpus_per_node,
        "cpus_per_task": cluster.cpus_per_task or cpus,
        "mem": mem,
        "time_limit": cluster.time_limit or time_limit or "01:00:00",
        "partition": cluster.partition,
        "account": cluster.account,
        "qos": cluster.qos,
        "exclusive": cluster.exclusive,
        "requeue": requeue and cluster.requeue,
        "signal_seconds": cluster.signal_seconds,
        "sbatch_extra": cluster.sbatch,
        "srun_extra": cluster.srun,
        "setup": cluster.setup,
        "env": cluster.env,
        "container": container,
        "image": image,
        "mounts": mounts,
        "workdir": workdir,
        "python": python,
        "container_env": container_env,
    }


# ----------------------------------------------------------------------------------------------------------------
# The training job


def _derived_accelerate_config(source: Path, target: Path, machines: int, processes: int) -> None:
    """The lab's accelerate config with the multi-node settings this job needs (a rendered file, like the script)."""
    from open_r1.core.configs import load_yaml

    cfg = load_yaml(source)
    cfg.update(
        num_machines=machines,
        num_processes=processes,
        rdzv_backend="c10d",
        # false: accelerate then hands torchrun the c10d endpoint (first node:port) instead of a static master
        same_network=False,
    )
    cfg.pop("machine_rank", None)  # per node, from $SLURM_NODEID
    import yaml

    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        f"# Generated from {_rel(source)} for this job by open_r1/labs/runtimes/slurm.py.\n"
        + yaml.safe_dump(cfg, sort_keys=True)
    )


def plan_train_job(
    lab: Any, profile: str, overrides: list[str], run_dir: Path, options: dict[str, Any], cluster: ClusterProfile
) -> dict[str, Any]:
    """Everything train.sbatch.j2 needs, decided here (and tested) rather than in shell."""
    from open_r1.core.configs import load_yaml
    from open_r1.labs.manifest import resources

    prof = lab.profile(profile)
    res = resources(lab, profile)
    recipe_path = lab.recipe_path(profile)
    recipe = load_yaml(recipe_path)
    lab_file = str(lab.folder / "lab.yaml")
    nodes = int(options.get("nodes") or res.nodes or 1)
    gpus = options.get("gpus_per_node")
    gpus = int(
        gpus if gpus is not None else (cluster.gpus_per_node if cluster.gpus_per_node is not None else res.gpus)
    )
    container = options.get("container") or cluster.container
    cluster = ClusterProfile(**{**asdict(cluster), "container": container, "source": cluster.source})
    for key in ("partition", "account"):
        if options.get(key):
            setattr(cluster, key, options[key])

    uses_vllm = uses_server_mode(recipe)
    vllm: dict[str, Any] = {"mode": "none", "port": cluster.vllm_port}
    if prof.launcher == "python":
        if nodes != 1:
            raise ConfigError(
                f"profile '{profile}' runs one Python process (launcher: python); it cannot span {nodes} nodes",
                file=lab_file,
                key=f"profiles.{profile}.launcher",
                fix="use --nodes 1, or a profile with launcher: accelerate.",
            )
        train_nodes, per_node = 1, 1
    elif uses_vllm and nodes >= 2:
        if cluster.vllm_nodes >= nodes:
            raise ConfigError(
                f"vllm_nodes ({cluster.vllm_nodes}) leaves no node to train on",
                key="vllm_nodes",
                file=cluster.source,
                fix=f"ask for more than {cluster.vllm_nodes} nodes.",
            )
        train_nodes, per_node = nodes - cluster.vllm_nodes, max(gpus, 1)
        vllm.update(mode="node", nodes=cluster.vllm_nodes)
    elif uses_vllm:
        per_node, _ = split_gpus(
            gpus,
            prof.num_processes,
            file=lab_file,
            key=f"profiles.{profile}.num_processes",
            fix="ask for --nodes 2 (a dedicated vLLM node) or lower num_processes.",
        )
        train_nodes = 1
        vllm.update(mode="split", gpus=",".join(str(g) for g in range(per_node, gpus)), nodes=0)
    else:
        train_nodes = nodes
        total = prof.num_processes or nodes * max(gpus, 1)
        if total % nodes:
            raise ConfigError(
                f"{total} processes do not divide over {nodes} nodes",
                file=lab_file,
                key=f"profiles.{profile}.num_processes",
                fix="choose nodes that divide it.",
            )
        per_node = total // nodes
    world = train_nodes * per_node

    entry = shlex.split(lab.entrypoint)
    py = cluster.python or (sys.executable if container == "none" else "python")
    tail = ["--config", _rel(recipe_path), "--output_dir", str(run_dir), *overrides]
    if prof.launcher == "accelerate":
        if not prof.accelerate_config:
            raise ConfigError(
                "launcher accelerate needs an accelerate_config",
                file=lab_file,
                key=f"profiles.{profile}.accelerate_config",
            )
        derived = run_dir / "slurm" / "accelerate.yaml"
        launch = [
            py,
            "-m",
            "accelerate.commands.launch",
            "--config_file",
            str(derived),
            "--num_machines",
            str(train_nodes),
            "--num_processes",
            str(world),
        ]
        # is_host: the first node hosts the c10d store, said explicitly rather than guessed from hostnames (the
        # guess fails on multi-homed nodes, and when several emulated nodes share one host).
        dynamic = (
            '--machine_rank "$SLURM_NODEID" --main_process_ip "$HEAD_ADDR" --main_process_port "$RDZV_PORT" '
            '--rdzv_backend c10d --rdzv_conf "is_host=$(( SLURM_NODEID == 0 ))" --max_restarts 1'
        )
        command = f"{shlex.join(launch)} {dynamic} {shlex.join(['-m', 'open_r1', *entry, *tail])}"
    else:
        derived = None
        command = shlex.join([py, "-m", "open_r1", *entry, *tail])
    if uses_vllm:
        command += " ${OPEN_R1_VLLM_ARGS:-}"
        vllm_gpus = max(gpus, 1) if vllm["mode"] == "node" else gpus - per_node
        # the recipe's vLLM settings win over the cluster defaults: the same keys drive colocate mode in TRL
        serve = serve_command(
            recipe,
            trl=trl_executable(py) if container == "none" else "trl",
            gpus=vllm_gpus,
            port=cluster.vllm_port,
            host="0.0.0.0",  # the training node(s) reach it over the cluster network
            default_tensor_parallel=cluster.vllm_tensor_parallel,
        )
        vllm["command"] = shlex.join(serve)
        idle = idle_serving_gpus(recipe, vllm_gpus, cluster.vllm_tensor_parallel)
        if idle:
            vllm.setdefault("warnings", []).append(
                f"the vLLM server uses {vllm_gpus - idle} of its {vllm_gpus} GPUs (one engine, tensor parallel "
                f"{vllm_gpus - idle}; vLLM refuses data parallelism for dense models): set vllm_tensor_parallel_size "
                "(it must divide the model's attention heads) or give the server fewer GPUs"
            )
    if recipe.get("save_only_model"):
        vllm.setdefault("warnings", []).append(
            "the recipe sets save_only_model: true — checkpoints hold no optimizer state, so a preempted job "
            "cannot resume from them (add -- --save_only_model false)"
        )

    job = job_context(
        cluster,
        name=f"open-r1-{lab.name}-{profile}",
        title=f"open-r1 lab {lab.name}, profile {profile}",
        source=f"{_rel(lab.folder / 'lab.yaml')} + {_rel(recipe_path)}",
        run_dir=run_dir,
        nodes=nodes,
        gpus_per_node=gpus,
        cpus=res.cpus,
        memory_gb=res.memory_gb,
        time_limit=res.time_limit,
        image=_fill_image(options.get("image") or cluster.image or _lab_image(lab), lab),
        requeue=True,
        generated_by=f"open-r1 lab run {lab.name} --profile {profile} --runtime slurm",
    )
    train = {
        "nodes": train_nodes,
        "procs_per_node": per_node,
        "world_size": world,
        "command": command,
        "rendezvous_port": cluster.rendezvous_port,
        "gpus": ",".join(str(g) for g in range(per_node)),
        "accelerate_source": str(project_path(prof.accelerate_config)) if prof.accelerate_config else None,
        "accelerate_config": str(derived) if derived else None,
    }
    return {"job": job, "train": train, "vllm": vllm, "recipe": recipe}


def _lab_image(lab: Any) -> str | None:
    return getattr(lab, "image", None) or None


def _fill_image(image: str | None, lab: Any) -> str | None:
    """`{lab}` and `{version}` in an image (the lab manifest's, or a profile's `/images/open-r1-{lab}.sif`)."""
    return image.replace("{lab}", lab.name).replace("{version}", __version__) if image else None


def _prepare_nano(recipe: dict[str, Any]) -> None:
    """Build nano models and datasets before submitting, so that N ranks on N nodes never race to build them."""
    model = str(recipe.get("model_name_or_path") or "")
    if model.startswith("nano://"):
        from open_r1.labs.nano_build import ensure_nano_model

        ensure_nano_model(model)  # nano://<kit> and nano://<kit>-init alike
    for key in ("dataset_name", "heldout_dataset"):
        uri = str(recipe.get(key) or "")
        if uri.startswith("nano://") and uri.count("/") >= 3:
            from open_r1.nano.datasets import materialize

            materialize(uri)


# ----------------------------------------------------------------------------------------------------------------
# Submitting and following


def _slurm_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ConfigError(
            f"`{name}` not found: this machine is not a SLURM login node",
            key="--runtime",
            fix="run on a login node, or use --dry-run to see the script, or --runtime native.",
        )
    return path


def submit(script: Path) -> str:
    """Submit a batch script with `sbatch --parsable` and return its job id; a refusal becomes an OpenR1Error carrying
    sbatch's message.
    """
    out = subprocess.run([_slurm_tool("sbatch"), "--parsable", str(script)], capture_output=True, text=True)
    if out.returncode != 0:
        raise OpenR1Error(f"sbatch refused {script}: {out.stderr.strip()}")
    return out.stdout.strip().split(";")[0]


def job_state(job_id: str) -> dict[str, str] | None:
    """`scontrol show job` as a dict, or None once SLURM has forgotten the job (MinJobAge after it ended)."""
    out = subprocess.run([_slurm_tool("scontrol"), "show", "job", "-o", job_id], capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        return None
    state: dict[str, str] = {}
    for token in out.stdout.split():
        key, sep, value = token.partition("=")
        if sep and key not in state:
            state[key] = value
    return state


def read_attempts(run_dir: Path) -> list[dict[str, Any]]:
    """The attempts the job script logged to `<run_dir>/slurm/attempts.jsonl`, one dict per (re)start with its exit
    code; empty before the first one. `follow` and the run card's slurm block read it.
    """
    path = run_dir / "slurm" / "attempts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def follow(
    job_id: str, log_glob: Path, run_dir: Path, console: Any, poll: float = 2.0, timeout: float | None = None
) -> int:
    """Stream the job's log and wait until it has ended for good (a requeue is not an end). Returns its exit code."""
    offsets: dict[Path, int] = {}
    started = time.time()
    last_state = None
    gone_since: float | None = None

    def drain() -> None:
        for path in sorted(log_glob.parent.glob(log_glob.name)):
            size = path.stat().st_size
            if size > offsets.get(path, 0):
                with path.open("rb") as fh:
                    fh.seek(offsets.get(path, 0))
                    chunk = fh.read(size - offsets.get(path, 0))
                offsets[path] = size
                sys.stderr.write(chunk.decode(errors="replace"))
                sys.stderr.flush()

    while True:
        drain()
        state = job_state(job_id)
        if state is None:
            # Forgotten by SLURM (or not yet visible): the script's own record says how it ended.
            gone_since = gone_since or time.time()
            attempts = [a for a in read_attempts(run_dir) if str(a.get("job")) == job_id]
            if attempts and not attempts[-1]["preempted"]:
                drain()
                return int(attempts[-1]["exit"])
            if time.time() - gone_since > 30:
                drain()
                console.print(f"[red]job {job_id} vanished without recording how it ended")
                return 1
        else:
            gone_since = None
            current = state.get("JobState")
            if current != last_state:
                console.print(
                    f"[dim]job {job_id}: {current} (restarts {state.get('Restarts', '0')}, "
                    f"nodes {state.get('NodeList', '?')})"
                )
                last_state = current
            if current in TERMINAL_STATES:
                drain()
                attempts = [a for a in read_attempts(run_dir) if str(a.get("job")) == job_id]
                if attempts and attempts[-1]["preempted"] and time.time() - float(attempts[-1]["end"]) < REQUEUE_GRACE:
                    # The script asked for a requeue: an end seen now is the old run's, not the job's.
                    time.sleep(poll)
                    continue
                code, _, sig = state.get("ExitCode", "1:0").partition(":")
                if current == "COMPLETED":
                    return 0
                if attempts and attempts[-1]["exit"]:
                    return int(attempts[-1]["exit"])
                return int(code) or (128 + int(sig or 0)) or 1
        if timeout is not None and time.time() - started > timeout:
            console.print(f"[red]gave up following job {job_id} after {timeout:.0f} s (it keeps running)")
            return 124
        time.sleep(poll)


def collect(run_dir: Path, job_id: str | None, script: Path, plan: dict[str, Any]) -> dict[str, Any]:
    """The run card's `slurm` block: what ran where, each attempt, each rank."""
    ranks = []
    for path in sorted((run_dir / "slurm" / "ranks").glob("*.json")):
        try:
            ranks.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError):
            continue
    job = plan["job"]
    return {
        "job_id": job_id,
        "script": str(script),
        "nodes": job["nodes"],
        "gpus_per_node": job["gpus_per_node"],
        "partition": job["partition"],
        "account": job["account"],
        "container": job["container"],
        "image": job["image"],
        "cluster_profile": job["cluster_profile"],
        "training_nodes": plan["train"]["nodes"],
        "processes_per_node": plan["train"]["procs_per_node"],
        "world_size": plan["train"]["world_size"],
        "vllm": plan["vllm"]["mode"],
        "attempts": read_attempts(run_dir),
        "ranks": ranks,
    }


# ----------------------------------------------------------------------------------------------------------------
# The runtime contract


def launch(
    runtime: str,
    lab: Any,
    profile: str,
    overrides: list[str],
    run_dir: Path,
    options: dict[str, Any],
    dry_run: bool = False,
) -> tuple[list[str], int]:
    """The runtime contract for `--runtime slurm`: plan the training job from the lab and cluster profile, render
    train.sbatch, then print it (dry run) or write it with its accelerate config, submit it, follow its log across
    requeues and add a `slurm` block to the run card; returns (command, exit code).
    """
    from rich.console import Console

    from open_r1.core.runcard import update_run_card

    console = Console(stderr=True)
    cluster = load_cluster_profile(options.get("cluster_profile"))
    run_dir = Path(run_dir).resolve()
    plan = plan_train_job(lab, profile, list(overrides), run_dir, options, cluster)
    if options.get("image") and plan["job"]["container"] == "none":
        raise ConfigError(
            "--image needs a container",
            key="--image",
            fix="add --container apptainer or --container pyxis (or set container: in your profile).",
        )
    script = run_dir / "slurm" / "train.sbatch"
    text = render("train.sbatch.j2", **plan)
    command = ["sbatch", str(script)]
    for warning in plan["vllm"].get("warnings", []):
        console.print(f"[yellow]warning:[/] {warning}")
    if dry_run:
        print(text)
        console.print(
            f"[dim]dry run: would write {script} (and {plan['train']['accelerate_config'] or 'no'} "
            "accelerate config) and submit it with sbatch; cluster profile: "
            f"{plan['job']['cluster_profile']}"
        )
        return command, 0
    _prepare_nano(plan["recipe"])
    script.parent.mkdir(parents=True, exist_ok=True)
    if plan["train"]["accelerate_config"]:
        _derived_accelerate_config(
            Path(plan["train"]["accelerate_source"]),
            Path(plan["train"]["accelerate_config"]),
            plan["train"]["nodes"],
            plan["train"]["world_size"],
        )
    script.write_text(text)
    job_id = submit(script)
    console.print(
        f"[bold]submitted[/] job {job_id}: {plan['job']['nodes']} node(s); script {script}; log "
        f"{run_dir / 'slurm' / f'job-{job_id}.log'}"
    )
    if not cluster.follow:
        console.print(f"[dim]not following (follow: false); `tail -f {run_dir}/slurm/job-{job_id}.log`")
        return command, 0
    try:
        code = follow(job_id, run_dir / "slurm" / f"job-{job_id}.log", run_dir, console, cluster.poll_seconds)
    except KeyboardInterrupt:
        console.print(f"[yellow]stopped following; job {job_id} keeps running (`scancel {job_id}` stops it)")
        raise
    update_run_card(run_dir / "run_card.json", slurm=collect(run_dir, job_id, script, plan))
    return command, code


# ----------------------------------------------------------------------------------------------------------------
# Service templates: evaluate, generate, sandbox router, Piston-compatible workers


SERVICES = ("evaluate", "generate", "sandbox-router", "piston-workers")


def render_service(kind: str, args: argparse.Namespace, cluster: ClusterProfile) -> tuple[str, Path]:
    """(script text, where it goes) for one of SERVICES; see `python -m open_r1.labs.runtimes.slurm --help`."""
    if kind not in SERVICES:
        raise ConfigError(f"unknown template '{kind}'", fix=f"use one of {SERVICES}.")
    run_dir = Path(args.run_dir).resolve()
    if args.container:
        cluster.container = args.container
    for key in ("partition", "account"):
        if getattr(args, key):
            setattr(cluster, key, getattr(args, key))
    py = cluster.python or (sys.executable if cluster.container == "none" else "python")
    open_r1 = f"{shlex.quote(py)} -m open_r1"
    gpus = args.gpus_per_node if args.gpus_per_node is not None else (cluster.gpus_per_node or 0)
    nodes = args.nodes or 1
    extra = shlex.join(args.extra) if args.extra else ""
    context: dict[str, Any] = {}
    if kind == "evaluate":
        output = args.output or str(run_dir / "eval")
        context["output"] = output
        context["command"] = (
            f"{open_r1} eval run --model {shlex.quote(args.model)} --benchmarks "
            f"{shlex.quote(args.benchmarks)} --backend vllm --output-dir {shlex.quote(output)} "
            f"{extra}"
        ).strip()
    elif kind == "generate":
        if nodes != 1:
            raise ConfigError(
                "the generate template serves one vLLM per job",
                key="--nodes",
                fix="submit one job per dataset shard (each with its own --output).",
            )
        output = args.output or str(run_dir / "generations.jsonl")
        tp = cluster.vllm_tensor_parallel
        context.update(
            port=cluster.vllm_port,
            server=shlex.join(
                [
                    py,
                    "-m",
                    "vllm.entrypoints.openai.api_server",
                    "--model",
                    args.model,
                    "--host",
                    "0.0.0.0",
                    "--port",
                    str(cluster.vllm_port),
                    "--tensor-parallel-size",
                    str(tp),
                    "--data-parallel-size",
                    str(max(gpus // tp, 1)),
                ]
            ),
        )
        context["client"] = (
            f'{open_r1} generate --base-url "$OPEN_R1_BASE_URL" --model {shlex.quote(args.model)} '
            f"--dataset {shlex.quote(args.dataset or '')} --output {shlex.quote(output)} {extra}"
        ).strip()
        if not args.dataset:
            raise ConfigError("generate needs --dataset", key="--dataset")
    elif kind == "sandbox-router":
        context.update(
            port=args.port, command=(f"{open_r1} sandbox serve --host 0.0.0.0 --port {args.port} {extra}").strip()
        )
    else:
        context.update(
            port=args.port,
            command=(f"{open_r1} sandbox serve --provider local --host 0.0.0.0 --port {args.port} {extra}").strip(),
        )
    job = job_context(
        cluster,
        name=f"open-r1-{kind}",
        title=f"open-r1 {kind}",
        source=f"open_r1/labs/runtimes/slurm_templates/{kind}.sbatch.j2",
        run_dir=run_dir,
        nodes=nodes,
        gpus_per_node=gpus,
        cpus=args.cpus,
        memory_gb=None,
        time_limit=args.time,
        image=args.image or cluster.image,
        requeue=kind == "generate",
        generated_by=f"python -m open_r1.labs.runtimes.slurm {kind}",
    )
    return render(f"{kind}.sbatch.j2", job=job, **context), run_dir / "slurm" / f"{kind}.sbatch"


def main(argv: list[str] | None = None) -> int:
    """`python -m open_r1.labs.runtimes.slurm TEMPLATE`: render one of the service job scripts (evaluate, generate,
    sandbox router, Piston workers) from the flags and the cluster profile, print it, or submit it with `--submit`; exit
    2 on a configuration error.
    """
    from rich.console import Console

    parser = argparse.ArgumentParser(
        prog="python -m open_r1.labs.runtimes.slurm",
        description="Render (and optionally submit) the service job scripts. "
        "Training jobs: `open-r1 lab run <lab> --runtime slurm`.",
    )
    parser.add_argument("template", choices=SERVICES)
    parser.add_argument("--run-dir", required=True, help="where the script, logs and outputs go (shared filesystem)")
    parser.add_argument("--model", help="evaluate / generate: model folder or hub id")
    parser.add_argument("--benchmarks", default="r1", help="evaluate: benchmark list (open-r1 eval run)")
    parser.add_argument("--dataset", help="generate: prompts (hub id, file, nano://)")
    parser.add_argument("--output", help="evaluate: output folder; generate: output jsonl")
    parser.add_argument("--port", type=int, default=8000, help="sandbox-router / piston-workers: port")
    parser.add_argument("--nodes", type=int)
    parser.add_argument("--gpus-per-node", type=int)
    parser.add_argument("--cpus", type=int, default=8, help="CPUs per task")
    parser.add_argument("--time", default="04:00:00", help="time limit")
    parser.add_argument("--partition")
    parser.add_argument("--account")
    parser.add_argument("--container", choices=list(CONTAINERS))
    parser.add_argument("--image")
    parser.add_argument("--cluster-profile")
    parser.add_argument("--submit", action="store_true", help="submit with sbatch (default: print the script)")
    parser.add_argument("extra", nargs="*", help="after --: more arguments for the command the job runs")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    try:
        cluster = load_cluster_profile(args.cluster_profile)
        text, path = render_service(args.template, args, cluster)
        if not args.submit:
            print(text)
            return 0
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        job_id = submit(path)
        console.print(f"submitted job {job_id}: {path}")
        print(job_id)
        return 0
    except OpenR1Error as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
