"""SFT safety checks (before any model loads) and the options the distill lab relies on: ChatML fallback with
assistant-only loss, EOS = end of turn and distinct from PAD, Liger, packing, checkpoints and resume."""

from __future__ import annotations

import json

import pytest
from trl import ModelConfig, SFTConfig

from open_r1.core.configs import ScriptArguments
from open_r1.core.errors import ConfigError
from open_r1.train.sft import CHATML_GENERATION_TEMPLATE, prepare_tokenizer


@pytest.fixture(scope="module")
def base_tokenizer_dir(tmp_path_factory):
    """A 'base model' tokenizer: no chat template, EOS = PAD = <|endoftext|> (like Qwen2.5-Math base)."""
    from open_r1.nano.tokenizer import train_tokenizer

    tok = train_tokenizer(["Compute 1 + 2.", "<think>\n1 + 2 = 3\n</think>\n<answer>\n3\n</answer>"], vocab_size=300)
    tok.chat_template = None
    tok.eos_token = "<|endoftext|>"
    path = tmp_path_factory.mktemp("base-tok")
    tok.save_pretrained(path)
    return str(path)


def sft_args(tmp_path, **kw) -> SFTConfig:
    return SFTConfig(output_dir=str(tmp_path), report_to="none", use_cpu=True, bf16=False, **kw)


def test_base_model_gets_chatml_with_generation_markers_and_eos_at_end_of_turn(base_tokenizer_dir, tmp_path):
    args = sft_args(tmp_path, assistant_only_loss=True)
    tok, report = prepare_tokenizer(
        base_tokenizer_dir, ScriptArguments(dataset_name="x"), args, ModelConfig(model_name_or_path=base_tokenizer_dir)
    )
    assert report == {
        "chat_template": "chatml-fallback",
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "assistant_only_loss": True,
    }
    assert tok.chat_template == CHATML_GENERATION_TEMPLATE and args.eos_token == "<|im_end|>"
    assert tok.eos_token_id != tok.pad_token_id


def test_pad_equal_to_eos_fails_before_the_model_loads(base_tokenizer_dir, tmp_path):
    template = "{% for m in messages %}{{ m['content'] }}<|endoftext|>{% endfor %}"
    with pytest.raises(ConfigError, match="never learn to stop"):
        prepare_tokenizer(
            base_tokenizer_dir,
            ScriptArguments(dataset_name="x", chat_template=template),
            sft_args(tmp_path),
            ModelConfig(model_name_or_path=base_tokenizer_dir),
        )


def test_assistant_only_loss_needs_generation_markers(base_tokenizer_dir, tmp_path):
    template = "{% for m in messages %}<|im_start|>{{ m['content'] }}<|im_end|>{% endfor %}"
    with pytest.raises(ConfigError, match="generation"):
        prepare_tokenizer(
            base_tokenizer_dir,
            ScriptArguments(dataset_name="x", chat_template=template),
            sft_args(tmp_path, assistant_only_loss=True),
            ModelConfig(model_name_or_path="m"),
        )


def test_unknown_eos_token_is_named(base_tokenizer_dir, tmp_path):
    with pytest.raises(ConfigError, match="eos_token '<eot>'"):
        prepare_tokenizer(
            base_tokenizer_dir,
            ScriptArguments(dataset_name="x"),
            sft_args(tmp_path, eos_token="<eot>"),
            ModelConfig(model_name_or_path="m"),
        )


def test_liger_without_the_package_fails_early(tmp_path):
    import importlib.util

    from open_r1.train.sft import check_optional_packages

    if importlib.util.find_spec("liger_kernel") is not None:
        pytest.skip("liger-kernel is installed here")
    with pytest.raises(ConfigError, match="liger-kernel"):
        check_optional_packages(sft_args(tmp_path, use_liger_kernel=True), "recipe.yaml")


def test_full_recipe_mirrors_openr1_distill_7b():
    from open_r1.core.configs import load_yaml
    from open_r1.core.paths import project_root as repo_root

    r = load_yaml(repo_root() / "labs/distill/recipes/full.yaml")
    assert (r["model_name_or_path"], r["dataset_name"], r["dataset_config"]) == (
        "open-r1/Qwen2.5-Math-7B-RoPE-300k",
        "open-r1/Mixture-of-Thoughts",
        "all",
    )
    assert (r["learning_rate"], r["lr_scheduler_type"], r["lr_scheduler_kwargs"], r["warmup_steps"]) == (
        4e-5,
        "cosine_with_min_lr",
        {"min_lr_rate": 0.1},
        0.03,
    )
    assert (r["max_length"], r["per_device_train_batch_size"], r["gradient_accumulation_steps"]) == (32768, 2, 8)
    assert (r["num_train_epochs"], r["packing"], r["max_grad_norm"], r["use_liger_kernel"]) == (5, False, 0.2, True)
    assert r["eos_token"] == "<|im_end|>" and "{% generation %}" in r["chat_template"]
    assert "You are Open-R1" in r["chat_template"] and r["seed"] == 42 and r["bf16"] is True


@pytest.mark.slow
def test_resume_from_checkpoint_and_packing(nano_cache, tmp_path):
    """Two steps with a checkpoint, then a longer run in the same folder resumes from it; packing trains too."""
    from open_r1.train.sft import train_sft

    def run(out, steps, **kw):
        script = ScriptArguments(dataset_name="nano://math/sft")
        args = sft_args(
            out,
            max_steps=steps,
            per_device_train_batch_size=8,
            max_length=128,
            save_strategy="steps",
            save_steps=2,
            logging_steps=1,
            disable_tqdm=True,
            dataloader_num_workers=0,
            activation_checkpointing=False,
            **kw,
        )
        return train_sft(script, args, ModelConfig(model_name_or_path="nano://math-init", dtype="float32"))

    first = run(tmp_path / "a", 2, assistant_only_loss=True)
    assert first["global_step"] == 2 and first["resumed_from"] is None
    second = run(tmp_path / "a", 4, assistant_only_loss=True)
    assert second["resumed_from"].endswith("checkpoint-2") and second["global_step"] == 4
    logged = [json.loads(line) for line in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logged if "loss" in r] == [1, 2, 3, 4]
    packed = run(tmp_path / "b", 2, packing=True)
    assert packed["global_step"] == 2
    saved = json.loads((tmp_path / "b" / "generation_config.json").read_text())
    assert saved["eos_token_id"] != saved["pad_token_id"]
