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
# # Reward functions
#
# **Part 1, Foundations — tutorial 4 of 5.** You will use the reward library on hand-written and model-written
# completions, combine rewards with weights the way TRL does, and watch a reward that only checks the format get
# maxed on the nano model while accuracy does not move.
#
# ## Concept overview
#
# GRPO needs one number per completion. DeepSeek-R1 (arXiv 2501.12948 §2.2.2) uses **rule-based** rewards only: an
# *accuracy* reward (the final answer is checked against the known solution) and a *format* reward (the reasoning
# is inside `<think>` tags). A learned reward model is avoided on purpose: a policy optimised against a model of
# "what looks good" finds what the model gets wrong — **reward hacking** — and a rule is much harder to fool.
#
# A rule can still be satisfied without solving the problem when it checks the wrong thing. That is the lesson of
# this tutorial.
#
# In this library a reward is a plain callable, TRL's convention:
#
# ```text
# reward(completions, **dataset_columns) -> list[float | None]      one value per completion; None = "no signal"
# ```
#
# and the trainer combines the K rewards of each completion with `reward_weights` before normalising per group:
#
# ```text
# r_i = Σ_k w_k · reward_k(o_i)        (a None is skipped: nansum)        →  Â_i = (r_i − mean_group) / std_group
# ```
#
# ## Code walkthrough
#
# - [[open_r1/rewards/registry.py:REWARD_REGISTRY]] names every reward with its parameters and defaults;
#   [[open_r1/rewards/registry.py:get_reward_funcs]] builds the callables a recipe names (`reward_funcs`,
#   `reward_params`), and [[open_r1/rewards/registry.py:validate_reward_config]] rejects typos before a model loads.
# - [[open_r1/rewards/accuracy.py:AccuracyReward]] — the answer block against `solution`, with math-verify, through
#   [[open_r1/rewards/verifier.py]] (memo, exact fast path, time budget per sample).
# - [[open_r1/rewards/format.py:FormatReward]] and [[open_r1/rewards/format.py:TagCountReward]] — the strict
#   template and its partial-credit version.
# - [[open_r1/train/grpo.py:train_grpo]] passes them to TRL with the recipe's `reward_weights`.
#
# ## Hands-on
#
# ### The library

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import warnings

from open_r1.rewards import get_reward_funcs, list_rewards

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
for spec in list_rewards():
    print(f"{spec.name:26s} {spec.output_range:28s} {spec.summary[:70]}")

# %% [markdown]
# ### Scoring completions by hand
#
# Five completions for "Compute 4 - 5 - 3." (gold −4): right, wrong sign, bad format, text after the answer, and a
# *hack* — the right structure with nothing inside.

# %%
accuracy, fmt, tags = get_reward_funcs(["accuracy", "format", "tag_count"])
completions = {
    "correct": "<think>\n4 - 5 = -1\n-1 - 3 = -4\n</think>\n<answer>\n-4\n</answer>",
    "wrong sign": "<think>\n4 - 5 = -1\n-1 - 3 = -4\n</think>\n<answer>\n4\n</answer>",
    "no think block": "<answer>\n-4\n</answer>",
    "text after answer": "<think>\n4 - 5 = -1\n</think>\n<answer>\n-4\n</answer>\nI hope this helps!",
    "empty structure": "<think>\n\n</think>\n<answer>\n0\n</answer>",
}
texts = list(completions.values())
scores = {
    "accuracy": accuracy(texts, solution=["$-4$"] * len(texts)),
    "format": fmt(texts),
    "tag_count": tags(texts),
}
print(f"{'':20s}" + "".join(f"{k:>11s}" for k in scores))
for i, name in enumerate(completions):
    print(f"{name:20s}" + "".join(f"{scores[k][i]:>11.2f}" for k in scores))

# %% [markdown]
# The **empty structure** gets the full format reward: `format` checks the shape, not the reasoning. A policy trained
# on `format` alone can be "perfect" without ever computing anything.
#
# ### Combining rewards
#
# The grpo-math lab uses `reward_funcs: [accuracy, format]` with `reward_weights: [1.0, 0.5]`. TRL stacks the
# columns, multiplies by the weights and sums, skipping `None`:

# %%
import torch

weights = torch.tensor([1.0, 0.5])
matrix = torch.tensor(
    [[float("nan") if v is None else v for v in col] for col in (scores["accuracy"], scores["format"])]
).T
combined = (matrix * weights).nansum(dim=1)
for name, value in zip(completions, combined.tolist(), strict=True):
    print(f"{name:20s} {value:.2f}")

# %% [markdown]
# ### Reward hacking on the nano model
#
# The nano model already writes the format on almost every problem (its distillation taught it; its build card
# records the held-out scores, printed below), but gets only about a third of the answers right. Train it with GRPO
# for a few steps on the **format reward alone**, as a recipe would:

# %%
import json
import tempfile

from trl import GRPOConfig

from open_r1.core.configs import parse_recipe
from open_r1.core.paths import project_root as repo_root
from open_r1.train.grpo import train_grpo

recipe = str(repo_root() / "labs/grpo-math/recipes/nano.yaml")


def short_grpo(reward_funcs, reward_weights, steps=5):
    out = tempfile.mkdtemp(prefix="rewards-")
    overrides = f"--output_dir {out} --max_steps {steps} --logging_steps 1 --save_strategy no --warmup_steps 0".split()
    overrides += ["--heldout_samples", "60", "--reward_funcs", *reward_funcs]
    overrides += ["--reward_weights", *map(str, reward_weights)]
    script_args, config, model_args = parse_recipe(GRPOConfig, recipe, overrides)
    summary = train_grpo(script_args, config, model_args, recipe)
    logs = [json.loads(line) for line in open(f"{out}/metrics.jsonl")]
    return summary, [row for row in logs if "reward" in row]


from open_r1.labs.nano_build import ensure_nano_model

card = json.loads((ensure_nano_model("nano://math") / "nano_card.json").read_text())["heldout"]
print(
    f"nano://math: format {card['format']:.1%} greedy, {card['sampled_format']:.1%} sampled; "
    f"accuracy {card['accuracy']:.1%} greedy, {card['sampled_accuracy']:.1%} sampled\n"
)

summary, logs = short_grpo(["format"], [1.0])
for row in logs:
    print(
        f"step {row['step']}: format reward {row['rewards/format/mean']:.3f}  "
        f"groups with zero std {row['frac_reward_zero_std']:.2f}  loss {row['loss']:.4f}  "
        f"grad_norm {row['grad_norm']:.4f}"
    )
before, after = summary["heldout_before"], summary["heldout_after"]
print(f"held-out accuracy: before {before['accuracy']:.1%}, after {after['accuracy']:.1%}")

# %% [markdown]
# The format reward is **maxed from the start** (a mean of 1.0, or nearly: a rare sampled answer breaks the template).
# In most steps every group has zero variance, so every advantage and the whole gradient are exactly 0; the few
# non-zero gradients teach the template again, nothing about arithmetic. Held-out accuracy does not improve — what
# moves it, if anything, is noise from a policy nudged at random. On a model that had not learned the format yet, a
# format-only reward would be maxed *by learning the empty structure above*, with accuracy just as flat.
#
# Add the accuracy reward and the signal appears:

# %%
summary_acc, logs_acc = short_grpo(["accuracy", "format"], [1.0, 0.5])
for row in logs_acc:
    print(
        f"step {row['step']}: accuracy reward {row['rewards/accuracy/mean']:.3f}  "
        f"groups with zero std {row['frac_reward_zero_std']:.2f}  grad_norm {row['grad_norm']:.4f}"
    )

# %% [markdown]
# Five steps are far too few to change accuracy measurably (the [grpo-math lab](../labs/grpo-math.md) runs 100), but
# the difference is already visible where it matters: groups now disagree, advantages are non-zero, gradients flow.
#
# ## Deep dive
#
# **What makes a reward hackable.** A reward is a *proxy* for what you want. `format` is a fine proxy for "uses the
# template" and a useless one for "is right"; `tag_count` even gives partial credit for a structure with no content;
# length penalties (Kimi 1.5, arXiv 2501.12599 §2.3.3; `length`, `cosine`) can be maxed by short *wrong* answers
# unless, as here, wrong answers never earn a length bonus. The defence is to reward the outcome (accuracy) and use
# shaping rewards with small weights — and to log every reward separately (TRL logs `rewards/<name>/mean`) so a
# climbing proxy with a flat outcome is visible.
#
# **None means "no signal".** `accuracy` returns `None` when the gold answer does not parse or the check ran out of
# time. TRL turns it into NaN and `nansum` skips it, so one unverifiable sample neither rewards nor punishes the
# group; a completion for which *every* reward is None is excluded from the group baseline.
#
# **Custom rewards.** Any importable function works: `reward_funcs: [mypackage.rewards.my_reward]`. It receives the
# completions and every dataset column as keyword arguments (`solution`, `level`, …) plus TRL's `prompts` and
# `completion_ids`.
#
# ## Pitfalls and debugging
#
# - **Weights must match rewards** one to one (the recipe is rejected otherwise); a reward listed twice is rejected
#   too (TRL logs rewards by name).
# - **Column names.** `accuracy` reads the gold from a `solution` column; a dataset that calls it `answer` gives
#   a clear error, not silent zeros.
# - **Conversational completions** arrive as `[{"role": "assistant", "content": ...}]`; the library's rewards accept
#   both forms, a custom one must too.
# - **Saturated rewards.** `frac_reward_zero_std` near 1 means no learning signal: the task is too easy (or too hard)
#   for the policy, or the reward checks something it already does.
# - **Debugging:** `open-r1 rewards score --rewards accuracy,format --input completions.jsonl` scores a file of
#   completions outside any training run.
#
# ## Exercises
#
# **Exercise 1.** Write a reward `answer_is_integer(completions, **kwargs)` that returns 1.0 when the answer block holds
# an integer (with an optional minus sign) and 0.0 otherwise, then check it on the five completions above.

# %% tags=["solution"]
import re


def answer_is_integer(completions, **kwargs):
    out = []
    for c in completions:
        text = c if isinstance(c, str) else c[0]["content"]
        m = re.search(r"<answer>\s*(.*?)\s*</answer>", text, re.DOTALL)
        out.append(1.0 if m and re.fullmatch(r"-?\d+", m.group(1)) else 0.0)
    return out


print(answer_is_integer(texts))

# %% tags=["check"]
assert answer_is_integer(texts) == [1.0, 1.0, 1.0, 1.0, 1.0]
assert answer_is_integer(
    ["<answer>\n1.5\n</answer>", "no answer", [{"role": "assistant", "content": "<answer>-7</answer>"}]]
) == [0.0, 0.0, 1.0]
print("exercise 1: ok — and note: it too is maxed by the empty structure")

# %% [markdown]
# **Exercise 2.** Write `combine(columns, weights)` in plain Python (no torch) that reproduces TRL's weighted sum with
# `None` skipped, and returns `None` for a completion whose every reward is None.


# %% tags=["solution"]
def combine(columns, weights):
    out = []
    for values in zip(*columns, strict=True):
        present = [(v, w) for v, w in zip(values, weights, strict=True) if v is not None]
        out.append(sum(v * w for v, w in present) if present else None)
    return out


print(combine([scores["accuracy"], scores["format"]], [1.0, 0.5]))

# %% tags=["check"]
assert combine([scores["accuracy"], scores["format"]], [1.0, 0.5]) == combined.tolist()
assert combine([[None, 1.0], [None, None]], [1.0, 2.0]) == [None, 1.0]
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** From the rewards of a batch, compute the fraction of groups with zero reward variance (TRL's
# `frac_reward_zero_std`). Check it on hand-made groups, and compare the two runs above: the format-only run should
# have far more zero-variance groups.


# %% tags=["solution"]
def frac_zero_std(rewards, group_size):
    groups = [rewards[i : i + group_size] for i in range(0, len(rewards), group_size)]
    return sum(max(g) == min(g) for g in groups) / len(groups)


print(frac_zero_std([1, 1, 1, 1, 0, 1, 0, 0], 4))

# %% tags=["check"]
assert frac_zero_std([1, 1, 1, 1, 0, 1, 0, 0], 4) == 0.5
assert frac_zero_std([0.5] * 16, 8) == 1.0
format_only = sum(row["frac_reward_zero_std"] for row in logs) / len(logs)
with_accuracy = sum(row["frac_reward_zero_std"] for row in logs_acc) / len(logs_acc)
print(f"zero-std groups: format only {format_only:.2f}, accuracy + format {with_accuracy:.2f}")
assert format_only > with_accuracy
print("exercise 3: ok")

# %% [markdown]
# ## What next
#
# [Tutorial 5](05-mixtures.md): what the policy practises on — datasets and weighted mixtures.
