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
# # Distributed training with DeepSpeed ZeRO
#
# **Part 2, Training infrastructure — tutorial 6.** You will run DeepSpeed ZeRO stages 0 to 3 on 2 CPU processes,
# measure what each process holds (parameters, AdamW states) at each stage, check that sharding does not change
# the arithmetic, and compare the planner's per-GPU memory with DeepSpeed's own estimator for the lab models.
#
# ## Concept overview
#
# Data parallelism copies the whole model to every GPU. With mixed-precision AdamW each parameter costs 2 bytes
# (bf16 weight) + 2 (bf16 gradient) + 12 (fp32 master weight and two moments): **16 bytes**, so 1.5B parameters need
# 24 GB per GPU before a single activation. ZeRO (Rajbhandari et al., arXiv 1910.02054 §5) removes the redundancy
# in three stages, each sharding one more of those terms over the N data-parallel processes:
#
# ```text
# stage 0 (DDP)   2Ψ + 2Ψ + 12Ψ               everything replicated
# stage 1         2Ψ + 2Ψ + 12Ψ/N             optimizer states sharded
# stage 2         2Ψ + (2 + 12)Ψ/N            + gradients sharded (reduce-scatter instead of all-reduce)
# stage 3         (2 + 2 + 12)Ψ/N + gathered  + parameters sharded; each layer all-gathered when it runs
# ```
#
# Stages 1 and 2 cost no extra communication over DDP (an all-reduce is a reduce-scatter plus an all-gather);
# stage 3 gathers every parameter in the forward and again in the backward pass (~1.5× DDP's traffic).
#
# ## Code walkthrough
#
# - The labs pick a stage with an accelerate config: [[recipes/accelerate/zero2.yaml]] (grpo-math full),
#   [[recipes/accelerate/zero3.yaml]] (distill full) and [[recipes/accelerate/zero3-cpu.yaml]] (ZeRO-3 on CPU processes
#   over gloo, used by the tests).
# - `open-r1 train` runs unchanged under `accelerate launch`: the trainer (TRL over transformers) hands the model to
#   DeepSpeed; [[open_r1/cli/train.py:_leave_process_group]] makes every rank leave the process group together.
# - The planner's formulas: [[open_r1/labs/plan.py:model_state_bytes]] (checked against DeepSpeed's estimators by
#   the test suite).
#
# ## Hands-on
#
# ### 1. Stages 0–3 on 2 CPU processes
#
# A Qwen2 with 4 layers (0.9 M parameters), plain PyTorch AdamW, one step per stage, 2 processes over gloo, launched
# with `torchrun` (what `accelerate launch` runs). Each rank reports the parameter values it holds (for stage 3 its
# partition, `ds_tensor`) and the AdamW moment values its optimizer holds. The first run on a machine compiles one
# DeepSpeed communication op with g++ (cached in `~/.cache/torch_extensions`).

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
import json
import deepspeed
import torch
import torch.distributed as dist
from transformers import Qwen2Config, Qwen2ForCausalLM

deepspeed.init_distributed(dist_backend="gloo")
rank = dist.get_rank()
torch.set_num_threads(1)
rows = []
for stage in (0, 1, 2, 3):
    torch.manual_seed(0)  # the same initial weights at every stage
    cfg = Qwen2Config(vocab_size=512, hidden_size=128, intermediate_size=384, num_hidden_layers=4,
                      num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False, use_cache=False)
    config = {"train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": 1,
              "zero_optimization": {"stage": stage}, "zero_allow_untested_optimizer": True,
              "zero_force_ds_cpu_optimizer": False}
    if stage == 3:
        with deepspeed.zero.Init(config_dict_or_path=config):  # parameters are partitioned as they are created
            model = Qwen2ForCausalLM(cfg)
    else:
        model = Qwen2ForCausalLM(cfg)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    engine, *_ = deepspeed.initialize(model=model, optimizer=optimizer, config=config)
    ids = torch.randint(0, 512, (2, 64), generator=torch.Generator().manual_seed(rank))  # each rank its own data
    loss = engine(input_ids=ids, labels=ids).loss
    engine.backward(loss)
    engine.step()
    params = sum((p.ds_tensor.numel() if hasattr(p, "ds_tensor") else p.numel()) for p in engine.module.parameters())
    inner = getattr(engine.optimizer, "optimizer", engine.optimizer)
    moments = sum(s["exp_avg"].numel() + s["exp_avg_sq"].numel() for s in inner.state.values() if "exp_avg" in s)
    rows.append({"stage": stage, "rank": rank, "params_held": params, "adam_values_held": moments,
                 "first_loss": round(loss.item(), 5)})
    del engine, model, optimizer
with open(f"rows-{rank}.json", "w") as fh:  # one file per rank: both ranks printing to one pipe can interleave
    json.dump(rows, fh)
"""
work = Path(tempfile.mkdtemp(prefix="zero-"))
(work / "worker.py").write_text(WORKER)
proc = subprocess.run(
    [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(work / "worker.py")],
    capture_output=True, text=True, timeout=900, cwd=work,
)
assert proc.returncode == 0, proc.stderr[-3000:]
rows = [row for rank in (0, 1) for row in json.loads((work / f"rows-{rank}.json").read_text())]
rows.sort(key=lambda r: (r["stage"], r["rank"]))
total_params = 919_680  # the model above: embeddings + 4 layers + untied lm_head
print(f"model: {total_params:,} parameters; AdamW holds 2 moments each = {2 * total_params:,} values\n")
print("stage rank  params held   AdamW values held   first loss")
for r in rows:
    print(f"{r['stage']:>5} {r['rank']:>4} {r['params_held']:>13,} {r['adam_values_held']:>19,}   {r['first_loss']}")

# %% [markdown]
# Read the table by column. **AdamW values**: whole at stage 0, halved from stage 1 on (each rank updates only its
# half of the parameters). **Parameters**: whole until stage 3, where each rank keeps its partition and gathers the
# rest layer by layer. Gradients are sharded from stage 2 on (reduce-scattered: each rank receives only the average
# of its own slice) — not visible in this table, because DeepSpeed frees them after the step. **Loss**: the first
# loss of each rank is the same at every stage — sharding changes where numbers live, not what is computed.
#
# ### 2. What it means at the labs' scale
#
# The planner's model-state figures per GPU, next to DeepSpeed's own estimator, for the grpo-math (1.5B) and distill
# (7B) models on 8 GPUs:

# %%
import io
from contextlib import redirect_stdout

from deepspeed.runtime.zero.stage3 import estimate_zero3_model_states_mem_needs
from deepspeed.runtime.zero.stage_1_and_2 import estimate_zero2_model_states_mem_needs

from open_r1.labs.plan import GiB, Setup, get_shape, model_state_bytes

for name in ("Qwen2.5-1.5B", "Qwen2.5-7B"):
    shape = get_shape(name)
    per_gpu = {
        s: sum(model_state_bytes(shape, Setup(strategy=s, nodes=1, gpus_per_node=8)).values()) / GiB
        for s in ("ddp", "zero2", "zero3")
    }
    with redirect_stdout(io.StringIO()):
        _, ds2 = estimate_zero2_model_states_mem_needs(shape.params(), 8, 1, cpu_offload=False)
        _, ds3, _ = estimate_zero3_model_states_mem_needs(
            shape.params(), shape.largest_module_params(), 8, 1, cpu_offload=False, cpu_offload_params=False,
            zero_init=True,
        )
    print(f"{name:13s} DDP {per_gpu['ddp']:6.1f}   ZeRO-2 {per_gpu['zero2']:6.1f} (DeepSpeed {ds2 / GiB:6.1f})   "
          f"ZeRO-3 {per_gpu['zero3']:6.1f} (DeepSpeed {ds3 / GiB:6.1f})  GiB per GPU")

# %% [markdown]
# On GPUs the same recipe runs under `accelerate launch --config_file recipes/accelerate/zero2.yaml`; this cell
# (tagged `gpu`, skipped on a CPU) reports the real peak memory of a ZeRO-2 nano GRPO step on the local GPUs:

# %% tags=["gpu"]
import torch

gpus = torch.cuda.device_count()
cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", "recipes/accelerate/zero2.yaml",
       "--num_processes", str(gpus), "-m", "open_r1", "train", "grpo", "--config", "labs/grpo-math/recipes/nano.yaml",
       "--output_dir", str(work / "gpu"), "--use_cpu", "false", "--bf16", "true", "--max_steps", "4",
       "--heldout_samples", "0", "--save_strategy", "no"]
print(subprocess.run(cmd, capture_output=True, text=True).stdout[-1500:])

# %% [markdown]
# ## Deep dive
#
# **Why stage 2 is nearly free.** DDP all-reduces gradients: every rank ends with the full average. An all-reduce is
# a reduce-scatter followed by an all-gather. ZeRO-2 stops after the reduce-scatter (each rank only needs the
# average for the slice it updates), updates its slice, then all-gathers the *updated parameters* — the same volume
# as DDP's second half. **Why stage 3 costs more.** Parameters are gathered before each layer's forward and again
# before its backward (they were freed in between), so ~3Ψ values move per step instead of 2Ψ; prefetching overlaps
# this with compute. **DeepSpeed always keeps an fp32 master partition** (12 bytes of optimizer state per
# parameter, split over N), while FSDP can train a bf16 model without one (tutorial 7). **Offload** (`offload_*` in
# the config) moves the optimizer partition (and, at stage 3, parameters) to CPU memory: slower, but it is how a
# single GPU trains a model whose states do not fit.
#
# ## Pitfalls and debugging
#
# - *`use_cpu` under accelerate + DeepSpeed on CPU*: set `use_cpu: true` in the recipe (the trainer side), keep
#   `use_cpu: false` in the accelerate config (or only one process starts) — see recipes/accelerate/zero3-cpu.yaml.
# - *A hang at the first step*: one rank failed before the collective. Read every rank's log, not only rank 0's.
# - *A saved ZeRO-3 model that is empty or sharded*: set `zero3_save_16bit_model: true` so the final save gathers a
#   normal checkpoint (the distill lab's zero3.yaml does).
# - *GRPO with β > 0 under ZeRO-3*: the reference model is sharded too; TRL needs the process group before the
#   trainer is built (the platform notes say so; the lab does it).
#
# ## Exercises
#
# **Exercise 1.** From the measured table, check that stage 1 halves each rank's AdamW values against stage 0 while
# leaving its parameters whole, and that the two ranks' stage-3 partitions cover the whole model.

# %% tags=["solution"]
by = {(r["stage"], r["rank"]): r for r in rows}
halved = all(by[(1, k)]["adam_values_held"] * 2 == by[(0, k)]["adam_values_held"] for k in (0, 1))
whole = all(by[(1, k)]["params_held"] == total_params for k in (0, 1))
covered = by[(3, 0)]["params_held"] + by[(3, 1)]["params_held"]
print(halved, whole, covered)

# %% tags=["check"]
assert halved and whole
assert total_params <= covered <= total_params + 2 * 64  # DeepSpeed pads each partition to an aligned size
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Write ZeRO-2's per-GPU model states in bytes as a formula of Ψ and N (see the concept overview;
# DeepSpeed's fp32 gradient partition adds 4 bytes to the 2 of the bf16 gradient) and check it against the planner
# for Qwen2.5-1.5B on 8 GPUs.

# %% tags=["solution"]
shape = get_shape("Qwen2.5-1.5B")
psi, n = shape.params(), 8
mine = 2 * psi + (2 + 4 + 4 + 8) * psi / n  # bf16 weights; bf16 + fp32 grad partition; fp32 master + 2 moments
planner = sum(model_state_bytes(shape, Setup(strategy="zero2", nodes=1, gpus_per_node=n)).values())
print(f"{mine / GiB:.2f} GiB by hand, {planner / GiB:.2f} GiB from the planner")

# %% tags=["check"]
assert abs(mine - planner) / planner < 1e-9
print("exercise 2: ok")
