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
# # Reproducing DeepSeek-R1 evaluation results
#
# **Part 6, Evaluation — tutorial 27.** You will learn the evaluation protocol of the R1 paper — sampling settings,
# samples per problem, the pass@1 estimator — measure on the nano model why each piece is there, see the published
# R1 / R1-Distill table the project compares against, and (on a GPU) run the real thing.
#
# ## Concept overview
#
# DeepSeek-R1 (arXiv 2501.12948 §3, "Evaluation Setup") evaluates long-chain-of-thought models by **sampling**:
#
# - temperature **0.6**, top-p **0.95**, at most **32,768** generated tokens;
# - **k samples per problem** — 64 for AIME, 4 for MATH-500, 8 for GPQA-Diamond, 16 for LiveCodeBench (the counts
#   open-r1 uses with lighteval);
# - **pass@1 = (1/k) Σᵢ pᵢ**, the mean correctness over the k samples, averaged over problems.
#
# Greedy decoding is not used: the paper notes that it makes long reasoning models repeat themselves, and a single
# sample is a noisy estimate. Why published numbers and yours differ, in the order we see it happen:
#
# 1. **Sampling noise.** AIME has 30 problems; one sample each gives a standard error of several points.
# 2. **Truncation.** A 4k or 8k token budget cuts off correct traces: R1 models think for thousands of tokens.
# 3. **Prompt and template.** The system prompt, the chat template (does it prefill `<think>`?), the instruction
#    ("put your final answer within \boxed{}").
# 4. **Answer extraction.** math-verify vs a regex; LiveCodeBench version (v4_v5, v5, v6 are different problem
#    sets); GPQA answer-order shuffling.
# 5. **Software.** dtype, vLLM version, lighteval version: open-r1's re-measurement of the same checkpoints moves
#    individual figures by up to ±5 points (the table below).
#
# ## Code walkthrough
#
# - [[open_r1/eval/benchmarks.py:R1_GENERATION]] pins the sampling settings; [[open_r1/eval/benchmarks.py:BENCHMARKS]]
#   maps each benchmark to its lighteval task string (`aime24@k=1@n=64|0`: lighteval's pass@k metric over n samples)
#   and R1's sample count; `lcb` / `lcb_v4` use the custom task in `recipes/tasks/r1_lcb.py`, which makes lighteval
#   generate 16 samples per problem.
# - [[open_r1/eval/benchmarks.py:PUBLISHED]] holds the published figures and
#   [[open_r1/eval/benchmarks.py:PUBLISHED_SOURCES]] where each comes from.
# - [[open_r1/eval/benchmarks.py:build_spec]] writes what the lighteval runner executes: model, `--revision`,
#   `--system-prompt`, generation settings, and for vLLM the parallelism ([[open_r1/eval/benchmarks.py:parallelism]]:
#   data-parallel below 30B, tensor-parallel over the GPUs dividing the heads above; `--data-parallel` /
#   `--tensor-parallel` override it, checked by [[open_r1/eval/benchmarks.py:check_parallelism]]).
# - [[open_r1/eval/passk.py:pass_at_k]] recomputes pass@k from the per-problem details; the report
#   ([[open_r1/eval/benchmarks.py:results_table]], [[open_r1/eval/benchmarks.py:comparison_plot]],
#   [[open_r1/eval/benchmarks.py:write_html_report]]) puts the run beside the figures of the same model size.
#
# ## Hands-on: the protocol, measured on nano
#
# A 30-problem "nano AIME": the hardest held-out level. We draw 32 samples per problem at R1's settings
# (temperature 0.6, top-p 0.95) plus one greedy answer, with the model in this process. (R1 uses 64 for AIME; 32
# keeps this tutorial within a minute on a CPU and shows the same effect.)

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import random
import statistics
import time
import warnings

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from open_r1.data import load_one
from open_r1.eval.benchmarks import BENCHMARKS, PUBLISHED, PUBLISHED_SOURCES, R1_GENERATION
from open_r1.eval.heldout import check
from open_r1.labs.nano_build import ensure_nano_model

warnings.filterwarnings("ignore", category=FutureWarning)
print("R1 sampling:", R1_GENERATION)
print("samples per problem:", {k: b.samples for k, b in BENCHMARKS.items()})

model_dir = ensure_nano_model("nano://math")
tokenizer = AutoTokenizer.from_pretrained(model_dir, padding_side="left")
model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
heldout = load_one("nano://math/heldout", split="heldout")
aime = [dict(r) for r in heldout.filter(lambda r: r["level"] == 3).select(range(30))]


def sample(problems: list[dict], k: int, greedy: bool = False, seed: int = 0) -> list[list[str]]:
    """k completions per problem: R1's sampling (T 0.6, top-p 0.95) or greedy."""
    torch.manual_seed(seed)
    texts = [
        tokenizer.apply_chat_template([{"role": "user", "content": p["problem"]}], tokenize=False,
                                      add_generation_prompt=True)
        for p in problems
    ]  # fmt: skip
    enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    settings = {"do_sample": False} if greedy else {"do_sample": True, "temperature": 0.6, "top_p": 0.95}
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=64, num_return_sequences=k, top_k=None,
                             pad_token_id=tokenizer.pad_token_id, **settings)  # fmt: skip
    decoded = tokenizer.batch_decode(out[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
    return [decoded[i * k : (i + 1) * k] for i in range(len(problems))]


started = time.time()
samples = sample(aime, 32)
greedy = sample(aime, 1, greedy=True)
correct = [[check(t, p["answer"])[1] for t in s] for s, p in zip(samples, aime, strict=True)]
greedy_acc = sum(check(g[0], p["answer"])[1] for g, p in zip(greedy, aime, strict=True)) / len(aime)
pass1 = statistics.mean(sum(c) / len(c) for c in correct)
print(f"{30 * 33} generations in {time.time() - started:.1f} s")
print(f"pass@1 from 32 samples (T 0.6): {pass1:.1%}    greedy accuracy: {greedy_acc:.1%}")

# %% [markdown]
# ### Why many samples on a 30-problem benchmark
#
# Pretend we had drawn only k of the 32 samples per problem. How much would pass@1 move between two such draws?
# We redraw k samples from the 32, 500 times, and look at the spread.

# %%
rng = random.Random(0)
spread = {}
for k in (1, 4, 16, 32):
    estimates = []
    for _ in range(500):
        estimates.append(statistics.mean(sum(rng.sample(c, k)) / k for c in correct))
    spread[k] = statistics.pstdev(estimates)
    print(f"k = {k:2d}: pass@1 = {statistics.mean(estimates):.1%} ± {spread[k]:.1%} (std over redraws)")

# %% [markdown]
# Read the ± column: with one sample per problem the estimate wanders between identical runs by the printed
# amount — compare it with the size of differences people report as regressions. At 32 samples (all of ours, so the spread is 0 by construction
# here) the remaining uncertainty is the benchmark's own: only 30 problems.
#
# ### The published table, and where your run goes
#
# `open-r1 eval run` puts its pass@1 beside these figures for the model's size (read from its name, or `--size`).

# %%
for source, by_size in PUBLISHED.items():
    for size, figs in by_size.items():
        print(f"{source:22s} {size:>5s}  " + "  ".join(f"{k} {v:5.1f}" for k, v in figs.items()))
print()
for source, where in PUBLISHED_SOURCES.items():
    print(f"{source}: {where}")

# %% [markdown]
# On a GPU the whole R1 suite for R1-Distill-Qwen-1.5B is one command (64 × 30 AIME samples of up to 32k tokens,
# plus the others: hours of GPU time, not minutes); the cell below is skipped on a CPU.

# %% tags=["gpu"]
import subprocess
import sys

subprocess.run(
    [sys.executable, "-m", "open_r1", "eval", "run", "--model", "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
     "--benchmarks", "r1", "--backend", "vllm", "--output-dir", "runs/eval-r1-distill-1.5b"],
    check=True,
)  # fmt: skip
subprocess.run([sys.executable, "-m", "open_r1", "eval", "report", "runs/eval-r1-distill-1.5b", "--html"], check=True)

# %% [markdown]
# ## Deep dive: the estimator is unbiased, the max is not
#
# pass@1 as the *mean* over k samples is an unbiased estimate of the probability that one sample is right. Two
# tempting alternatives are not: "best of k" (is any sample right?) estimates pass@k, which grows with k, and
# "majority vote" (cons@k) is a different metric altogether — the R1 paper reports cons@64 separately for AIME.
# On our nano AIME:

# %%
best_of = {k: statistics.mean(any(c[:k]) for c in correct) for k in (1, 4, 16, 32)}
print({k: f"{v:.1%}" for k, v in best_of.items()})

# %% [markdown]
# ## Pitfalls and debugging
#
# - **"My scores are far below the paper."** Check, in order: max new tokens (32,768), temperature/top-p (0.6 /
#   0.95, not greedy), samples per problem, the chat template (a template that prefills `<think>` plus a system
#   prompt that asks for `<think>` again), the LCB version. `open_r1_eval.json` records every one of them, and
#   `report.html` shows each problem's prompt as the model saw it.
# - **A revision that is not the one you trained.** `--revision` takes a hub commit, branch or tag; offline it must
#   be in the local HF cache, and a local folder refuses it (a folder has no revisions).
# - **Tensor parallel sizes** must divide the attention heads; `--tensor-parallel` is checked before vLLM starts.
# - **Comparing different sizes.** The table compares with the published figures of the *same size*; pass `--size`
#   when the name does not say it.
#
# ## Exercises
#
# **Exercise 1.** The standard error of pass@1 from one sample per problem is about √(p̄(1 − p̄)/N) for N problems
# (each problem one Bernoulli draw, ignoring differences between problems). Compute it for our nano AIME into
# `se_one_sample` and compare with the measured spread at k = 1.

# %% tags=["solution"]
se_one_sample = (pass1 * (1 - pass1) / len(aime)) ** 0.5
print(f"formula {se_one_sample:.1%}   measured {spread[1]:.1%}")

# %% tags=["check"]
assert 0 < se_one_sample <= (0.25 / len(aime)) ** 0.5  # p(1 - p) is at most 1/4
assert spread[1] <= se_one_sample * 1.3, (spread[1], se_one_sample)  # problems differ: the spread is at most this
assert spread[1] > spread[4] > spread[16]
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Best-of-k grows with k while pass@1 does not. Using `correct`, compute `pass_at_4` with the
# unbiased estimator ([[open_r1/eval/passk.py:pass_at_k]]) averaged over problems, and check it lies between
# pass@1 and best-of-32.

# %% tags=["solution"]
from open_r1.eval.passk import pass_at_k

pass_at_4 = statistics.mean(pass_at_k(len(c), sum(c), 4) for c in correct)
print(f"pass@1 {pass1:.1%}  pass@4 {pass_at_4:.1%}  best-of-32 {best_of[32]:.1%}")

# %% tags=["check"]
assert pass1 <= pass_at_4 <= best_of[32]
assert abs(pass_at_4 - best_of[4]) < 0.1  # the first-4 draw estimates the same quantity, with more noise
print("exercise 2: ok")
