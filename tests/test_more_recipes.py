"""The recipes beyond the labs' own profiles: OlympicCoder-7B SFT, IOI GRPO, Codeforces GRPO, R1-Distill GRPO.

Each full recipe (its fidelity to open-r1 is in tests/test_recipe_fidelity.py) parses with TRL's cross-field rules
as launched (bf16 GPUs; 8 SFT ranks, 7 GRPO ranks beside the vLLM GPU), rewards checked against the registry; each
nano counterpart runs a few real steps on a CPU through `open-r1 train`, the same code path.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import transformers
import transformers.training_args

from open_r1.core.configs import parse_recipe
from open_r1.core.paths import project_root
from open_r1.rewards import validate_reward_config
from open_r1.train import parse_training_recipe, trainer_config_class

ROOT = project_root()
RECIPES = [  # (kind, full recipe, nano counterpart)
    ("sft", "labs/distill/recipes/olympiccoder-7b.yaml", "labs/distill/recipes/olympiccoder-7b-nano.yaml"),
    ("grpo", "labs/grpo-code/recipes/ioi.yaml", "labs/grpo-code/recipes/ioi-nano.yaml"),
    ("grpo", "labs/grpo-code/recipes/codeforces.yaml", "labs/grpo-code/recipes/codeforces-nano.yaml"),
    ("grpo", "labs/grpo-math/recipes/r1-distill.yaml", "labs/grpo-math/recipes/r1-distill-nano.yaml"),
]


@pytest.mark.parametrize("kind, full, nano", RECIPES, ids=[r[1].split("/")[-1] for r in RECIPES])
def test_full_and_nano_recipes_parse(kind, full, nano, monkeypatch, tmp_path):
    _, _, nano_model = parse_training_recipe(kind, str(ROOT / nano), ["--output_dir", str(tmp_path / "nano")])
    assert nano_model.model_name_or_path.startswith("nano://")
    size = 7 if kind == "grpo" else 8
    monkeypatch.setattr(transformers.TrainingArguments, "world_size", property(lambda self: size))
    monkeypatch.setattr(transformers.training_args, "is_torch_bf16_gpu_available", lambda: True)
    # The config classes' own rules (parse_training_recipe also wants vLLM installed: the GPU image has it).
    script, training, model = parse_recipe(
        trainer_config_class(kind), str(ROOT / full), ["--output_dir", str(tmp_path)]
    )
    if kind == "grpo":
        validate_reward_config(script.reward_funcs, script.reward_params, training.reward_weights, file=full)
    assert training.bf16 and not model.model_name_or_path.startswith("nano://")


@pytest.mark.slow
@pytest.mark.parametrize("kind, full, nano", RECIPES, ids=[r[2].split("/")[-1] for r in RECIPES])
def test_nano_counterpart_trains(kind, full, nano, nano_cache, tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "open_r1", "train", kind, "--config", nano, "--output_dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    card = json.loads((out / "run_card.json").read_text())
    assert card["metrics"]["global_step"] == card["config"]["training"]["max_steps"]
    logged = "".join((out / "metrics.jsonl").read_text().splitlines())
    for reward in card["config"]["script"]["reward_funcs"] if kind == "grpo" else []:
        assert f"rewards/{reward}/mean" in logged, reward
