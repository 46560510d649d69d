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
# # The 3-stage pipeline
#
# **Part 1, Foundations — tutorial 1 of 5.** You will run the R1 recipe end to end on the nano model, on a CPU, in
# about a minute: stage 1 *distillation* (SFT on a teacher's reasoning traces), stage 2 *GRPO* with verifiable
# rewards, and the *multi-stage* chain (GRPO starting from the model stage 1 produced). Step counts are tiny on
# purpose: the point is the path the data takes, and where each stage lives in the code.
#
# ## Concept overview
#
# DeepSeek-R1 (arXiv 2501.12948) is built in stages:
#
# ```text
# R1-Zero   base ──GRPO (rule rewards)──► reasons, but hard to read                                  §2.2
# R1        base ──SFT (cold start)──► GRPO ──► rejection-sampled SFT ──► GRPO (all scenarios)       §2.3
# distilled R1's 800k traces ──SFT──► small models (Qwen2.5 1.5B–32B, Llama)                          §2.4
# ```
#
# Two findings shape this project. Small models learn reasoning best by **distillation** — SFT on a strong model's
# traces beats RL on the small model itself (§2.4, §4.1). And RL with a **verifiable reward** (an answer a rule can
# check) is what lets a model go beyond imitation. The labs package the stages: `distill` (stage 1), `grpo-math` and
# `grpo-code` (stage 2), and they chain: a stage-2 recipe can start from a stage-1 checkpoint.
#
# The nano kit makes all of it runnable on a laptop: a synthetic arithmetic task whose answers are checked exactly,
# a programmatic teacher that writes R1-style traces — deliberately imperfect: it drops the minus sign of a negative
# answer 60 % of the time — and a 2-layer Qwen2 of 0.43 M parameters the project builds itself.
#
# ## Code walkthrough
#
# | stage | recipe | entrypoint | what runs |
# |---|---|---|---|
# | 1 distillation | [[labs/distill/recipes/nano.yaml]] | [[open_r1/train/sft.py:train_sft]] | TRL `SFTTrainer`, loss on assistant tokens |
# | 2 GRPO | [[labs/grpo-math/recipes/nano.yaml]] | [[open_r1/train/grpo.py:train_grpo]] | TRL `GRPOTrainer`, rewards from [[open_r1/rewards/registry.py:get_reward_funcs]] |
# | both | any recipe | [[open_r1/core/configs.py:parse_recipe]] | checks every key, applies `--key value` overrides |
#
# A lab run ([[open_r1/labs/runner.py:run_lab]]) is the same call in a child process, plus a run folder and a run card
# ([[open_r1/core/runcard.py]]). Here we call the entrypoints directly, in this process, with command-line-style overrides.
#
# ## Hands-on
#
# ### The task and the teacher

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import random
import tempfile
import time
import warnings
from pathlib import Path

from open_r1.nano.tasks import Teacher, make_problem

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
rng = random.Random(3)
teacher = Teacher(sign_slip=0.6)
for level in (1, 2, 3):
    problem = make_problem(rng, level)
    print(f"level {level}: {problem.question}   (answer {problem.answer})")
    print(teacher.trace(problem, rng), "\n")

# %% [markdown]
# Look for a negative answer written without its sign: the teacher's *slip*. Its own last think line has the sign;
# its answer does not. A student that imitates it inherits the slip — and the accuracy reward of stage 2 punishes
# exactly that.
#
# ### Stage 1: distillation SFT
#
# The distill lab's nano recipe starts from `nano://math-init` — the kit's tokenizer and a randomly initialised
# Qwen2 — and trains on the teacher's traces. We shorten it to 80 steps and score 50 held-out problems before and
# after (format: the exact R1 template; accuracy: the exact answer).

# %%
from trl import GRPOConfig, SFTConfig

from open_r1.core.configs import parse_recipe
from open_r1.core.paths import project_root as repo_root
from open_r1.labs.nano_build import ensure_nano_model
from open_r1.train.grpo import train_grpo
from open_r1.train.sft import train_sft

ensure_nano_model("nano://math")  # built into the cache on first use (~1.5 min): stage 2 starts from it
work = Path(tempfile.mkdtemp(prefix="pipeline-"))
common = "--save_strategy no --heldout_samples 50".split()

started = time.time()
sft_recipe = str(repo_root() / "labs/distill/recipes/nano.yaml")
args = parse_recipe(
    SFTConfig, sft_recipe, f"--output_dir {work}/stage1 --max_steps 80 --logging_steps 10".split() + common
)
stage1 = train_sft(*args, recipe_path=sft_recipe)
print(f"\nstage 1 in {time.time() - started:.0f} s")
for when in ("heldout_before", "heldout_after"):
    s = stage1[when]
    print(f"{when:15s} format {s['format']:6.1%}  accuracy {s['accuracy']:6.1%}")

# %% [markdown]
# From random weights to (nearly) always writing the template in 80 steps: the format is easy to imitate. The
# arithmetic takes longer — the full nano build runs 600 steps. The loss curve, from the run's `metrics.jsonl`:

# %%
import matplotlib.pyplot as plt

rows = [json.loads(line) for line in open(work / "stage1" / "metrics.jsonl")]
steps = [r["step"] for r in rows if "loss" in r]
losses = [r["loss"] for r in rows if "loss" in r]
fig, ax = plt.subplots(figsize=(5.5, 2.6))
ax.plot(steps, losses, marker="o")
ax.set_xlabel("step")
ax.set_ylabel("SFT loss (assistant tokens)")
ax.set_yscale("log")
ax.grid(alpha=0.3)
fig.tight_layout()
plt.close(fig)
fig

# %% [markdown]
# ### Stage 2: GRPO with verifiable rewards
#
# The grpo-math lab's nano recipe starts from `nano://math`, the fully distilled nano model (600 SFT steps, built
# once into the cache). Each step samples 8 answers to each of 8 problems, scores them with the accuracy and format
# rewards, and moves the policy toward the better-than-average answers. 8 steps here (the lab runs 100):

# %%
grpo_recipe = str(repo_root() / "labs/grpo-math/recipes/nano.yaml")
started = time.time()
args = parse_recipe(
    GRPOConfig, grpo_recipe, f"--output_dir {work}/stage2 --max_steps 8 --logging_steps 2".split() + common
)
stage2 = train_grpo(*args, recipe_path=grpo_recipe)
print(f"\nstage 2 in {time.time() - started:.0f} s")
for when in ("heldout_before", "heldout_after"):
    s = stage2[when]
    print(
        f"{when:15s} format {s['format']:6.1%}  accuracy {s['accuracy']:6.1%}  "
        f"accuracy up to the sign {s['unsigned_accuracy']:6.1%}"
    )

# %% [markdown]
# `accuracy up to the sign` minus `accuracy` is the teacher's slip that the student inherited: the gap GRPO's
# accuracy reward is there to close. Eight steps are too few to close it (the lab's before/after table shows the
# real effect); what matters here is what each step logged:

# %%
for row in (json.loads(line) for line in open(work / "stage2" / "metrics.jsonl")):
    if "reward" in row:
        print(
            f"step {row['step']}: reward {row['reward']:.3f}  accuracy {row['rewards/accuracy/mean']:.3f}  "
            f"format {row['rewards/format/mean']:.3f}  zero-std groups {row['frac_reward_zero_std']:.2f}"
        )

# %% [markdown]
# ### Multi-stage: GRPO from the stage-1 model
#
# Chaining stages is just a path: point `model_name_or_path` at stage 1's output folder (the trainers save the model,
# its tokenizer and generation config there).

# %%
started = time.time()
overrides = f"--output_dir {work}/stage3 --model_name_or_path {work}/stage1 --max_steps 4 --logging_steps 2".split()
args = parse_recipe(GRPOConfig, grpo_recipe, overrides + common)
stage3 = train_grpo(*args, recipe_path=grpo_recipe)
print(f"\nmulti-stage GRPO in {time.time() - started:.0f} s, from {args[2].model_name_or_path}")
print("held-out after:", {k: stage3["heldout_after"][k] for k in ("format", "accuracy")})
print("files:", sorted(p.name for p in (work / "stage3").iterdir()))

# %% [markdown]
# ### The same stage as a lab runs it
#
# `just lab grpo-math --profile nano` runs this command in a child process, in a fresh run folder, and writes the run
# card (the manifest is [[labs/grpo-math/lab.yaml]]):

# %%
from open_r1.labs.manifest import load_lab
from open_r1.labs.runner import train_command

lab = load_lab("grpo-math")
print(" ".join(train_command(lab, "nano", Path("runs/grpo-math/nano-<time>"), ["--max_steps", "20"])))
print(
    "full profile:", lab.profile("full").launcher, lab.profile("full").accelerate_config, lab.profile("full").resources
)

# %% [markdown]
# Which profile runs where: `--profile auto` (the default) asks the memory planner, for the GPUs it finds, which of
# `full`, `gpu` and `nano` is the biggest that fits ([[open_r1/labs/hardware.py:choose_profile]]). Declared
# machines (what `OPEN_R1_HARDWARE=1x24` tells the runner) show the choice without owning them:

# %%
from open_r1.labs.hardware import choose_profile, parse_hardware

for declared in ("none", "1x24", "1x80", "8x80"):
    chosen, tried = choose_profile(lab, parse_hardware(declared))
    print(f"{declared:>5} → {chosen:5} {tried[-1].reason}")

# %% [markdown]
# On a machine with a GPU the same entrypoint runs there; this cell is tagged `gpu` and is skipped on a CPU:

# %% tags=["gpu"]
overrides = f"--output_dir {work}/gpu --max_steps 8 --use_cpu false --bf16 true".split()
args = parse_recipe(GRPOConfig, grpo_recipe, overrides + common)
gpu_run = train_grpo(*args, recipe_path=grpo_recipe)
print({k: gpu_run["heldout_after"][k] for k in ("format", "accuracy")})

# %% [markdown]
# ## Deep dive
#
# **Why SFT before RL.** GRPO learns from differences *within* a group of answers. A randomly initialised model never
# writes a correct, well-formed answer, so every reward is 0, every advantage is 0, and nothing is learned. R1-Zero
# (RL from a base model) works because the base model is already strong; at 0.43 M parameters the distillation stage
# is what gives RL something to improve — the same reason R1 starts with a cold-start SFT (§2.3.1).
#
# **Why an imperfect teacher.** If the student could imitate a perfect teacher, RL would have nothing left to fix.
# The slip makes the story of R1 measurable on a laptop: distillation copies the teacher's habit; a verifiable reward
# removes it. [[open_r1/nano/tasks.py:Teacher]] draws the slip for every problem, so the corpus is identical
# whatever the slip rate — only the written answers change.
#
# **Same code path at every scale.** The full profiles use the same entrypoints with other recipes: 7 GPUs under
# DeepSpeed ZeRO-2 plus one vLLM server for grpo-math, 8 GPUs under ZeRO-3 for distill. Nothing in
# [[open_r1/train/grpo.py]] knows which profile it runs.
#
# ## Pitfalls and debugging
#
# - **An existing output folder resumes.** Both entrypoints resume from the last `checkpoint-*` in `output_dir`; use a
#   fresh folder per experiment (the lab runner makes one per run).
# - **The cache.** `nano://math` lives in `$OPEN_R1_CACHE` (default `~/.cache/open-r1`); its folder name is a hash of
#   the kit's spec, so a changed spec rebuilds instead of reusing a stale model.
# - **Tiny runs are not results.** 8 GRPO steps measure plumbing, not learning; compare held-out accuracy over 100+
#   steps and several seeds, and look at sampled accuracy too (RL first sharpens the sampling distribution).
# - **Debugging a recipe:** `parse_recipe` fails before any model loads, naming the file, the key and the fix; run it
#   alone in a Python shell to check a new recipe in a second.
#
# ## Exercises
#
# **Exercise 1.** From the parsed grpo-math recipe, compute how many prompts and how many completions one optimizer
# step uses on one process (`per_device_train_batch_size` counts completions; `num_generations` answers per prompt).

# %% tags=["solution"]
_, config, _ = parse_recipe(GRPOConfig, grpo_recipe, ["--output_dir", str(work / "unused")])
completions_per_step = config.per_device_train_batch_size * config.gradient_accumulation_steps
prompts_per_step = completions_per_step // config.num_generations
print(f"{prompts_per_step} prompts × {config.num_generations} answers = {completions_per_step} completions per step")

# %% tags=["check"]
assert (prompts_per_step, completions_per_step) == (8, 64)
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** A student that imitates the teacher perfectly still slips. Using the held-out problems
# (`open_r1.nano.datasets.rows_for("math", "heldout")`), compute the best accuracy such a student can reach with
# `sign_slip = 0.6`; check it by simulating the slip, and compare with the distilled nano model's own score.

# %% tags=["solution"]
from open_r1.nano.datasets import rows_for

heldout = rows_for("math", "heldout")
negative = sum(int(r["answer"]) < 0 for r in heldout) / len(heldout)
ceiling = 1 - 0.6 * negative
print(f"{negative:.1%} of held-out answers are negative → an ideal imitator scores about {ceiling:.1%}")

# %% tags=["check"]
# simulate the slip on the held-out answers: the imitator's accuracy lands near the ceiling
rng = random.Random(0)
simulated = sum(not (int(r["answer"]) < 0 and rng.random() < 0.6) for r in heldout) / len(heldout)
assert abs(simulated - ceiling) < 0.06, (simulated, ceiling)
card = json.loads((ensure_nano_model("nano://math") / "nano_card.json").read_text())
print(
    f"simulated imitator {simulated:.1%}; the distilled nano model scores {card['heldout']['accuracy']:.1%} "
    "(below the ceiling: it also makes arithmetic mistakes)"
)
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** Stage 1 wrote `metrics.jsonl`. Check that the SFT loss fell by more than half between the first and
# the last logged step, and find the step with the lowest loss.

# %% tags=["solution"]
best_step = min(zip(losses, steps, strict=True))[1]
print(f"first {losses[0]:.3f} → last {losses[-1]:.3f}; lowest at step {best_step}")

# %% tags=["check"]
assert losses[-1] < 0.5 * losses[0]
assert losses[steps.index(best_step)] == min(losses), (best_step, min(losses))  # the step of the lowest loss
print("exercise 3: ok")

# %% [markdown]
# ## What next
#
# [Tutorial 2](02-tags-and-templates.md) opens up what the model actually reads and writes: chat templates and the
# `<think>`/`<answer>` tags.
