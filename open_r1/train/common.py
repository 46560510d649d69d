"""What the SFT and GRPO entrypoints share: checkpoint discovery, final save, run-card hooks.

WHAT
    `last_checkpoint(output_dir)`, `finish_model(trainer, tokenizer, output_dir)` (save with EOS and generation
    config set), and `add_common_args(parser)` for the `train` subcommands.

WHY
    A model saved without `eos_token_id` in its generation config never stops under vLLM (a known failure of
    reproductions); a checkpoint folder found automatically is what makes "rerun the same command after a crash"
    resume instead of start over.

HOW
    Checkpoints are `checkpoint-<step>` folders written by the HF Trainer; the highest step that has a
    `trainer_state.json` (i.e. finished writing) is the one to resume from.

DATA FLOW
    open_r1.train.sft / grpo → here → files under `output_dir` → open_r1.core.runcard and open_r1.labs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any


def last_checkpoint(output_dir: str | os.PathLike) -> str | None:
    """The `checkpoint-<N>` folder with the highest step under output_dir that has a trainer_state.json (a complete
    save), or None: what the entrypoints resume from after a crash or a requeue.
    """
    root = Path(output_dir)
    if not root.is_dir():
        return None
    done = [
        (int(m.group(1)), p)
        for p in root.iterdir()
        if (m := re.fullmatch(r"checkpoint-(\d+)", p.name)) and (p / "trainer_state.json").exists()
    ]
    return str(max(done)[1]) if done else None


def finish_model(trainer: Any, tokenizer: Any, output_dir: str) -> None:
    """Save the final model so that generation stops at EOS under transformers and vLLM alike."""
    model = trainer.model
    gen = getattr(model, "generation_config", None)
    if gen is not None:
        gen.eos_token_id = tokenizer.eos_token_id
        gen.pad_token_id = tokenizer.pad_token_id
        gen.bos_token_id = tokenizer.bos_token_id
    model.config.eos_token_id = tokenizer.eos_token_id
    model.config.pad_token_id = tokenizer.pad_token_id
    trainer.save_model(output_dir)
    if trainer.accelerator.is_main_process:
        tokenizer.save_pretrained(output_dir)


def saved_weights(output_dir: str | os.PathLike) -> dict[str, Any]:
    """What the final save wrote: a LoRA adapter (adapter_config.json + adapter weights) or a full model."""
    root = Path(output_dir)
    files = sorted(p.name for p in root.glob("*.safetensors"))
    files += sorted(p.name for p in root.glob("*.bin") if p.name != "training_args.bin")
    if (root / "adapter_config.json").exists():
        return {"kind": "adapter", "files": ["adapter_config.json", *files],
                "merge": f"open-r1 merge {root} --output {root}-merged"}
    return {"kind": "full", "files": files}


def peak_gpu_memory() -> dict[str, Any] | None:
    """The most GPU memory this process's torch allocator held during the run (allocated and reserved, GiB, on the
    current device), or None on a CPU run: the figure to set beside `open-r1 plan`'s per-GPU estimate (vLLM's
    colocated engine allocates through torch too; its KV-cache reservation shows in `reserved_gib`)."""
    try:
        import torch
    except ImportError:
        return None
    if not (torch.cuda.is_available() and torch.cuda.is_initialized()):
        return None
    gib = 1024**3
    device = torch.cuda.current_device()
    return {
        "device": torch.cuda.get_device_name(device),
        "allocated_gib": round(torch.cuda.max_memory_allocated(device) / gib, 2),
        "reserved_gib": round(torch.cuda.max_memory_reserved(device) / gib, 2),
    }


def add_common_args(parser: Any) -> None:
    """Add the flags every `open-r1 train` subcommand shares: `--config` (the YAML recipe) and `--no-resume` (ignore
    existing checkpoints and start over).
    """
    parser.add_argument("--config", help="YAML recipe (every key is a field of the configs: see --help-fields)")
    parser.add_argument("--no-resume", action="store_true", help="start over even if output_dir has checkpoints")


def use_rich_progress(trainer: Any) -> None:
    """Our rich callback replaces transformers' tqdm bar and its raw dict printer (one live display, not three)."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


def quiet_transformers() -> None:
    """transformers draws its own tqdm bars when loading and saving weights; our rich display replaces them."""
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # TRL 1.16 still calls the pre-5.18 name on every step; the warning is about TRL's code, not the user's recipe.
    warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)
