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
# # Repetition penalty
#
# **Part 3, Reward engineering — tutorial 17.** You will compute the n-gram repetition penalty by hand and with the
# library, see why Chinese text must be segmented into words first, catch a degenerate nano sample (and see what the
# word-based penalty misses), and measure the reward hack the penalty exists to close: padding a wrong answer to
# collect the cosine reward's long-answer bonus.
#
# ## Concept overview
#
# A policy that cannot stop, or that is paid for length, repeats itself. "Demystifying Long Chain-of-Thought
# Reasoning in LLMs" (arXiv 2502.03373 §4.1, Appendix C.2) saw exactly that: with the cosine reward (tutorial 16) a
# long *wrong* answer is punished less than a short one, and models learned to pad wrong answers with repeated text.
# Their fix is a penalty on repeated word n-grams:
#
# ```text
# words  = the completion, lowercased, split on whitespace (Chinese: segmented with jieba)
# grams  = every run of n consecutive words             (fewer than n words → penalty 0)
# r      = (1 − |unique grams| / |grams|) · max_penalty   ∈ [max_penalty, 0],  max_penalty ≤ 0
# ```
#
# A text with no repeated n-gram scores 0; a text that is one phrase over and over approaches `max_penalty`.
#
# ## Code walkthrough
#
# - [[open_r1/rewards/repetition.py:words]] — lowercase + whitespace split, or jieba segmentation when the text holds
#   CJK ideographs (`language: auto`).
# - [[open_r1/rewards/repetition.py:repetition_penalty]] — the formula for one text.
# - [[open_r1/rewards/repetition.py:RepetitionPenaltyReward]] — the reward (`repetition_penalty` in the registry,
#   parameters `ngram_size`, `max_penalty`, `language`).
#
# ## Hands-on
#
# ### The formula on small texts

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import warnings

from open_r1.rewards import get_reward_funcs
from open_r1.rewards.repetition import repetition_penalty, words

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
(penalty,) = get_reward_funcs(["repetition_penalty"], {"repetition_penalty": {"ngram_size": 2}})
samples = [
    "this is a test sentence",
    "this this this this this",
    "this is a this is a test",
    "This is A Test",
]
for text, value in zip(samples, penalty(samples), strict=True):
    grams = list(zip(words(text), words(text)[1:], strict=False))
    print(f"{text!r:30s} {len(grams)} bigrams, {len(set(grams))} unique -> {value:+.3f}")

# %% [markdown]
# `this this this this this` has 4 bigrams, all equal: 1 − 1/4 = 0.75 of them repeat, so the penalty is −0.75 with
# `max_penalty` −1. Case does not matter (`This is A Test` is the same words as `this is a test`).
#
# ### Chinese: words before n-grams
#
# Chinese does not put spaces between words. Split on whitespace, a whole sentence is one "word" and can never repeat;
# segmented (jieba), the words appear:

# %%
zh = "这个这个这个这个这个"
print("whitespace split:", zh.split(), "->", repetition_penalty(zh, 2, -1.0, language="en"))
print("jieba:          ", words(zh), "->", repetition_penalty(zh, 2, -1.0, language="zh"))
print("auto picks jieba:", penalty([zh]))

# %% [markdown]
# ### A degenerate nano sample, caught
#
# Healthy completions first: 200 of the nano kit's distillation traces (what `nano://math` learns to write). Then a
# degenerate one: `nano://math-init`, the same architecture before any training (the distill lab's starting point),
# asked the same questions — greedy, 120 new tokens:

# %%
import torch
from transformers import AutoModelForCausalLM

from open_r1.labs.nano_build import ensure_nano_model
from open_r1.models import get_tokenizer
from open_r1.nano.datasets import rows_for

(penalty3,) = get_reward_funcs(["repetition_penalty"])  # the default: n = 3, max_penalty = -1
rows = rows_for("math", "sft")[:200]
healthy = [r["messages"][-1]["content"] for r in rows]
healthy_scores = penalty3(healthy)
print(f"healthy traces: penalty min {min(healthy_scores):+.3f}, mean {sum(healthy_scores) / len(healthy):+.4f}")

init_path = str(ensure_nano_model("nano://math-init"))  # built on first use (seconds): tokenizer + random weights
tok = get_tokenizer(init_path)
untrained = AutoModelForCausalLM.from_pretrained(init_path, dtype=torch.float32).eval()


def complete(problem, max_new_tokens=120):
    prompt = tok.apply_chat_template(
        [{"role": "user", "content": problem}], tokenize=False, add_generation_prompt=True
    )
    enc = tok(prompt, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        out = untrained.generate(
            **enc,
            do_sample=False,
            top_k=None,
            top_p=None,
            temperature=None,
            max_new_tokens=max_new_tokens,
            pad_token_id=tok.pad_token_id,
            eos_token_id=tok.eos_token_id,
        )
    return out[0, enc["input_ids"].shape[1] :].tolist()


degenerate_ids = [complete(r["problem"]) for r in rows[:4]]
degenerate = [tok.decode(ids, skip_special_tokens=True) for ids in degenerate_ids]
print("degenerate sample:", repr(degenerate[0][:60]), f"... ({len(degenerate_ids[0])} tokens)")
print("word penalty:     ", [round(x, 3) for x in penalty3(degenerate)])


def token_penalty(ids, n=3, max_penalty=-1.0):
    """The same formula over token ids instead of words."""
    return repetition_penalty(" ".join(map(str, ids)), n, max_penalty, language="en")


print("token penalty:    ", [round(token_penalty(ids), 3) for ids in degenerate_ids])
print("token penalty, healthy traces: min", round(min(token_penalty(tok(t)["input_ids"]) for t in healthy), 3))

# %% [markdown]
# The healthy traces score 0 or close to it: each line of arithmetic is new. The untrained model writes one token
# over and over — a run with **no whitespace**, so to the word-based penalty the whole completion is a single "word"
# (or none at all) and it scores exactly 0: the reward is blind to it. Counted over *tokens*, the same formula
# catches it at nearly −1. That is the price of counting words (tokenizer-independence, see the deep dive): log the
# mean completion length next to `rewards/repetition_penalty/mean`, because a runaway without spaces shows up only
# in the first.
#
# ### The hack it closes, measured
#
# Take the nano kit's *wrong* traces (the teacher's sign slips) and pad each one to the cosine reward's `max_len` by
# repeating its own last think line — the cheapest padding there is. Score both versions with cosine alone and with
# cosine plus the repetition penalty:

# %%
accuracy, cosine = get_reward_funcs(["accuracy", "cosine"], {"cosine": {"max_len": 400}})
golds = [r["solution"] for r in rows]
correct = accuracy(healthy, solution=golds)
wrong = [(t, g) for t, g, c in zip(healthy, golds, correct, strict=True) if c == 0.0]


def pad(text, to_chars=400):
    think_lines = text.split("</think>")[0].strip().splitlines()
    filler = think_lines[-1] + "\n"
    head, tail = text.split("\n</think>", 1)
    while len(head) + len(tail) < to_chars:
        head += "\n" + filler.strip()
    return head + "\n</think>" + tail


print("a padded wrong answer:", repr(pad(wrong[0][0])[:160]), "...")
results = {}
for name, texts in (("as written", [t for t, _ in wrong]), ("padded", [pad(t) for t, _ in wrong])):
    cos = cosine(texts, solution=[g for _, g in wrong])
    rep = penalty3(texts)
    results[name] = (sum(cos) / len(cos), sum(c + r for c, r in zip(cos, rep, strict=True)) / len(cos))
    print(
        f"{name:11s} ({len(texts)} wrong answers): cosine {results[name][0]:+.3f}   "
        f"cosine + repetition {results[name][1]:+.3f}"
    )

# %% [markdown]
# Padding pays under cosine alone: the same wrong answers, made long by repetition, score higher — exactly the
# behaviour the Demystifying paper reports emerging in training. With the repetition penalty added at weight 1, the
# padded answers score *lower* than the honest ones: the exit is closed. (The padded answers are still wrong, and
# still well formatted; nothing here made them better.)
#
# ## Deep dive
#
# **Choosing n.** Small n (2) flags ordinary prose — "of the", "is a" repeat in any text; large n (5+) misses short
# loops. The paper and open-r1's recipes use n = 3 with −1 as the maximum. Calibrate on your own healthy samples:
# their penalty should sit near 0, as the nano traces above do.
#
# **Words, not tokens.** Counting tokenizer tokens would make the same text score differently under different
# tokenizers, and digit-by-digit tokenizers (like nano's) would see repetition in every number. Words keep the
# penalty a property of the text.
#
# **What it cannot see.** Paraphrased repetition (the same idea in new words), and repetition longer than the
# completion's share of unique n-grams reveals (one repeated paragraph in a long text barely moves the ratio). It is
# a guard against the cheapest hacks, not a measure of reasoning quality.
#
# ## Pitfalls and debugging
#
# - **`max_penalty` must be ≤ 0.** A positive value would *reward* repetition; the reward refuses it when built.
# - **Mixed-language text.** `language: auto` segments a completion with jieba as soon as it holds a CJK ideograph;
#   set `language: en` for English-only data where stray characters appear, `zh` to force segmentation.
# - **jieba's first call** loads its dictionary (about a second, once per process): a slow first step is that.
# - **Weights.** With `cosine` at weight 1, a repetition weight of 1 makes a fully repetitive answer as bad as the
#   worst wrong one; much smaller and the padding hack above still pays.
#
# ## Exercises
#
# **Exercise 1.** Write `ngram_penalty(text, n, max_penalty)` for whitespace-separated text without the library, and
# check it against [[open_r1/rewards/repetition.py:repetition_penalty]] on every sample above.


# %% tags=["solution"]
def ngram_penalty(text, n, max_penalty):
    tokens = text.lower().split()
    if len(tokens) < n:
        return 0.0
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return (1 - len(set(grams)) / len(grams)) * max_penalty


print(ngram_penalty("a b c a b c", 3, -1.0))

# %% tags=["check"]
assert ngram_penalty("a b c a b c", 3, -1.0) == -0.25
assert ngram_penalty("one two one two", 3, -1.0) == 0.0
for text in healthy + degenerate + [pad(t) for t, _ in wrong]:
    assert abs(ngram_penalty(text, 3, -1.0) - repetition_penalty(text, 3, -1.0, language="en")) < 1e-12
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Write `is_degenerate(ids, threshold)` that flags a completion whose token-level 3-gram penalty (max
# −1) is below `threshold`, and pick a threshold that flags every degenerate sample above and no healthy trace.


# %% tags=["solution"]
def is_degenerate(ids, threshold=-0.5):
    return token_penalty(ids) < threshold


print([is_degenerate(ids) for ids in degenerate_ids])

# %% tags=["check"]
assert all(is_degenerate(ids) for ids in degenerate_ids)
assert not any(is_degenerate(tok(t)["input_ids"]) for t in healthy)
assert is_degenerate([7, 8] * 50) and not is_degenerate(list(range(100)))
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** From the measurement above, compute what padding *gains* a wrong answer under each reward set, and
# check that it gains under cosine alone and loses once the penalty is added.

# %% tags=["solution"]
gain_cosine = results["padded"][0] - results["as written"][0]
gain_with_penalty = results["padded"][1] - results["as written"][1]
print(f"padding gains {gain_cosine:+.3f} under cosine, {gain_with_penalty:+.3f} with the repetition penalty")

# %% tags=["check"]
assert gain_cosine > 0 > gain_with_penalty, (gain_cosine, gain_with_penalty)
print("exercise 3: ok")

# %% [markdown]
# ## What next
#
# [Tutorial 18](18-reasoning-steps.md): the reasoning-steps reward — what it counts, and how a model games it.
