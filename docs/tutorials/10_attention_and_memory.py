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
# # Flash Attention 2 and memory optimization
#
# **Part 2, Training infrastructure — tutorial 10.** You will measure what the attention implementation costs in
# memory and time (eager against PyTorch's SDPA, on the CPU), count how much of a padded batch is padding and what
# padding-free packing saves, and see what FlashAttention 2 and Liger kernels change on a GPU — where they live in
# the images and the recipes, and what happens when they are missing.
#
# ## Concept overview
#
# Attention computes softmax(QKᵀ/√d)·V. A naive ("eager") implementation materialises the b × heads × s × s score
# matrix and keeps it for the backward pass: memory grows with s², which is exactly what long reasoning traces make
# expensive. FlashAttention (Dao et al., arXiv 2205.14135 §3; FA2, arXiv 2307.08691) computes the same result in
# tiles kept in on-chip memory and never stores the s × s matrix: memory becomes linear in s and the kernel is
# faster because it reads and writes far less. PyTorch's `scaled_dot_product_attention` (SDPA) picks a fused
# kernel where one exists (FlashAttention or memory-efficient attention on GPUs, a fused CPU kernel here).
#
# Two more savings matter for R1-style data, whose sequences vary from a few hundred to tens of thousands of tokens:
# **padding-free packing** (several sequences in one row, attention kept inside each by position ids — needs
# FlashAttention's variable-length kernel for exact boundaries) and **fused kernels** (Liger: RMSNorm, RoPE, SwiGLU,
# and a linear + cross-entropy that never materialises the b × s × V logits).
#
# ## Code walkthrough
#
# - The attention implementation is a recipe key: [[labs/grpo-math/recipes/full.yaml:attn_implementation]]
#   (`flash_attention_2`), passed to `from_pretrained` by [[open_r1/models.py:model_init_kwargs]]. The GPU images
#   build flash-attn 2.8.3.post2 against their torch (images/base/Dockerfile, `flash-attn.lock`); the CPU
#   environment has no flash-attn, so CPU recipes use `sdpa` (the default) or `eager`.
# - Packing and Liger are TRL options (`packing`, `padding_free`, `use_liger_kernel`); the distill lab's full recipe
#   sets [[labs/distill/recipes/full.yaml:use_liger_kernel]]. A missing package fails before the model loads:
#   [[open_r1/train/sft.py:check_optional_packages]].
# - The planner's logits term, and what Liger removes from it: [[open_r1/labs/plan.py:activation_bytes]].
#
# ## Hands-on
#
# ### 1. Eager against SDPA, measured
#
# A Qwen2 with 6 layers, hidden 256, 8 heads, random weights; one batch of 2 × 512 tokens; each measurement in a
# fresh single-threaded process. `saved_mib` counts the tensors autograd keeps for backward, `peak_extra_mib` the
# peak resident memory of a forward + backward above the weights and gradients, `step_cpu_s` its CPU time.

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
MEASURE = r"""
import json, resource, sys, time, warnings
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

attn, layers, seq, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
warnings.filterwarnings("ignore", category=FutureWarning)
torch.manual_seed(0)
torch.set_num_threads(1)
cfg = Qwen2Config(vocab_size=512, hidden_size=256, intermediate_size=768, num_hidden_layers=layers,
                  num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=seq, tie_word_embeddings=True,
                  use_cache=False)
cfg._attn_implementation = attn
model = Qwen2ForCausalLM(cfg).train()
ids = torch.randint(0, 512, (batch, seq))
model(input_ids=ids[:1, :8], labels=ids[:1, :8]).loss.backward()  # gradients allocated before measuring
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
saved = {}


def pack(t):
    saved[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
    return t


with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    loss = model(input_ids=ids, labels=ids).loss
saved_bytes = sum(saved.values())
loss.backward()
times = []
for _ in range(2):
    started = time.process_time()
    model(input_ids=ids, labels=ids).loss.backward()
    times.append(time.process_time() - started)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"attn": attn, "saved_mib": saved_bytes / 2**20, "peak_extra_mib": (peak - base) / 1024,
                  "step_cpu_s": min(times)}))
"""
script = Path(tempfile.mkdtemp(prefix="attn-")) / "measure.py"
script.write_text(MEASURE)
LAYERS, SEQ, BATCH, HEADS = 6, 512, 2, 8


def measure(attn: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(script), attn, str(LAYERS), str(SEQ), str(BATCH)],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


results = {attn: measure(attn) for attn in ("eager", "sdpa")}
for attn, row in results.items():
    print(
        f"{attn:6s} kept for backward {row['saved_mib']:6.1f} MiB   peak above weights "
        f"{row['peak_extra_mib']:6.1f} MiB   step {row['step_cpu_s']:.2f} s CPU"
    )

# %% [markdown]
# Eager keeps the attention probabilities of every layer for the backward pass; SDPA's fused kernel keeps only
# what it needs to recompute them. Already at 512 tokens eager keeps far more for backward and peaks much higher
# (the numbers above); at 32,768 tokens (the distill recipe's `max_length`) the eager score matrix alone would be
# 64² = 4,096 times larger.
#
# ### 2. Padding, and padding-free packing
#
# A batch of variable-length sequences is padded to its longest member, and every pad token costs compute. Here are
# the nano distillation traces, tokenized:

# %%
from datasets import Dataset
from trl.data_utils import pack_dataset

from open_r1.labs.nano_build import ensure_nano_model
from open_r1.models import get_tokenizer
from open_r1.nano.datasets import rows_for

tokenizer = get_tokenizer(str(ensure_nano_model("nano://math-init")))  # the kit's tokenizer (built in seconds)
traces = rows_for("math", "sft")[:512]
ids = [tokenizer.apply_chat_template(row["messages"], tokenize=True) for row in traces]
ids = [list(x["input_ids"]) if hasattr(x, "keys") else list(x) for x in ids]  # a BatchEncoding or a list
lengths = [len(x) for x in ids]
batch = 64
padded = sum(max(lengths[i : i + batch]) * len(lengths[i : i + batch]) for i in range(0, len(lengths), batch))
real = sum(lengths)
print(
    f"{len(ids)} traces, {min(lengths)}–{max(lengths)} tokens; padded batches of {batch}: "
    f"{padded:,} token slots for {real:,} real tokens ({1 - real / padded:.1%} padding)"
)

packed = pack_dataset(Dataset.from_dict({"input_ids": ids}), seq_length=1024, strategy="bfd")
slots = sum(len(x) for x in packed["input_ids"])
print(
    f"packed (best-fit decreasing) into {len(packed)} rows of ≤ 1,024 tokens: {slots:,} tokens, no padding; "
    f"first row holds {len(packed[0]['seq_lengths'])} sequences"
)

# %% [markdown]
# The packed rows carry `seq_lengths` (and TRL derives position ids that restart at each sequence), so a
# variable-length attention kernel — FlashAttention 2's `flash_attn_varlen` — keeps each sequence from attending to
# its neighbours. Without that kernel, packing lets sequences see each other: keep `padding_free` to GPUs with
# `attn_implementation: flash_attention_2`.
#
# ### 3. Liger kernels and the logits
#
# For long sequences the largest single tensor is often the logits, b × s × V with V = 152,064 for Qwen2.5. The
# planner counts them; Liger's fused linear + cross-entropy never builds them:

# %%
from dataclasses import replace

from open_r1.labs.plan import GiB, activation_bytes, lab_plan

plan = lab_plan("distill")
with_liger = plan.setup
without_liger = replace(with_liger, liger=False)
for label, setup in (("use_liger_kernel: false", without_liger), ("use_liger_kernel: true", with_liger)):
    acts, logits = activation_bytes(plan.shape, setup)
    print(f"{label:24s} logits + loss {logits / GiB:6.1f} GiB per GPU   activations {acts / GiB:5.1f} GiB")

# %% [markdown]
# On this machine liger-kernel is not installed (it needs Triton and a GPU), and the recipe check says so before
# loading anything:

# %%
from trl import SFTConfig

from open_r1.core.errors import ConfigError
from open_r1.train.sft import check_optional_packages

try:
    check_optional_packages(
        SFTConfig(output_dir=tempfile.mkdtemp(), use_liger_kernel=True, use_cpu=True), "labs/distill/recipes/full.yaml"
    )
except ConfigError as err:
    print("error:", err)

# %% [markdown]
# FlashAttention 2 itself needs a GPU. In the lab images this cell loads the nano model with it and checks that the
# logits agree with SDPA's; it is tagged `gpu` and skipped on a CPU:

# %% tags=["gpu"]
import torch
from transformers import AutoModelForCausalLM

model_path = str(ensure_nano_model("nano://math"))
probe = torch.tensor([ids[0]], device="cuda")
logits = {}
for attn in ("sdpa", "flash_attention_2"):
    m = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.bfloat16, attn_implementation=attn).cuda()
    with torch.no_grad():
        logits[attn] = m(probe).logits.float()
print("max |sdpa − flash_attention_2|:", (logits["sdpa"] - logits["flash_attention_2"]).abs().max().item())

# %% [markdown]
# ## Deep dive
#
# **Why FlashAttention is faster, not only smaller.** Attention is memory-bound: the eager version writes the s × s
# scores to GPU memory, reads them for the softmax, writes the probabilities, reads them for ·V. FlashAttention fuses
# these into one kernel that streams Q, K, V tiles through on-chip SRAM with an online softmax (running max and sum),
# so the memory traffic drops from O(s²) to O(s·d) (arXiv 2205.14135 §3.1). In the backward pass it recomputes the
# scores from Q, K and the saved softmax statistics instead of storing them — a small, targeted form of the
# recomputation of tutorial 11. **SDPA on a GPU** dispatches to a FlashAttention kernel too, but the flash-attn
# package's varlen kernel is what padding-free packing needs. **On this CPU** the measured step time of the two
# implementations is close: the s² work is still done; only the memory differs.
#
# ## Pitfalls and debugging
#
# - *`flash_attention_2` on a machine without flash-attn*: transformers raises at load time. CPU recipes use `sdpa`.
# - *fp32 with FlashAttention*: its kernels take fp16/bf16 only; the full recipes set `dtype: bfloat16`.
# - *Packing without a varlen kernel*: sequences attend across their boundaries; losses look fine and the model
#   learns the wrong thing. Use `padding_free` only with `flash_attention_2`.
# - *Liger on a model it does not patch*: Liger patches known architectures (Qwen2 is one); others train unpatched.
#
# ## Exercises
#
# **Exercise 1.** The eager implementation stores the attention probabilities, b × heads × s × s float32 values per
# layer. Predict the extra activation memory of eager over SDPA for this model and check that the measured
# difference is between 0.8 and 2.5 times your prediction.

# %% tags=["solution"]
predicted_mib = LAYERS * BATCH * HEADS * SEQ * SEQ * 4 / 2**20
measured_mib = results["eager"]["saved_mib"] - results["sdpa"]["saved_mib"]
print(f"predicted {predicted_mib:.1f} MiB, measured {measured_mib:.1f} MiB")

# %% tags=["check"]
assert 0.8 * predicted_mib <= measured_mib <= 2.5 * predicted_mib, (predicted_mib, measured_mib)
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** A lower bound for any packing into rows of 1,024 tokens is ⌈total tokens / 1,024⌉ rows. Check that
# best-fit decreasing reaches it or comes within one row, and that no packed row exceeds 1,024 tokens.

# %% tags=["solution"]
import math

lower_bound = math.ceil(real / 1024)
longest_row = max(len(x) for x in packed["input_ids"])
print(f"{len(packed)} rows, lower bound {lower_bound}; longest row {longest_row} tokens")

# %% tags=["check"]
assert lower_bound <= len(packed) <= lower_bound + 1
assert longest_row <= 1024 and slots == real
print("exercise 2: ok")
