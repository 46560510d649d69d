"""Preemption-safe training and rank records for multi-process and multi-node jobs (SLURM, accelerate launch).

WHAT
    `install()` adds these hooks to every Trainer the process builds; `open-r1 train sft|grpo` (open_r1.cli.train)
    calls it before parsing the recipe, on every rank, however the rank was launched (it is idempotent):
      * `PreemptionCallback`: when the job is told to stop (SIGUSR1 to the process, or the stop file
        `$OPEN_R1_STOP_FILE` appears), every rank agrees at the next step end, the trainer saves
        `checkpoint-<step>`, rank 0 writes `$OPEN_R1_PREEMPT_MARKER` (JSON: step, checkpoint, time), and all ranks
        exit 0 without the final save or the run card — the requeued job resumes from that checkpoint (the
        entrypoints resume from the last complete `checkpoint-*` in output_dir) and writes them when it really ends.
      * FSDP final save: checkpoints stay sharded (each rank writes its shard: fast, and what a preemption
        warning leaves time for), but at the end of training the state-dict type becomes FULL_STATE_DICT so the
        entrypoint's final `save_model` gathers one loadable model (transformers saves *nothing* for an FSDP
        model under SHARDED_STATE_DICT).
      * FSDP on CPU: with no CUDA and `ACCELERATE_USE_FSDP=true` (recipes/accelerate/fsdp-cpu.yaml), accelerate's
        FSDP plugin is let through for CPU processes (accelerate 1.15 enables FSDP only on GPU-like devices and
        falls back to plain data parallelism on CPU); FSDP2's `fully_shard` itself runs on gloo.
      * rank records: with `$OPEN_R1_RANK_LOG` set to a folder, each rank writes `attempt<restart>-rank<r>.json`
        (global rank, world size, SLURM node id and name, the SLURM node ids of its whole process group from one
        all-gather, resume step, final step) — the evidence that every node trained in one rendezvous.
    Without those environment variables (and on GPUs, for the CPU shim) the hooks do nothing.

WHY
    Clusters preempt and time-limit jobs; a 16-node FSDP job (the OlympicCoder-32B recipe, a student at the scale
    DeepSeek-R1 arXiv 2501.12948 §2.4 distils into) that loses everything since its last periodic save wastes up to
    save_steps × 128 GPU-steps. SLURM's `--signal=B:USR1@<s>` warns the batch script s seconds ahead; the script
    turns it into a stop file on the shared filesystem, because the signal reaches neither the ranks on other nodes
    nor the workers behind `accelerate launch` (torchrun's agent does not forward USR1). Ranks must stop at the
    *same* step or the sharded save (FSDP arXiv 2304.11277 / ZeRO-3 arXiv 1910.02054 state is a collective) hangs,
    hence one all-reduce(MAX) of a one-element flag per step: microseconds next to a training step.

HOW
    The callback is added to `transformers.trainer.DEFAULT_CALLBACKS`, the list every Trainer (TRL's included)
    starts from, so the entrypoints need no change. Step end: flag = signal seen ∨ stop file exists;
    flag = all_reduce(flag, MAX); if flag and step < max_steps: should_save = should_training_stop = True.
    on_save (after the checkpoint is complete on every rank): marker, then SystemExit(0). A stop asked for at the
    last step is ignored: the run finishes normally. Only the trainer whose output_dir is
    `$OPEN_R1_PREEMPT_OUTPUT_DIR` (when set) reacts, so a nano-model build inside the job never stops early.

DATA FLOW
    open_r1/labs/runtimes/slurm_templates/train.sbatch.j2 (trap on USR1 → stop file; requeue when the marker exists) → srun →
    accelerate launch / python -m open_r1 train → open_r1.cli.train → install() here → open_r1.train.* → TRL Trainer (+ these callbacks) →
    checkpoint-* and the marker in the run folder → `scontrol requeue` → same script → resume.
    open_r1.labs.runtimes.slurm reads the rank records and attempts into the run card.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from open_r1.core.io import write_json_atomic

STOP_FILE_ENV = "OPEN_R1_STOP_FILE"
MARKER_ENV = "OPEN_R1_PREEMPT_MARKER"
OUTPUT_DIR_ENV = "OPEN_R1_PREEMPT_OUTPUT_DIR"
RANK_LOG_ENV = "OPEN_R1_RANK_LOG"

_signalled = False  # set by the SIGUSR1 handler; read at the next step end


def _on_usr1(signum: int, frame: Any) -> None:
    global _signalled
    _signalled = True


def _world() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


def any_rank(flag: bool) -> bool:
    """True on every rank when `flag` is true on at least one (all-reduce MAX; no-op in a single process)."""
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return flag
    backend = str(dist.get_backend())
    # NCCL reduces only CUDA tensors; gloo (CPU runs, and the cpu half of "cuda:nccl,cpu:gloo") takes CPU ones.
    device = torch.device("cuda", torch.cuda.current_device()) if backend == "nccl" else torch.device("cpu")
    t = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def _group_nodes() -> list[str | None]:
    import torch.distributed as dist

    me = os.environ.get("SLURM_NODEID")
    if not (dist.is_available() and dist.is_initialized()):
        return [me]
    gathered: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, me)
    return gathered


def rank_record(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What identifies this process in a multi-node job (rank, world size, local rank, SLURM job, node and restart
    count, host, pid, rendezvous address, time) plus `extra`: one rank's entry in the rank log that proves every node
    joined one rendezvous.
    """
    rank, world = _world()
    env = os.environ
    return {
        "rank": rank,
        "world_size": world,
        "local_rank": int(env.get("LOCAL_RANK", 0)),
        "slurm_job_id": env.get("SLURM_JOB_ID"),
        "slurm_node_id": env.get("SLURM_NODEID"),
        "slurm_node": env.get("SLURMD_NODENAME"),
        "slurm_restart": int(env.get("SLURM_RESTART_COUNT", 0)),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "master": f"{env.get('MASTER_ADDR')}:{env.get('MASTER_PORT')}" if env.get("MASTER_ADDR") else None,
        "rdzv_run_id": env.get("TORCHELASTIC_RUN_ID"),
        "time": time.time(),
        **(extra or {}),
    }


class PreemptionCallback(TrainerCallback):
    """Checkpoint and exit when asked to stop; see the module docstring."""

    def __init__(self) -> None:
        self.stopping = False

    def _active(self, args: Any) -> bool:
        target = os.environ.get(OUTPUT_DIR_ENV)
        return not target or os.path.realpath(args.output_dir) == os.path.realpath(target)

    def _record(self, state: Any, **extra: Any) -> None:
        folder = os.environ.get(RANK_LOG_ENV)
        if not folder:
            return
        rec = rank_record({"global_step": state.global_step, "max_steps": state.max_steps, **extra})
        path = Path(folder) / f"attempt{rec['slurm_restart']}-rank{rec['rank']}.json"
        previous = json.loads(path.read_text()) if path.exists() else {}
        write_json_atomic(path, {**previous, **rec})  # begin → end (or preempted): one record per rank and attempt

    def on_train_begin(self, args, state, control, **kwargs):
        """When a rank log is asked for, write this rank's begin record with the step it resumed at and the SLURM node
        of every rank in its process group.
        """
        if self._active(args) and os.environ.get(RANK_LOG_ENV):
            # Every rank learns which SLURM node each rank of its process group runs on: one group spanning all
            # nodes is the proof that the nodes met in one rendezvous.
            self._record(state, phase="begin", resumed_at=state.global_step, group_nodes=_group_nodes())

    def on_step_end(self, args, state, control, **kwargs):
        """Check for a stop request (SIGUSR1 seen or the stop file present) and agree on it across ranks with one
        all-reduce; before the last step, ask the trainer to save and stop.
        """
        if not self._active(args):
            return
        stop_file = os.environ.get(STOP_FILE_ENV)
        asked = _signalled or bool(stop_file and os.path.exists(stop_file))
        # Every rank takes part in the reduction every step, so all of them decide at the same step.
        if any_rank(asked) and state.global_step < state.max_steps:
            control.should_save = True
            control.should_training_stop = True
            self.stopping = True

    def on_save(self, args, state, control, **kwargs):
        """After the checkpoint a stop request asked for is complete, record it, have rank 0 write the preemption
        marker, and exit 0 so the requeued job resumes from it.
        """
        if not self.stopping:
            return
        checkpoint = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
        self._record(state, phase="preempted", checkpoint=checkpoint)
        marker = os.environ.get(MARKER_ENV)
        if marker and state.is_world_process_zero:
            write_json_atomic(Path(marker), {"step": state.global_step, "checkpoint": checkpoint, "time": time.time()})
        print(f"[open-r1] stop requested: saved {checkpoint}; exiting for requeue", file=sys.stderr, flush=True)
        raise SystemExit(0)

    def on_train_end(self, args, state, control, **kwargs):
        """Write this rank's end record and switch an FSDP run to full state dicts, so the entrypoint's final save
        writes one loadable model.
        """
        if self._active(args):
            self._record(state, phase="end")
        _gather_final_fsdp_model()


def _gather_final_fsdp_model() -> None:
    """Sharded checkpoints during training, one whole model at the end (see the module docstring)."""
    from accelerate.state import AcceleratorState

    if not AcceleratorState._shared_state:
        return
    plugin = getattr(AcceleratorState(), "fsdp_plugin", None)
    if plugin is None or "SHARDED" not in str(plugin.state_dict_type):
        return
    from torch.distributed.fsdp import StateDictType

    # Trainer.save_model gathers (offloaded to CPU, on rank 0) exactly when the type names FULL_STATE_DICT.
    plugin.state_dict_type = StateDictType.FULL_STATE_DICT


def allow_fsdp_on_cpu() -> bool:
    """Let accelerate's FSDP plugin through on CPU processes; no-op with CUDA or without an FSDP launch."""
    import torch

    if torch.cuda.is_available() or os.environ.get("ACCELERATE_USE_FSDP", "false").lower() != "true":
        return False
    from accelerate import state as accelerate_state
    from accelerate.utils import DistributedType

    original = accelerate_state.AcceleratorState.__init__
    if getattr(original, "_open_r1_cpu_fsdp", False):
        return True

    def init(self, *args: Any, fsdp_plugin: Any = None, **kwargs: Any) -> None:
        original(self, *args, fsdp_plugin=fsdp_plugin, **kwargs)
        # accelerate resolved CPU ranks to MULTI_CPU (plain DDP over gloo) and dropped the plugin; restore it.
        if fsdp_plugin is not None and self.distributed_type == DistributedType.MULTI_CPU:
            if fsdp_plugin.fsdp_version != 2:
                raise RuntimeError("FSDP on CPU needs fsdp_version: 2 (see recipes/accelerate/fsdp-cpu.yaml)")
            self.distributed_type = DistributedType.FSDP
            self.fsdp_plugin = fsdp_plugin
            # Every later AcceleratorState() re-reads the type from PartialState's shared state: set it there too.
            accelerate_state.PartialState._shared_state["distributed_type"] = DistributedType.FSDP

    init._open_r1_cpu_fsdp = True  # type: ignore[attr-defined]
    accelerate_state.AcceleratorState.__init__ = init
    return True


def install() -> None:
    """Add the hooks to every Trainer this process will build (idempotent)."""
    import transformers.trainer as hf_trainer

    if not any(isinstance(cb, PreemptionCallback) for cb in hf_trainer.DEFAULT_CALLBACKS):
        hf_trainer.DEFAULT_CALLBACKS.append(PreemptionCallback())
    allow_fsdp_on_cpu()
    if os.environ.get(STOP_FILE_ENV) or os.environ.get(MARKER_ENV):
        # The default action of SIGUSR1 is to terminate: with a handler, a USR1 that reaches a rank directly
        # (e.g. `--signal=USR1@<s>` without B:) asks for a checkpoint instead of killing it mid-step.
        signal.signal(signal.SIGUSR1, _on_usr1)
