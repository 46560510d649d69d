"""`open-r1 plan`: the memory model against DeepSpeed's own estimators, parameter counts, and the labs' table."""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stdout

import pytest

from open_r1.labs.plan import SHAPES, GiB, Setup, estimate, fits, get_shape, lab_plan, model_state_bytes, recommend

# Same accounting as DeepSpeed's estimators (open_r1/labs/plan.py HOW), so the same bytes up to float rounding: the
# measured gap is below 1e-6. (It was 15 %, the bar of the issue that asked for the planner, which let a dropped
# term such as the 2-byte gradient shard pass.)
TOLERANCE = 1e-6


def _deepspeed():
    from tests.conftest import require_system

    try:
        import deepspeed  # noqa: F401
    except ImportError:
        deepspeed = None
    require_system("deepspeed", deepspeed is not None, "pip install -e '.[deepspeed]' (DS_BUILD_OPS=0 is enough)")


def _meta_model(shape):
    """The transformers model on the meta device: real module structure, no memory."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        vocab_size=shape.vocab,
        tie_word_embeddings=shape.tied,
    )
    with torch.device("meta"):
        return Qwen2ForCausalLM(config)


@pytest.mark.parametrize("name", ["Qwen2.5-1.5B", "Qwen2.5-7B", "Qwen2.5-32B"])
def test_parameter_count_matches_the_transformers_model(name):
    shape = SHAPES[name]
    model = _meta_model(shape)
    unique = {id(p): p.numel() for p in model.parameters()}  # tied embeddings counted once
    assert shape.params() == sum(unique.values())
    largest = max(sum(p.numel() for p in m.parameters(recurse=False)) for m in model.modules())
    assert shape.largest_module_params() == largest


def test_published_sizes():
    # Qwen2.5 model cards: 1.54B, 7.61B, 32.5B (32.76B counting the untied lm_head)
    assert get_shape("Qwen/Qwen2.5-1.5B-Instruct").params() == pytest.approx(1.54e9, rel=0.01)
    assert get_shape("Qwen/Qwen2.5-7B").params() == pytest.approx(7.62e9, rel=0.01)
    assert get_shape("Qwen/Qwen2.5-Coder-32B-Instruct").params() == pytest.approx(32.76e9, rel=0.01)


@pytest.mark.parametrize("name", ["Qwen2.5-1.5B", "Qwen2.5-7B", "Qwen2.5-32B"])
@pytest.mark.parametrize("nodes, gpus", [(1, 8), (2, 8), (16, 8)])
def test_model_states_agree_with_deepspeed_estimators(name, nodes, gpus):
    _deepspeed()
    from deepspeed.runtime.zero.stage3 import estimate_zero3_model_states_mem_needs
    from deepspeed.runtime.zero.stage_1_and_2 import estimate_zero2_model_states_mem_needs

    shape = SHAPES[name]
    # The numbers DeepSpeed's `_all_live` estimators would read off the real model (unique parameters, largest
    # module's own parameters); counted on the meta-device model (DeepSpeed's own helper dedups by data_ptr, which
    # is 0 for every meta tensor).
    model = _meta_model(shape)
    total = sum({id(p): p.numel() for p in model.parameters()}.values())
    largest = max(sum(p.numel() for p in m.parameters(recurse=False)) for m in model.modules())
    _, ds_zero2 = estimate_zero2_model_states_mem_needs(total, gpus, nodes, cpu_offload=False)
    _, ds_zero3, _ = estimate_zero3_model_states_mem_needs(
        total, largest, gpus, nodes, cpu_offload=False, cpu_offload_params=False, zero_init=True
    )
    ours2 = sum(model_state_bytes(shape, Setup(strategy="zero2", nodes=nodes, gpus_per_node=gpus)).values())
    ours3 = sum(model_state_bytes(shape, Setup(strategy="zero3", nodes=nodes, gpus_per_node=gpus)).values())
    assert abs(ours2 - ds_zero2) / ds_zero2 < TOLERANCE, (ours2 / GiB, ds_zero2 / GiB)
    assert abs(ours3 - ds_zero3) / ds_zero3 < TOLERANCE, (ours3 / GiB, ds_zero3 / GiB)


def test_the_all_cold_printout_agrees_too():
    """The estimator people actually call prints a table; its 'per GPU' column for no offload matches ours."""
    _deepspeed()
    from deepspeed.runtime.zero.stage3 import estimate_zero3_model_states_mem_needs_all_cold

    shape = SHAPES["Qwen2.5-7B"]
    buf = io.StringIO()
    with redirect_stdout(buf):
        estimate_zero3_model_states_mem_needs_all_cold(shape.params(), shape.largest_module_params(), 8, 1)
    # the row "offload_param=none, offload_optimizer=none, zero_init=1": HW per GPU in GB (2**30)
    row = next(
        line
        for line in buf.getvalue().splitlines()
        if "offload_param=none, offload_optimizer=none" in line and "zero_init=1" in line
    )
    per_gpu_gib = float(row.split("|")[1].split("GB")[0])
    ours = sum(model_state_bytes(shape, Setup(strategy="zero3", nodes=1, gpus_per_node=8)).values()) / GiB
    assert abs(ours - per_gpu_gib) <= 0.005 + 1e-9, (ours, row)  # the table prints GB with two decimals


def test_sharding_order_and_scaling():
    shape = SHAPES["Qwen2.5-7B"]
    per = {
        s: sum(model_state_bytes(shape, Setup(strategy=s, nodes=1, gpus_per_node=8)).values())
        for s in ("ddp", "zero2", "zero3", "fsdp")
    }
    assert per["ddp"] > per["zero2"] > per["zero3"]  # each ZeRO stage shards one more term (ZeRO §5)
    assert per["ddp"] == 16 * shape.params()  # 2 + 2 + 12 bytes per parameter (mixed-precision Adam)
    # doubling the ranks halves the sharded part only
    one, two = (model_state_bytes(shape, Setup(strategy="zero3", nodes=n, gpus_per_node=8)) for n in (1, 2))
    assert two["optimizer"] == pytest.approx(one["optimizer"] / 2)
    assert two["live"] == one["live"]


def test_activation_checkpointing_and_liger_save_what_they_should():
    shape = SHAPES["Qwen2.5-7B"]
    base = Setup(strategy="zero3", seq_len=32768, micro_batch=2)
    with_ckpt, without = estimate(shape, base), estimate(shape, Setup(**{**base.__dict__, "checkpointing": False}))
    # keeping only layer inputs (Chen et al. 2016) saves ~ L × (per-layer activations − one hidden state)
    assert without.activations / with_ckpt.activations > 10
    liger = estimate(shape, Setup(**{**base.__dict__, "liger": True}))
    assert liger.logits == 0 and with_ckpt.logits == 2 * 32768 * shape.vocab * 10


def test_the_32b_recipe_fits_at_22k_and_not_at_32k():
    """OlympicCoder-32B: 22,528 tokens because 32k ran out of memory (reference-recipes.md). The model agrees."""
    plan = lab_plan("fsdp-32b")
    assert (plan.setup.strategy, plan.setup.nodes, plan.setup.gpus_per_node) == ("fsdp", 16, 8)
    assert plan.setup.optimizer == "adamw_8bit" and plan.setup.master_weights is False
    assert fits(estimate(plan.shape, plan.setup), plan.setup)
    plan.setup.seq_len = 32768
    assert not fits(estimate(plan.shape, plan.setup), plan.setup)


def test_recommendation_prefers_simple_strategies_and_shrinks_micro_batch():
    small = recommend(SHAPES["Qwen2.5-1.5B"], Setup(seq_len=1536, micro_batch=16))
    assert small.strategy == "ddp" and small.nodes == 1
    big = recommend(SHAPES["Qwen2.5-32B"], Setup(seq_len=22528, micro_batch=4, optimizer="adamw"))
    assert big.strategy in ("fsdp", "zero3") and big.micro_batch < 4
    assert recommend(SHAPES["Qwen2.5-72B"], Setup(seq_len=131072, micro_batch=1)) is None


def test_cli_table_covers_every_lab(capsys):
    from open_r1.cli import main

    assert main(["plan", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["lab"] for r in rows} == {"distill", "fsdp-32b", "grpo-code", "grpo-math", "ioi-eval", "pipeline"}
    for r in rows:
        if r["kind"] != "inference":
            assert math.isfinite(r["total_gib"]) and r["recommendation"], r
    assert main(["plan", "--model", "Qwen2.5-7B", "--seq", "32768", "--micro-batch", "2"]) == 0
    out = capsys.readouterr().out
    assert "ZeRO-3" in out and "recommended" in out


def test_unknown_model_names_the_fix():
    from open_r1.core.errors import ConfigError

    with pytest.raises(ConfigError, match="--shape"):
        get_shape("Llama-3-8B")
