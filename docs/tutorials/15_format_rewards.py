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
# # Format rewards
#
# **Part 3, Reward engineering — tutorial 15.** You will score completions with the strict R1 format reward and its
# partial-credit sibling `tag_count`, see which malformed answers the public reference lets through and this library
# does not, and measure on nano samples why every completion of an R1-Distill-style model scores 0 until you set
# `prefill_think`.
#
# ## Concept overview
#
# DeepSeek-R1 (arXiv 2501.12948 §2.2.2) pairs its accuracy reward with a **format reward** that makes the model "put
# its thinking process between `<think>` and `</think>` tags"; the training template (§2.2.3, Table 1) puts the
# final answer in `<answer>` tags, which is what lets the accuracy reward find it. The strict rule is one regular
# expression over the *whole* completion:
#
# ```text
# format      1.0 iff  <think>\n … \n</think>\n<answer>\n … \n</answer>  (then only whitespace), else 0.0
# tag_count   0.25 for each of  "<think>\n"  "\n</think>\n"  "\n<answer>\n"  "\n</answer>"  present exactly once
# code_format format, and the answer holds a fenced block in the expected language (```python …```)
# ```
#
# All-or-nothing is hard to learn from a policy that rarely gets it right — every group scores 0 and the advantage
# is 0 — so open-r1 adds `tag_count`, a dense version that gives partial credit while the format is being learned.
#
# One more thing decides the score: **where the completion starts.** DeepSeek-R1-Distill's chat template ends the
# generation prompt with `<think>\n` — the model is *already inside* its think block when it starts writing, so its
# completion has no opening tag, and the strict rule rejects every sample.
#
# ## Code walkthrough
#
# - [[open_r1/rewards/format.py:match_strict_format]] — THE strict rule, shared by the `format` reward and the
#   held-out evaluation, so a logged reward and a held-out format rate mean the same thing.
# - [[open_r1/rewards/format.py:FormatReward]] and [[open_r1/rewards/format.py:TagCountReward]] — both take
#   `prefill_think` (the prompt already holds `<think>\n`).
# - [[open_r1/rewards/format.py:CodeFormatReward]] — the template with a fenced code block (a per-row `language`
#   column overrides the language).
#
# ## Hands-on
#
# ### The strict rule and its dense version

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import re
import warnings

from open_r1.rewards import get_reward_funcs

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
fmt, tag_count = get_reward_funcs(["format", "tag_count"])
# the public reference's pattern, as its behaviour is described (re.match with MULTILINE: `$` matches at any line end)
reference = re.compile(r"^<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>$", re.DOTALL | re.MULTILINE)
cases = {
    "well formed": "<think>\n4 - 5 = -1\n</think>\n<answer>\n-1\n</answer>",
    "only thinking": "<think>Only thinking</think>",
    "no tags": "No tags at all",
    "wrong order": "<think>\nx\n</answer>\n<answer>\nx\n</think>",
    "text after </answer>": "<think>\nx\n</think>\n<answer>\n-1\n</answer>\nI hope this helps!",
    "two answers": "<think>\nx\n</think>\n<answer>\n1\n</answer>\n<answer>\n2\n</answer>",
    "empty structure": "<think>\n\n</think>\n<answer>\n\n</answer>",
}
texts = list(cases.values())
print(f"{'':22s}{'format':>8s}{'reference':>11s}{'tag_count':>11s}")
for name, text, f, t in zip(cases, texts, fmt(texts), tag_count(texts), strict=True):
    print(f"{name:22s}{f:8.2f}{float(bool(reference.match(text))):11.2f}{t:11.2f}")

# %% [markdown]
# Two rows differ from the reference. **Text after `</answer>`** passes the reference (its `$` matches at the end of
# the `</answer>` line) — a policy could append anything, including a second answer the accuracy reward might pick
# up. **Two answers** pass too (the lazy `.*?` stretches one block over `…</answer>\n<answer>…`). Both fail here.
# The **empty structure** passes both: a format reward checks shape, never content (tutorial 4 trains on it alone
# and watches it get maxed while accuracy stays flat).
#
# ### `prefill_think`, measured on nano samples
#
# Take 200 completions of the nano kit — its teacher's distillation traces, exactly what `nano://math` learns to
# write after the plain prompt. After a prompt that ends in `<think>\n`, as an R1-Distill template renders it, the
# same reasoning arrives without its first tag (the prompt holds it):

# %%
from open_r1.nano.datasets import rows_for

rows = rows_for("math", "sft")[:200]
plain = [r["messages"][-1]["content"] for r in rows]
prefilled = [text.removeprefix("<think>\n") for text in plain]  # the completion starts inside the think block
fmt_p, tags_p = get_reward_funcs(
    ["format", "tag_count"], {"format": {"prefill_think": True}, "tag_count": {"prefill_think": True}}
)
rates = {
    "plain prompt, format": fmt(plain),
    "prefilled prompt, format": fmt(prefilled),
    "prefilled prompt, format(prefill_think)": fmt_p(prefilled),
    "prefilled prompt, tag_count": tag_count(prefilled),
    "prefilled prompt, tag_count(prefill_think)": tags_p(prefilled),
}
print("a completion of the prefilled prompt:", repr(prefilled[0]))
for name, values in rates.items():
    print(f"{name:44s} mean {sum(values) / len(values):.3f}")

# %% [markdown]
# The same reasoning, the same problems (tutorial 2 prompts the nano model itself this way and shows it writing
# exactly this): with the prompt ending in `<think>\n` the completions start inside the think block, and the strict rule gives **0 to every sample** — the recipe would train on a constant reward and learn
# nothing about format (a constant column adds no advantage). `prefill_think: true` matches the template and the
# reward is back; `tag_count` without it still pays 0.75 per sample, which *looks* healthy in a log and hides the
# mismatch. In a recipe:
#
# ```yaml
# reward_funcs: [accuracy, format]
# reward_params: {format: {prefill_think: true}}
# ```
#
# ## Deep dive
#
# **Why anchor the whole completion.** The accuracy reward reads the *last* `<answer>` block. A format rule that
# tolerates trailing text or a second answer block lets a model hedge — one answer per block — and the format reward
# would still pay. `fullmatch` and a block body that excludes the tags close both doors, while the think block may
# still *mention* `<answer>` (models announce where the answer will go).
#
# **Why tags as single tokens help.** The nano tokenizer has each tag as one (non-special) token, so "open the think
# block" is one decision; tutorial 2 shows why the tags must not be special tokens (decoding would drop them and the
# format reward would be 0 everywhere — the same symptom as a prefill mismatch, with a different cause).
#
# **Dense versus sparse.** `tag_count` gives a gradient from the first step; `format` is the target. Use both early
# with a small `tag_count` weight, and drop it once `rewards/format/mean` is near 1.
#
# ## Pitfalls and debugging
#
# - **Every format reward is 0** — check, in order: does the template prefill `<think>\n` (`prefill_think`)? Are
#   the tags special tokens (decoded away)? Is `max_completion_length` cutting the answer off (no `</answer>`)?
# - **Windows line endings** (`\r\n`) fail the strict rule: the template says `\n`.
# - **`tag_count` near 0.75 on a strict-format-0 model** is the prefill signature: one tag is missing everywhere.
# - Score a file by hand: `open-r1 rewards score --rewards format,tag_count --input completions.jsonl`.
#
# ## Exercises
#
# **Exercise 1.** Write `strict_prefilled(text)` — your own regular expression for the prefilled template (the
# completion starts inside the think block) — and check it against `format(prefill_think=True)` on the nano samples
# and on the hand cases.

# %% tags=["solution"]
PREFILLED = re.compile(
    r"(?:(?!</?think>).)*?\n</think>\n<answer>\n(?:(?!</?(?:think|answer)>).)*?\n</answer>\s*", re.DOTALL
)


def strict_prefilled(text):
    return 1.0 if PREFILLED.fullmatch(text) else 0.0


print([strict_prefilled(t) for t in prefilled[:4]])

# %% tags=["check"]
assert [strict_prefilled(t) for t in prefilled + plain + texts] == fmt_p(prefilled + plain + texts)
assert strict_prefilled("x\n</think>\n<answer>\n1\n</answer>") == 1.0
assert strict_prefilled("<think>\nx\n</think>\n<answer>\n1\n</answer>") == 0.0
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Write `tags(text)` computing `tag_count` without prefill, and check it on every text of this
# tutorial.


# %% tags=["solution"]
def tags(text):
    return sum(0.25 for tag in ("<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>") if text.count(tag) == 1)


print(tags(cases["two answers"]))

# %% tags=["check"]
everything = texts + plain + prefilled
assert [tags(t) for t in everything] == tag_count(everything)
assert tags(cases["two answers"]) == 0.5
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** Write `diagnose(completions)` that returns `"prefill mismatch"` when the strict format is 0 for
# every completion but the prefilled rule accepts most of them, else `"ok"`; check it on both nano batches.


# %% tags=["solution"]
def diagnose(completions):
    strict = fmt(completions)
    prefilled_ok = fmt_p(completions)
    if sum(strict) == 0 and sum(prefilled_ok) > len(completions) / 2:
        return "prefill mismatch"
    return "ok"


print(diagnose(prefilled), diagnose(plain))

# %% tags=["check"]
assert diagnose(prefilled) == "prefill mismatch"
assert diagnose(plain) == "ok"
print("exercise 3: ok")

# %% [markdown]
# ## What next
#
# [Tutorial 16](16-length-rewards.md): rewards that look at how long an answer is — and one default that pays a model
# to give up.
