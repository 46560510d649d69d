"""Hub publishing: push checkpoints and the final model to a per-run revision, in the background, with a model card.

WHAT
    `HubPublisher(repo_id, revision, ...)` pushes folders to branches of a Hub model repository through
    `huggingface_hub.HfApi` on one background thread: `push(folder, branch)` returns a Future.
    `PushCheckpointsCallback` (a transformers TrainerCallback) pushes each saved `checkpoint-<N>` to
    `<revision>-step-<N:09d>` and, once a push lands, calls the benchmark launcher it was given and appends a record
    (branch, commit, job id) to `<output_dir>/hub_pushes.jsonl`. `model_card(essentials)` writes README.md from a
    run card's essentials; `find_pushed_checkpoint` / `download_checkpoint` let a resumed run on a fresh machine start
    from the newest pushed checkpoint. `check_revision` refuses to overwrite a finished revision by accident.

WHY
    A model that stays on the machine that trained it cannot be evaluated elsewhere or resumed after the machine is
    gone. open-r1 pushes each checkpoint to its own branch (`hub_model_revision`-step-N) and launches benchmark jobs
    when a push completes, so evaluation overlaps training (the R1 report's benchmark tables, arXiv 2501.12948 §3,
    come from such checkpoints). Pushing on a background thread keeps the GPUs busy: the Trainer's own push to `main`
    blocks the step it runs in. Tokens never leave huggingface_hub's own lookup (HF_TOKEN or the token file):
    nothing here reads, logs or writes a token, and the model card is built from the run card, which holds none.

HOW
    One `ThreadPoolExecutor(max_workers=1)`: pushes land in order. A push = create_repo(exist_ok) → create_branch
    from main (exist_ok) → upload_folder(revision=branch); a checkpoint is pushed whole (optimizer and scheduler
    included) so that a resume from it is exact. The server is `HF_ENDPOINT` (huggingface_hub's own variable), so
    tests point it at a local server that speaks the Hub HTTP API (tests/local_hub.py); nothing here names a host.
    The benchmark launcher is a plain callable passed in by the layer that knows the runtime (open_r1.cli.train
    builds it with open_r1.labs.benchmark_jobs): this layer never imports upward.

DATA FLOW
    open_r1.cli.train → train_sft / train_grpo(callbacks=[PushCheckpointsCallback]) → on_save → HubPublisher (thread)
    → Hub branch `<revision>-step-N` → launcher(repo, branch, step) → job id → hub_pushes.jsonl; after training,
    open_r1.cli.train writes the run card, then `publish_final` pushes output_dir + README.md to `<revision>`.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from open_r1.core.errors import ConfigError

# Files of a checkpoint left out of its push. None: a run resumed from a pushed checkpoint must restore the optimizer
# and LR scheduler exactly (open-r1 leaves `*.pt` out, which resumes with a fresh optimizer and schedule).
CHECKPOINT_IGNORE: list[str] = []

BenchmarkLauncher = Callable[["PushedRevision"], str | None]


@dataclass(frozen=True)
class PushedRevision:
    """A folder that landed on the Hub: what a benchmark launcher receives."""

    repo_id: str
    branch: str
    commit: str
    step: int | None
    benchmarks: tuple[str, ...]


def run_revision(output_dir: str | os.PathLike, configured: str | None) -> str:
    """The branch a run pushes to: the recipe's `hub_model_revision`, else the name of the run's output folder."""
    name = configured or Path(output_dir).resolve().name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "run"


def checkpoint_branch(revision: str, step: int) -> str:
    """The branch of the checkpoint at `step` (open-r1's naming: `<revision>-step-<9 digits>`)."""
    return f"{revision}-step-{step:09d}"


class HubPublisher:
    """Pushes folders to branches of one Hub repository, one at a time, on a background thread."""

    def __init__(self, repo_id: str, revision: str, private: bool | None = None, api: Any = None) -> None:
        from huggingface_hub import HfApi

        self.repo_id = repo_id
        self.revision = revision
        self.private = private
        self.api = api or HfApi()  # endpoint and token: HF_ENDPOINT / HF_TOKEN, read by huggingface_hub itself
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-push")
        self._lock = threading.Lock()
        self._pending: list[Future] = []
        self.launcher: BenchmarkLauncher | None = None  # set by the caller that knows the runtime

    def _ensure_branch(self, branch: str) -> None:
        self.api.create_repo(self.repo_id, private=self.private, exist_ok=True)
        self.api.create_branch(self.repo_id, branch=branch, exist_ok=True)

    def _push_now(self, folder: str, branch: str, message: str, ignore: list[str]) -> str:
        self._ensure_branch(branch)
        info = self.api.upload_folder(
            repo_id=self.repo_id, folder_path=folder, revision=branch, commit_message=message, ignore_patterns=ignore
        )
        return info.oid

    def push(
        self,
        folder: str | os.PathLike,
        branch: str,
        message: str,
        ignore: list[str] | None = None,
        then: Callable[[str | None, BaseException | None], None] | None = None,
    ) -> Future:
        """Queue a push of `folder` to `branch`; the Future's result is the commit id.

        `then(commit, error)` runs on the push thread after the upload and before the Future completes, so whatever
        it records is on disk by the time `wait()` returns or raises (a Future's done-callbacks run only after its
        waiters are woken, which would let `wait()` return first).
        """
        future = self._pool.submit(self._push_and_report, str(folder), branch, message, list(ignore or []), then)
        with self._lock:
            self._pending.append(future)
        return future

    def _push_and_report(
        self, folder: str, branch: str, message: str, ignore: list[str],
        then: Callable[[str | None, BaseException | None], None] | None,
    ) -> str:  # fmt: skip
        try:
            commit = self._push_now(folder, branch, message, ignore)
        except BaseException as err:
            if then is not None:
                then(None, err)
            raise
        if then is not None:
            then(commit, None)
        return commit

    def wait(self) -> None:
        """Block until every queued push has finished; re-raise the first failure."""
        with self._lock:
            pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def close(self) -> None:
        self.wait()
        self._pool.shutdown(wait=True)


def check_revision(api: Any, repo_id: str, revision: str, overwrite: bool, resuming: bool) -> None:
    """Fail before training when `revision` already holds a finished model (a README.md) and the run is neither
    resuming nor allowed to overwrite it (open-r1's `overwrite_hub_revision`)."""
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        branches = {ref.name for ref in api.list_repo_refs(repo_id).branches}
    except RepositoryNotFoundError:
        return
    if revision in branches and not overwrite and not resuming:
        if "README.md" in api.list_repo_files(repo_id, revision=revision):
            raise ConfigError(
                f"revision '{revision}' of {repo_id} already holds a pushed model",
                key="hub_model_revision",
                fix="choose another hub_model_revision, or set overwrite_hub_revision: true.",
            )


def find_pushed_checkpoint(api: Any, repo_id: str, revision: str) -> tuple[int, str] | None:
    """The newest `<revision>-step-N` branch of `repo_id` as (N, branch), or None (no repo, no checkpoint pushed)."""
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        refs = api.list_repo_refs(repo_id).branches
    except RepositoryNotFoundError:
        return None
    pattern = re.compile(re.escape(revision) + r"-step-(\d+)")
    steps = [(int(m.group(1)), ref.name) for ref in refs if (m := pattern.fullmatch(ref.name))]
    return max(steps) if steps else None


def download_checkpoint(api: Any, repo_id: str, branch: str, step: int, output_dir: str | os.PathLike) -> str:
    """Download a pushed checkpoint into `<output_dir>/checkpoint-<step>` (what the Trainer resumes from)."""
    target = Path(output_dir) / f"checkpoint-{step}"
    api.snapshot_download(repo_id=repo_id, revision=branch, local_dir=str(target))
    return str(target)


class PushCheckpointsCallback(TrainerCallback):
    """On every save (main process only): push the checkpoint to its own branch in the background; when the push
    lands, launch the benchmarks on it through `launcher` and record the job id in `hub_pushes.jsonl`."""

    def __init__(
        self, publisher: HubPublisher, benchmarks: list[str] | None = None, launcher: BenchmarkLauncher | None = None
    ) -> None:
        self.publisher = publisher
        self.benchmarks = tuple(benchmarks or ())
        self.launcher = launcher
        self.records_lock = threading.Lock()

    def on_save(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        step = state.global_step
        folder = Path(args.output_dir) / f"checkpoint-{step}"
        branch = checkpoint_branch(self.publisher.revision, step)
        output_dir = Path(args.output_dir)
        self.publisher.push(
            folder, branch, f"checkpoint {step}", CHECKPOINT_IGNORE,
            then=lambda commit, error: self._landed(commit, error, output_dir, branch, step),
        )  # fmt: skip

    def _landed(self, commit: str | None, error: BaseException | None, output_dir: Path, branch: str, step: int) -> None:
        record: dict[str, Any] = {"step": step, "repo_id": self.publisher.repo_id, "branch": branch}
        if error is not None:
            record["error"] = f"{type(error).__name__}: {error}"
        else:
            record["commit"] = commit
            if self.launcher is not None and self.benchmarks:
                pushed = PushedRevision(self.publisher.repo_id, branch, record["commit"], step, self.benchmarks)
                try:
                    record["benchmark_job"] = self.launcher(pushed)
                except Exception as err:  # noqa: BLE001 -- a failed launch is recorded, training goes on
                    record["benchmark_error"] = f"{type(err).__name__}: {err}"
        with self.records_lock:
            with open(output_dir / "hub_pushes.jsonl", "a") as fh:
                fh.write(json.dumps(record) + "\n")

    def on_train_end(self, args, state, control, **kwargs):
        # Training is over: waiting here costs no GPU time and makes the final push come after every checkpoint.
        if state.is_world_process_zero:
            self.publisher.wait()


def model_card(essentials: dict[str, Any]) -> str:
    """README.md for a pushed model, from a run card's essentials (model, recipe, data, metrics, image digest)."""
    lines = ["---", "library_name: transformers", "tags: [open-r1-labs, trl]"]
    if essentials.get("base_model"):
        lines.append(f"base_model: {essentials['base_model']}")
    lines += ["---", "", f"# {essentials.get('repo_id', 'model')} — revision `{essentials.get('revision', '')}`", ""]
    lines.append("Trained with open-r1 labs. Everything below comes from the run card (run_card.json).")
    lines.append("")
    lines.append("| field | value |")
    lines.append("|---|---|")
    for key in ("kind", "base_model", "recipe", "dataset", "git_sha", "image_digest", "seed", "global_step"):
        if essentials.get(key) not in (None, ""):
            lines.append(f"| {key} | `{essentials[key]}` |")
    metrics = essentials.get("metrics") or {}
    if metrics:
        lines += ["", "## Metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in metrics.items()]
    lines += ["", "Rerun: `open-r1 lab rerun <run folder>` with the run card next to the checkpoints.", ""]
    return "\n".join(lines)


def publish_final(
    publisher: HubPublisher,
    output_dir: str | os.PathLike,
    essentials: dict[str, Any],
    launcher: BenchmarkLauncher | None = None,
    benchmarks: list[str] | None = None,
) -> dict[str, Any]:
    """Write README.md (the model card) into `output_dir`, push the final model to the run's revision, wait for it,
    and launch the benchmarks on it. Returns the push record (also appended to hub_pushes.jsonl)."""
    out = Path(output_dir)
    (out / "README.md").write_text(model_card(essentials))
    # The final model and its records, not the run's by-products: checkpoints (on their own branches), benchmark
    # results (launched from this folder), TensorBoard event files.
    ignore = ["checkpoint-*", "checkpoint-*/**", "benchmarks/**", "hub_pushes.jsonl", "*.pt", "runs/**"]
    commit = publisher.push(out, publisher.revision, "final model", ignore).result()
    publisher.wait()
    record: dict[str, Any] = {
        "step": None,
        "repo_id": publisher.repo_id,
        "branch": publisher.revision,
        "commit": commit,
    }
    if launcher is not None and benchmarks:
        record["benchmark_job"] = launcher(
            PushedRevision(publisher.repo_id, publisher.revision, commit, None, tuple(benchmarks))
        )
    with open(out / "hub_pushes.jsonl", "a") as fh:
        fh.write(json.dumps(record) + "\n")
    return record
