"""open-r1 recipe compatibility: every open-r1 recipe family maps to a recipe this project parses, key by key.

The inputs are recipes in open-r1's own format (tests/openr1_recipes/, one per upstream recipe family). Each is
mapped by open_r1.core.openr1_recipes, then parsed by open_r1.core.configs.parse_recipe with TRL's cross-field rules
as on the GPU hosts they were written for (bf16 available, 8 GPUs for SFT, 7 training GPUs + 1 vLLM for GRPO).
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest
import transformers
import transformers.training_args
import yaml
from trl import GRPOConfig, SFTConfig

from open_r1.core.configs import OpenR1RecipeWarning, load_yaml, parse_recipe, recipe_keys
from open_r1.core.openr1_recipes import guess_kind, is_open_r1_recipe, map_open_r1_recipe
from open_r1.core.paths import project_root
from open_r1.rewards import validate_reward_config

RECIPES = project_root() / "tests" / "openr1_recipes"
# nano_grpo.yaml is the nano counterpart (tested below); fidelity.yaml is the table tests/test_recipe_fidelity.py reads.
NOT_FAMILIES = {"nano_grpo.yaml", "fidelity.yaml"}
FAMILIES = sorted(p.name for p in RECIPES.glob("*.yaml") if p.name not in NOT_FAMILIES)
TRAINERS = {"grpo": GRPOConfig, "sft": SFTConfig}


@pytest.fixture
def gpu_host(monkeypatch):
    """TrainingArguments sees a bf16 GPU and the world size of the upstream launch (8 SFT ranks, 7 GRPO ranks)."""

    def apply(kind: str) -> None:
        size = 7 if kind == "grpo" else 8
        monkeypatch.setattr(transformers.TrainingArguments, "world_size", property(lambda self: size))
        monkeypatch.setattr(transformers.training_args, "is_torch_bf16_gpu_available", lambda: True)

    return apply


def mapped(name: str):
    raw = load_yaml(RECIPES / name)
    kind = guess_kind(raw)
    return raw, map_open_r1_recipe(raw, kind, recipe_keys(TRAINERS[kind]))


def test_every_open_r1_recipe_family_is_covered():
    assert len(FAMILIES) >= 8, FAMILIES
    kinds = {guess_kind(load_yaml(RECIPES / name)) for name in FAMILIES}
    assert kinds == {"grpo", "sft"}


@pytest.mark.parametrize("name", FAMILIES)
def test_open_r1_recipe_maps_and_parses(name, gpu_host, tmp_path, monkeypatch):
    raw, mapping = mapped(name)
    assert is_open_r1_recipe(raw)
    # Every open-r1 key is accounted for exactly once: kept, mapped or dropped, each non-kept one with a reason.
    assert sorted(e.key for e in mapping.entries) == sorted(raw), name
    assert all(e.reason for e in mapping.changed)
    assert not set(mapping.recipe) - recipe_keys(TRAINERS[mapping.kind])
    # The mapped recipe parses with TRL's cross-field rules on the hardware it was written for.
    gpu_host(mapping.kind)
    path = tmp_path / "mapped.yaml"
    path.write_text(yaml.safe_dump(mapping.recipe, sort_keys=False))
    monkeypatch.setattr(os, "environ", dict(os.environ))  # the recipe's env: (W&B names) stays in this test
    script, training, model = parse_recipe(TRAINERS[mapping.kind], str(path), [])
    assert model.dtype == raw["torch_dtype"]
    if "dataset_prompt_column" in raw:
        assert script.prompt_column == raw["dataset_prompt_column"]
    if mapping.kind == "grpo":
        validate_reward_config(script.reward_funcs, script.reward_params, training.reward_weights, file=str(path))
    if "warmup_ratio" in raw:
        assert training.warmup_steps == raw["warmup_ratio"]


def test_reward_keys_reach_reward_parameters_with_open_r1_defaults():
    _, cf = mapped("grpo_codeforces.yaml")
    assert cf.recipe["reward_params"]["cf_code"] == {
        "scoring_mode": "weighted_sum",
        "patch": False,
        "provider": "piston",
    }
    assert cf.recipe["scale_rewards"] == "none" and cf.recipe["loss_type"] == "dr_grpo"
    assert cf.recipe["env"] == {"WANDB_ENTITY": "huggingface", "WANDB_PROJECT": "open-r1"}
    assert cf.recipe["push_checkpoints"] is True and cf.recipe["hub_model_revision"] == "v01.00"
    assert cf.recipe["benchmarks"] == ["lcb_v4"]
    dropped = {e.key: e.reason for e in cf.entries if e.action == "dropped"}
    assert set(dropped) >= {"vllm_device", "max_prompt_length", "overwrite_output_dir", "code_eval_test_batch_size"}

    _, ioi = mapped("grpo_ioi.yaml")
    assert ioi.recipe["reward_params"]["ioi_code"] == {"provider": "piston", "test_batch_size": 3, "patch": False}
    assert ioi.recipe["reward_params"]["code_format"] == {"language": "cpp"}

    _, every = mapped("grpo_cosine.yaml")
    params = every.recipe["reward_params"]
    # Given values win; unset ones take open-r1's default (min_value_wrong is 0.0 upstream, -1.0 here).
    assert params["cosine"] == {
        "min_value_wrong": -0.2, "max_value_wrong": -0.5, "min_value_correct": 0.5, "max_value_correct": 1.0,
        "max_len": 2048,
    }  # fmt: skip
    assert params["repetition_penalty"] == {"ngram_size": 4, "max_penalty": -0.5, "language": "en"}
    assert params["length"] == {"group_by": "batch"}
    assert params["soft_overlong_punishment"] == {"max_completion_len": 4096, "soft_punish_cache": 512}
    assert params["code"] == {"provider": "e2b", "num_parallel": 8, "router_url": "http://router-host:8000"}
    actions = {e.key: e.action for e in every.entries}
    assert actions["morph_router_url"] == "dropped"  # the code reward runs on e2b, not morph
    assert actions["ioi_provider"] == "dropped"  # no ioi_code reward named

    _, math = mapped("grpo_math.yaml")
    assert "cosine" not in math.recipe.get("reward_params", {})


def test_a_cosine_reward_without_cosine_keys_gets_open_r1_defaults():
    raw = {"model_name_or_path": "m", "dataset_name": "d", "reward_funcs": ["cosine"], "torch_dtype": "bfloat16"}
    mapping = map_open_r1_recipe(raw, "grpo", recipe_keys(GRPOConfig))
    assert mapping.recipe["reward_params"]["cosine"]["min_value_wrong"] == 0.0


def test_train_reads_an_open_r1_recipe_with_one_warning_per_changed_key(tmp_path):
    path = RECIPES / "grpo_code.yaml"
    raw, mapping = mapped("grpo_code.yaml")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            parse_recipe(GRPOConfig, str(path), ["--output_dir", str(tmp_path)])
        except Exception:  # noqa: BLE001 -- bf16 on this CPU host: the warnings come before TRL's hardware rules
            pass
    ours = [w for w in caught if issubclass(w.category, OpenR1RecipeWarning)]
    assert len(ours) == len(mapping.changed) > 5
    assert any("dataset_prompt_column" in str(w.message) and "prompt_column" in str(w.message) for w in ours)


def test_project_recipes_are_not_taken_for_open_r1_recipes():
    for lab in ("grpo-math", "grpo-code", "distill", "fsdp-32b"):
        assert not is_open_r1_recipe(load_yaml(project_root() / "labs" / lab / "recipes" / "full.yaml")), lab


def test_recipe_import_command_writes_a_recipe_and_reports_every_key(tmp_path):
    out = tmp_path / "imported.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "open_r1", "recipe", "import", str(RECIPES / "grpo_ioi.yaml"), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "mapped  dataset_prompt_column: 'problem' -> prompt_column='problem'" in proc.stderr
    assert "dropped max_prompt_length" in proc.stderr
    recipe = yaml.safe_load(out.read_text())
    assert recipe["reward_params"]["ioi_code"]["test_batch_size"] == 3
    assert out.read_text().startswith("# Imported from the open-r1 recipe")
    assert not is_open_r1_recipe(recipe)


@pytest.mark.slow
def test_train_runs_an_open_r1_format_nano_recipe(nano_cache, tmp_path):
    """`open-r1 train grpo` on a recipe written with open-r1's keys: warnings, then a real (2-step) nano run."""
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    proc = subprocess.run(
        [sys.executable, "-m", "open_r1", "train", "grpo", "--config", str(RECIPES / "nano_grpo.yaml"),
         "--output_dir", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count("OpenR1RecipeWarning") == 6, proc.stderr[-3000:]
    card = yaml.safe_load((tmp_path / "run" / "run_card.json").read_text())
    assert card["config"]["script"]["prompt_column"] == "problem"
    assert card["metrics"]["global_step"] == 2
    assert (tmp_path / "run" / "model.safetensors").exists()
