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
# # The reasoning-steps reward
#
# **Part 3, Reward engineering — tutorial 18.** You will see exactly what `reasoning_steps` counts, score the nano
# model's own samples with it, and measure how a policy games it: which completions GRPO would push up, and what a
# three-line edit does to the score.
#
# ## Concept overview
#
# DeepSeek-R1 (arXiv 2501.12948 §2.2.2) trains with two rule-based rewards, accuracy and format. open-r1 adds a
# *shaping* reward that is not in the paper: `reasoning_steps` pays for visible step-by-step structure,
#
# ```text
# reasoning_steps(o) = min(1, markers(o) / steps)        steps = 3 by default
# markers = "Step N:" | a line starting "N." | a line starting "-" or "*" | "First," "Second," "Next," "Finally,"
# ```
#
# It reads the *surface* of the text. Nothing in it knows whether a step is a step: a marker is a regular
# expression match. That is the lesson: a reward is what it computes, not what its name says, and a policy
# optimised against it finds the difference. Here the difference is measured on the nano model.
#
# ## Code walkthrough
#
# - [[open_r1/rewards/format.py:_STEP_RE]] — the one alternation regex (MULTILINE, so every numbered line counts).
# - [[open_r1/rewards/format.py:ReasoningStepsReward]] — `min(1, len(findall) / steps)`; `steps` must be an
#   integer >= 1 (checked when the reward is built, before a model loads).
# - [[open_r1/rewards/registry.py:REWARD_REGISTRY]] — its entry: name, default `steps: 3`, output range `[0, 1]`.
# - [[open_r1/eval/heldout.py:generate]] — the sampler the held-out scores use; it draws the nano samples below.
#
# ## Hands-on
#
# ### What counts as a step

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import warnings

from open_r1.rewards import get_reward_funcs
from open_r1.rewards.format import _STEP_RE

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
(steps_reward,) = get_reward_funcs(["reasoning_steps"])
examples = {
    "Step N: lines": "Step 1: add\nStep 2: carry\nStep 3: done",
    "numbered list": "1. add\n2. carry\n3. done",
    "bullets": "plan:\n- add\n- carry\n* done",
    "ordinal words": "First, add. Second, carry. Finally, done.",
    "one marker": "Step 1: everything at once",
    "prose": "I add the numbers and carry the one.",
    "negative numbers": "<think>\n4 - 5 = -1\n-1 - 3 = -4\n</think>",
    "a decimal line": "pi is about\n3.14 and e about\n2.72",
}
for (name, text), score in zip(examples.items(), steps_reward(list(examples.values())), strict=True):
    print(f"{name:18s} reward {score:.2f}  markers {_STEP_RE.findall(text)}")

# %% [markdown]
# The last two rows are the interesting ones. A line that starts with a **negative number** is a "bullet" (`\n-`),
# and a line that starts with a **decimal** is a "numbered step" (`^\d+\.`). The nano task's traces are exactly
# such lines (`-1 - 3 = -4`), so on the nano model this reward measures something quite different from
# "reasons step by step".
#
# ### Scoring the nano model's samples
#
# Draw 8 samples (temperature 1) for each of 16 held-out problems, the group size a GRPO step would use, and score
# every sample with `reasoning_steps` and with the exact-answer check that decides accuracy.

# %%
import re
import statistics
from collections import Counter

from open_r1.eval.heldout import check, generate
from open_r1.labs.nano_build import ensure_nano_model
from open_r1.models import get_model, get_tokenizer
from open_r1.nano.datasets import rows_for

GROUPS, GROUP_SIZE = 16, 8
path = str(ensure_nano_model("nano://math"))
model, tokenizer = get_model(path), get_tokenizer(path)
rows = rows_for("math", "heldout")[:GROUPS]
prompts = [[{"role": "user", "content": r["problem"]}] for r in rows for _ in range(GROUP_SIZE)]
golds = [r["answer"] for r in rows for _ in range(GROUP_SIZE)]
samples = generate(model, tokenizer, prompts, max_new_tokens=64, sample=True, seed=0)
step_scores = steps_reward(samples)
correct = [check(s, g)[1] for s, g in zip(samples, golds, strict=True)]
negative_line = [bool(re.search(r"\n-\d", s)) for s in samples]

answer_line = [bool(re.search(r"<answer>\n-\d", s)) for s in samples]
print(f"{len(samples)} samples; reward values: {dict(sorted(Counter(step_scores).items()))}")
kinds = Counter(m if m in ("\n-", "\n*") else "other" for s in samples for m in _STEP_RE.findall(s))
print("what the markers were:", dict(kinds))
print(
    f"samples with a line starting with a negative number: {sum(negative_line)} "
    f"(a negative answer: {sum(answer_line)})"
)
print(f"accuracy {statistics.mean(correct):.3f}; mean reasoning_steps {statistics.mean(step_scores):.3f}")
print("an example with reward > 0:\n" + next((s for s, r in zip(samples, step_scores, strict=True) if r > 0), "none"))

# %% [markdown]
# The counts printed above say where the markers come from: lines that begin with a minus sign — a negative
# intermediate result (`-1 - 3 = -4`) or a negative answer on its own line. The model never writes "Step 1:" or a
# list, because its teacher never did. On this task the reward is a *sign detector*.
#
# ### How a policy games it: measured
#
# GRPO moves probability toward completions whose reward is above their group's mean (positive advantage
# `Â = (r − mean) / std`, TRL's `scale_rewards="group"`). Compare which samples get a positive advantage under
# `reasoning_steps` and under an accuracy reward, on the same samples:


# %%
def advantages(rewards, group_size):
    out = []
    for i in range(0, len(rewards), group_size):
        group = rewards[i : i + group_size]
        mean, std = statistics.mean(group), statistics.pstdev(group)
        out += [(r - mean) / (std + 1e-4) for r in group]
    return out


adv_steps = advantages(step_scores, GROUP_SIZE)
adv_accuracy = advantages([float(c) for c in correct], GROUP_SIZE)
for name, adv in (("reasoning_steps", adv_steps), ("accuracy", adv_accuracy)):
    pushed = [i for i, a in enumerate(adv) if a > 0]
    acc = statistics.mean(correct[i] for i in pushed) if pushed else float("nan")
    neg = statistics.mean(negative_line[i] for i in pushed) if pushed else float("nan")
    print(f"{name:16s} pushes up {len(pushed):3d} samples: {acc:.0%} of them correct, {neg:.0%} with a negative line")

# %% [markdown]
# Under `reasoning_steps` the samples pushed up are the ones with a line starting with a minus sign (the shares
# printed above); whether they are right is incidental — compare their share of correct samples with the accuracy
# reward's, which is 100 % by construction. Trained on this reward, the policy learns to put negative numbers at the
# start of lines, not to reason. Two edits measure how cheap that is:

# %%
(fmt,) = get_reward_funcs(["format"])
edits = {
    "three empty markers": lambda s: s.replace("<think>\n", "<think>\nStep 1:\nStep 2:\nStep 3:\n", 1),
    "answer sign flipped to -": lambda s: re.sub(r"<answer>\n(\d)", r"<answer>\n-\1", s),
}
print(f"{'':26s} {'reasoning_steps':>16s} {'format':>8s} {'accuracy':>9s}")
print(
    f"{'the samples':26s} {statistics.mean(step_scores):16.3f} {statistics.mean(fmt(samples)):8.3f} "
    f"{statistics.mean(correct):9.3f}"
)
for name, edit in edits.items():
    edited = [edit(s) for s in samples]
    acc = statistics.mean(check(s, g)[1] for s, g in zip(edited, golds, strict=True))
    print(f"{name:26s} {statistics.mean(steps_reward(edited)):16.3f} {statistics.mean(fmt(edited)):8.3f} {acc:9.3f}")

# %% [markdown]
# Three markers max the reward for every sample that keeps its think block, leave the strict format intact (they
# sit inside `<think>`) and cannot change a single answer. Flipping the sign of every non-negative answer raises the
# reward too — and wrecks accuracy: on this task the reward prefers a wrong sign to a right positive answer.
# Best-of-N selection, the simplest optimiser there is, needs no edit at all: pick the sample with the highest
# reward in each group.


# %%
def best_of_group(scores):
    picks = []
    for i in range(0, len(scores), GROUP_SIZE):
        group = scores[i : i + GROUP_SIZE]
        picks.append(i + group.index(max(group)))
    return picks


for name, scores in (("reasoning_steps", step_scores), ("accuracy", [float(c) for c in correct])):
    picks = best_of_group(scores)
    print(f"best of {GROUP_SIZE} by {name:16s}: accuracy {statistics.mean(correct[i] for i in picks):.3f}")
print(f"a random sample:                 accuracy {statistics.mean(correct):.3f}")

# %% [markdown]
# ## Deep dive
#
# **Why the reward saturates at `steps`.** `min(1, markers / 3)` stops paying after three markers, so it cannot be
# maxed by *length*: a completion with 50 bullets earns what one with 3 earns. That bounds one hack (padding
# forever) and leaves the cheaper one (three markers, anywhere). The marker need not be followed by anything.
#
# **The anchor.** The public reference anchored `N.` to the start of the *whole text* (no MULTILINE), so a numbered
# list scored as one step; this library counts every numbered line. That makes lists score as intended — and makes
# every line that starts with a decimal (`2.72`) a step too. Tightening a regex moves the false positives; it does
# not remove them.
#
# **Weights.** In open-r1's recipes a shaping reward rides next to accuracy with a small weight. With the nano
# numbers above, a weight `w` on `reasoning_steps` adds up to `w` to a wrong answer that happens to have a negative
# line: keep `w` well below the accuracy reward's 1.0, and log `rewards/reasoning_steps/mean` separately (TRL does)
# so a climbing proxy with a flat accuracy is visible.
#
# ## Pitfalls and debugging
#
# - **Task text that looks like markers**: negative numbers, decimals, Markdown tables, diff output, YAML lists.
#   Score a few hundred of your own model's samples and print `_STEP_RE.findall` before you add the reward.
# - **`steps` must be an integer >= 1**: `reward_params: {reasoning_steps: {steps: 0}}` is rejected when the reward
#   is built, naming the value.
# - **Zero variance, zero signal**: on a model that never writes markers every group has reward 0 and GRPO gets no
#   gradient from this reward; `frac_reward_zero_std` near 1 shows it.
# - **Debugging**: `open-r1 rewards score --rewards reasoning_steps --input completions.jsonl` scores a file.
#
# ## Exercises
#
# **Exercise 1.** Write `explicit_steps(completions)`: the fraction (capped at 1) of 3 lines of the form
# `Step N:` whose numbers count 1, 2, 3, … in order. Negative numbers, bullets and empty repeated markers out of
# order must earn nothing. Check it on the examples and on the nano samples.


# %% tags=["solution"]
def explicit_steps(completions, steps=3):
    out = []
    for text in completions:
        numbers = [int(n) for n in re.findall(r"^Step (\d+):", text, re.MULTILINE)]
        ordered = 0
        for n in numbers:
            if n == ordered + 1:
                ordered += 1
        out.append(min(1.0, ordered / steps))
    return out


print(explicit_steps(list(examples.values())))

# %% tags=["check"]
assert explicit_steps(list(examples.values())) == [1.0, 0.0, 0.0, 0.0, 1 / 3, 0.0, 0.0, 0.0]
assert explicit_steps(["Step 2:\nStep 2:\nStep 2:", "Step 1: a\nStep 3: b\nStep 2: c"]) == [0.0, 2 / 3]
assert max(explicit_steps(samples)) == 0.0, "the nano model writes no Step lines"
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Measure how much of `reasoning_steps` on the nano samples comes from negative numbers: neutralise
# every line start made of `-` and a digit (without changing the number), rescore, and report both means.


# %% tags=["solution"]
def without_negative_lines(text):
    return re.sub(r"\n-(?=\d)", "\n\u2212", text)  # a Unicode minus: the same number, not a bullet


rescored = steps_reward([without_negative_lines(s) for s in samples])
print(f"mean reward {statistics.mean(step_scores):.3f}; without negative-number lines {statistics.mean(rescored):.3f}")

# %% tags=["check"]
assert statistics.mean(step_scores) > 0, "some nano samples have a line starting with a negative number"
assert statistics.mean(rescored) <= 0.1 * statistics.mean(step_scores), "(nearly) every marker was a negative number"
assert steps_reward([without_negative_lines("x\n- a bullet\n-3 + 1 = -2")]) == [1 / 3]
print("exercise 2: ok")

# %% [markdown]
# ## What next
#
# The code rewards of Part 4 check behaviour, not text: [tutorial 19](19-code-backends.md) sets up where that code
# runs.
