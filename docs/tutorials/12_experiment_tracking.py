# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # W&B integration and experiment tracking
#
# **Part 2, Training infrastructure — tutorial 12.** You will track a nano GRPO run with Weights & Biases in offline
# mode and with TensorBoard, find what each wrote, read the curves GRPO logs (reward, reward spread, KL, completion
# length, clipping), and resume a run into the same W&B run — with no account, no network and no key on disk.
#
# ## Concept overview
#
# A GRPO run is judged by its curves. DeepSeek-R1 (arXiv 2501.12948 §2.2.4, Figure 3) reads R1-Zero's progress off
# the average response length growing during RL; DAPO (arXiv 2503.14476 §3.2) watches the fraction of groups whose
# rewards are all equal (they carry no gradient). A tracker stores those curves per step, beside the run's config.
#
# Labs run offline (laptops, clusters without internet), so tracking here is **offline first**: with
# `report_to: [wandb]` the run is written to `<output_dir>/wandb/offline-run-<time>-<id>/`, and
# `wandb sync <that folder>` uploads it later from any machine that has a key. `WANDB_MODE=online` streams it live
# instead. The project, entity, group and run name come from the recipe (`run_name`, and an `env:` block for the
# `WANDB_*` variables) or from the launcher's environment. A key is only ever read from the environment
# (`WANDB_API_KEY`); the run card records *that* it was set, never its value.
#
# ## Code walkthrough
#
# - [[open_r1/train/tracking.py:check_trackers]] runs while the recipe is parsed: a tracker in `report_to` whose
#   package is missing fails before the model loads (`wandb` and `tensorboard` are in both locks).
# - [[open_r1/train/tracking.py:start_tracking]] opens the W&B run itself, offline unless told otherwise, with the
#   settings of [[open_r1/train/tracking.py:wandb_settings]]; transformers' `WandbCallback` finds the open run and logs
#   every logging step into it. The run id goes to `tracking.json`, so a resumed run appends to the same W&B run.
# - [[open_r1/train/tracking.py:finish_tracking]] adds the held-out scores to the run's summary, closes it and
#   returns the run card's `tracking` block.
# - [[open_r1/train/callbacks.py:JsonlMetricsCallback]] writes the same numbers to `metrics.jsonl` whatever the
#   tracker: the run card and the labs read that file.
#
# ## Hands-on
#
# ### 1. A tracked nano GRPO run
#
# The environment variables below are what a recipe's `env:` block or a SLURM script would set. The fake key is
# there to show that it ends up nowhere.

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

from open_r1.core.paths import project_root
from open_r1.labs.nano_build import ensure_nano_model
from open_r1.train import parse_training_recipe
from open_r1.train.grpo import train_grpo

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
ensure_nano_model("nano://math")  # built into the cache on first use (~1.5 min)
FAKE_KEY = "tutorial-fake-wandb-key-0123456789"
os.environ.update(WANDB_PROJECT="open-r1-tutorials", WANDB_RUN_GROUP="tutorial-12", WANDB_API_KEY=FAKE_KEY)
os.environ.pop("WANDB_MODE", None)  # unset: the project's default, offline

import yaml

work = Path(tempfile.mkdtemp(prefix="tracking-"))
run_dir = work / "run"
# the nano GRPO recipe with `report_to: [wandb, tensorboard]` (a list is written in the recipe, as the full ones do)
recipe_text = yaml.safe_load((project_root() / "labs/grpo-math/recipes/nano.yaml").read_text())
recipe_text["report_to"] = ["wandb", "tensorboard"]
recipe = str(work / "nano-tracked.yaml")
Path(recipe).write_text(yaml.safe_dump(recipe_text))
overrides = f"--output_dir {run_dir} --max_steps 8 --logging_steps 1 --heldout_samples 30 --save_strategy steps"
overrides = (overrides + " --save_steps 8 --run_name nano-grpo-tracked").split()
started = time.time()
summary = train_grpo(*parse_training_recipe("grpo", recipe, overrides), recipe_path=recipe)
print(f"\n{time.time() - started:.0f} s")
print(json.dumps(summary["tracking"], indent=1))

# %% [markdown]
# That block is what the run card stores under `metrics.tracking`: the W&B run's id, mode, project, group and name,
# its folder, the command that uploads it, TensorBoard's folder, and the *names* of the secrets that were set.
#
# ### 2. What W&B wrote

# %%
wandb_folder = Path(summary["tracking"]["wandb"]["folder"])
for path in sorted(wandb_folder.rglob("*")):
    if path.is_file():
        print(f"{str(path.relative_to(wandb_folder)):40s} {path.stat().st_size:>8,} bytes")
from open_r1.train.tracking import read_offline_run

offline = read_offline_run(wandb_folder)
logged = [row for row in offline["history"] if "train/loss" in row]
print(f"{len(offline['history'])} history rows, {len(logged)} of them training steps; last step:")
print({k: round(v, 4) for k, v in sorted(logged[-1].items()) if k.startswith("train/") and isinstance(v, float)})
print("summary:", {k: v for k, v in offline["summary"].items() if k.startswith("heldout_after/")})

# %% [markdown]
# `run-<id>.wandb` is the whole run in W&B's append-only binary log (what `wandb sync` uploads):
# [[open_r1/train/tracking.py:read_offline_run]] reads its history rows (one per logging step, plus TRL's
# profiling timers) and its summary — including the held-out scores the project adds at the end.
#
# ### 3. Reading the curves
#
# TensorBoard's event file holds the same per-step history in a format any machine can read. TRL 1.16 logs these
# for GRPO (one row per logging step):

# %%
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

event_dir = next(run_dir.rglob("events.out.tfevents.*")).parent
events = EventAccumulator(str(event_dir))
events.Reload()
tags = events.Tags()["scalars"]
curves = {tag: [s.value for s in events.Scalars(tag)] for tag in tags}
for tag in sorted(tags):
    print(f"{tag:40s} " + " ".join(f"{v:7.3f}" for v in curves[tag][:8]))

# %%
import matplotlib.pyplot as plt

shown = [
    "train/reward",
    "train/reward_std",
    "train/frac_reward_zero_std",
    "train/completions/mean_length",
    "train/completions/clipped_ratio",
    "train/kl",
]
fig, axes = plt.subplots(1, len(shown), figsize=(14, 2.2))
for ax, tag in zip(axes, shown, strict=True):
    ax.plot(curves.get(tag, []), marker=".")
    ax.set_title(tag.removeprefix("train/"), fontsize=8)
    ax.tick_params(labelsize=7)
fig.tight_layout()

# %% [markdown]
# How to read them:
#
# | metric | meaning | what to look for |
# |---|---|---|
# | `reward`, `rewards/<name>/mean` | mean weighted reward of the batch, per reward | rising; compare with the held-out score, not only this |
# | `reward_std`, `frac_reward_zero_std` | spread inside groups; share of groups whose G answers all scored the same | many zero-std groups = little gradient (DAPO's dynamic sampling targets these) |
# | `kl` | mean per-token KL(π_θ ‖ π_ref) (k3 estimator) | only logged when `beta > 0`: the nano recipe uses β = 0, as DAPO does |
# | `completions/mean_length`, `completions/clipped_ratio` | answer length; share cut at `max_completion_length` | R1-Zero's length grows; a rising clipped share means the limit is too short |
# | `clip_ratio/region_mean`, `clip_ratio/low_mean`, `clip_ratio/high_mean` | share of tokens whose ratio ρ left [1−ε, 1+ε] | near 0 with one update per batch (ρ = 1); grows with `num_iterations` > 1 |
# | `entropy` | mean token entropy of the policy | a collapse towards 0 means the samples in a group stop differing |
#
# ### 4. Resuming into the same run
#
# A resumed run reads `tracking.json` and reopens the same W&B run id, so its curve continues instead of starting
# a second run. Here we extend the run from 8 to 10 steps.

# %%
first_id = summary["tracking"]["wandb"]["id"]
resumed = train_grpo(
    *parse_training_recipe("grpo", recipe, overrides[:2] + ["--max_steps", "10"] + overrides[4:]), recipe_path=recipe
)
print("resumed from", resumed["resumed_from"], "| W&B id", resumed["tracking"]["wandb"]["id"], "| first", first_id)

# %% [markdown]
# ## Deep dive
#
# **Why open the run ourselves?** transformers' `WandbCallback` would call `wandb.init` on its own, but only with a
# project from the environment and a name from `run_name`; opening the run first lets the project set the offline
# default, the folder (inside `output_dir`, so the run and its tracking travel together) and the resume id. The
# callback then logs into the open run. **Multi-process runs.** Only the main process opens a run (`RANK` 0); the
# other ranks' callbacks do nothing, so an 8-GPU job makes one W&B run, not eight. **Groups.** `WANDB_RUN_GROUP`
# gathers the runs of one experiment (a sweep, the stages of one pipeline); the SLURM and container runtimes pass
# the `WANDB_*` variables through by name.
#
# ## Pitfalls and debugging
#
# - *"wandb: ERROR api_key not configured"* in online mode on a machine without a key: use the offline default and
#   `wandb sync` later, or pass `WANDB_API_KEY` by name to the container (`-e WANDB_API_KEY`), never in a file.
# - *`report_to: all`*: transformers expands it to every tracker that happens to be installed (both, here); name
#   the trackers so a run logs to the same places on every machine.
# - *Two runs in one W&B run:* deleting a run folder but keeping `tracking.json` (or copying an `output_dir`)
#   resumes the old W&B id. Delete `tracking.json` to start a new W&B run.
# - *A missing tracker package* fails before the model loads:

# %%
import importlib.util

from open_r1.core.errors import ConfigError
from open_r1.train import tracking

real_find_spec = importlib.util.find_spec
tracking.importlib.util.find_spec = lambda name: None if name == "wandb" else real_find_spec(name)
try:
    parse_training_recipe("grpo", recipe, ["--report_to", "wandb"])
except ConfigError as err:
    print("error:", err)
finally:
    tracking.importlib.util.find_spec = real_find_spec

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** The run also wrote `metrics.jsonl`. Compute the mean of `reward` over the first 8 logged steps from
# that file and check that TensorBoard's `train/reward` curve gives the same mean.

# %% tags=["solution"]
rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
jsonl_rewards = [r["reward"] for r in rows if "reward" in r][:8]
jsonl_mean = sum(jsonl_rewards) / len(jsonl_rewards)
tensorboard_mean = sum(curves["train/reward"][:8]) / len(curves["train/reward"][:8])
print(round(jsonl_mean, 6), round(tensorboard_mean, 6))

# %% tags=["check"]
assert len(jsonl_rewards) == 8
assert abs(jsonl_mean - tensorboard_mean) < 1e-6
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Prove that the fake key is nowhere on disk: search every file under the run folder for it.

# %% tags=["solution"]
leaks = [p for p in run_dir.rglob("*") if p.is_file() and FAKE_KEY.encode() in p.read_bytes()]
print("files holding the key:", leaks)
print("secrets recorded by name:", summary["tracking"]["secrets_set"])

# %% tags=["check"]
assert not leaks
assert "WANDB_API_KEY" in summary["tracking"]["secrets_set"]
assert FAKE_KEY not in json.dumps(summary)
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** Check that the resumed run continued the first W&B run (same id) and that the resumed attempt
# logged exactly steps 9 and 10.

# %% tags=["solution"]
same_run = resumed["tracking"]["wandb"]["id"] == first_id
resumed_history = read_offline_run(Path(resumed["tracking"]["wandb"]["folder"]))["history"]
resumed_steps = [row["train/global_step"] for row in resumed_history if "train/loss" in row]
print(same_run, resumed_steps)

# %% tags=["check"]
assert same_run
assert resumed_steps[-2:] == [9, 10] and len(resumed_steps) in (2, 10)  # a new folder, or the old one extended
print("exercise 3: ok")
