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
# # Length-based rewards and cosine scaling
#
# **Part 3, Reward engineering — tutorial 16.** You will plot the three length-aware rewards over length — Kimi 1.5's
# length penalty, the cosine-scaled correctness reward, DAPO's soft overlong punishment — score nano samples
# with them, and measure how one wrong default turns the cosine reward into a reward for giving up early.
#
# ## Concept overview
#
# RL on verifiable rewards makes answers longer: DeepSeek-R1-Zero's responses grow steadily over training
# (arXiv 2501.12948 §2.2.4, Figure 3) and that is where its gains come from — but length grows whether or not it
# helps. Kimi 1.5 calls the useless part **overthinking** and adds a length penalty (arXiv 2501.12599 §2.3.3). Three
# shapes are in common use, all computed per completion from its length `L`:
#
# ```text
# length (Kimi 1.5)   λ_i = 0.5 − (L_i − L_min) / (L_max − L_min)      over the answers to ONE prompt
#                     r_i = λ_i if correct, min(0, λ_i) if wrong        (a wrong answer never earns a bonus)
# cosine              p = min(L, max_len) / max_len
#                     r = lo + (hi − lo) · (1 + cos(π p)) / 2           (lo, hi) = (0.5, 1.0) correct, (−0.5, −1.0) wrong
# soft overlong (DAPO) r = 0 for L ≤ M − C;  (M − C − L) / C on the ramp;  −1 for L > M     (token counts)
# ```
#
# The cosine reward comes from "Demystifying Long Chain-of-Thought Reasoning" (arXiv 2502.03373 §4.1): short correct
# answers earn most, and — the subtle part — **short wrong answers are punished most**, so that trying longer is
# always cheaper than giving up. DAPO's penalty (arXiv 2503.14476 §3.4, Eq. 13) only looks at truncation: a sample
# cut off by the generation limit has a noisy reward, so the policy is warned on a ramp before the limit.
#
# ## Code walkthrough
#
# - [[open_r1/rewards/length.py:LengthReward]] — Kimi's λ, grouped by prompt (as in the paper; the reference
#   reproduction groups the whole batch), correctness from the shared math verifier.
# - [[open_r1/rewards/length.py:CosineScaledReward]] — [[open_r1/rewards/length.py:CosineScaledReward.value]] is the
#   schedule itself; the length is clamped at `max_len`.
# - [[open_r1/rewards/length.py:SoftOverlongPunishment]] — DAPO's ramp on `completion_ids`.
# - [[open_r1/rewards/length.py:completion_lengths]] — `unit: chars` (the reference) or `unit: tokens` (the papers).
#
# ## Hands-on
#
# ### Each reward over length

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import warnings

import matplotlib.pyplot as plt

from open_r1.rewards import get_reward_funcs
from open_r1.rewards.length import CosineScaledReward, SoftOverlongPunishment

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
MAX_LEN = 100
lengths = list(range(0, 161, 2))
cosine = CosineScaledReward(max_len=MAX_LEN, unit="tokens")
overlong = SoftOverlongPunishment(max_completion_len=MAX_LEN, soft_punish_cache=20)
curves = {
    "cosine, correct": [cosine.value(n, True) for n in lengths],
    "cosine, wrong": [cosine.value(n, False) for n in lengths],
    "soft overlong (M=100, C=20)": overlong(["x"] * len(lengths), completion_ids=[[0] * n for n in lengths]),
}
# Kimi's λ depends on the group: five answers to one prompt, lengths 20..100; the same group, all correct or all wrong
(length_reward,) = get_reward_funcs(["length"], {"length": {"unit": "tokens"}})
group = [20, 40, 60, 80, 100]
kimi_correct = length_reward(
    ["<answer>\n4\n</answer>"] * 5, solution=["4"] * 5, completion_ids=[[0] * n for n in group]
)
kimi_wrong = length_reward(["<answer>\n5\n</answer>"] * 5, solution=["4"] * 5, completion_ids=[[0] * n for n in group])

fig, ax = plt.subplots(figsize=(8, 4))
for name, values in curves.items():
    ax.plot(lengths, values, label=name)
ax.plot(group, kimi_correct, "o-", label="Kimi λ, correct (group of 5)")
ax.plot(group, kimi_wrong, "s--", label="Kimi λ, wrong (group of 5)")
ax.axvline(MAX_LEN, color="grey", lw=0.5)
ax.set_xlabel("completion length (tokens)")
ax.set_ylabel("reward")
ax.legend(fontsize=8)
plt.show()
for n in (20, 80, 100, 150):
    print(f"L={n:3d}: cosine correct {cosine.value(n, True):+.3f}  wrong {cosine.value(n, False):+.3f}")
print("Kimi λ correct:", [round(x, 3) for x in kimi_correct], " wrong:", [round(x, 3) for x in kimi_wrong])

# %% [markdown]
# Read the plot from left to right. The cosine curves start at +1 (correct) and −1 (wrong) and meet their end values
# (+0.5, −0.5) at `max_len`; past it they stay flat — the clamp (unclamped, `cos` would swing back and 2·max_len
# would score like an empty answer). The DAPO ramp is 0 until 80 tokens, −1 from 100. Kimi's λ runs from +0.5 for
# the group's shortest answer to −0.5 for its longest, and a wrong answer only keeps the negative half.
#
# ### On nano samples
#
# Take 200 completions of the nano kit — its teacher's distillation traces, what `nano://math` learns to write
# (84 % correct: the teacher drops a minus sign now and then) — count their tokens with the kit's tokenizer, and score
# the first 8 as one group:

# %%
from open_r1.labs.nano_build import ensure_nano_model
from open_r1.models import get_tokenizer
from open_r1.nano.datasets import rows_for

tok = get_tokenizer(str(ensure_nano_model("nano://math-init")))  # the kit's tokenizer (built on first use, seconds)
rows = rows_for("math", "sft")[:200]
texts = [r["messages"][-1]["content"] for r in rows]
solutions = [r["solution"] for r in rows]
completion_ids = [tok(t, add_special_tokens=False)["input_ids"] for t in texts]
n_tokens = [len(ids) for ids in completion_ids]
accuracy, length, cos_tok, dapo = get_reward_funcs(
    ["accuracy", "length", "cosine", "soft_overlong_punishment"],
    {
        "length": {"unit": "tokens"},
        "cosine": {"unit": "tokens", "max_len": 64},
        "soft_overlong_punishment": {"max_completion_len": 64, "soft_punish_cache": 16},
    },
)
G = 8
group = {"solution": solutions[:G], "completion_ids": completion_ids[:G]}
scores = {f.__name__: f(texts[:G], **group) for f in (accuracy, length, cos_tok, dapo)}
print(f"{len(texts)} samples, lengths {min(n_tokens)}..{max(n_tokens)} tokens; the group of {G}:")
for i in range(G):
    row = "  ".join(f"{k} {v[i]:+.2f}" for k, v in scores.items())
    print(f"L={n_tokens[i]:2d}  {row}")

# %% [markdown]
# The lengths differ by a dozen tokens at most — the nano traces are short and regular — yet Kimi's λ spreads them
# over the full range [−0.5, +0.5]: the penalty is **relative** to the group, so a 10-token difference weighs as much
# as a 10,000-token one would. Without `prompts` (as here) the group is the whole call, the reference's batch-wide
# grouping; in training TRL passes `prompts` and each problem's answers are compared among themselves. No nano trace
# comes near the DAPO ramp (0 for all); it only matters close to the generation limit.
#
# ### A wrong default, measured
#
# The reference reproduction's config ships `cosine_min_value_wrong: 0.0` while its function's default is −1.0. With
# 0.0 the wrong-answer curve *rises* toward short answers: the best wrong answer is the shortest. Score the wrong
# nano traces (the sign slips) with both settings, plus a *give-up* answer — an empty think block and a guess — for
# every problem whose answer is not 0:

# %%
give_up = "<think>\n\n</think>\n<answer>\n0\n</answer>"
give_up_ids = tok(give_up, add_special_tokens=False)["input_ids"]
correct = accuracy(texts, solution=solutions)
wrong = [i for i, c in enumerate(correct) if c == 0.0]
quit_rows = [r for r in rows if r["answer"] != "0"]
settings = {"min_value_wrong=-1.0 (ours)": -1.0, "min_value_wrong=0.0 (reference config)": 0.0}
measured = {}
for name, min_wrong in settings.items():
    (reward,) = get_reward_funcs(
        ["cosine"], {"cosine": {"unit": "tokens", "max_len": 64, "min_value_wrong": min_wrong}}
    )
    sampled = reward(
        [texts[i] for i in wrong],
        solution=[solutions[i] for i in wrong],
        completion_ids=[completion_ids[i] for i in wrong],
    )
    quit_scores = reward(
        [give_up] * len(quit_rows),
        solution=[r["solution"] for r in quit_rows],
        completion_ids=[give_up_ids] * len(quit_rows),
    )
    measured[name] = (sum(sampled) / len(sampled), sum(quit_scores) / len(quit_scores))
    print(
        f"{name:42s} mean over {len(sampled)} wrong traces {measured[name][0]:+.3f}   "
        f"give-up answer ({len(give_up_ids)} tokens, wrong) {measured[name][1]:+.3f}"
    )

# %% [markdown]
# With our default, giving up (a short wrong answer) scores *below* an honest wrong attempt: the policy loses by
# quitting. With the reference config's 0.0, the same give-up answer scores *above* every sampled wrong answer — a
# policy trained on it is paid to stop reasoning early on problems it cannot solve. That is a reward hack waiting to
# happen, and the numbers above, not a description, show it.
#
# ## Deep dive
#
# **Relative versus absolute.** Kimi's λ compares answers to the same prompt, so it says nothing about absolute
# length and is scale-free; cosine and DAPO use absolute lengths and need a `max_len` matched to the generation
# limit. Kimi's paper also *warms up* the penalty (it slows early training), which a recipe can do with a small
# weight.
#
# **Grouping.** The reference computes Kimi's λ over the whole batch, mixing prompts whose natural answer lengths
# differ — a hard problem's long correct answer then loses to an easy problem's short one. Here the group is the
# prompt (TRL passes `prompts`); `group_by: batch` restores the reference behaviour for comparison.
#
# **Characters or tokens.** The reference counts characters; the papers count tokens. `unit: tokens` reads
# `completion_ids`, so lengths match what `max_completion_length` limits.
#
# ## Pitfalls and debugging
#
# - **`max_len` larger than the generation limit.** Cosine never reaches its end values; every answer looks short.
#   Set `max_len` to `max_completion_length` (in tokens, with `unit: tokens`).
# - **All answers equally long.** Kimi's λ is 0 for every member (no preference to express) — common on short,
#   templated tasks like nano's.
# - **`None` is contagious by design.** `length` and `cosine` use the accuracy verdict; a gold that does not parse
#   gives `None` for the sample in every correctness-based reward.
# - **DAPO without truncation.** If no sample ever reaches `M − C`, the reward is a constant 0 and contributes
#   nothing: check `max_completion_length` and `soft_punish_cache` against the logged `completions/mean_length`.
#
# ## Exercises
#
# **Exercise 1.** Write `kimi_lambda(lengths, correct)` in plain Python for one group, returning the Kimi 1.5 reward of
# each answer, and check it against the library on the nano group above.


# %% tags=["solution"]
def kimi_lambda(lengths, correct):
    lo, hi = min(lengths), max(lengths)
    if lo == hi:
        return [0.0] * len(lengths)
    out = []
    for n, ok in zip(lengths, correct, strict=True):
        lam = 0.5 - (n - lo) / (hi - lo)
        out.append(lam if ok else min(0.0, lam))
    return out


print(kimi_lambda([10, 20, 30], [True, False, True]))

# %% tags=["check"]
assert kimi_lambda([10, 20, 30], [True, False, True]) == [0.5, 0.0, -0.5]
mine = kimi_lambda(n_tokens[:G], [c == 1.0 for c in scores["accuracy"]])
assert [round(x, 9) for x in mine] == [round(x, 9) for x in scores["length"]], (mine, scores["length"])
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** At what length does a *correct* answer's cosine reward (max_len 100) fall to 0.75, the midpoint of
# its range? Solve it from the formula, then check with `CosineScaledReward.value`.

# %% tags=["solution"]
import math

# lo + (hi - lo)(1 + cos(pi p)) / 2 = midpoint  <=>  cos(pi p) = 0  <=>  p = 1/2
midpoint_length = MAX_LEN * math.acos(0.0) / math.pi
print(midpoint_length)

# %% tags=["check"]
assert abs(cosine.value(round(midpoint_length), True) - 0.75) < 1e-9
assert cosine.value(round(midpoint_length) - 10, True) > 0.75 > cosine.value(round(midpoint_length) + 10, True)
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** Using the measurements above, compute by how much the give-up answer *beats* the mean sampled wrong
# answer under each setting (positive = quitting pays). Check that quitting pays only with the reference config.

# %% tags=["solution"]
advantage_of_quitting = {name: quit - sampled for name, (sampled, quit) in measured.items()}
print(advantage_of_quitting)

# %% tags=["check"]
ours, reference = advantage_of_quitting.values()
assert ours < 0 < reference, advantage_of_quitting
print("exercise 3: ok")

# %% [markdown]
# ## What next
#
# [Tutorial 17](17-repetition-penalty.md): the other way a long answer goes wrong — saying the same thing again.
