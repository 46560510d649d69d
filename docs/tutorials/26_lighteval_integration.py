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
# # LightEval integration for standardized benchmarks
#
# **Part 6, Evaluation — tutorial 26.** You will run a benchmark through lighteval the way `open-r1 eval run` does —
# in lighteval's own environment, offline, on the nano model — pick the model by **revision**, add a **system
# prompt**, and read what was saved: lighteval's results, our per-problem details (prompt, completions, gold,
# verdict) and the HTML report.
#
# ## Concept overview
#
# lighteval (Hugging Face) is the harness open-r1 uses for AIME, MATH-500, GPQA and LiveCodeBench: a task is a
# dataset, a prompt function, generation settings and metrics; a pipeline runs a model backend (transformers,
# vLLM) over tasks and saves results and per-sample *details*. Using the shared harness is what makes numbers
# comparable across papers — the same prompts, the same answer extraction.
#
# Two practical problems, and this project's answers:
#
# 1. **Its pins conflict with the training stack** (lighteval 0.13 pins a `latex2sympy2_extended` that breaks
#    math-verify 0.9). So it lives in a separate environment that the tool creates on first use and caches by a
#    hash of its requirements; the evaluation runs there as a subprocess that reads a JSON spec.
# 2. **Offline machines.** lighteval's registry imports every built-in task at start, and some reach the network.
#    The runner loads only the modules of the requested tasks, and the nano task reads local files.
#
# ## Code walkthrough
#
# - [[open_r1/eval/lighteval_env/__init__.py:ENVIRONMENTS]] names the environments and their pins;
#   [[open_r1/eval/lighteval_env/__init__.py:ensure_env]] creates one under a lock (folder name = a hash of the
#   requirements, `ready.json` written last) and returns its Python.
# - [[open_r1/eval/benchmarks.py:run_eval]] checks the options first ([[open_r1/eval/benchmarks.py:check_revision]],
#   [[open_r1/eval/benchmarks.py:check_parallelism]]), writes a spec per benchmark
#   ([[open_r1/eval/benchmarks.py:build_spec]]) and runs the runner; then scores
#   ([[open_r1/eval/benchmarks.py:score_from_summary]]), writes `details.jsonl`
#   ([[open_r1/eval/benchmarks.py:write_details]]) and `report.html`
#   ([[open_r1/eval/benchmarks.py:write_html_report]]).
# - [[open_r1/eval/lighteval_env/lighteval_runner.py:main]] is the other side: it imports only lighteval, patches
#   the registry ([[open_r1/eval/lighteval_env/lighteval_runner.py:patch_registry]]) and sampling
#   ([[open_r1/eval/lighteval_env/lighteval_runner.py:patch_sampling]]), builds the model config with the revision
#   and system prompt ([[open_r1/eval/lighteval_env/lighteval_runner.py:model_config]]) and saves the details.
# - `recipes/tasks/nano_math.py` is the nano task: held-out problems from a local folder, scored with
#   [[open_r1/eval/heldout.py:check]] — the same rule as the training rewards.
#
# ## Hands-on
#
# The environment first (created by the first evaluation on this machine; a few minutes, once):

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from open_r1.eval.benchmarks import cache_as_hub_revision, read_details
from open_r1.eval.lighteval_env import ensure_env, env_status
from open_r1.labs.nano_build import ensure_nano_model

ensure_env("lighteval")
status = env_status("lighteval")
print(json.dumps({k: status[k] for k in ("name", "ready", "install_s", "requirements")}, indent=1))

# %% [markdown]
# ### A model with revisions, offline
#
# `--revision` names a commit, branch or tag of a hub repository. To show it without a hub, we put two nano
# checkpoints into a local Hugging Face cache as one repository, `local/nano-math`: the untrained weights on
# `main` and the distilled model on a branch `distilled` ([[open_r1/eval/benchmarks.py:cache_as_hub_revision]]
# writes huggingface_hub's cache layout). Evaluating `--revision distilled` must then load the trained weights.

# %%
work = Path(tempfile.mkdtemp(prefix="lighteval-"))
hub_cache = work / "hub"
main_commit = cache_as_hub_revision(ensure_nano_model("nano://math-init"), "local/nano-math", "main", hub_cache)
distilled_commit = cache_as_hub_revision(ensure_nano_model("nano://math"), "local/nano-math", "distilled", hub_cache)
print("main      →", main_commit[:12], "\ndistilled →", distilled_commit[:12])

# %% [markdown]
# Now the command a user types: 20 held-out problems, 2 samples each at R1's settings, the `distilled` revision,
# and a system prompt the nano model never saw in training.

# %%
SYSTEM = "You are a careful calculator."
env = {**os.environ, "HF_HUB_CACHE": str(hub_cache), "HF_HUB_OFFLINE": "1"}
cmd = [
    sys.executable, "-m", "open_r1", "eval", "run", "--model", "local/nano-math", "--revision", "distilled",
    "--system-prompt", SYSTEM, "--benchmarks", "nano", "--samples", "2", "--max-samples", "20", "--k", "1,2",
    "--output-dir", str(work / "eval"),
]  # fmt: skip
started = time.time()
proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
assert proc.returncode == 0, proc.stderr[-3000:]
print(proc.stdout)
print(f"took {time.time() - started:.1f} s")

# %% [markdown]
# What was saved:

# %%
for path in sorted((work / "eval").rglob("*")):
    if path.is_file() and "nano_task" not in str(path):
        print(f"{path.stat().st_size:>9,d}  {path.relative_to(work / 'eval')}")

# %% [markdown]
# `details.jsonl` has one line per problem: the prompt exactly as the model saw it (chat template applied — the
# system prompt is there), the gold answer, every completion and its verdict.

# %%
details = read_details(work / "eval" / "nano" / "details.jsonl")
first = details[0]
assert SYSTEM in first["prompt"], first["prompt"]  # the system prompt reached the model
print(first["prompt"])
print("gold:", first["gold"], "| metrics:", first["metrics"])
for text, verdict in zip(first["completions"], first["verdicts"], strict=True):
    print(verdict, repr(text[:90]))
report = json.loads((work / "eval" / "open_r1_eval.json").read_text())
[nano] = report["benchmarks"]
print({k: nano[k] for k in ("problems", "samples", "pass@1", "pass@2", "format")}, "revision:", report["revision"])

# %% [markdown]
# The report (`report.html`, one file, no server) holds the table, the comparison plot and these details in folded
# sections; `open-r1 eval report DIR --details nano --show wrong` prints the failures in a terminal.
#
# ## Deep dive: what runs where
#
# The spec the runner read is in `nano/spec.json`; everything the lighteval process did is in `nano/lighteval.log`.
# The runner never imports `open_r1` except the standard-library-only check the nano task uses (through
# `$OPEN_R1_SOURCE`), so the two environments cannot leak into each other.

# %%
spec = json.loads((work / "eval" / "nano" / "spec.json").read_text())
print({k: spec[k] for k in ("model", "revision", "system_prompt", "tasks", "backend", "generation", "offline")})

# %% [markdown]
# ## Pitfalls and debugging
#
# - **`--revision` with a local folder** is refused: a folder has no revisions (transformers would silently ignore
#   it). Pass a hub id; offline, the revision must be in `$HF_HUB_CACHE` — checked before anything loads.
# - **A system prompt changes scores.** A model trained without one (like nano) may do worse with one; R1's own
#   recommendation is no system prompt, everything in the user turn. Compare with and without before trusting it.
# - **The first run is slow**: it creates the environment (minutes). `open-r1 eval setup` does it ahead of time;
#   the GPU images do it at build time.
# - **lighteval fails**: the last lines of `<benchmark>/lighteval.log` are in the error; the spec is beside it.
#
# ## Exercises
#
# **Exercise 1.** Recompute pass@1 from `details.jsonl` alone (the verdicts) into `pass1_from_details`, and compare
# it with the report's pass@1.

# %% tags=["solution"]
per_problem = [sum(v["correct"] for v in d["verdicts"]) / len(d["verdicts"]) for d in details]
pass1_from_details = sum(per_problem) / len(per_problem)
print(pass1_from_details, nano["pass@1"])

# %% tags=["check"]
assert len(details) == nano["problems"] == 20
assert abs(pass1_from_details - nano["pass@1"]) < 1e-9
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** List the problems the model got wrong in every sample (`unsolved`: their gold answers) and
# confirm each one's completions all fail the check.

# %% tags=["solution"]
unsolved = [d for d in details if not any(v["correct"] for v in d["verdicts"])]
print(len(unsolved), "unsolved; golds:", [d["gold"][0] for d in unsolved])

# %% tags=["check"]
from open_r1.eval.heldout import check

assert all(not check(text, d["gold"][0])[1] for d in unsolved for text in d["completions"])
solved = [d for d in details if d not in unsolved]
assert all(any(check(text, d["gold"][0])[1] for text in d["completions"]) for d in solved)
print("exercise 2: ok")
