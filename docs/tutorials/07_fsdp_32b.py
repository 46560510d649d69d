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
# # FSDP for 32B+ models
#
# **Part 2, Training infrastructure — tutorial 7.** You will shard a Qwen2 model with PyTorch FSDP over 2 CPU
# processes, measure what each process holds, write a sharded checkpoint and gather it back into one model, and then
# read the planner's numbers for the fsdp-32b lab — the OlympicCoder-32B recipe on 16 nodes.
#
# ## Concept overview
#
# A 32B model in mixed precision needs ~16 bytes per parameter for weights, gradients and AdamW states: ~0.5 TB,
# before activations. No GPU holds that. Fully Sharded Data Parallel (Zhao et al., arXiv 2304.11277 §3; the idea of
# ZeRO-3, arXiv 1910.02054 §5) gives each of the N processes 1/N of every parameter, gradient and optimizer state.
# Before a *unit* (here: one decoder layer) runs, its full parameters are all-gathered; after its backward, its
# gradients are reduce-scattered back to their owners, and the gathered copy is freed:
#
# ```text
# per GPU  ≈  (weights + grads + optimizer) · Ψ / N   +   one or two gathered units   +   activations
# ```
#
# DeepSeek-R1 distils into students up to 70B (arXiv 2501.12948 §2.4); OlympicCoder-32B, the reference for this
# lab, trained Qwen2.5-Coder-32B-Instruct on 22.5k-token traces with FSDP over 16 nodes (32k ran out of memory).
#
# ## Code walkthrough
#
# - The lab: [[labs/fsdp-32b/lab.yaml]] (16 nodes × 8 GPUs, `recipes/accelerate/fsdp.yaml`) and its recipe
#   [[labs/fsdp-32b/recipes/full.yaml:optim]] (`paged_adamw_8bit`: 2 bytes of optimizer state per parameter instead of
#   8) with [[labs/fsdp-32b/recipes/full.yaml:activation_checkpointing]] on.
# - The accelerate config picks full sharding, transformer-layer wrapping and *sharded* state dicts for checkpoints:
#   each rank writes only its shard, which is fast and what a preemption warning leaves time for.
# - [[open_r1/train/distributed.py:install]] switches the final save to a *full* state dict so `save_model` gathers
#   one loadable model (transformers saves nothing for a sharded model otherwise), and lets FSDP run on CPU processes
#   for the nano profile.
# - [[open_r1/labs/plan.py:model_state_bytes]] is the planner's FSDP formula; `open-r1 plan --lab fsdp-32b` prints it.
#
# ## Hands-on
#
# ### 1. FSDP over 2 CPU processes
#
# A 4-layer Qwen2 (0.9 M parameters), each decoder layer its own FSDP unit, one AdamW step, then a sharded checkpoint
# with `torch.distributed.checkpoint` — launched with `torchrun`, as `accelerate launch` does under the hood.

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
WORKER = r"""
import json, sys
import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
from torch.distributed.fsdp import fully_shard
from transformers import Qwen2Config, Qwen2ForCausalLM

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)
torch.set_num_threads(1)
cfg = Qwen2Config(vocab_size=512, hidden_size=128, intermediate_size=384, num_hidden_layers=4, num_attention_heads=4,
                  num_key_value_heads=2, tie_word_embeddings=False, use_cache=False)
model = Qwen2ForCausalLM(cfg)
full = sum(p.numel() for p in model.parameters())
for layer in model.model.layers:  # one unit per decoder layer (accelerate's TRANSFORMER_BASED_WRAP)
    fully_shard(layer)
fully_shard(model)  # the root unit: embeddings, final norm, lm_head
local = sum(p.to_local().numel() for p in model.parameters())
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
ids = torch.randint(0, 512, (2, 64), generator=torch.Generator().manual_seed(rank))  # each rank its own data
loss = model(input_ids=ids, labels=ids).loss
loss.backward()
opt.step()
moments = sum(s["exp_avg"].to_local().numel() + s["exp_avg_sq"].to_local().numel() for s in opt.state.values())
dcp.save({"model": model.state_dict()}, checkpoint_id=sys.argv[1])
print(json.dumps({"rank": rank, "world": world, "full_params": full, "local_params": local,
                  "local_adam_values": moments, "loss": round(loss.item(), 4)}), flush=True)
dist.destroy_process_group()
"""
work = Path(tempfile.mkdtemp(prefix="fsdp-"))
(work / "worker.py").write_text(WORKER)
checkpoint = work / "sharded"
proc = subprocess.run(
    [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        str(work / "worker.py"),
        str(checkpoint),
    ],
    capture_output=True,
    text=True,
    timeout=600,
)
assert proc.returncode == 0, proc.stderr[-3000:]
ranks = sorted(
    (json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")), key=lambda r: r["rank"]
)
for r in ranks:
    print(r)

# %% [markdown]
# Each rank holds half of the parameters and half of AdamW's two moments; both computed a loss on their own data. The
# checkpoint is one file per rank plus metadata that says which slice of which tensor lives where:

# %%
for path in sorted(checkpoint.iterdir()):
    print(f"{path.name:16s} {path.stat().st_size:>10,} bytes")

# %% [markdown]
# ### 2. Gathering a sharded checkpoint into one model
#
# `dcp_to_torch_save` reads every shard and writes one ordinary state dict — what the final save of a training run
# does (with FSDP's full state dict) so that `from_pretrained` can load the result.

# %%
import torch
from torch.distributed.checkpoint.format_utils import dcp_to_torch_save
from transformers import Qwen2Config, Qwen2ForCausalLM

dcp_to_torch_save(str(checkpoint), str(work / "gathered.pt"))
state = torch.load(work / "gathered.pt", weights_only=True)["model"]
cfg = Qwen2Config(
    vocab_size=512,
    hidden_size=128,
    intermediate_size=384,
    num_hidden_layers=4,
    num_attention_heads=4,
    num_key_value_heads=2,
    tie_word_embeddings=False,
    use_cache=False,
)
whole = Qwen2ForCausalLM(cfg)
missing, unexpected = whole.load_state_dict(state, strict=False)
print(
    f"gathered {sum(t.numel() for t in state.values()):,} values into one model; missing {missing}, "
    f"unexpected {unexpected}"
)

# %% [markdown]
# ### 3. The planner's numbers for 32B
#
# The fsdp-32b lab's full profile, per GPU (80 GB), by strategy — read from lab.yaml, the recipe and the accelerate
# config:

# %%
from dataclasses import replace

from open_r1.labs.plan import GiB, estimate, fits, lab_plan, recommend

plan = lab_plan("fsdp-32b")
print(
    f"{plan.model}: {plan.shape.params() / 1e9:.1f} B parameters; {plan.setup.nodes} nodes × "
    f"{plan.setup.gpus_per_node} GPUs; {plan.setup.seq_len:,} tokens; optimizer {plan.setup.optimizer}"
)
for strategy in ("ddp", "zero2", "zero3", "fsdp"):
    setup = replace(plan.setup, strategy=strategy)
    est = estimate(plan.shape, setup)
    print(
        f"{strategy:6s} states {est.model_states / GiB:7.1f}  activations {est.activations / GiB:5.1f}  "
        f"logits {est.logits / GiB:5.1f}  total {est.total / GiB:7.1f} GiB  {'fits' if fits(est, setup) else '—'}"
    )
best = recommend(plan.shape, plan.setup)
print("recommended:", best)

# %% [markdown]
# On a GPU cluster the same worker runs with NCCL; this cell (tagged `gpu`) runs it on the local GPUs and is skipped
# on a CPU:

# %% tags=["gpu"]
gpus = torch.cuda.device_count()
proc = subprocess.run(
    [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        str(gpus),
        str(work / "worker.py"),
        str(work / "sharded-gpu"),
    ],
    capture_output=True,
    text=True,
    timeout=600,
)
print(proc.stdout[-2000:])

# %% [markdown]
# ## Deep dive
#
# **What is gathered, and when.** With `TRANSFORMER_BASED_WRAP` every decoder layer is a unit. In the forward pass
# FSDP all-gathers layer i's parameters, runs it, frees them (`reshard_after_forward`); with `backward_prefetch` it
# gathers layer i−1 while layer i's backward runs, which is why the planner counts `1 + prefetch` gathered units.
# The root unit (embeddings and lm_head, 2 × 152,064 × 5,120 values for 32B) is the largest: it bounds the gathered
# memory. **FSDP vs ZeRO-3.** The same sharding; FSDP can keep the model in bf16 without an fp32 master copy
# (`p = 2` in the planner), which is how OlympicCoder-32B fit; DeepSpeed always keeps the fp32 master partition.
# **Communication.** Each step moves every parameter twice (all-gather forward, all-gather again in backward when
# checkpointing recomputes) and every gradient once (reduce-scatter): ~3Ψ values per step over the interconnect.
#
# ## Pitfalls and debugging
#
# - *A final model folder with no weights*: with `SHARDED_STATE_DICT`, transformers saves nothing at the end; the
#   project's hook switches to a full state dict for the final save (see the walkthrough).
# - *Ranks that stop at different steps* deadlock in the next collective; preemption must be agreed by all ranks
#   ([[open_r1/train/distributed.py:any_rank]]).
# - *Out of memory at 32k tokens*: the logits (b·s·V) and the root unit dominate, not the sharded states — shorter
#   sequences, Liger's fused cross-entropy, or more nodes do not all help equally: read the planner's columns.
#
# ## Exercises
#
# **Exercise 1.** Check that the two ranks' local parameter counts add up to the whole model, and that each rank's
# AdamW holds exactly two values per local parameter.

# %% tags=["solution"]
local_total = sum(r["local_params"] for r in ranks)
print(local_total, ranks[0]["full_params"], [r["local_adam_values"] / r["local_params"] for r in ranks])

# %% tags=["check"]
assert local_total == ranks[0]["full_params"]
assert all(r["local_adam_values"] == 2 * r["local_params"] for r in ranks)
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Using the planner, find the fewest nodes (of 1, 2, 4, 8, 16) on which the fsdp-32b recipe fits with
# FSDP, and check that it is no more than the lab's 16.

# %% tags=["solution"]
fewest = next(
    n
    for n in (1, 2, 4, 8, 16)
    if fits(
        estimate(plan.shape, replace(plan.setup, strategy="fsdp", nodes=n)),
        replace(plan.setup, strategy="fsdp", nodes=n),
    )
)
print("fewest nodes:", fewest)

# %% tags=["check"]
assert fewest <= 16
assert not fits(estimate(plan.shape, replace(plan.setup, strategy="ddp", nodes=16)), plan.setup)
print("exercise 2: ok")
