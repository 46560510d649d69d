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
# # vLLM integration for fast generation
#
# **Part 2, Training infrastructure — tutorial 8.** You will see where GRPO spends its time (generating groups of
# answers), measure the generation cost on the nano model with transformers, work out how vLLM's two modes split a
# GPU — *colocate* (the engine inside each training process, sharing its GPU, with sleep mode) and *server*
# (`trl vllm-serve` on GPUs of its own) — with the planner's KV-cache arithmetic, and read how the SLURM job starts
# and health-checks the server. The vLLM runs themselves need a GPU: those cells are tagged `gpu`.
#
# ## Concept overview
#
# Each GRPO step samples G answers for every prompt (DeepSeekMath arXiv 2402.03300 §4.1; G = 16 in the full recipe)
# before a single gradient is computed. With transformers' `generate`, that sampling — token by token, with a padded
# batch and no cache sharing — dominates the step. vLLM (Kwon et al., arXiv 2309.06180) is an inference engine
# built for exactly this: PagedAttention stores the KV cache in fixed-size blocks (no fragmentation, no padding),
# continuous batching keeps the GPU busy as sequences finish at different lengths, and prefix caching lets the G
# answers of one prompt share the prompt's cache.
#
# TRL runs vLLM two ways (`vllm_mode`):
#
# | mode | where the engine runs | memory | weight sync |
# |---|---|---|---|
# | `colocate` | inside every training process, on its GPU | `vllm_gpu_memory_utilization` of each GPU is reserved for vLLM; `vllm_enable_sleep_mode` frees it while training | in-process copy |
# | `server` | `trl vllm-serve` on other GPUs (or nodes), one engine, tensor parallel (vLLM refuses data parallelism for dense models) | training GPUs keep all their memory | NCCL broadcast to the server after each step |
#
# ## Code walkthrough
#
# - The recipe keys are TRL's `GRPOConfig` fields: [[labs/grpo-math/recipes/full.yaml:use_vllm]] and
#   [[labs/grpo-math/recipes/full.yaml:vllm_mode]] (server, 8 GPUs: 7 train, 1 serves),
#   [[labs/grpo-math/recipes/gpu.yaml:vllm_mode]] (colocate on one GPU) with `vllm_gpu_memory_utilization`.
# - [[open_r1/train/__init__.py:check_vllm]] refuses `use_vllm: true` where vllm is not installed (the CPU lock never
#   has it), before the model loads.
# - The SLURM runtime ([[open_r1/labs/runtimes/slurm.py:plan_train_job]]) lays out the job: in server mode it starts
#   `trl vllm-serve` on the last node (or on the GPUs left over on one node) with the recipe's tensor parallel size,
#   memory utilization and maximum length, waits for its `/health` endpoint, then starts training with
#   `--vllm_server_host/--vllm_server_port` pointing at it.
# - On one machine (natively, or inside the lab's container, which runs the native runner) the lab runner does the
#   same: [[open_r1/labs/vllm_server.py:plan_local_server]] splits the GPUs (the profile's `num_processes` train, the
#   rest serve), and [[open_r1/labs/vllm_server.py:run_training]] starts the server on its GPUs, waits until
#   `GET /health` and `GET /v1/models` answer (the calls TRL's client makes first), trains against it and stops it.
#   Both runtimes build the server's command line with one function,
#   [[open_r1/labs/vllm_server.py:serve_command]].
# - The planner's vLLM terms: [[open_r1/labs/plan.py:vllm_kv_tokens]] and [[open_r1/labs/plan.py:vllm_fit]].
#
# ## Hands-on
#
# ### 1. What generation costs without vLLM
#
# One GRPO step of the nano recipe samples 8 prompts × 8 answers of up to 48 tokens. Here is that sampling with
# transformers' `generate`, timed in CPU seconds, on the kit's untrained start model `nano://math-init` (same shape
# and tokenizer as the trained one; its answers are random tokens that seldom stop before the 48-token limit, close
# to the worst case a step can meet):

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import re
import tempfile
import time
import warnings
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM

from open_r1.labs.nano_build import ensure_nano_model
from open_r1.models import get_tokenizer
from open_r1.nano.datasets import rows_for

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
model_path = str(ensure_nano_model("nano://math-init"))  # the kit's tokenizer and initial weights (seconds)
tokenizer = get_tokenizer(model_path)
policy = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).eval()
prompts = [
    tokenizer.apply_chat_template(
        [{"role": "user", "content": r["problem"]}], tokenize=False, add_generation_prompt=True
    )
    for r in rows_for("math", "train")[:8]
]
G = 8
enc = tokenizer([p for p in prompts for _ in range(G)], return_tensors="pt", padding=True, padding_side="left")
torch.manual_seed(0)
started = time.process_time()
with torch.no_grad():
    out = policy.generate(
        **enc,
        do_sample=True,
        temperature=1.0,
        top_k=None,
        top_p=None,
        max_new_tokens=48,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
generate_cpu_s = time.process_time() - started
completion = out[:, enc["input_ids"].shape[1] :]
new_tokens = int((completion != tokenizer.pad_token_id).sum())
print(
    f"{len(completion)} completions, {new_tokens} tokens in {generate_cpu_s:.2f} s CPU "
    f"({new_tokens / generate_cpu_s:.0f} tokens/s); padded slots: {completion.numel()}"
)

# %% [markdown]
# At the full recipe's scale (448 completions of up to 1,024 tokens per step) this loop is what vLLM replaces.
#
# ### 2. How the modes split a GPU
#
# The planner knows the KV cache's size per token (2 × layers × KV heads × head dim × 2 bytes in bf16) and how much
# memory vLLM gets. For the one-GPU recipe (Qwen2.5-0.5B, colocate, 30 % of the card) and the 8-GPU recipe
# (Qwen2.5-1.5B, server mode on its own GPU at 90 %):

# %%
from open_r1.labs.plan import GiB, estimate, get_shape, lab_plan, vllm_kv_tokens

for label, model, share in [("gpu.yaml colocate", "Qwen2.5-0.5B", 0.30), ("full.yaml server", "Qwen2.5-1.5B", 0.90)]:
    shape = get_shape(model)
    budget = share * 80 * GiB
    tokens = vllm_kv_tokens(shape, budget)
    print(
        f"{label:18s} {model}: KV {shape.kv_bytes_per_token() / 1024:.0f} KiB/token; {share:.0%} of 80 GiB → "
        f"weights {2 * shape.params() / GiB:.1f} GiB + KV for {tokens:,} tokens "
        f"(= {tokens // 1536:,} sequences of 512 + 1,024 tokens)"
    )

# %% [markdown]
# In colocate mode that share is taken from training: the planner adds it to each training GPU's total. Sleep mode
# (`vllm_enable_sleep_mode: true`) offloads the engine's weights and drops its KV cache during the optimizer step and
# wakes it for the next generation — at the price of reloading them every step.

# %%
from dataclasses import replace

plan = lab_plan("grpo-math", "full")
colocated = replace(plan.setup, vllm_share=0.3)
for label, setup in (("server (vLLM on GPU 8)", plan.setup), ("colocate, 30 % share", colocated)):
    print(f"{label:24s} per training GPU: {estimate(plan.shape, setup).total / GiB:5.1f} GiB of 80")

# %% [markdown]
# ### 3. The SLURM job starts the server and waits for it
#
# Rendered without a cluster, the grpo-math full job on 2 nodes (training on one, `trl vllm-serve` on the other):

# %%
import os

from open_r1.labs.manifest import load_lab
from open_r1.labs.runtimes import slurm

os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # no personal cluster profile in a tutorial
job = slurm.plan_train_job(
    load_lab("grpo-math"), "full", [], Path(tempfile.mkdtemp()) / "run", {"nodes": 2}, slurm.load_cluster_profile(None)
)
script = slurm.render("train.sbatch.j2", **job)
print("server command:", job["vllm"]["command"])
for line in script.splitlines():
    if re.search(r"wait_http|OPEN_R1_VLLM_ARGS=|VLLM_NODES=", line):
        print("   ", line.strip())

# %% [markdown]
# ### 4. On a GPU: colocate and server generation, measured
#
# These cells are tagged `gpu` and are skipped on a CPU (the CPU lock has no vLLM); the GPU smoke script
# (`scripts/gpu_smoke.sh`) runs the same colocate step on a lent GPU and records its time.

# %% tags=["gpu"]
from open_r1.core.paths import project_root
from open_r1.train import parse_training_recipe
from open_r1.train.grpo import train_grpo

recipe = str(project_root() / "labs/grpo-math/recipes/nano.yaml")
work = Path(tempfile.mkdtemp(prefix="vllm-"))
runs = {}
for mode in ("transformers", "colocate"):
    extra = (
        []
        if mode == "transformers"
        else [
            "--use_vllm",
            "true",
            "--vllm_mode",
            "colocate",
            "--vllm_gpu_memory_utilization",
            "0.2",
            "--vllm_enable_sleep_mode",
            "true",
        ]
    )
    args = f"--output_dir {work}/{mode} --max_steps 6 --heldout_samples 0 --save_strategy no --use_cpu false".split()
    started = time.time()
    train_grpo(*parse_training_recipe("grpo", recipe, args + extra), recipe_path=recipe)
    runs[mode] = time.time() - started
print({k: f"{v:.0f} s" for k, v in runs.items()})

# %% tags=["gpu"]
import sys

from open_r1.labs.vllm_server import ServerPlan, running_server, serve_command, trl_executable

trained_path = str(ensure_nano_model("nano://math"))
# One GPU here: the server takes 30 % of it and training the rest (on 2+ GPUs the runner gives each side its own).
settings = {"model_name_or_path": trained_path, "vllm_gpu_memory_utilization": 0.3}
plan = ServerPlan(
    command=serve_command(settings, trl=trl_executable(sys.executable), gpus=1, port=8011),
    port=8011,
    serve_devices=["0"],
    train_devices=["0"],
    startup_timeout_s=600,
)
args = (
    f"--output_dir {work}/server --max_steps 6 --heldout_samples 0 --save_strategy no --use_cpu false "
    f"--use_vllm true --vllm_mode server {' '.join(plan.trainer_args())}"
).split()
with running_server(plan, Path(work) / "server") as record:  # started, waited for, stopped on the way out
    print(f"server ready after {record['ready_after_s']} s")
    print(train_grpo(*parse_training_recipe("grpo", recipe, args), recipe_path=recipe)["train"])

# %% [markdown]
# ## Deep dive
#
# **Why generation dominates.** A training step is a few large matrix products per token, done once for the whole
# batch in parallel; generation is the same products done *sequentially*, one token at a time, each reading the
# whole KV cache. On a GPU this makes generation memory-bandwidth-bound; vLLM's paged cache and continuous batching
# keep the memory traffic useful. **Weight sync.** After every optimizer step the sampler must use the new policy
# (GRPO is on-policy). In server mode TRL broadcasts the updated weights over NCCL to the server (a
# `trl vllm-serve` endpoint, `/init_communicator/`, then `/update_named_param/`); in colocate mode it loads them into
# the in-process engine. **Importance sampling.** vLLM's sampling kernels are not bit-identical to the trainer's
# forward pass; TRL 1.16 corrects the small mismatch with truncated importance weights
# (`vllm_importance_sampling_correction`, on by default).
#
# ## Pitfalls and debugging
#
# - *`use_vllm: true` on a machine without vLLM* is refused before loading:

# %%
from open_r1.core.errors import ConfigError
from open_r1.core.paths import project_root
from open_r1.train import parse_training_recipe

try:
    parse_training_recipe(
        "grpo",
        str(project_root() / "labs/grpo-math/recipes/nano.yaml"),
        ["--use_vllm", "true", "--vllm_mode", "colocate"],
    )
except ConfigError as err:
    print("error:", err)

# %% [markdown]
# - *Server never ready*: the job log says `waiting for vLLM at …` and the job ends after the health check's
#   timeout; a native run stops with the last lines of `<run>/vllm-serve.log` (after `$OPEN_R1_VLLM_STARTUP_TIMEOUT`
#   seconds, 900 by default, or at once if the server exits). Look at the server's own log (model download blocked offline, too little memory for the KV cache: lower
#   `vllm_max_model_length` or raise `vllm_gpu_memory_utilization`).
# - *Colocate out of memory*: the share is reserved on every training GPU; with ZeRO-3 the training side is small,
#   but the logits of long completions are not (see `open-r1 plan`). Sleep mode or a smaller share helps.
# - *A model that never stops under vLLM*: its generation config must carry the EOS the chat template ends a turn
#   with; the project's final save sets it ([[open_r1/train/common.py:finish_model]]).
#
# ## Exercises
#
# **Exercise 1.** Compute the KV cache per token of Qwen2.5-1.5B by hand (28 layers, 2 KV heads, head dim
# 1536 / 12, bf16, K and V) and check it against the planner's shape.

# %% tags=["solution"]
layers, kv_heads, head_dim = 28, 2, 1536 // 12
kv_bytes = 2 * layers * kv_heads * head_dim * 2
print(f"{kv_bytes} bytes = {kv_bytes / 1024:.0f} KiB per token")

# %% tags=["check"]
assert kv_bytes == get_shape("Qwen2.5-1.5B").kv_bytes_per_token()
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** In the rendered SLURM script, the port the health check waits on must be the port the trainer is
# told to use. Extract both from `script` and compare them.

# %% tags=["solution"]
health_port = re.search(r'wait_http "http://\$\{VLLM_ADDR\}:(\d+)/health"', script).group(1)
trainer_port = re.search(r"--vllm_server_port (\d+)", script).group(1)
print(health_port, trainer_port)

# %% tags=["check"]
assert health_port == trainer_port == str(job["vllm"]["port"])
print("exercise 2: ok")
