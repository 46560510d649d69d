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
# # Scaling to 32B models and beyond
#
# **Part 7, Advanced — tutorial 29.** You will use the project's memory planner to size 7B, 32B and 70B training
# under ZeRO-3 and FSDP, see what context length does to activations and what sequence parallelism buys back, run
# the fsdp-32b lab's code path on 2 CPU processes, and read the preemption-safe SLURM job that runs it on a cluster.
#
# ## Concept overview
#
# DeepSeek-R1 distils into students up to 70B (arXiv 2501.12948 §2.4, Table 5: R1-Distill-Qwen-32B and
# R1-Distill-Llama-70B); open-r1's OlympicCoder-32B trained with FSDP on 16 nodes because 32k-token sequences ran
# out of memory. Two things grow with scale:
#
# - **Model states** — bf16 weights (2 bytes/parameter), bf16 gradients (2), and Adam's fp32 master copy, momentum
#   and variance (12): 16 bytes per parameter, 512 GB for 32B. No single GPU holds that; ZeRO-3 (arXiv 1910.02054
#   §5) and FSDP (arXiv 2304.11277 §3) *shard* all of it over the N data-parallel ranks, gathering one layer's
#   weights at a time to compute it.
# - **Activations** — proportional to tokens per GPU (micro-batch × sequence length). Sharding the model does not
#   shard them: at 32k tokens they dominate. Activation checkpointing (arXiv 1604.06174) keeps one tensor per layer;
#   sequence (context) parallelism splits each sequence over d GPUs, dividing activations by ≈ d.
#
# ## Code walkthrough
#
# - [[open_r1/labs/plan.py:model_state_bytes]] is the table of bytes per parameter per strategy;
#   [[open_r1/labs/plan.py:activation_bytes]] the activation and logit terms; [[open_r1/labs/plan.py:estimate]]
#   adds them with the fixed overhead, and [[open_r1/labs/plan.py:recommend]] searches for the simplest strategy and
#   fewest nodes that fit. [[open_r1/labs/plan.py:lab_plan]] reads a lab's manifest, recipe and accelerate config.
# - [[open_r1/labs/runtimes/slurm.py:plan_train_job]] turns a lab profile into the SLURM job (nodes, processes per
#   node, c10d rendezvous, the accelerate config for this job); the job resumes after a preemption through
#   [[open_r1/train/distributed.py:install]] (a SIGUSR1 before the kill saves a checkpoint, the job requeues).
#
# ## Hands-on
#
# ### The planner's numbers for 7B, 32B and 70B

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from open_r1.core.paths import project_root
from open_r1.labs.plan import SHAPES, GiB, Setup, estimate, fits, get_shape, lab_plan, recommend

MODELS = ["Qwen2.5-7B", "Qwen2.5-32B", "Qwen2.5-72B"]
print(f"{'model':12} {'params':>7} {'strategy':>8} {'GPUs':>5} {'states':>8} {'acts':>7} {'total GiB/GPU':>14}")
for name in MODELS:
    shape = get_shape(name)
    for strategy in ("zero3", "fsdp"):
        for nodes in (1, 4):
            setup = Setup(strategy=strategy, nodes=nodes, gpus_per_node=8, seq_len=8192, micro_batch=1)
            est = estimate(shape, setup)
            print(
                f"{name:12} {shape.params() / 1e9:6.1f}B {strategy:>8} {setup.ranks:5d} "
                f"{est.model_states / GiB:8.1f} {est.activations / GiB:7.1f} {est.total / GiB:14.1f}"
                f"  {'fits 80 GB' if fits(est, setup) else 'too big'}"
            )

# %% [markdown]
# Sharding divides the model states by the number of GPUs: 4× the nodes, ~4× less per GPU. The activations do not
# move — they are per GPU, set by the tokens each GPU processes. What the planner recommends for each model at
# 32k-token SFT (the R1-distill regime), on 80 GB GPUs, without and with Liger's fused cross-entropy (which never
# materialises the b·s·V logits):

# %%
for liger in (False, True):
    for name in MODELS:
        setup = Setup(seq_len=32768, micro_batch=1, gpu_memory_gb=80.0, liger=liger)
        rec = recommend(get_shape(name), setup, max_nodes=64)
        found = f"{rec.strategy} on {rec.nodes} node(s), {rec.total_gib} GiB/GPU" if rec else "nothing fits"
        print(f"liger={liger!s:5} {name}: {found}")

# %% [markdown]
# And the fsdp-32b lab's own full recipe, read from its manifest (16 nodes × 8 GPUs, 22.5k tokens, 8-bit AdamW):

# %%
plan = lab_plan("fsdp-32b")
est = estimate(plan.shape, plan.setup)
print(
    plan.model,
    plan.setup.strategy,
    f"{plan.setup.nodes}×{plan.setup.gpus_per_node} GPUs,",
    f"seq {plan.setup.seq_len}: {est.total / GiB:.1f} GiB per GPU (of {plan.setup.gpu_memory_gb:.0f})",
)

# %% [markdown]
# ### Context length and sequence parallelism
#
# Activations grow linearly with the sequence (FlashAttention never stores the s×s attention matrix), so doubling
# the context doubles them. Sequence parallelism with degree d gives each GPU s/d tokens of every sequence (the
# attention layers exchange keys and values — DeepSpeed-Ulysses all-to-all, or ring attention); in the planner's
# terms that is the same model with `seq_len / d` tokens per GPU and d times fewer data-parallel replicas.

# %%
shape = get_shape("Qwen2.5-32B")
base = Setup(strategy="fsdp", nodes=16, gpus_per_node=8, micro_batch=1, checkpointing=True)
for seq in (8192, 32768, 131072):
    row = [f"{seq:>7} tokens:"]
    for d in (1, 2, 4, 8):
        est = estimate(shape, replace(base, seq_len=seq // d))
        row.append(f"d={d} {est.activations / GiB + est.logits / GiB:6.1f}")
    print(" ".join(row), " GiB of activations + logits per GPU")

# %% [markdown]
# ### The fsdp-32b lab on 2 CPU processes
#
# Same entrypoint, same FSDP wrapping (full shard, transformer-layer units), on the nano model and 2 CPU processes
# with gloo instead of NCCL — 3 steps, to see it work. The run card records the world size.

# %%
run = Path(tempfile.mkdtemp(prefix="tutorial29-")) / "run"
started = time.time()
proc = subprocess.run(
    [
        sys.executable,
        "-m",
        "open_r1",
        "lab",
        "run",
        "fsdp-32b",
        "--profile",
        "nano",
        "--run-dir",
        str(run),
        "--",
        "--max_steps",
        "3",
        "--save_strategy",
        "no",
        "--logging_steps",
        "1",
    ],
    capture_output=True,
    text=True,
    cwd=project_root(),
    env={**os.environ, "OPEN_R1_RUNS": str(run.parent)},
)
print(f"exit {proc.returncode} after {time.time() - started:.0f} s")
print("\n".join(proc.stderr.splitlines()[-4:]))
import json

card = json.loads((run / "run_card.json").read_text())
print("launcher:", " ".join(card["lab"]["command"][2:8]), "...")
print("optimizer steps:", card["metrics"].get("global_step"), "| cpus:", card["hardware"].get("cpus"))

# %% [markdown]
# ### What changes on a real cluster: the preemption-safe SLURM job
#
# `open-r1 lab run fsdp-32b --runtime slurm` renders one sbatch script from the manifest (nodes, GPUs, time limit)
# and the cluster profile. Print the parts that make it survive a preemption:

# %%
from open_r1.labs.manifest import load_lab
from open_r1.labs.runtimes import slurm

job = slurm.plan_train_job(
    load_lab("fsdp-32b"), "full", [], Path(tempfile.mkdtemp()) / "run", {}, slurm.load_cluster_profile(None)
)
script = slurm.render("train.sbatch.j2", **job)
for line in script.splitlines():
    if any(
        key in line
        for key in ("#SBATCH --nodes", "--requeue", "--signal", "trap on_usr1", "scontrol requeue", "--rdzv_backend")
    ):
        print(line.strip()[:150])

# %% [markdown]
# `--signal=B:USR1@300` asks SLURM to warn the job 5 minutes before a kill; the trap forwards it to every rank,
# which saves a checkpoint at the next step boundary and exits; `scontrol requeue` puts the job back in the queue,
# and the requeued job's `open-r1 train` resumes from the last `checkpoint-*` — the same resume a native rerun uses.
#
# ## Deep dive: where the bytes go in ZeRO-3
#
# Per GPU under ZeRO-3, with Ψ parameters on N GPUs: 2Ψ/N (bf16 weights) + 4Ψ/N (fp32 gradient partition) +
# 12Ψ/N (fp32 master + Adam moments) = 18Ψ/N, plus 4 bytes × the largest module while it is gathered.

# %%
shape = get_shape("Qwen2.5-32B")
setup = Setup(strategy="zero3", nodes=16, gpus_per_node=8)
est = estimate(shape, setup)
print({k: round(v / GiB, 2) for k, v in est.states_breakdown.items()}, "GiB;", f"Ψ = {shape.params() / 1e9:.2f} B")

# %% [markdown]
# ## Pitfalls and debugging
#
# - **Out of memory at step 1, not at load time.** Model states fit, activations do not: lower the micro-batch (and
#   raise accumulation), turn on activation checkpointing, or add sequence parallelism — more nodes do not help.
# - **32k context ran out of memory for OlympicCoder-32B**, 22.5k fit: the planner shows why — without Liger the
#   32k logits and activations alone exceed 80 GB on any number of nodes (the recommendation above finds nothing).
# - **Vocabulary-sized logits.** SFT keeps b·s·V logits in fp32 for the loss: at V = 152k and s = 32k that is tens
#   of GB; Liger's fused linear cross-entropy (`use_liger_kernel: true`) never materialises them.
# - **A hung rendezvous** on a multi-homed node: the job names the first node's address explicitly (`is_host`).
#
# ## Exercises
#
# **Exercise 1.** Compute by hand (the formula in the deep dive) the ZeRO-3 model states per GPU for Qwen2.5-72B
# on 8 nodes of 8 GPUs, in GiB, as `by_hand`, and compare with the planner's `model_states`.

# %% tags=["solution"]
shape72 = get_shape("Qwen2.5-72B")
setup72 = Setup(strategy="zero3", nodes=8, gpus_per_node=8)
by_hand = (18 * shape72.params() / 64 + 4 * shape72.largest_module_params()) / GiB
planner = estimate(shape72, setup72).model_states / GiB
print(f"by hand {by_hand:.2f} GiB, planner {planner:.2f} GiB")

# %% tags=["check"]
assert abs(by_hand - planner) < 0.01, (by_hand, planner)
assert 15 < by_hand < 40  # 72B × 18 bytes / 64 ≈ 20 GiB, plus the gathered embedding
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** With FSDP on 80 GB GPUs, 8 per node, micro-batch 1 and checkpointing (no Liger), find `min_nodes`:
# the fewest nodes (1, 2, 4, 8, 16, 32) on which Qwen2.5-32B SFT at 22528 tokens (OlympicCoder-32B's length) fits.
# Then check it does not fit on half as many.


# %% tags=["solution"]
def fits_on(nodes: int, seq: int = 22528) -> bool:
    setup = Setup(strategy="fsdp", nodes=nodes, gpus_per_node=8, seq_len=seq, micro_batch=1, checkpointing=True)
    return fits(estimate(get_shape("Qwen2.5-32B"), setup), setup)


min_nodes = next((n for n in (1, 2, 4, 8, 16, 32) if fits_on(n)), None)
print("fewest nodes:", min_nodes)

# %% tags=["check"]
assert min_nodes is not None and fits_on(min_nodes)
assert min_nodes == 1 or not fits_on(min_nodes // 2)
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** Which is larger for Qwen2.5-7B SFT on one 8-GPU node under ZeRO-3 at 32k tokens without Liger:
# the model states or the logits? Set `bigger` to "states" or "logits".

# %% tags=["solution"]
est7 = estimate(get_shape("Qwen2.5-7B"), Setup(strategy="zero3", nodes=1, seq_len=32768, micro_batch=1))
bigger = "states" if est7.model_states > est7.logits else "logits"
print(f"states {est7.model_states / GiB:.1f} GiB, logits {est7.logits / GiB:.1f} GiB → {bigger}")

# %% tags=["check"]
shape7 = SHAPES["Qwen2.5-7B"]
states_by_hand = 18 * shape7.params() / 8 + 4 * shape7.largest_module_params()  # ZeRO-3 on 8 GPUs
logits_by_hand = 32768 * shape7.vocab * 10  # b·s·V·(2 + 4 + 4) bytes
assert bigger == ("logits" if logits_by_hand > states_by_hand else "states"), (states_by_hand, logits_by_hand)
print("exercise 3: ok")
