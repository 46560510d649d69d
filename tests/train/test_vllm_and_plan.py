"""vLLM settings from the recipe reach TRL and the SLURM server; the planner's LoRA / QLoRA arithmetic.

No model is loaded: the recipe checks run before loading, the SLURM job is rendered without a cluster, and the
planner's adapter count is compared with peft's on a randomly initialised small Qwen2.
"""

from __future__ import annotations

import pytest

from open_r1.core import configs
from open_r1.core.errors import ConfigError
from open_r1.core.paths import project_root
from open_r1.labs.manifest import load_lab
from open_r1.labs.plan import GiB, ModelShape, Setup, estimate, lab_plan
from open_r1.labs.runtimes import slurm

GRPO_FULL = "grpo-math/recipes/full.yaml"


@pytest.fixture(autouse=True)
def no_user_profile(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(slurm.PROFILE_ENV, raising=False)


def test_use_vllm_without_vllm_fails_before_loading(monkeypatch):
    import importlib.util

    from open_r1.train import parse_training_recipe

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "vllm" else real(name, *a))
    recipe = str(project_root() / "labs" / "grpo-math" / "recipes" / "nano.yaml")
    with pytest.raises(ConfigError, match="key 'use_vllm'"):
        parse_training_recipe("grpo", recipe, ["--use_vllm", "true", "--vllm_mode", "colocate"])


def test_slurm_vllm_server_takes_the_recipes_settings(tmp_path, monkeypatch):
    real = configs.load_yaml

    def with_vllm_keys(path):
        data = real(path)
        if str(path).endswith(GRPO_FULL):
            data.update(vllm_tensor_parallel_size=2, vllm_gpu_memory_utilization=0.85, vllm_max_model_length=4096)
        return data

    monkeypatch.setattr(configs, "load_yaml", with_vllm_keys)
    cluster = slurm.load_cluster_profile(None)
    plan = slurm.plan_train_job(load_lab("grpo-math"), "full", [], tmp_path / "run", {"nodes": 2}, cluster)
    command = plan["vllm"]["command"]
    # one engine of TP 2 on the 8-GPU vLLM node (vLLM refuses data parallelism for dense models); 6 GPUs idle, said
    assert "--tensor_parallel_size 2" in command and "--data_parallel_size 1" in command
    assert any("uses 2 of its 8 GPUs" in w for w in plan["vllm"]["warnings"])
    assert "--gpu_memory_utilization 0.85" in command and "--max_model_len 4096" in command
    text = slurm.render("train.sbatch.j2", **plan)
    assert "/health" in text  # the job waits for the server before training starts


def test_slurm_vllm_server_defaults_without_recipe_keys(tmp_path):
    plan = slurm.plan_train_job(
        load_lab("grpo-math"), "full", [], tmp_path / "run", {"nodes": 2}, slurm.load_cluster_profile(None)
    )
    command = plan["vllm"]["command"]
    assert "--tensor_parallel_size 1" in command and "--gpu_memory_utilization" not in command


def test_planner_counts_lora_parameters_like_peft():
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Qwen2Config, Qwen2ForCausalLM

    shape = ModelShape("small", hidden=64, intermediate=160, layers=3, heads=4, kv_heads=2, vocab=100, tied=True)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(
        Qwen2Config(
            vocab_size=100,
            hidden_size=64,
            intermediate_size=160,
            num_hidden_layers=3,
            num_attention_heads=4,
            num_key_value_heads=2,
            tie_word_embeddings=True,
        )
    )
    assert sum(p.numel() for p in model.parameters()) == shape.params()
    peft_model = get_peft_model(model, LoraConfig(r=4, target_modules="all-linear"))
    assert sum(p.numel() for p in peft_model.parameters() if p.requires_grad) == shape.lora_params(4)


def test_lora_and_qlora_shrink_model_states():
    from open_r1.labs.plan import get_shape

    shape = get_shape("Qwen2.5-7B")
    full = estimate(shape, Setup(strategy="ddp", gpus_per_node=1))
    lora = estimate(shape, Setup(strategy="ddp", gpus_per_node=1, lora_rank=64))
    qlora = estimate(shape, Setup(strategy="ddp", gpus_per_node=1, lora_rank=64, weight_bits=4))
    assert qlora.model_states < lora.model_states < full.model_states
    adapter = shape.lora_params(64)
    assert lora.gradients == 4 * adapter and lora.optimizer == 8 * adapter
    assert qlora.weights == pytest.approx(shape.params() * 4.127 / 8 + 4 * adapter)
    # activations do not depend on LoRA
    assert lora.activations == full.activations


def test_quantized_weights_need_an_adapter_in_the_planner():
    with pytest.raises(ConfigError, match="--bits"):
        estimate(ModelShape("m", 64, 160, 2, 4, 2, 100, True), Setup(weight_bits=4))


@pytest.mark.parametrize(("lab", "recipe"), [("grpo-math", "full-lora.yaml"), ("distill", "full-qlora.yaml")])
def test_lab_plan_reads_the_lora_recipes(lab, recipe):
    path = project_root() / "labs" / lab / "recipes" / recipe
    adapted, full = lab_plan(lab, "full", recipe_path=path), lab_plan(lab, "full")
    assert adapted.setup.lora_rank > 0 and any("LoRA rank" in note for note in adapted.notes)
    assert adapted.setup.weight_bits == (4 if "qlora" in recipe else 16)
    assert estimate(adapted.shape, adapted.setup).total < estimate(full.shape, full.setup).total
    assert estimate(adapted.shape, adapted.setup).total / GiB > 1
