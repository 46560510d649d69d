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
# # Gradient checkpointing
#
# **Part 2, Training infrastructure — tutorial 11.** You will measure what activation (gradient) checkpointing saves
# and what it costs — the activations kept for the backward pass, the peak memory of a training step and its
# compute time — on a Qwen2 model large enough to show it, and compare the measurement with the planner's formula.
#
# ## Concept overview
#
# Backpropagation needs, for every layer, the intermediate values of the forward pass (the *activations*): Q, K, V,
# the attention output, the MLP's gate and up projections, the norms' inputs. For a decoder layer that is about
# `b·s·(6h + 2h_kv + 4f)` values, times the number of layers — and it grows with the sequence length, which is
# what R1-style training makes long (thousands of reasoning tokens).
#
# Checkpointing (Chen et al., arXiv 1604.06174) keeps only each layer's *input* and recomputes the layer's forward
# pass during the backward pass, one layer at a time:
#
# ```text
# kept for backward   without:  L · A_layer              with:  L · (b·s·h) + A_layer   (inputs + one layer recomputed)
# compute             without:  forward + backward       with:  ~2 forwards + backward  (≈ +33 % of a step)
# ```
#
# ## Code walkthrough
#
# - Recipes set it with `activation_checkpointing: true` (the pre-5.18 name `gradient_checkpointing` is translated
#   by [[open_r1/core/configs.py:adapt_renamed_fields]]); the full recipes add
#   [[labs/grpo-math/recipes/full.yaml:activation_checkpointing_kwargs]] `{use_reentrant: false}` (the non-reentrant
#   implementation works with frozen inputs and LoRA).
# - [[open_r1/models.py:model_init_kwargs]] turns the KV cache off while checkpointing is on (a cache is useless in
#   training and conflicts with recomputation).
# - The planner's activation term is [[open_r1/labs/plan.py:activation_bytes]].
# - The nano recipes keep it off ([[labs/grpo-math/recipes/nano.yaml:activation_checkpointing]]): a 0.4 M-parameter
#   model's activations are tiny and recomputation would only cost time.
#
# ## Hands-on
#
# A Qwen2 with 6 layers, hidden 256, MLP 768, 8 heads (4 KV heads): random weights are enough — memory and time do
# not depend on what the weights have learned. One sequence batch of 2 × 512 tokens. Each measurement runs in a
# fresh process (one thread), so the peak memory of one does not hide the other's:
#
# - `saved_mib`: bytes of the tensors autograd saved during the forward pass (counted with
#   `torch.autograd.graph.saved_tensors_hooks`): the activations kept for backward;
# - `peak_extra_mib`: the process's peak resident memory during a forward + backward, above what the model and its
#   gradients already held;
# - `step_cpu_s`: CPU time of one forward + backward (the faster of two).

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = r"""
import json, resource, sys, time, warnings
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

attn, ckpt, layers, seq, batch = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
warnings.filterwarnings("ignore", category=FutureWarning)
torch.manual_seed(0)
torch.set_num_threads(1)
cfg = Qwen2Config(vocab_size=512, hidden_size=256, intermediate_size=768, num_hidden_layers=layers,
                  num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=seq, tie_word_embeddings=True,
                  use_cache=False)
cfg._attn_implementation = attn
model = Qwen2ForCausalLM(cfg).train()
if ckpt:
    # the pre-5.18 name: it exists in both transformers pins (5.17 in the GPU images, 5.24 here)
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
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
print(json.dumps({"attn": attn, "checkpointing": ckpt, "saved_mib": saved_bytes / 2**20,
                  "peak_extra_mib": (peak - base) / 1024, "step_cpu_s": min(times)}))
"""
script = Path(tempfile.mkdtemp(prefix="ckpt-")) / "measure.py"
script.write_text(MEASURE)
LAYERS, SEQ, BATCH = 6, 512, 2


def measure(checkpointing: bool, attn: str = "sdpa", layers: int = LAYERS) -> dict:
    args = [attn, str(int(checkpointing)), str(layers), str(SEQ), str(BATCH)]
    out = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


without, with_ = measure(False), measure(True)
for row in (without, with_):
    print(
        f"checkpointing {str(row['checkpointing']):5s}  kept for backward {row['saved_mib']:6.1f} MiB   "
        f"peak above weights {row['peak_extra_mib']:6.1f} MiB   step {row['step_cpu_s']:.2f} s CPU"
    )
print(
    f"\nkept activations ÷{without['saved_mib'] / with_['saved_mib']:.1f}; "
    f"step time ×{with_['step_cpu_s'] / without['step_cpu_s']:.2f}"
)

# %% [markdown]
# The activations kept for backward shrink by an order of magnitude; the peak shrinks less, because the peak also
# holds one recomputed layer, the logits and their gradient, and the backward pass's temporaries. The price is one
# extra forward pass per step.
#
# ### The planner's formula against the measurement
#
# The planner assumes bf16 (2 bytes per value) and FlashAttention; this measurement is float32 (4 bytes) with
# PyTorch's SDPA, so compare at 4 bytes per value:

# %%
from open_r1.labs.plan import ModelShape, Setup, activation_bytes

shape = ModelShape("measured", hidden=256, intermediate=768, layers=LAYERS, heads=8, kv_heads=4, vocab=512, tied=True)
for checkpointing, row in ((False, without), (True, with_)):
    predicted, logits = activation_bytes(shape, Setup(seq_len=SEQ, micro_batch=BATCH, checkpointing=checkpointing))
    predicted_fp32 = 2 * predicted / 2**20  # the planner counts bf16
    print(
        f"checkpointing {str(checkpointing):5s}  planner (fp32) {predicted_fp32:6.1f} MiB   measured "
        f"{row['saved_mib']:6.1f} MiB"
    )

# %% [markdown]
# Without checkpointing the measurement is higher: it also holds the embeddings' output and the loss path, which
# the planner counts in its separate logits term. With checkpointing the planner is higher: it adds the one layer
# recomputed during the backward pass, which a count taken during the forward pass cannot see.
# The planner's per-layer count is what matters at scale: it is what `open-r1 plan` uses to decide that the 32B
# recipe needs checkpointing at 22k tokens (tutorial 7). A full step on a GPU in bf16 shows the same trade; this
# cell is tagged `gpu` and is skipped on a CPU:

# %% tags=["gpu"]
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

for checkpointing in (False, True):
    cfg = Qwen2Config(
        vocab_size=32000,
        hidden_size=1024,
        intermediate_size=2816,
        num_hidden_layers=12,
        num_attention_heads=16,
        num_key_value_heads=4,
        use_cache=False,
    )
    gpu_model = Qwen2ForCausalLM(cfg).to("cuda", torch.bfloat16).train()
    if checkpointing:
        gpu_model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    torch.cuda.reset_peak_memory_stats()
    ids = torch.randint(0, 32000, (4, 2048), device="cuda")
    gpu_model(input_ids=ids, labels=ids).loss.backward()
    print(checkpointing, f"{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB peak")
    del gpu_model

# %% [markdown]
# ## Deep dive
#
# **What is recomputed.** transformers wraps each decoder layer; its input is saved, everything inside is
# recomputed in backward. Finer schemes exist: *selective* recomputation (Korthikanti et al., arXiv 2205.05198 §4)
# recomputes only the attention core, whose memory grows with s², and keeps the cheap-to-store, expensive-to-compute
# MLP outputs. With FlashAttention there is no s² matrix, which is why whole-layer checkpointing is the common
# choice for long reasoning traces. **Reentrant or not.** The old reentrant implementation re-runs the forward
# through `torch.autograd.Function` and needs an input that requires grad — a frozen embedding (LoRA) breaks it
# silently; `use_reentrant: false` uses saved-tensor hooks and has no such condition. **With ZeRO-3 / FSDP** the
# recomputation also gathers the layer's parameters a second time: checkpointing costs communication too.
#
# ## Pitfalls and debugging
#
# - *`use_cache=True` is incompatible with gradient checkpointing*: the project sets `use_cache: false` for you
#   ([[open_r1/models.py:model_init_kwargs]]); a model built by hand needs it too.
# - *No memory saved*: checkpointing only helps when activations dominate. With long completions in GRPO, the logits
#   (`b·s·V`) often dominate instead — look at the planner's `logits` column before turning checkpointing on.
# - *Slower than expected on GPU*: recomputation is ~1 forward pass (≈ 1/3 of a step). If memory allows, a larger
#   micro-batch without checkpointing usually beats a small one with it.
#
# ## Exercises
#
# **Exercise 1.** Measure again with 3 layers instead of 6 (with checkpointing off). Activations kept for backward
# should roughly halve; check that the 6-layer figure is between 1.6 and 2.4 times the 3-layer one.

# %% tags=["solution"]
shallow = measure(False, layers=3)
ratio = without["saved_mib"] / shallow["saved_mib"]
print(f"{shallow['saved_mib']:.1f} → {without['saved_mib']:.1f} MiB (×{ratio:.2f})")

# %% tags=["check"]
assert 1.6 <= ratio <= 2.4, ratio
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** With checkpointing on, what is kept per layer is its input, b·s·h values. Compute that for this
# model in float32 and check that it explains most of the measured `saved_mib` with checkpointing (at least half,
# at most all of it).

# %% tags=["solution"]
inputs_mib = LAYERS * BATCH * SEQ * 256 * 4 / 2**20
print(f"layer inputs {inputs_mib:.1f} MiB of {with_['saved_mib']:.1f} MiB measured")

# %% tags=["check"]
assert 0.5 * with_["saved_mib"] <= inputs_mib <= with_["saved_mib"], (inputs_mib, with_["saved_mib"])
print("exercise 2: ok")
