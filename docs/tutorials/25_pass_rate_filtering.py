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
# # Pass-rate filtering
#
# **Part 5, Data management — tutorial 25.** You will sample k answers per problem from the nano model, compute
# each problem's pass rate, sort problems into difficulty bands, and keep the band where GRPO can learn — then
# measure, on fresh samples, how much of a GRPO batch carries a learning signal before and after filtering.
#
# ## Concept overview
#
# GRPO (DeepSeekMath arXiv 2402.03300 §4.1; DeepSeek-R1 arXiv 2501.12948 §2.2.1) scores a *group* of G answers to
# one prompt and uses each answer's reward minus the group mean as its advantage. If every answer in the group gets
# the same reward — all right (too easy) or all wrong (too hard) — every advantage is 0 and the prompt contributes
# **no gradient** while still costing G generations. DAPO (arXiv 2503.14476 §3.2, "dynamic sampling") drops such
# groups during training; open-r1 filters *before* training: it samples k = 8 answers per problem from
# R1-Distill-Qwen-1.5B and keeps problems with a pass rate in [0.2, 0.8].
#
# The pass rate of a problem is c / k, where c of its k samples are correct. It is the unbiased estimate of pass@1
# (Codex, arXiv 2107.03374 §2.1); more generally
#
# ```text
# pass@k (from n samples, c correct) = 1 − C(n − c, k) / C(n, k)
# ```
#
# is the probability that at least one of k samples drawn without replacement from the n is correct.
#
# ## Code walkthrough
#
# - [[open_r1/eval/passk.py:pass_at_k]] is the estimator above, computed as a stable product;
#   [[open_r1/eval/passk.py:pass_at_k_table]] averages it over problems.
# - [[open_r1/curate/tools.py:group_generations]] groups the lines `open-r1 generate` writes by dataset row;
#   [[open_r1/curate/tools.py:pass_rates]] scores each group's first k samples with a reward from the registry
#   (a `None` reward — gold unparseable — makes the problem *unscorable*: dropped and counted, never kept);
#   [[open_r1/curate/tools.py:filter_by_pass_rate]] keeps the band and writes the histogram.
# - `open-r1 data pass-rate` ([[open_r1/cli/data.py:_cmd_pass_rate]]) is the command: it reads a samples file or
#   generates one first (`--base-url`, through the resumable generator of tutorial 23).
#
# ## Hands-on
#
# The nano model, 60 held-out problems (20 per level), k = 8 samples each at temperature 1, generated in-process
# with the held-out scorer's batch generator ([[open_r1/eval/heldout.py:generate]]) — the same lines
# `open-r1 generate --n 8` would write against a server, without starting one.

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import time
import warnings
from collections import Counter

from transformers import AutoModelForCausalLM, AutoTokenizer

from open_r1.curate.tools import filter_by_pass_rate, group_generations, pass_rates
from open_r1.data import load_one
from open_r1.eval.heldout import generate
from open_r1.eval.passk import pass_at_k, pass_at_k_table
from open_r1.labs.nano_build import ensure_nano_model
from open_r1.rewards import get_reward_funcs

warnings.filterwarnings("ignore", category=FutureWarning)
K = 8
model_dir = ensure_nano_model("nano://math")
tokenizer = AutoTokenizer.from_pretrained(model_dir)
model = AutoModelForCausalLM.from_pretrained(model_dir)
heldout = load_one("nano://math/heldout", split="heldout")
problems = [
    dict(r) for level in (1, 2, 3) for r in heldout.filter(lambda r, lv=level: r["level"] == lv).select(range(20))
]


def sample_lines(rows: list[dict], k: int, seed: int) -> list[dict]:
    """k samples per row, as `open-r1 generate` lines: row, sample, the row's columns, generation."""
    prompts = [[{"role": "user", "content": r["problem"]}] for r in rows for _ in range(k)]
    texts = generate(model, tokenizer, prompts, max_new_tokens=64, sample=True, batch_size=240, seed=seed)
    return [
        {"row": i, "sample": j, **rows[i], "generation": texts[i * k + j]} for i in range(len(rows)) for j in range(k)
    ]


started = time.time()
lines = sample_lines(problems, K, seed=0)
print(f"{len(lines)} samples in {time.time() - started:.1f} s; one of them:\n{lines[0]['generation']}")

# %% [markdown]
# Score them with the `accuracy` reward (math-verify against the gold `solution`, the reward GRPO trains with) and
# look at the pass rates by level.

# %%
[accuracy] = get_reward_funcs(["accuracy"])
rates = pass_rates(group_generations(lines), accuracy, k=K)
by_level: dict[int, Counter] = {1: Counter(), 2: Counter(), 3: Counter()}
for info in rates.values():
    by_level[info["row"]["level"]][info["pass_rate"]] += 1
print("pass rate:  " + " ".join(f"{c / K:5.3f}" for c in range(K + 1)))
for level, counts in by_level.items():
    print(f"level {level}:    " + " ".join(f"{counts[c / K]:5d}" for c in range(K + 1)))

per_problem = [[True] * info["correct"] + [False] * (K - info["correct"]) for info in rates.values()]
print({key: round(value, 3) for key, value in pass_at_k_table(per_problem, (1, 2, 4, 8)).items()})

# %% [markdown]
# Compare the rows of the table: when problems of one level land in different columns, difficulty is a property of
# a problem *for this model*, not of its label. pass@k rises with k (more tries, more chances); the gap between
# pass@1 and pass@8 is the room RL has to move the model's first answer toward answers it can already sometimes
# produce.
#
# Now the bands, open-r1's [0.2, 0.8]:

# %%
kept, report = filter_by_pass_rate(rates, 0.2, 0.8)
bands = Counter(
    "never (0)" if i["pass_rate"] == 0 else "always (1)" if i["pass_rate"] == 1 else
    "kept [0.2, 0.8]" if 0.2 <= i["pass_rate"] <= 0.8 else "edge (1/8 or 7/8)"
    for i in rates.values()
)  # fmt: skip
print(dict(bands))
print(f"kept {report['kept']} of {report['problems']} problems")

# %% [markdown]
# ### How filtering changes a GRPO batch
#
# The question that matters: in a GRPO step over these prompts, how many groups have zero reward variance (no
# gradient)? Sampling the *same* generations we filtered on would be circular, so we draw **fresh** groups of 8
# (another seed) for all problems and for the kept ones only.


# %%
def zero_variance_share(rows: list[dict], seed: int) -> float:
    groups = group_generations(sample_lines(rows, K, seed=seed))
    flat = 0
    for samples in groups.values():
        rewards = accuracy([s["generation"] for s in samples], solution=[s["solution"] for s in samples])
        flat += len(set(rewards)) == 1
    return flat / max(len(groups), 1)


kept_rows = [info["row"] for info in rates.values() if 0.2 <= info["pass_rate"] <= 0.8]
before = zero_variance_share(problems, seed=1)
after = zero_variance_share(kept_rows, seed=1)
print(f"groups with no learning signal: all problems {before:.0%}, after filtering {after:.0%}")

# %% [markdown]
# Filtering does not make the signal perfect — a problem with pass rate 0.25 still draws 8 wrong answers in about
# 10 % of groups (0.75⁸) — but it removes the problems that were *certain* to waste their generations: compare the
# two shares printed above (this run's measurement on the nano model). With R1-Distill-1.5B on OpenR1-Math the same
# filter is what open-r1 uses to build its GRPO set.
#
# ## Deep dive: the estimator and its noise
#
# The pass rate from k samples is itself noisy: its standard error is √(p(1 − p)/k). With k = 8 and p = 0.5 that is
# 0.18 — a problem at the middle of the band can land at 0.125 or 0.875 by chance. That is why the band is wide,
# and why the estimate should come from the model you are about to train (a stronger model shifts every rate up).

# %%
for c in (0, 1, 4, 7, 8):
    print(f"c = {c}/8 correct: pass@1 {pass_at_k(8, c, 1):.3f}  pass@4 {pass_at_k(8, c, 4):.3f}")

# %% [markdown]
# ## Pitfalls and debugging
#
# - **Too few samples.** `pass_rates` refuses a problem with fewer than k samples and says how to resume
#   (`open-r1 generate` with `--n >= k` continues the same file).
# - **Unparseable golds** score `None` and the problem is dropped as *unscorable* — counted in the report, never
#   silently kept as "0 % solved" (which would look like a hard problem).
# - **Temperature.** Pass rates at temperature 0 collapse to 0 or 1; sample as GRPO will (open-r1: 0.7, top-p 0.95).
# - **The filter is model-specific.** Filter with the model that will be trained; a teacher's pass rates say little
#   about a student's.
#
# ## Exercises
#
# **Exercise 1.** With the pass rates above, which band would keep *more* problems: [0.125, 0.875] or [0.2, 0.8]?
# Compute `wide_kept`, the number of problems kept by [0.125, 0.875], with `filter_by_pass_rate`.

# %% tags=["solution"]
wide, wide_report = filter_by_pass_rate(rates, 0.125, 0.875)
wide_kept = wide_report["kept"]
print(wide_kept, "vs", report["kept"])

# %% tags=["check"]
edge = sum(1 for i in rates.values() if i["pass_rate"] in (1 / 8, 7 / 8))
assert wide_kept == report["kept"] + edge, (wide_kept, report["kept"], edge)
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Write `expected_flat(p, k)`: the probability that a group of k samples of a problem with true pass
# rate p has zero reward variance (all right or all wrong). Use it to say which is likelier to waste a GRPO group: a
# problem at p = 0.1 or one at p = 0.5.


# %% tags=["solution"]
def expected_flat(p: float, k: int) -> float:
    return p**k + (1 - p) ** k


print(f"p=0.1: {expected_flat(0.1, 8):.3f}   p=0.5: {expected_flat(0.5, 8):.4f}")

# %% tags=["check"]
assert abs(expected_flat(0.5, 8) - 2 / 256) < 1e-12
assert abs(expected_flat(0.1, 8) - (0.1**8 + 0.9**8)) < 1e-12 and expected_flat(0.1, 8) > 0.4
assert expected_flat(0.0, 8) == 1.0
print("exercise 2: ok")
