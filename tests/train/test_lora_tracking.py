"""LoRA / QLoRA options and experiment tracking through the real trainers on the nano model.

One shrunk nano GRPO run with LoRA (`labs/grpo-math/recipes/nano-lora.yaml`, 2 steps, 20 held-out problems) and
`report_to: [wandb, tensorboard]` with WANDB_MODE unset and a fake WANDB_API_KEY in the environment serves every
check below: only the adapter trains (trainable < total, the count peft's LoRA arithmetic predicts), the final save
is the adapter, `open-r1 merge` folds it into a full model that loads without peft and matches the adapter model,
W&B wrote an offline run whose summary holds the training metrics, and the secret appears in no file and no log.
The option checks (4-bit without a CUDA backend, LoRA keys without use_peft) run without loading anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from open_r1.core.errors import ConfigError
from open_r1.core.paths import project_root

RECIPE = str(project_root() / "labs" / "grpo-math" / "recipes" / "nano-lora.yaml")
PLAIN = str(project_root() / "labs" / "grpo-math" / "recipes" / "nano.yaml")
SECRET = "wandb-test-secret-0123456789abcdef"
SHRINK = ["--max_steps", "2", "--heldout_samples", "20", "--logging_steps", "1", "--save_strategy", "no"]


def parse(recipe: str, *overrides: str):
    from open_r1.train import parse_training_recipe

    return parse_training_recipe("grpo", recipe, list(overrides))


# ---------------------------------------------------------------------------------------------------------------
# Options that would be ignored or cannot run here: refused before anything loads


def test_4bit_without_bitsandbytes_fails_naming_the_option():
    with pytest.raises(ConfigError) as err:
        parse(RECIPE, "--load_in_4bit", "true", "--dtype", "bfloat16")
    message = str(err.value)
    assert "key 'load_in_4bit'" in message and "nano-lora.yaml" in message and "\n" not in message


def test_4bit_without_cuda_fails_even_with_bitsandbytes(monkeypatch):
    """The branch a CPU machine with bitsandbytes installed takes: the kernels need CUDA."""
    import importlib.util

    from open_r1 import models

    real = importlib.util.find_spec
    monkeypatch.setattr(models.importlib.util, "find_spec", lambda n: object() if n == "bitsandbytes" else real(n))
    _, _, model_args = parse(RECIPE)
    model_args.load_in_4bit, model_args.dtype = True, "bfloat16"
    with pytest.raises(ConfigError, match="no CUDA device"):
        models.check_adapter_options(model_args, {"load_in_4bit"}, file="r.yaml", cuda_available=False)
    models.check_adapter_options(model_args, {"load_in_4bit"}, file="r.yaml", cuda_available=True)  # a GPU box


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["--lora_r", "4"], "lora_r"),  # LoRA key, no use_peft: would be ignored
        (["--bnb_4bit_quant_type", "fp4"], "bnb_4bit_quant_type"),  # 4-bit detail, no load_in_4bit
        (["--load_in_8bit", "true"], "load_in_8bit"),  # quantized, nothing to train (no use_peft)
    ],
)
def test_ignored_or_contradictory_options_fail(overrides, key):
    with pytest.raises(ConfigError, match=f"key '{key}'"):
        parse(PLAIN, *overrides)


def test_lora_recipe_builds_a_peft_config():
    from peft import LoraConfig

    from open_r1.models import peft_config, quantization_config

    _, _, model_args = parse(RECIPE)
    config = peft_config(model_args)
    assert isinstance(config, LoraConfig) and config.r == 8 and config.lora_alpha == 16
    assert quantization_config(model_args) is None
    assert peft_config(parse(PLAIN)[2]) is None


# ---------------------------------------------------------------------------------------------------------------
# One real LoRA GRPO run with W&B offline


@pytest.fixture(scope="module")
def lora_run(nano_model, tmp_path_factory):
    import yaml

    root = tmp_path_factory.mktemp("lora")
    out = root / "run"
    # report_to is a list in a recipe (the command line takes one name): the LoRA recipe with both trackers
    recipe = yaml.safe_load(Path(RECIPE).read_text())
    recipe["report_to"] = ["wandb", "tensorboard"]
    (root / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env.update(WANDB_API_KEY=SECRET, WANDB_RUN_GROUP="lora-tests", HF_HUB_OFFLINE="1")
    config = str(root / "recipe.yaml")
    cmd = [sys.executable, "-m", "open_r1", "train", "grpo", "--config", config, "--output_dir", str(out), *SHRINK]
    cmd += ["--run_name", "nano-lora-test"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out, proc.stdout + proc.stderr


def expected_lora_parameters(model_dir: Path, rank: int) -> int:
    """r·(in + out) for every nn.Linear peft's "all-linear" adapts (every linear layer but the output head)."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(model_dir)
    return sum(
        rank * (m.in_features + m.out_features)
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.Linear) and not name.endswith("lm_head")
    )


def test_only_the_adapter_trains_and_is_saved(lora_run, nano_model):
    out, _ = lora_run
    card = json.loads((out / "run_card.json").read_text())
    params = card["metrics"]["parameters"]
    assert params["adapter"] == "lora"
    assert params["trainable"] == expected_lora_parameters(nano_model, rank=8)
    assert params["total"] - params["trainable"] == sum(
        p.numel() for p in __import__("transformers").AutoModelForCausalLM.from_pretrained(nano_model).parameters()
    )
    assert card["metrics"]["saved"]["kind"] == "adapter"
    assert (out / "adapter_config.json").exists() and (out / "adapter_model.safetensors").exists()
    assert not (out / "model.safetensors").exists(), "a LoRA run saves the adapter, not a full copy of the model"
    from safetensors.torch import load_file

    weights = load_file(out / "adapter_model.safetensors")
    lora_b = [t for name, t in weights.items() if "lora_B" in name]
    assert lora_b and all("lora_" in name for name in weights)
    # B starts at zero (peft's init): any non-zero B is the optimizer's work
    assert any(float(t.abs().max()) > 0 for t in lora_b)
    for phase in ("heldout_before", "heldout_after"):
        assert card["metrics"][phase]["n"] == 20


def test_merge_gives_a_full_model_equal_to_the_adapter_model(lora_run, nano_model):
    import torch
    from transformers import AutoModelForCausalLM

    out, _ = lora_run
    merged_dir = out.parent / "merged"
    proc = subprocess.run(
        [sys.executable, "-m", "open_r1", "merge", str(out), "--output", str(merged_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((merged_dir / "merge_report.json").read_text())
    assert report["max_logit_difference"] < 1e-4
    assert not (merged_dir / "adapter_config.json").exists()
    merged = AutoModelForCausalLM.from_pretrained(merged_dir)
    base = AutoModelForCausalLM.from_pretrained(nano_model)
    assert report["merged_parameters"] == sum(p.numel() for p in base.parameters())
    ids = torch.tensor([[5, 17, 42, 9, 3]])
    with torch.no_grad():
        moved = (merged(ids).logits - base(ids).logits).abs().max()
    assert moved > 0, "the merged model equals the base: the adapter was not folded in"


def test_wandb_offline_run_is_recorded_without_secrets(lora_run):
    out, log = lora_run
    card = json.loads((out / "run_card.json").read_text())
    wandb_block = card["metrics"]["tracking"]["wandb"]
    assert wandb_block["mode"] == "offline" and wandb_block["group"] == "lora-tests"
    assert wandb_block["name"] == "nano-lora-test" and wandb_block["project"] == "open-r1"
    folder = Path(wandb_block["folder"])
    assert folder.is_dir() and folder.name.startswith("offline-run-") and folder.name.endswith(wandb_block["id"])
    assert (folder / f"run-{wandb_block['id']}.wandb").stat().st_size > 0
    from open_r1.train.tracking import read_offline_run

    offline = read_offline_run(folder)
    steps = [row for row in offline["history"] if "train/loss" in row]
    assert [row["train/global_step"] for row in steps] == [1, 2]  # logging_steps 1, max_steps 2
    assert all("train/reward" in row and "train/completions/mean_length" in row for row in steps)
    assert offline["summary"]["heldout_after/accuracy"] == card["metrics"]["heldout_after"]["accuracy"]
    assert "WANDB_API_KEY" in card["metrics"]["tracking"]["secrets_set"]
    assert list((out / "runs").rglob("events.out.tfevents.*")), "tensorboard wrote no event file"
    leaks = [str(p) for p in out.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert not leaks and SECRET not in log, leaks
