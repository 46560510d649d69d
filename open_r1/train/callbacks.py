"""Trainer callbacks: live metrics on the terminal (rich) and a metrics log the run card reads.

WHAT
    `RichMetricsCallback` draws a progress bar with the latest loss / reward / lr and prints a compact line per
    logging step; `JsonlMetricsCallback` appends every log dict to `<output_dir>/metrics.jsonl`.

WHY
    TensorBoard and W&B are opt-in (`report_to`); a researcher on a laptop still needs to watch the run learn. An
    append-only JSONL file is the simplest durable record: a crash loses at most the line being written, and a
    resumed run keeps appending (the run card summarises it).

HOW
    Hooks `on_train_begin` / `on_log` / `on_train_end` of `transformers.TrainerCallback`; only the main process
    (`state.is_world_process_zero`) writes.

DATA FLOW
    open_r1.train.grpo / sft add these to TRL's trainer → terminal and metrics.jsonl → open_r1.core.runcard.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from transformers import TrainerCallback

KEY_METRICS = ("loss", "reward", "rewards/accuracy/mean", "rewards/format/mean", "learning_rate", "grad_norm")


class JsonlMetricsCallback(TrainerCallback):
    """Appends every dict the trainer logs to a JSONL file (`<output_dir>/metrics.jsonl`), one line per logging step
    with the global step: the durable metrics record the run card summarises and a resumed run keeps extending.
    """

    def __init__(self, path: str):
        self.path = path

    def on_log(self, args, state, control, logs: dict[str, Any] | None = None, **kwargs):
        """On the main process only, append the log's numbers and strings as one JSON line tagged with the global step,
        creating the folder on first use.
        """
        if not state.is_world_process_zero or not logs:
            return
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        record = {"step": state.global_step, **{k: v for k, v in logs.items() if isinstance(v, int | float | str)}}
        with open(self.path, "a") as fh:
            fh.write(json.dumps(record) + "\n")


class RichMetricsCallback(TrainerCallback):
    """A rich progress bar for the terminal with the latest loss, reward, learning rate and grad norm beside it, drawn
    on the main process; it stands in for transformers' tqdm bar and dict printer.
    """

    def __init__(self, title: str = "training"):
        self.title = title
        self.progress = None
        self.task = None

    def on_train_begin(self, args, state, control, **kwargs):
        """Start the progress bar on the main process at the current global step (so a resumed run starts part-way) out
        of `max_steps`.
        """
        if not state.is_world_process_zero:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn(f"[bold]{self.title}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.fields[metrics]}"), transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task(self.title, total=state.max_steps, completed=state.global_step, metrics="")

    def on_step_end(self, args, state, control, **kwargs):
        """Move the bar to the trainer's global step after every optimizer step."""
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)

    def on_log(self, args, state, control, logs: dict[str, Any] | None = None, **kwargs):
        """Show the KEY_METRICS present in this log (NaNs skipped, reward names shortened) beside the bar."""
        if self.progress is None or not logs:
            return
        shown = []
        for key in KEY_METRICS:
            value = logs.get(key)
            if isinstance(value, int | float) and not math.isnan(value):
                shown.append(f"{key.split('/')[-2] if '/' in key else key}={value:.4g}")
        self.progress.update(self.task, metrics=" ".join(shown))

    def on_train_end(self, args, state, control, **kwargs):
        """Stop the live display at the end of training so later output prints below the finished bar."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
