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
# # Curriculum learning and multi-stage training
#
# **Part 7, Advanced — tutorial 30.** You will run DeepSeek-R1's whole recipe — cold start, reasoning RL,
# rejection sampling + SFT, RL for all scenarios — as one lab on the nano model, read how each stage changed the
# model, look inside the two new mechanisms it needs (rejection sampling verified by the reward library, rewards
# routed per task in a mixture), and build a curriculum that feeds GRPO easy prompts first.
#
# *Needs bubblewrap* (the local code sandbox runs this tutorial's programs): `sudo apt install bubblewrap` on
# Debian/Ubuntu, `sudo dnf install bubblewrap` on Fedora; `open-r1 sandbox check` says whether it isolates here.
#
# ## Concept overview
#
# DeepSeek-R1 is a pipeline (arXiv 2501.12948 §2.3): **(1) cold start** (§2.3.1) — SFT on a few thousand readable
# long chains of thought, so RL starts from a model that already writes the format; **(2) reasoning-oriented RL**
# (§2.3.2) — GRPO with rule-based rewards on math and code; **(3) rejection sampling and SFT** (§2.3.3) — the RL
# checkpoint answers many prompts, only verified answers are kept (600k reasoning samples), and a model is
# fine-tuned on them; **(4) RL for all scenarios** (§2.3.4) — a last GRPO over every kind of prompt, each scored by
# the reward that fits it. Each stage starts from the model the previous one produced.
#
# A **curriculum** orders training data by difficulty. For GRPO it has a specific motive: a prompt the policy never
# solves gives every completion the same reward, hence zero advantage — generations spent for no gradient
# (DeepSeekMath arXiv 2402.03300 §4.1). Competence-based curricula (Platanios et al., arXiv 1903.09848 §3.2) let the
# model see only the easiest fraction c(t) of the data at training progress t, growing to all of it; Kimi 1.5
# (arXiv 2501.12599 §2.3.4) reports gains from easy → hard sampling at scale. Whether it helps *here* is measured
# below, not assumed.
#
# ## Code walkthrough
#
# - A pipeline lab declares its stages in lab.yaml: [[open_r1/labs/manifest.py:Stage]] (entrypoint, `model_from`,
#   `data_from`); each profile's recipe is a folder with one recipe per stage.
# - [[open_r1/labs/pipeline.py:stage_commands]] builds each stage's command line (the previous stage's output as
#   `--model_name_or_path`, the sampler's `data.jsonl` as `--dataset_name`); [[open_r1/labs/pipeline.py:run_pipeline]]
#   runs them, skips finished stages (a `stage_done.json` written last), scores every stage's model on held-out
#   math and code, and writes one run-card block per stage. On SLURM,
#   [[open_r1/labs/runtimes/slurm_pipeline.py:submit_pipeline]] makes one job per stage chained with `afterok`.
# - Stage 3: [[open_r1/curate/rejection.py:run_rejection_sampling]] samples n answers per prompt, verifies each with
#   its task's reward, dedupes ([[open_r1/curate/rejection.py:normalise_answer]]), and resumes chunk by chunk.
# - Stage 4: [[open_r1/rewards/routing.py:route_by_task]] makes a reward return `None` (no signal) on rows of other
#   tasks, driven by the recipe's `reward_tasks` and the mixture's `task:` tags.
# - Curriculum: [[open_r1/train/curriculum.py:plan_order]] plans the row order from the seed alone;
#   [[open_r1/train/curriculum.py:apply_curriculum]] applies it to SFT or GRPO and switches their shuffle off.
#
# ## Hands-on
#
# ### The pipeline lab: stages and commands

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from open_r1.core.paths import project_root
from open_r1.labs.manifest import load_lab
from open_r1.labs.pipeline import stage_commands

lab = load_lab("pipeline")
run = Path(tempfile.mkdtemp(prefix="tutorial30-")) / "run"
for stage, cmd in stage_commands(lab, "nano", run, []):
    print(
        f"{stage.name:19} {stage.paper}\n    $ {shlex.join(cmd[2:])}".replace(str(run), "<run>").replace(
            str(project_root()) + "/", ""
        )
    )

# %% [markdown]
# ### A shrunk run, stage by stage
#
# The same five commands with every size shrunk (a few steps per stage, 8 math + 8 code prompts sampled four
# times, 16 held-out problems per task), so it finishes in about a minute and a half on a laptop. One change of
# model: the cold start begins from the distilled nano://code model, not from untrained weights — a few dozen steps
# cannot teach untrained weights the answer format, and rejection sampling would then keep nothing (the stage
# fails with the counts when that happens). R1's own cold start begins from a pretrained base, DeepSeek-V3-Base
# (§2.3.1). The numbers below are this run's; a shrunk run moves the model little — the full nano figures follow.

# %%
SHRUNK = [
    "--cold_start.model_name_or_path",
    "nano://code",
    "--cold_start.max_steps",
    "30",
    "--reasoning_rl.max_steps",
    "3",
    "--rejection_sampling.n",
    "4",
    "--rejection_sampling.datasets",
    "[{id: nano://math/train, task: math, limit: 8}, {id: nano://code/train, task: code, limit: 8}]",
    "--rejection_sampling.chunk_prompts",
    "16",
    "--rejection_sft.max_steps",
    "3",
    "--all_scenarios_rl.max_steps",
    "3",
    "--evaluate.n",
    "16",
]
started = time.time()
proc = subprocess.run(
    [
        sys.executable,
        "-m",
        "open_r1",
        "lab",
        "run",
        "pipeline",
        "--profile",
        "nano",
        "--run-dir",
        str(run),
        "--",
        *SHRUNK,
    ],
    capture_output=True,
    text=True,
    cwd=project_root(),
    env={**os.environ, "OPEN_R1_RUNS": str(run.parent)},
)
print(f"exit {proc.returncode} in {time.time() - started:.0f} s")
card = json.loads((run / "run_card.json").read_text())
print(f"{'stage':19} {'math fmt':>8} {'math acc':>8} {'code fmt':>8} {'code acc':>8}  stage metrics")
for name, block in card["stages"].items():
    scores = block.get("heldout") or {}
    math, code = scores.get("nano://math/heldout", {}), scores.get("nano://code/heldout", {})
    cells = [f"{d[k]:8.1%}" if d else f"{'-':>8}" for d in (math, code) for k in ("format", "accuracy")]
    metrics = {k: v for k, v in (block.get("metrics") or {}).items() if k in ("global_step", "samples", "kept")}
    print(f"{name:19} {' '.join(cells)}  {metrics}")

# %% [markdown]
# Every block also records the stage's command, inputs, outputs, wall and CPU seconds. Run the same command again
# and every finished stage is skipped:

# %%
again = subprocess.run(
    [
        sys.executable,
        "-m",
        "open_r1",
        "lab",
        "run",
        "pipeline",
        "--profile",
        "nano",
        "--run-dir",
        str(run),
        "--",
        *SHRUNK,
    ],
    capture_output=True,
    text=True,
    cwd=project_root(),
)
card2 = json.loads((run / "run_card.json").read_text())
print({name: block.get("skipped") for name, block in card2["stages"].items() if name != "start"})
print("final held-out scores unchanged:", card2["metrics"] == card["metrics"])

# %% [markdown]
# **The full nano run** is the same command without the shrinking overrides (`just lab pipeline`; with wall time and
# peak memory: `python scripts/bench_lab.py pipeline`, from an empty cache). Its sizes — 300 cold-start steps, 60 +
# 40 GRPO steps, 384 prompts × 4 samples, 200 held-out problems per task — are in labs/pipeline/recipes/nano/; the
# lab's page lists the figures measured so far. A shrunk run like the one above moves the model little: read it
# for the mechanics, the full run for the effect of each stage.
#
# ### Inside stage 3: what rejection sampling keeps

# %%
report = json.loads((run / "rejection_sampling" / "report.json").read_text())
print({k: report[k] for k in ("prompts", "samples", "verified", "kept")})
for task, stats in report["by_task"].items():
    print(task, {k: stats[k] for k in ("prompts", "samples", "verified", "kept", "prompts_solved", "pass_rate")})
kept = [json.loads(line) for line in (run / "rejection_sampling" / "data.jsonl").read_text().splitlines()]
if kept:
    print("one kept row's assistant turn:\n" + kept[0]["messages"][1]["content"])

# %% [markdown]
# ### Inside stage 4: rewards routed to their rows
#
# The final GRPO batch mixes math and code prompts. Call the two real rewards through the router on one mixed
# batch: `accuracy` answers only for the math rows, `binary_code` (which runs the program against its tests in the
# local sandbox) only for the code rows; elsewhere `None`, which TRL leaves out of the sum.

# %%
from open_r1.data import load_one
from open_r1.rewards import get_reward_funcs
from open_r1.rewards.routing import route_by_task

math_row = dict(load_one("nano://math/heldout", split="heldout")[0])
code_row = dict(load_one("nano://code/heldout", split="heldout")[0])
answer = f"<think>\nsolve\n</think>\n<answer>\n{math_row['answer']}\n</answer>"
program = "<think>\nread\n</think>\n<answer>\n```python\nprint(0)\n```\n</answer>"
batch = {
    "completions": [answer, program],
    "task": ["math", "code"],
    "solution": [math_row["solution"], None],
    "verification_info": [None, code_row["verification_info"]],
}
accuracy, code = get_reward_funcs(["accuracy", "binary_code"], {"binary_code": {"provider": "local"}})
routed = {"accuracy": route_by_task(accuracy, ["math"]), "binary_code": route_by_task(code, ["code"])}
for name, func in routed.items():
    print(name, func(**batch))

# %% [markdown]
# ### Curriculum: easy → hard by a schedule
#
# The nano math prompts carry a `level` (1–3 operations). A competence schedule starting at the easiest 30 % and
# reaching every prompt at 80 % of training; count the levels GRPO would see in each fifth of a 100-step run
# (8 prompts per step):

# %%
from open_r1.train.curriculum import CurriculumConfig, plan_order

train = load_one("nano://math/train", split="train")
levels = list(train["level"])
plan = plan_order(levels, 800, CurriculumConfig(schedule="competence", start=0.3, warmup_fraction=0.8), seed=0)
for part in range(5):
    seen = Counter(levels[i] for i in plan[part * 160 : (part + 1) * 160])
    print(f"steps {part * 20:3d}-{part * 20 + 19:3d}: " + "  ".join(f"level {lv}: {seen[lv]:3d}" for lv in (1, 2, 3)))

# %% [markdown]
# In a recipe it is one block, used the same way by `train sft` and `train grpo`:
#
# ```yaml
# curriculum: {schedule: competence, column: level, start: 0.3, warmup_fraction: 0.8}
# # or, from `open-r1 data pass-rate` output: {schedule: competence, column: pass_rate, higher_is: easier}
# ```
#
# **Measuring it**: `python scripts/bench_curriculum.py --steps 40 --seeds 0 1 2` trains nano GRPO from nano://math
# with and without this block, same steps, same seeds, and prints held-out greedy accuracy per run and mean ± standard
# deviation per arm (`--kind sft` does the same for distillation SFT from random weights). The honest reading of such
# a table is the spread: a difference smaller than the seed-to-seed standard deviation is no evidence either way.
# Measured with `--kind sft --steps 120 --seeds 0 1 2` (300 held-out problems, greedy): uniform 6.3 %, 4.3 %, 6.7 %
# (5.8 % ± 1.3 %), curriculum 6.0 %, 5.7 %, 6.3 % (6.0 % ± 0.3 %) — no difference beyond the spread at this size;
# the curriculum's runs only vary less.
#
# ## Deep dive: why a killed stage resumes to the same result
#
# Each stage owns its resume: the trainers restart from their last `checkpoint-*` (optimizer, scheduler and RNG
# state included), and the rejection sampler writes one file per chunk of prompts, each sampled with seed + chunk
# index, so a rerun skips the finished chunks and regenerates the missing ones exactly. The runner only has to know
# which stages are done, and it writes `stage_done.json` *last*, after the stage's outputs and held-out scores: a
# kill at any point leaves either a finished stage (skipped) or an unfinished one (rerun, resumes inside). A
# curriculum is planned from the seed before training, so a resumed sequential sampler continues the same order.

# %%
print(sorted(p.name for p in (run / "rejection_sampling" / "samples").iterdir()))
print(json.loads((run / "reasoning_rl" / "stage_done.json").read_text())["command"][3:6])

# %% [markdown]
# ## Pitfalls and debugging
#
# - **A stage fails**: the runner stops, marks `failed_stage` in the card and prints the rerun command; the
#   finished stages are never redone.
# - **Overrides**: `--<stage>.<key> value` reaches one stage; a plain `--key value` reaches every stage (a
#   training-only key then fails in the rejection sampler's strict recipe — before anything runs).
# - **Mixtures of tasks** need `task:` on every member; without it, members with different columns are refused.
#   A routed reward on a batch without a `task` column fails loudly rather than scoring every row.
# - **Rejection sampling with too few samples** keeps only what the model already solves; n and temperature set how
#   much new data a stage gets (R1 samples many answers per prompt at temperature 0.6+).
# - **Curriculum on a pass-rate column**: say `higher_is: easier` — a pass rate of 0.9 is an *easy* prompt.
#
# ## Exercises
#
# **Exercise 1.** Using `plan_order`, compute `early_hard_curriculum` and `early_hard_uniform`: the share of level-3
# prompts among the first 200 of 800 slots, for the competence schedule above and for a uniform order (the
# `sorted`-free baseline: draw 800 slots uniformly with `random.Random(0).randrange`).

# %% tags=["solution"]
import random

rng = random.Random(0)
uniform = [rng.randrange(len(levels)) for _ in range(800)]
early_hard_curriculum = sum(levels[i] == 3 for i in plan[:200]) / 200
early_hard_uniform = sum(levels[i] == 3 for i in uniform[:200]) / 200
print(early_hard_curriculum, early_hard_uniform)

# %% tags=["check"]
assert early_hard_curriculum < early_hard_uniform - 0.1, (early_hard_curriculum, early_hard_uniform)
assert 0.2 < early_hard_uniform < 0.5  # a third of the nano prompts are level 3
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Deduplication: of these four completions for the same prompt, how many does rejection sampling
# keep if all are verified? Compute `n_kept` with `normalise_answer`.

# %% tags=["solution"]
from open_r1.curate.rejection import normalise_answer

samples = ["<answer>\n4\n</answer>", "<answer> 4 </answer>", "<answer>\n-4\n</answer>", "<answer>\n4\n</answer>\n"]
n_kept = len({normalise_answer(s) for s in samples})
print(n_kept)

# %% tags=["check"]
assert n_kept == 2, n_kept  # "4" in three layouts, and "-4"
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** Route a reward of your own: `length_reward(completions, **kw)` returns each completion's length
# in characters; make `code_length` apply it to code rows only, and score the mixed batch from above.


# %% tags=["solution"]
def length_reward(completions, **kw):
    return [float(len(c)) for c in completions]


code_length = route_by_task(length_reward, ["code"])
scores = code_length(**batch)
print(scores)

# %% tags=["check"]
assert scores[0] is None and scores[1] == float(len(program)), scores
assert code_length.__name__ == "length_reward"
print("exercise 3: ok")
