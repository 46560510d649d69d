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
# # Structured reasoning: tags and chat templates
#
# **Part 1, Foundations — tutorial 2 of 5.** You will see exactly what text the model reads and writes: how a chat
# template turns messages into a prompt, how the `<think>`/`<answer>` tags are tokenized, what `enable_thinking`
# and a prefilled `<think>` change, and why the tags must *not* be special tokens.
#
# ## Concept overview
#
# DeepSeek-R1-Zero is trained with one fixed template (arXiv 2501.12948 §2.2.3, Table 1): the model first reasons
# inside `<think> … </think>`, then answers inside `<answer> … </answer>`. The structure does two jobs: the
# reasoning has room to be long, and the final answer sits where a rule can find and check it (the accuracy reward
# reads the answer block; the format reward checks the structure).
#
# A chat model never sees "messages": it sees one string, produced by its tokenizer's **chat template**. For the
# Qwen2 family that is ChatML:
#
# ```text
# <|im_start|>user
# Compute 4 - 5 - 3.<|im_end|>
# <|im_start|>assistant
# <think>
# 4 - 5 = -1
# ...
# ```
#
# `<|im_start|>` and `<|im_end|>` are **special tokens** (control symbols the model should never print as text);
# `<think>`, `</think>`, `<answer>`, `</answer>` are **added, non-special tokens**: single tokens the model can
# write, which survive decoding.
#
# ## Code walkthrough
#
# - [[open_r1/nano/tokenizer.py:CHAT_TEMPLATE]] — the nano tokenizer's template: ChatML, `{% generation %}` markers
#   around assistant turns (for loss on assistant tokens only), and an `enable_thinking` switch.
# - [[open_r1/nano/tokenizer.py:train_tokenizer]] — special tokens, the four tags as `AddedToken(special=False)`,
#   EOS = `<|im_end|>`, PAD = `<|endoftext|>`.
# - [[open_r1/rewards/format.py:FormatReward]] — the strict template check, with `prefill_think` for templates that
#   open the think block in the prompt.
# - [[open_r1/train/sft.py:prepare_tokenizer]] — what SFT checks before loading a model: the template has
#   generation markers, EOS is the end-of-turn token, PAD differs from EOS.
#
# ## Hands-on
#
# ### The template, rendered

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import warnings

import torch

from open_r1.labs.nano_build import ensure_nano_model
from open_r1.models import get_tokenizer

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
model_path = str(ensure_nano_model("nano://math"))  # built into the cache on first use (~1.5 min)
tok = get_tokenizer(model_path)

conversation = [
    {"role": "user", "content": "Compute 4 - 5 - 3."},
    {"role": "assistant", "content": "<think>\n4 - 5 = -1\n-1 - 3 = -4\n</think>\n<answer>\n-4\n</answer>"},
]
print(tok.apply_chat_template(conversation, tokenize=False))

# %% [markdown]
# For generation the template stops after the assistant header (`add_generation_prompt=True`). With
# `enable_thinking=False` it also *prefills an empty think block*, so the model starts directly with its answer —
# the switch Qwen3's templates offer.

# %%
prompt = conversation[:1]
print(repr(tok.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)))
print(repr(tok.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True, enable_thinking=False)))

# %% [markdown]
# ### The tags are single, non-special tokens

# %%
text = conversation[1]["content"]
ids = tok(text, add_special_tokens=False)["input_ids"]
print(len(ids), "tokens:", tok.convert_ids_to_tokens(ids))
print("special tokens:", tok.all_special_tokens)
for tag in ("<think>", "</think>", "<answer>", "</answer>"):
    added = tok.added_tokens_decoder[tok.convert_tokens_to_ids(tag)]
    print(f"{tag:10s} id {tok.convert_tokens_to_ids(tag):4d}  special={added.special}")

# %% [markdown]
# Every digit is its own token (Qwen2's pre-tokenizer splits digits), which keeps arithmetic aligned; each tag is one
# token, so writing the format is a single decision for the model.
#
# Why non-special? GRPO decodes completions with `skip_special_tokens=True` before scoring them. Watch what happens
# to a tokenizer that registers the tags as special:

# %%
from open_r1.rewards import get_reward_funcs

(format_reward,) = get_reward_funcs(["format"])
completion_ids = tok(text + "<|im_end|>", add_special_tokens=False)["input_ids"]

special_tok = get_tokenizer(model_path)
special_tok.add_special_tokens(
    {"additional_special_tokens": ["<think>", "</think>", "<answer>", "</answer>"]}, replace_extra_special_tokens=False
)

for name, t in (("tags non-special (ours)", tok), ("tags special", special_tok)):
    decoded = t.decode(completion_ids, skip_special_tokens=True)
    print(f"{name:24s} decoded {decoded!r:70s} format reward {format_reward([decoded])[0]}")

# %% [markdown]
# With special tags, the decoded completion has no tags left, so the format reward is 0 for every sample — and GRPO,
# seeing no difference between samples, learns nothing. `<|im_end|>` (special) is dropped either way, as it should.
#
# ### Which tokens are trained
#
# SFT with `assistant_only_loss: true` trains on the tokens inside `{% generation %}` … `{% endgeneration %}` only:
# the assistant's answer and its `<|im_end|>` (so the model learns to stop), never the prompt.

# %%
enc = tok.apply_chat_template(conversation, return_dict=True, return_assistant_tokens_mask=True)
tokens = tok.convert_ids_to_tokens(enc["input_ids"])
mask = enc["assistant_masks"]
print("".join(f"[{t}]" if m else t for t, m in zip(tokens, mask, strict=True)).replace("Ċ", "\\n").replace("Ġ", " "))
print(f"{sum(mask)} of {len(mask)} tokens carry loss (in brackets)")

# %% [markdown]
# ### The model, prompted three ways
#
# The nano model was distilled on traces that always think. Greedy completions for the plain prompt, a prompt that
# prefills `<think>\n` (DeepSeek-R1's own template does this), and `enable_thinking=False`:

# %%
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).eval()


def complete(prompt_text, max_new_tokens=48):
    enc = tok(prompt_text, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        out = model.generate(
            **enc,
            do_sample=False,
            max_new_tokens=max_new_tokens,
            top_k=None,
            top_p=None,
            temperature=None,
            pad_token_id=tok.pad_token_id,
            eos_token_id=tok.eos_token_id,
        )
    return tok.decode(out[0, enc["input_ids"].shape[1] :], skip_special_tokens=True)


question = [{"role": "user", "content": "Compute 7 - 9 + 4."}]
base = tok.apply_chat_template(question, tokenize=False, add_generation_prompt=True)
variants = {
    "plain": base,
    "prefilled <think>": base + "<think>\n",
    "enable_thinking=False": tok.apply_chat_template(
        question, tokenize=False, add_generation_prompt=True, enable_thinking=False
    ),
}
(prefilled_format,) = get_reward_funcs(["format"], {"format": {"prefill_think": True}})
for name, p in variants.items():
    c = complete(p)
    print(f"--- {name}\n{c!r}")
    print(f"    format: {format_reward([c])[0]}   format(prefill_think=True): {prefilled_format([c])[0]}")

# %% [markdown]
# With a prefilled `<think>\n` the completion starts *inside* the think block: the plain format reward rejects it,
# the `prefill_think=True` variant accepts it. A recipe whose template prefills must set
# `reward_params: {format: {prefill_think: true}}` — or every completion scores 0.
#
# With `enable_thinking=False` the prompt already holds an empty think block, a situation the nano model never saw
# in training: what it writes then is not the template it learned. A switch in a template is only as good as the
# training data that used it — Qwen3's models were trained in both modes; this one in one.
#
# ## Deep dive
#
# **Why tags as tokens at all?** BPE could spell `<think>` as `<`, `think`, `>`; then the format costs several
# correct decisions and the pieces can merge with neighbouring text. As one added token, the tag cannot be split or
# merged, and the model's choice "start reasoning now" is a single probability you can read off the logits.
#
# **EOS versus PAD.** The nano tokenizer ends a turn with `<|im_end|>` (EOS) and pads with `<|endoftext|>`. If PAD
# were EOS, the data collator would mask every EOS as padding, the model would never be trained to stop, and
# generation would run to `max_completion_length` — the most common failure of public SFT reproductions
# ([[open_r1/train/sft.py]] checks it before loading a model).
#
# **Template drift.** Training, GRPO's generation and evaluation must render prompts with the same template. A
# vLLM server applies the template stored with the tokenizer; `chat_template:` in a recipe replaces it for
# training. Save the tokenizer with the model (the trainers here do) so every later stage reads the same one.

# %%
print("EOS:", tok.eos_token, tok.eos_token_id, "| PAD:", tok.pad_token, tok.pad_token_id)
print("generation markers in the template:", "{% generation %}" in tok.chat_template)

# %% [markdown]
# ## Pitfalls and debugging
#
# - **Tags registered as special tokens** → decoded completions lose them → format reward 0 everywhere. Check with
#   `tok.added_tokens_decoder[id].special`.
# - **Prefilled think + strict format reward** → every completion fails; use `prefill_think: true`.
# - **Tokenizing a rendered chat with special tokens added** (`add_special_tokens=True`) can add a BOS twice on
#   models that have one; render with the template, tokenize with `add_special_tokens=False`.
# - **Assistant-only loss without `{% generation %}`** trains on nothing (TRL refuses); a template whose generation
#   block leaves out `<|im_end|>` trains a model that never stops.
# - **Debugging:** print `repr(tok.apply_chat_template(..., tokenize=False))` — the exact string, newlines visible —
#   and `tok.convert_ids_to_tokens(ids)`. Most format bugs are a newline in the wrong place.
#
# ## Exercises
#
# **Exercise 1.** Write the string the template produces for a system message plus a user message, with the
# generation prompt, *by hand* (string concatenation), and check it against `apply_chat_template`.


# %% tags=["solution"]
def render_by_hand(system: str, user: str) -> str:
    return f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


print(repr(render_by_hand("Think step by step.", "Compute 1 + 2.")))

# %% tags=["check"]
messages = [{"role": "system", "content": "Think step by step."}, {"role": "user", "content": "Compute 1 + 2."}]
assert render_by_hand("Think step by step.", "Compute 1 + 2.") == tok.apply_chat_template(
    messages, tokenize=False, add_generation_prompt=True
)
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** How many tokens of `conversation` carry loss under assistant-only loss? Count them from the token
# ids alone — everything after the assistant header up to and including `<|im_end|>` — and compare with the mask.


# %% tags=["solution"]
def trained_tokens(ids: list[int]) -> int:
    header = tok("<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
    for start in range(len(ids) - len(header) + 1):
        if ids[start : start + len(header)] == header:
            first = start + len(header)
            end = ids.index(tok.eos_token_id, first)
            return end - first + 1  # the answer and its <|im_end|>
    return 0


print(trained_tokens(enc["input_ids"]))

# %% tags=["check"]
assert trained_tokens(enc["input_ids"]) == sum(enc["assistant_masks"])
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** Write `split_reasoning(completion)` returning `(think, answer)` for a completion that follows the
# R1 template exactly, and `None` otherwise; check it agrees with the format reward on the model's completions and
# on hand-made cases.

# %% tags=["solution"]
import re

R1 = re.compile(r"<think>\n(.*?)\n</think>\n<answer>\n(.*?)\n</answer>\s*", re.DOTALL)


def split_reasoning(completion: str):
    m = R1.fullmatch(completion)
    if m is None or "<think>" in m.group(1) or "<answer>" in m.group(2):
        return None
    return m.group(1), m.group(2)


print(split_reasoning(text))

# %% tags=["check"]
cases = [
    text,
    text + "\n",
    text + " and more",
    "<answer>\n1\n</answer>",
    "<think>\nx\n</think>\n<answer>\n\n</answer>",
    *(complete(p) for p in variants.values()),
]
for case in cases:
    assert (split_reasoning(case) is not None) == (format_reward([case])[0] == 1.0), case
assert split_reasoning(text) == ("4 - 5 = -1\n-1 - 3 = -4", "-4")
print("exercise 3: ok")

# %% [markdown]
# ## What next
#
# [Tutorial 3](03-grpo-by-hand.md) uses these completions to compute one GRPO update by hand.
