#!/usr/bin/env bash
# GPU smoke test: the nano grpo-math lab on CUDA, through the same code path as the CPU run and the full recipe.
#
# WHAT: on any machine with an NVIDIA GPU and the project installed (a lab image, or `just setup` on a GPU box),
#   1. records the GPU, driver and package versions and runs `open-r1 doctor`;
#   2. builds the nano kit (on the CPU, as everywhere, so the artifact digest matches the CPU machines');
#   3. runs the nano GRPO lab with the policy on the GPU in bf16 (`--use_cpu false --bf16 true`) and keeps its run
#      card, metrics and held-out results;
#   4. runs a short GRPO twice with the same seed and compares the logged metrics (same seed, same machine, same
#      metrics: a CUDA kernel without a deterministic path would show up here).
# WHY: the unit tests run on CPUs only; this is the check that the training stack (torch CUDA build, TRL, accelerate)
#   really trains on a GPU before anyone spends cluster hours on the full recipe.
# HOW: plain `open-r1` commands; `timeout` bounds every step so a hang cannot eat a GPU lease.
# DATA FLOW: writes <out>/{env.txt, doctor.txt, run/ (run card, metrics.jsonl, eval_results.json), determinism.txt,
#   part2.txt and lora/ qlora/ plain/ vllm/ wandb/ (one shortened nano GRPO run each, with its run card),
#   gpu-profile.txt and gpu-profile/ (the grpo-math one-GPU profile for a few steps, when its model is at hand)}.
#
# Usage: scripts/gpu_smoke.sh [OUT_DIR]   (default runs/gpu-smoke)
set -euo pipefail

out=${1:-runs/gpu-smoke}
mkdir -p "$out"
python=${PYTHON:-python3}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/env.txt"
"$python" - <<'EOF' | tee -a "$out/env.txt"
import importlib.metadata as metadata
import sys

import torch

print("python", sys.version.split()[0])
for name in ("torch", "transformers", "trl", "accelerate", "datasets", "pyarrow", "math-verify", "tokenizers"):
    try:
        print(name, metadata.version(name))
    except metadata.PackageNotFoundError:
        print(name, "MISSING")
print("cuda build", torch.version.cuda, "| device", torch.cuda.get_device_name(0))
x = torch.randn(4096, 4096, device="cuda", dtype=torch.bfloat16)
assert torch.isfinite(x @ x).all(), "a bf16 matmul on the GPU gave non-finite values"
EOF

"$python" -m open_r1 doctor 2>&1 | tee "$out/doctor.txt" || echo "doctor reported problems (see doctor.txt)"

SECONDS=0
timeout 300 "$python" -m open_r1 nano build math
echo "nano kit built in ${SECONDS}s" | tee -a "$out/env.txt"

SECONDS=0
timeout 420 "$python" -m open_r1 lab run grpo-math --profile nano --run-dir "$out/run" -- --use_cpu false --bf16 true
echo "nano grpo-math on the GPU in ${SECONDS}s" | tee -a "$out/env.txt"

# Determinism: two short runs, same seed, compare every logged metric.
for attempt in a b; do
    timeout 180 "$python" -m open_r1 train grpo --config labs/grpo-math/recipes/nano.yaml \
        --output_dir "$out/det-$attempt" --use_cpu false --bf16 true --max_steps 10 --logging_steps 1 \
        --heldout_samples 0 --save_strategy no
done
"$python" - "$out" <<'EOF' | tee "$out/determinism.txt"
import json
import sys
from pathlib import Path

out = Path(sys.argv[1])
runs = [[json.loads(line) for line in (out / f"det-{a}" / "metrics.jsonl").read_text().splitlines()] for a in "ab"]
keys = sorted({k for row in runs[0] for k, v in row.items() if isinstance(v, (int, float)) and "time" not in k and "per_second" not in k})
worst = 0.0
for row_a, row_b in zip(*runs):
    for key in keys:
        if key in row_a and key in row_b:
            worst = max(worst, abs(row_a[key] - row_b[key]) / max(1e-12, abs(row_a[key])))
print(f"{len(runs[0])} logged steps, {len(keys)} metrics: largest relative difference between two seeded runs {worst:.3g}")
EOF

# ---------------------------------------------------------------------------------------------------------------
# Part 2 features (tutorials 8, 9, 12), each bounded by `timeout` and measured on the same nano model:
#   lora/     LoRA GRPO (labs/grpo-math/recipes/nano-lora.yaml) on the GPU: adapter only, trainable/total in the card
#   qlora/    the same with the base loaded in 4-bit NF4 (bitsandbytes; the GPU image's lock has it)
#   vllm/     GRPO with vLLM generating in colocate mode (20 % of the GPU, sleep mode), against plain/ (transformers)
#   wandb/    report_to wandb with WANDB_MODE unset: an offline W&B run inside the run folder
# A failing step is recorded in part2.txt and the script goes on, so one missing package does not hide the others.
part2() {  # part2 <name> <timeout s> <extra args...>: one shortened nano GRPO run into $out/<name>
    local name=$1 limit=$2
    shift 2
    SECONDS=0
    if timeout "$limit" "$python" -m open_r1 train grpo --config "$recipe" --output_dir "$out/$name" \
        --use_cpu false --max_steps 10 --logging_steps 1 --heldout_samples 100 --save_strategy no "$@" \
        >"$out/$name.log" 2>&1; then
        echo "$name: ok in ${SECONDS}s" | tee -a "$out/part2.txt"
    else
        echo "$name: FAILED after ${SECONDS}s (see $name.log)" | tee -a "$out/part2.txt"
    fi
}
: >"$out/part2.txt"
recipe=labs/grpo-math/recipes/nano-lora.yaml
part2 lora 300 --bf16 true
part2 qlora 300 --bf16 true --dtype bfloat16 --load_in_4bit true
recipe=labs/grpo-math/recipes/nano.yaml
part2 plain 300 --bf16 true --heldout_samples 0
part2 vllm 420 --bf16 true --heldout_samples 0 --use_vllm true --vllm_mode colocate \
    --vllm_gpu_memory_utilization 0.2 --vllm_enable_sleep_mode true
# W&B: offline by default (no key, no network): WANDB_MODE is unset on purpose; the group names this smoke run
unset WANDB_MODE
export WANDB_RUN_GROUP=gpu-smoke
part2 wandb 300 --bf16 true --report_to wandb
"$python" - "$out" <<'EOF' | tee -a "$out/part2.txt"
import json
import sys
from pathlib import Path

out = Path(sys.argv[1])
for name in ("lora", "qlora", "plain", "vllm", "wandb"):
    card = out / name / "run_card.json"
    if not card.exists():
        print(f"{name}: no run card")
        continue
    m = json.loads(card.read_text())["metrics"]
    before, after = m.get("heldout_before") or {}, m.get("heldout_after") or {}
    print(json.dumps({"run": name, "wall_s": m.get("wall_s"), "parameters": m.get("parameters"),
                      "saved": (m.get("saved") or {}).get("kind"), "tracking": m.get("tracking"),
                      "heldout_accuracy": [before.get("accuracy"), after.get("accuracy")]}))
EOF

# ---------------------------------------------------------------------------------------------------------------
# Part 3 (the one-GPU profile): `open-r1 lab run grpo-math --profile gpu` for 5 steps in bf16, with colocated vLLM
# when vLLM is installed (transformers generation otherwise), and its step time and peak GPU memory set beside the
# planner's per-GPU estimate (the run card's profile_choice). Its model comes from the Hub: a machine that cannot
# reach it and has no cached copy records the skip instead.
gpu_model=$("$python" -c "import yaml; print(yaml.safe_load(open('labs/grpo-math/recipes/gpu.yaml'))['model_name_or_path'])")
if "$python" -c "import sys; from huggingface_hub import snapshot_download; snapshot_download(sys.argv[1])" \
    "$gpu_model" >/dev/null 2>&1; then
    vllm_args=()
    "$python" -c "import vllm" 2>/dev/null || vllm_args=(--use_vllm false)
    SECONDS=0
    timeout 900 "$python" -m open_r1 lab run grpo-math --profile gpu --run-dir "$out/gpu-profile" -- \
        --max_steps 5 --logging_steps 1 --heldout_samples 0 --save_strategy no "${vllm_args[@]}" \
        >"$out/gpu-profile.log" 2>&1 || echo "gpu profile: FAILED after ${SECONDS}s (see gpu-profile.log)"
    "$python" - "$out" <<'EOF' | tee "$out/gpu-profile.txt"
import json
import sys
from pathlib import Path

card = json.loads((Path(sys.argv[1]) / "gpu-profile" / "run_card.json").read_text())
m = card["metrics"]
planned = [f["gib_per_gpu"] for f in card["profile_choice"]["fits"] if f["profile"] == "gpu"]
print(json.dumps({"step_s": round(m["train"]["train_runtime"] / max(m["global_step"], 1), 2),
                  "peak_gpu_memory": m.get("peak_gpu_memory"), "planner_gib_per_gpu": planned[0] if planned else None,
                  "use_vllm": card["config"]["training"].get("use_vllm")}))
EOF
else
    echo "gpu profile: skipped, $gpu_model is neither cached nor downloadable here" | tee "$out/gpu-profile.txt"
fi
