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
# # Math reward functions
#
# **Part 3, Reward engineering — tutorial 13.** You will look inside the accuracy reward: how math-verify parses a
# gold answer and a completion, why bare numbers and LaTeX are different problems, why an unparseable gold must give
# `None`, how a per-sample time budget and a worker pool keep one pathological answer from stalling a step — and you
# will measure it against TRL's built-in accuracy reward on the nano kit's samples.
#
# ## Concept overview
#
# DeepSeek-R1's accuracy reward (arXiv 2501.12948 §2.2.2) is a rule: "the model is required to provide the final
# answer in a specified format, enabling reliable rule-based verification". For math the rule is *symbolic
# equality*: `\frac{6}{8}`, `0.75` and `3/4` are the same answer. [math-verify](https://github.com/huggingface/Math-Verify)
# does the work in two steps:
#
# ```text
# parse(text)            -> [sympy object, the string it came from]      ([] when nothing parses)
# verify(gold, answer)   -> True / False                                 (gold FIRST: the checks are asymmetric)
# ```
#
# Three decisions make it a reward rather than a check:
#
# 1. **Gold first, and `None` when the gold does not parse.** GRPO normalises rewards within a group; a gold that
#    does not parse would make every answer of the group 0 (or 1) — a constant that adds nothing to the advantage but
#    corrupts the logged accuracy. `None` ("no signal") is dropped by TRL.
# 2. **Where the answer is.** The last `<answer>` block when there is one (bare numbers allowed), else the whole text
#    with `\boxed{}` first.
# 3. **A time budget per sample.** SymPy can be sent into a tower of exponents by one answer; one sample must not
#    stall a training step. Verification runs in worker processes that are killed and replaced when over budget.
#
# ## Code walkthrough
#
# - [[open_r1/rewards/accuracy.py:AccuracyReward]] — the reward: completions + `solution` column → 1.0 / 0.0 / None.
# - [[open_r1/rewards/verifier.py:MathVerifier]] — memo → exact fast path
#   ([[open_r1/rewards/verifier.py:fast_verdict]]: plain integers and fractions need no SymPy) → budgeted workers.
# - [[open_r1/rewards/verifier.py:answer_region]] — which part of the completion is read.
# - [[open_r1/rewards/_pool.py:BudgetedPool]] — worker processes with a hard per-task time budget.
#
# ## Hands-on
#
# ### What math-verify makes of a gold answer

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import time
import warnings

from math_verify import parse

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
golds = ["$-4$", "-4", r"$\frac{63}{400}$", r"\boxed{\frac{3}{4}}", "$x^2 + 2x + 1$", r"$\boxed{\frac{1}{", "twelve"]
for gold in golds:
    print(f"{gold!r:28s} -> {parse(gold)}")

# %% [markdown]
# Two golds are trouble. `twelve` parses to nothing. The truncated `$\boxed{\frac{1}{` parses to a *leftover string*
# — not a mathematical object — and math-verify would happily compare answers with it. The reward treats both the
# same way: no signal.
#
# ### The reward on hand-written completions

# %%
from open_r1.rewards import get_reward_funcs

# a generous per-sample budget (the default is 5 s): this notebook may run on a busy machine, and a sample over its
# budget scores None -- which would be the machine talking, not the reward
(accuracy,) = get_reward_funcs(["accuracy"], {"accuracy": {"timeout_s": 30.0}})
accuracy.warmup(wait=True)  # start the verification workers now (SymPy imports): the first step would pay it
cases = [
    ("<think>\n3/4\n</think>\n<answer>\n$\\frac{6}{8}$\n</answer>", r"$\frac{3}{4}$"),  # equivalent LaTeX
    ("<think>\n3/4\n</think>\n<answer>\n0.75\n</answer>", r"$\frac{3}{4}$"),  # a bare decimal
    ("<answer>\n-4\n</answer>", "$-4$"),  # a bare integer (the nano model's style)
    ("The answer is $\\boxed{\\frac{63}{400}}$.", r"\frac{63}{400}"),  # no answer block: boxed in the text
    ("The answer is $\\boxed{\\frac{64}{400}}$.", r"\frac{63}{400}"),  # wrong
    ("<answer>\n(x+1)^2\n</answer>", "$x^2 + 2x + 1$"),  # symbolic equality
    ("<answer>\n1\n</answer>", r"$\boxed{\frac{1}{"),  # malformed gold
    ("<answer>\n12\n</answer>", "twelve"),  # unparseable gold
]
scores = accuracy([c for c, _ in cases], solution=[g for _, g in cases])
for (completion, gold), score in zip(cases, scores, strict=True):
    print(f"{score!s:5s} gold {gold!r:24s} completion {completion[-40:]!r}")

# %% [markdown]
# ### Time budgets and the worker pool
#
# One answer can cost SymPy minutes. With a one-second budget the sample gets `None` (status `timeout`) and the
# worker that ran it is replaced; the next call is served as usual:

# %%
from open_r1.rewards.accuracy import AccuracyReward

budgeted = AccuracyReward(timeout_s=1.0, workers=1)
start = time.perf_counter()
budgeted.warmup(wait=True)
print(f"worker pool started in {time.perf_counter() - start:.1f} s (once per process; imports SymPy)")
for completion in ("<answer>\n$9^{9^{9^{9}}}$\n</answer>", "<answer>\n$\\frac{2}{2}$\n</answer>"):
    start = time.perf_counter()
    (verdict,) = budgeted.verdicts([completion], {"solution": ["$1$"]})
    print(f"{completion!r:40s} score {verdict.score}  status {verdict.status:8s} {time.perf_counter() - start:.2f} s")

# %% [markdown]
# ### Against TRL's accuracy reward, on nano samples
#
# TRL ships `trl.rewards.accuracy_reward`. Take 200 completions of the nano kit — the distillation traces of its
# deliberately imperfect teacher, exactly what `nano://math` learns to write (bare numbers in the answer block, a
# minus sign dropped now and then) — and score them with both:

# %%
from trl.rewards import accuracy_reward as trl_accuracy

from open_r1.nano.datasets import rows_for

rows = rows_for("math", "sft")[:200]
samples = [r["messages"][-1]["content"] for r in rows]
solutions = [r["solution"] for r in rows]
print("gold:", solutions[0], " sample:", repr(samples[0]))

timings = {}
start = time.perf_counter()
ours = accuracy(samples, solution=solutions)
timings["ours"] = time.perf_counter() - start
start = time.perf_counter()
theirs = trl_accuracy([[{"role": "assistant", "content": s}] for s in samples], solutions)
timings["TRL"] = time.perf_counter() - start
agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
print(
    f"ours: {sum(ours) / len(ours):.1%} correct in {timings['ours'] * 1000:.1f} ms;  "
    f"TRL: {sum(theirs) / len(theirs):.1%} correct in {timings['TRL'] * 1000:.1f} ms;  agree on {agree}/{len(ours)}"
)
differ = [(s, a, b) for s, a, b in zip(samples, ours, theirs, strict=True) if a != b]
for s, a, b in differ[:3]:
    print(f"ours {a}  TRL {b}  answer block {s.split('<answer>')[-1].strip()[:30]!r}")

# %% [markdown]
# The two disagree on exactly the nano model's style of answer: a **bare number** in an answer block. TRL requires
# the prediction in LaTeX (`$…$` or `\boxed{}`), so every bare `-4` scores 0 there, right or wrong — trained on it,
# the nano model would see a reward that never moves. Ours reads the answer block's content as a bare expression
# too. On speed: ours skips SymPy for plain integers and fractions (the exact fast path) and memoises repeated
# answers, so on integer answers like these it never starts SymPy at all, while TRL parses every sample with it.
# `scripts/bench_rewards.py` measures both on 1,024 R1-style completions with LaTeX answers — where SymPy is needed —
# with CPU time and the agreement rate.
#
# ## Deep dive
#
# **The exact fast path.** Most answers in arithmetic-heavy data are integers or simple fractions. Comparing
# `Fraction("-4")` with the gold's exact value is microseconds and gives the same verdict SymPy would; only what the
# fast path cannot decide goes to the workers.
#
# **Why processes, not threads or `signal.alarm`.** math-verify's own timeouts use `signal.alarm`, which works only in
# the main thread — TRL disables them off the main thread (and a reward called from a thread pool would run
# unbounded). A worker process can always be killed; its replacement warms up in the background.
#
# **The memo.** A GRPO group holds G answers to one prompt, often with repeats; the verdict of (gold, answer) is
# computed once. The `length` and `cosine` rewards (tutorial 16) reuse the same verdicts for free.
#
# ## Pitfalls and debugging
#
# - **A `None`-heavy column** (`rewards/accuracy/mean` computed over few samples) means golds that do not parse:
#   print `parse(gold)` for a few rows, as above.
# - **Gold in the wrong column.** The reward reads `solution`; a dataset calling it `answer` gets a clear error.
# - **Timeouts under load.** On a busy machine a 5 s budget can expire for innocent answers; raise `timeout_s` or
#   give the pool more `workers` rather than disabling the budget.
# - **Argument order** in your own checks: `verify(gold, answer)`.
#
# ## Exercises
#
# **Exercise 1.** Write `gold_has_signal(gold)` — True when math-verify parses the gold to a mathematical object (not
# only to a leftover string) — and check it on the golds above.


# %% tags=["solution"]
def gold_has_signal(gold):
    parsed = parse(gold)
    return any(not isinstance(item, str) for item in parsed)


print({g: gold_has_signal(g) for g in golds})

# %% tags=["check"]
assert [gold_has_signal(g) for g in golds] == [True, True, True, True, True, False, False]
# the reward agrees: no signal exactly where the gold has none
assert [s is None for s in scores] == [not gold_has_signal(g) for _, g in cases]
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Write `bare_answer(completion)` that returns True when the content of the last answer block is a
# bare number (no `$`, no `\boxed`), and check that every disagreement with TRL above is such a completion.

# %% tags=["solution"]
import re


def bare_answer(completion):
    blocks = re.findall(r"<answer>\s*(.*?)\s*</answer>", completion, re.DOTALL)
    return bool(blocks) and re.fullmatch(r"-?\d+(?:\.\d+)?", blocks[-1]) is not None


print(sum(bare_answer(s) for s, _, _ in differ), "of", len(differ), "disagreements are bare numbers")

# %% tags=["check"]
assert differ and all(bare_answer(s) for s, _, _ in differ)
assert not bare_answer("<answer>\n$-4$\n</answer>") and bare_answer("<answer>\n-4\n</answer>")
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** Wrap each bare answer in `$…$` and score the samples with TRL again. Check that TRL now agrees with
# ours on every sample.

# %% tags=["solution"]
wrapped = [re.sub(r"<answer>\s*(-?\d+)\s*</answer>", r"<answer>\n$\1$\n</answer>", s) for s in samples]
theirs_wrapped = trl_accuracy([[{"role": "assistant", "content": s}] for s in wrapped], solutions)
print(sum(a == b for a, b in zip(ours, theirs_wrapped, strict=True)), "of", len(ours), "agree")

# %% tags=["check"]
assert theirs_wrapped == ours
assert theirs != ours  # the difference really was the bare numbers
print("exercise 3: ok")

# %% [markdown]
# ## What next
#
# [Tutorial 14](14-code-rewards.md): when the answer is a program — code execution rewards and the sandbox that runs
# them.
