"""Experiment tracking: W&B (offline by default) and TensorBoard, set up from the recipe and the environment.

WHAT
    `check_trackers(training_args, file)` fails before any model loads when `report_to` names a tracker whose
    package is missing; `start_tracking(training_args)` opens the W&B run (main process only) with the project,
    entity, group and name the recipe or the environment give; `finish_tracking(handle, summary)` writes the
    held-out scores into the run's summary, closes it, and returns the run card's `tracking` block (run id, mode,
    folder, the `wandb sync` command; TensorBoard's log folder). Outputs: `<output_dir>/wandb/offline-run-*` (or
    `run-*` online), `<output_dir>/runs/*` (TensorBoard), `<output_dir>/tracking.json` (the run id, so a resumed
    run appends to the same W&B run).

WHY
    GRPO runs are judged by curves, not by a final loss: the reward climbing, the KL to the reference, the
    completion length (DeepSeek-R1 arXiv 2501.12948 §2.2.4, Figure 3: "the average response length … naturally
    learns to solve reasoning tasks with more thinking time"), the clip ratio. Those curves belong in a tracker. But
    labs must run offline (nano profile, clusters without egress), so the default is `WANDB_MODE=offline`: W&B
    writes the run to disk, and `wandb sync <folder>` uploads it later from any machine with a key. Secrets stay
    in the environment by name: the run card records which variables were set, never a value.

HOW
    Settings, first found wins: `run_name` (TrainingArguments) or `WANDB_NAME` or the output folder's name for the
    name; `WANDB_PROJECT` (default "open-r1"), `WANDB_ENTITY`, `WANDB_RUN_GROUP`, `WANDB_MODE` (default offline),
    `WANDB_DIR` (default output_dir). A recipe sets the environment ones in its `env:` block (open_r1.core.configs
    applies it before anything else), a launcher in the environment. `start_tracking` calls `wandb.init` itself
    before the trainer exists; transformers' WandbCallback then finds `wandb.run` and logs into it (train/* metrics
    every logging step, the resolved config once).

DATA FLOW
    open_r1.train.parse_training_recipe → `check_trackers`; open_r1.train.grpo / sft → `start_tracking` → TRL
    trainer (transformers' WandbCallback / TensorBoardCallback log every step) → `finish_tracking` → the summary's
    `tracking` block → open_r1.cli.train → run_card.json.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError
from open_r1.core.io import write_json_atomic

TRACKER_PACKAGES = {"wandb": "wandb", "tensorboard": "tensorboard"}
SECRET_NAMES = ("WANDB_API_KEY", "HF_TOKEN")  # recorded as "set" / absent in the run card, never their values
DEFAULT_PROJECT = "open-r1"


def reporters(training_args: Any) -> list[str]:
    """`report_to` as a list of names ("none" and empty mean no tracker; transformers has already expanded "all")."""
    value = getattr(training_args, "report_to", None) or []
    names = [value] if isinstance(value, str) else list(value)
    return [n for n in names if n not in ("none", None)]


def check_trackers(training_args: Any, file: str | None = None) -> None:
    """Fail before loading when `report_to` names a tracker whose package is not installed."""
    for name in reporters(training_args):
        package = TRACKER_PACKAGES.get(name)
        if package and importlib.util.find_spec(package) is None:
            raise ConfigError(
                f"report_to names {name} but the {package} package is not installed",
                file=file,
                key="report_to",
                fix=f"pip install {package} (the `tracking` extra; both locks have it), or remove it from report_to.",
            )


@dataclass
class TrackingHandle:
    """What `start_tracking` opened: the W&B run (None when W&B is off or on a non-main rank) and its settings."""

    output_dir: str
    wandb_run: Any = None
    settings: dict[str, Any] | None = None
    tensorboard_dir: str | None = None


def wandb_settings(training_args: Any, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The W&B run's project, entity, group, name, mode and folder, from the config and the environment."""
    env = os.environ if environ is None else environ
    output_dir = str(training_args.output_dir)
    return {
        "project": env.get("WANDB_PROJECT") or DEFAULT_PROJECT,
        "entity": env.get("WANDB_ENTITY") or None,
        "group": env.get("WANDB_RUN_GROUP") or None,
        "name": getattr(training_args, "run_name", None) or env.get("WANDB_NAME") or Path(output_dir).name,
        "mode": env.get("WANDB_MODE") or "offline",
        "dir": env.get("WANDB_DIR") or output_dir,
    }


def start_tracking(training_args: Any) -> TrackingHandle:
    """Open the W&B run on the main process (offline unless WANDB_MODE says otherwise); note TensorBoard's folder."""
    names = reporters(training_args)
    handle = TrackingHandle(output_dir=str(training_args.output_dir))
    if "tensorboard" in names:
        handle.tensorboard_dir = str(getattr(training_args, "logging_dir", None) or Path(handle.output_dir) / "runs")
    if "wandb" not in names or int(os.environ.get("RANK", "0")) != 0:
        return handle
    import wandb

    settings = wandb_settings(training_args)
    # The offline default must reach wandb's own settings *and* transformers' callback (it reads the environment).
    os.environ["WANDB_MODE"] = settings["mode"]
    Path(settings["dir"]).mkdir(parents=True, exist_ok=True)
    record = Path(handle.output_dir) / "tracking.json"
    previous = json.loads(record.read_text()).get("wandb_id") if record.exists() else None
    handle.wandb_run = wandb.init(
        project=settings["project"],
        entity=settings["entity"],
        group=settings["group"],
        name=settings["name"],
        mode=settings["mode"],
        dir=settings["dir"],
        id=previous,
        resume="allow" if previous else None,
    )
    handle.settings = settings
    write_json_atomic(record, {"wandb_id": handle.wandb_run.id})
    return handle


def read_offline_run(folder: str | Path) -> dict[str, Any]:
    """The history rows and the final summary of an offline W&B run, read from its `run-<id>.wandb` file.

    W&B writes an offline run as one append-only log: a 7-byte header (":W&B", magic 0xBEE1, version), then 32 KiB
    blocks of records, each with a 7-byte header (CRC32C, length, kind: 1 full, 2 first, 3 middle, 4 last piece)
    holding a serialized `wandb_internal_pb2.Record` (LevelDB's log layout). `wandb sync` uploads exactly this file;
    reading it here lets a test or a tutorial check what an offline run holds without an account.
    """
    from wandb.proto import wandb_internal_pb2

    path = next(Path(folder).glob("run-*.wandb"))
    data, block, pos = path.read_bytes(), 32768, 7
    pieces: list[bytes] = []
    records: list[bytes] = []
    while pos + 7 <= len(data):
        left = block - pos % block
        if left < 7:
            pos += left  # a record header never straddles a block: the tail is padding
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        if kind == 0:
            pos += left
            continue
        chunk, pos = data[pos + 7 : pos + 7 + length], pos + 7 + length
        if kind == 1:
            records.append(chunk)
        elif kind == 2:
            pieces = [chunk]
        elif kind == 3:
            pieces.append(chunk)
        elif kind == 4:
            records.append(b"".join([*pieces, chunk]))
    history: list[dict[str, Any]] = []
    final: dict[str, Any] = {}
    for raw in records:
        record = wandb_internal_pb2.Record()
        record.ParseFromString(raw)
        kind = record.WhichOneof("record_type")
        if kind == "history":
            history.append({i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in record.history.item})
        elif kind == "summary":
            final.update({i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in record.summary.update})
    return {"history": history, "summary": final}


def finish_tracking(handle: TrackingHandle, summary: dict[str, Any]) -> dict[str, Any]:
    """Put the held-out scores into the W&B run's summary, close the run, and return the run card's block."""
    block: dict[str, Any] = {}
    run = handle.wandb_run
    if run is not None:
        for phase in ("heldout_before", "heldout_after"):
            for key, value in (summary.get(phase) or {}).items():
                if isinstance(value, int | float):
                    run.summary[f"{phase}/{key}"] = value
        folder = str(Path(run.dir).parent)  # run.dir is <run folder>/files
        block["wandb"] = {
            **{k: v for k, v in (handle.settings or {}).items() if k != "dir"},
            "id": run.id,
            "folder": folder,
            "sync": f"wandb sync {folder}" if handle.settings and handle.settings["mode"] == "offline" else None,
        }
        run.finish()
    if handle.tensorboard_dir:
        block["tensorboard"] = {"logging_dir": handle.tensorboard_dir}
    if block:
        block["secrets_set"] = sorted(name for name in SECRET_NAMES if os.environ.get(name))
    return block
