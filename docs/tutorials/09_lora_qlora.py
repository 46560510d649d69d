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
# # LoRA and QLoRA
#
# **Part 2, Training infrastructure — tutorial 9.** You will count a LoRA adapter's parameters by hand and match
# peft's count, run GRPO on the nano model with only the adapter training, merge the adapter into a full model, and
# read QLoRA's memory figures from the planner.
#
# ## Concept overview
#
# Full fine-tuning updates every weight W (d × k) of the model, so every weight also needs a gradient and two AdamW
# moments. LoRA (Hu et al., arXiv 2106.09685 §4.1) freezes W and learns a low-rank update beside it:
#
# ```text
# h = W x + (α / r) · B A x          A: r × k (random init), B: d × r (zeros), r ≪ min(d, k)
# trainable numbers per adapted matrix: r · (d + k)           instead of d · k
# merge once after training:  W' = W + (α / r) · B A          (no extra cost at inference)
# ```
#
# B starts at zero, so the adapted model starts *exactly* at the base model. QLoRA (Dettmers et al., arXiv
# 2305.14314 §3) goes further: the frozen W is stored in 4-bit NormalFloat (NF4, ~0.5 byte per weight instead of 2)
# and dequantised on the fly, and only the adapters are in 16/32 bits. The quantized kernels come from
# bitsandbytes and need CUDA.
#
# ## Code walkthrough
#
# - A recipe switches LoRA on with TRL's `ModelConfig` keys: [[labs/grpo-math/recipes/nano-lora.yaml:use_peft]],
#   `lora_r`, `lora_alpha`, `lora_dropout`, `lora_target_modules`; QLoRA adds `load_in_4bit` and the `bnb_4bit_*` keys
#   (see [[labs/distill/recipes/full-qlora.yaml:load_in_4bit]]).
# - [[open_r1/models.py:check_adapter_options]] runs while the recipe is parsed, before any weight loads: a `lora_*`
#   key without `use_peft`, a 4-bit request without bitsandbytes or without CUDA, quantized weights with no adapter
#   to train — each is an error that names the key.
# - [[open_r1/models.py:peft_config]] and [[open_r1/models.py:quantization_config]] build peft's `LoraConfig` and
#   transformers' `BitsAndBytesConfig` with TRL's own helpers; [[open_r1/train/grpo.py:train_grpo]] and
#   [[open_r1/train/sft.py:train_sft]] hand them to the trainers, which wrap the loaded model.
# - [[open_r1/models.py:parameter_counts]] gives the run card its trainable / total figure;
#   [[open_r1/train/common.py:saved_weights]] records that the final save is an adapter.
# - [[open_r1/models.py:merge_adapter]] (command `open-r1 merge`, [[open_r1/cli/merge.py]]) folds the adapter in.
# - [[open_r1/labs/plan.py:lora_state_bytes]] is the planner's memory model for LoRA and QLoRA.
#
# ## Hands-on
#
# ### 1. Adapter maths on the nano model

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import tempfile
import time
import warnings
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

from open_r1.labs.nano_build import ensure_nano_model

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
model_path = str(ensure_nano_model("nano://math"))  # built into the cache on first use (~1.5 min)
base = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32)
total = sum(p.numel() for p in base.parameters())
linears = {n: m for n, m in base.named_modules() if isinstance(m, torch.nn.Linear) and not n.endswith("lm_head")}
for name, layer in list(linears.items())[:7]:
    print(
        f"{name:32s} d×k = {layer.out_features:3d}×{layer.in_features:3d}   r·(d+k) at r=8: "
        f"{8 * (layer.in_features + layer.out_features)}"
    )
by_hand = sum(8 * (m.in_features + m.out_features) for m in linears.values())
print(
    f"\nbase parameters {total:,}; rank-8 adapters on all {len(linears)} linear layers: {by_hand:,} "
    f"({by_hand / total:.1%})"
)

# %% [markdown]
# peft counts the same thing (its `all-linear` target skips the output head, as the hand count did), and because B
# is zero the adapted model's logits equal the base model's at initialisation:

# %%
torch.manual_seed(0)
adapted = get_peft_model(
    AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32),
    LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", lora_dropout=0.0),
)
trainable = sum(p.numel() for p in adapted.parameters() if p.requires_grad)
ids = torch.tensor([[3, 17, 42, 9, 5, 11]])
with torch.no_grad():
    same = (adapted(ids).logits - base(ids).logits).abs().max().item()
print(f"peft trainable {trainable:,} (by hand {by_hand:,}); max |logit difference| at init: {same}")
assert trainable == by_hand and same == 0.0

# %% [markdown]
# ### 2. GRPO with only the adapter training
#
# The lab's LoRA recipe is the nano GRPO recipe plus five keys. We run it shortened: 6 steps of 64 completions and
# 60 held-out problems before and after.

# %%
from open_r1.core.paths import project_root
from open_r1.train import parse_training_recipe
from open_r1.train.grpo import train_grpo

recipe = str(project_root() / "labs/grpo-math/recipes/nano-lora.yaml")
work = Path(tempfile.mkdtemp(prefix="lora-"))
overrides = f"--output_dir {work}/run --max_steps 6 --heldout_samples 60 --logging_steps 2 --save_strategy no"
started = time.time()
summary = train_grpo(*parse_training_recipe("grpo", recipe, overrides.split()), recipe_path=recipe)
print(f"\n{time.time() - started:.0f} s")
print("parameters", summary["parameters"])
print("saved     ", summary["saved"]["kind"], summary["saved"]["files"])
for when in ("heldout_before", "heldout_after"):
    print(f"{when:15s} format {summary[when]['format']:6.1%}  accuracy {summary[when]['accuracy']:6.1%}")

# %% [markdown]
# The run card's `parameters` block says what trained: the adapter only, a small fraction of the model. Six steps
# are enough to show the mechanics, not to move accuracy reliably; the full nano LoRA recipe (100 steps,
# `open-r1 train grpo --config labs/grpo-math/recipes/nano-lora.yaml`) is measured in the project's notes. The
# output folder holds an adapter, not a model:

# %%
for path in sorted((work / "run").iterdir()):
    if path.is_file():
        print(f"{path.name:28s} {path.stat().st_size:>9,} bytes")

# %% [markdown]
# ### 3. Merge the adapter into a full model

# %%
from open_r1.models import merge_adapter

report = merge_adapter(work / "run", work / "merged")
print(
    json.dumps(
        {
            k: report[k]
            for k in ("lora_r", "lora_alpha", "adapter_parameters", "merged_parameters", "max_logit_difference")
        },
        indent=1,
    )
)
merged = AutoModelForCausalLM.from_pretrained(work / "merged")  # a plain model: no peft needed to load it
with torch.no_grad():
    moved = (merged(ids).logits - base(ids).logits).abs().max().item()
print(f"merged vs base: max |logit difference| {moved:.4f}")

# %% [markdown]
# ### 4. QLoRA: what the planner says about memory
#
# QLoRA needs CUDA, so on this machine we ask the planner ([[open_r1/labs/plan.py:estimate]]) rather than the GPU:
# Qwen2.5-7B, SFT at 4,096 tokens, micro-batch 1, checkpointing, one GPU.

# %%
from open_r1.labs.plan import GiB, Setup, estimate, get_shape

shape = get_shape("Qwen2.5-7B")
rows = {}
for label, rank, bits in [("full fine-tuning", 0, 16), ("LoRA r=64, bf16 base", 64, 16), ("QLoRA r=64, NF4", 64, 4)]:
    setup = Setup(strategy="ddp", nodes=1, gpus_per_node=1, seq_len=4096, lora_rank=rank, weight_bits=bits)
    est = estimate(shape, setup)
    rows[label] = est.total / GiB
    print(
        f"{label:22s} weights {est.weights / GiB:5.1f}  grads {est.gradients / GiB:5.1f}  "
        f"optimizer {est.optimizer / GiB:5.1f}  total {est.total / GiB:5.1f} GiB"
    )

# %% [markdown]
# On a GPU the same recipe loads the base in 4 bits. This cell is tagged `gpu` and is skipped on a CPU:

# %% tags=["gpu"]
qlora = (
    f"--output_dir {work}/qlora --max_steps 4 --heldout_samples 40 --save_strategy no --use_cpu false "
    "--load_in_4bit true --dtype bfloat16 --bf16 true"
)
q = train_grpo(*parse_training_recipe("grpo", recipe, qlora.split()), recipe_path=recipe)
print(q["parameters"], torch.cuda.max_memory_allocated() / 2**20, "MiB peak")

# %% [markdown]
# ## Deep dive
#
# **Rank and scale.** The update is multiplied by α / r. Doubling r with α fixed halves each direction's step, which
# is why recipes scale α with r (α = 2r here). rsLoRA (`use_rslora: true`) uses α / √r instead, which keeps the
# update's size stable as r grows. **Targets.** The original paper adapted only W_q and W_v; `all-linear` also
# adapts the MLP, where most of a transformer's parameters are, and is the common choice for reasoning fine-tunes.
# **Learning rate.** Adapters start at ΔW = 0 and see only a low-rank slice of the gradient; their learning rates are
# typically 5–10× the full-weight ones (the nano recipe uses 5e-4 against 5e-5). **GRPO with β > 0.** The reference
# model is the base with the adapter switched off — TRL does this itself, so LoRA GRPO needs no second copy of the
# weights. **vLLM.** TRL merges the adapter into the weights it sends to vLLM at each sync; for serving after
# training, merge once with `open-r1 merge`.
#
# ## Pitfalls and debugging
#
# - *An option that does nothing.* A `lora_r` without `use_peft: true` used to be accepted and ignored; now the
#   recipe is refused before loading. The same for 4-bit on a machine that cannot serve it:

# %%
from open_r1.core.errors import ConfigError

for extra in (["--use_peft", "false", "--lora_r", "4"], ["--load_in_4bit", "true", "--dtype", "bfloat16"]):
    try:
        parse_training_recipe("grpo", recipe, extra)
    except ConfigError as err:
        print("error:", err, "\n")

# %% [markdown]
# - *Loading the output folder as a model.* It holds an adapter; transformers loads it through peft when peft is
#   installed, but vLLM and other tools want the merged model.
# - *Merging into a 4-bit base.* The merged weights would be re-quantised (lossy); `merge_adapter` reloads the base
#   unquantised and merges there.
# - *Trainable fraction too small to learn.* On a tiny model, rank 8 is already ~9 % of the weights; on a 7B model
#   the same rank is 0.3 %. If the reward does not move, raise r or the learning rate before anything else.
#
# ## Exercises
#
# **Exercise 1.** Count by hand the trainable parameters of rank-4 adapters on `q_proj` and `v_proj` only, then
# check your number against peft.

# %% tags=["solution"]
rank = 4
qv = sum(rank * (m.in_features + m.out_features) for n, m in linears.items() if n.endswith(("q_proj", "v_proj")))
peft_qv = get_peft_model(
    AutoModelForCausalLM.from_pretrained(model_path), LoraConfig(r=rank, target_modules=["q_proj", "v_proj"])
)
print(qv, sum(p.numel() for p in peft_qv.parameters() if p.requires_grad))

# %% tags=["check"]
assert qv == sum(p.numel() for p in peft_qv.parameters() if p.requires_grad)
assert qv < by_hand
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Rebuild one merged weight by hand: for the first layer's `q_proj`, compute W + (α / r) · B A from
# the trained adapter and compare with the merged model's weight.

# %% tags=["solution"]
from peft import PeftModel

trained = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(model_path), str(work / "run"))
q_proj = trained.base_model.model.model.layers[0].self_attn.q_proj
A, B = q_proj.lora_A["default"].weight, q_proj.lora_B["default"].weight
scale = report["lora_alpha"] / report["lora_r"]
by_hand_weight = q_proj.base_layer.weight + scale * (B @ A)
print("largest entry of ΔW:", (scale * (B @ A)).abs().max().item())

# %% tags=["check"]
merged_weight = merged.model.layers[0].self_attn.q_proj.weight
assert torch.allclose(by_hand_weight, merged_weight, atol=1e-6)
assert not torch.allclose(base.model.layers[0].self_attn.q_proj.weight, merged_weight)
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** With the planner, find the smallest of these that fits Qwen2.5-7B SFT (4,096 tokens, micro-batch 1,
# checkpointing) on one 24 GB GPU: full fine-tuning, LoRA r=64 on a bf16 base, QLoRA r=64.

# %% tags=["solution"]
from open_r1.labs.plan import fits

fitting = []
for label, rank, bits in [("full", 0, 16), ("lora", 64, 16), ("qlora", 64, 4)]:
    setup = Setup(
        strategy="ddp", nodes=1, gpus_per_node=1, seq_len=4096, lora_rank=rank, weight_bits=bits, gpu_memory_gb=24
    )
    if fits(estimate(shape, setup), setup):
        fitting.append(label)
print("fits on 24 GB:", fitting)

# %% tags=["check"]
assert fitting == ["qlora"], fitting
print("exercise 3: ok")
