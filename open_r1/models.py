"""Tokenizer and model loading: hub ids, local folders, and the self-built nano models.

WHAT
    `resolve_model_path(name)` maps `nano://<task>` to the cached nano model (building it on first use) and returns
    anything else unchanged. `get_tokenizer(model_args, script_args)` and `get_model(model_args, training_args)`
    load them with the project's rules applied.

WHY
    Two failure modes of the public reproduction are fixed here rather than in every script: base models with no
    chat template (a ChatML template is installed, or the recipe's `chat_template` override), and models whose PAD
    equals EOS (they never learn to stop: the loss on EOS is masked out as padding). The nano profile gets its model
    through the same `from_pretrained` call as a 7B model; only the name differs.

HOW
    dtype "auto"/"bfloat16"/"float32" → torch dtype; `attn_implementation` passed through (flash_attention_2 in the
    GPU images, sdpa elsewhere); `use_cache` off while gradient checkpointing is on.

DATA FLOW
    open_r1.train.grpo / sft, open_r1.nano.evaluate → here → transformers `AutoTokenizer` / `AutoModelForCausalLM`.
"""

from __future__ import annotations

from typing import Any

from open_r1.errors import ConfigError

CHATML_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def resolve_model_path(name: str) -> str:
    if name.startswith("nano://"):
        from open_r1.nano.build import ensure_nano_model

        return str(ensure_nano_model(name))
    return name


def get_tokenizer(model_name_or_path: str, chat_template: str | None = None, revision: str | None = None):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(model_name_or_path), revision=revision)
    if chat_template is not None:
        tokenizer.chat_template = chat_template
    elif tokenizer.chat_template is None:
        tokenizer.chat_template = CHATML_TEMPLATE
    if tokenizer.pad_token is None:
        # Never reuse EOS as PAD: padding positions are masked out of the loss, and the model never learns to stop.
        tokenizer.add_special_tokens({"pad_token": "<|endoftext|>"})
    return tokenizer


def torch_dtype(name: str | None) -> Any:
    import torch

    if name in (None, "auto"):
        return "auto"
    try:
        return getattr(torch, name)
    except AttributeError:
        raise ConfigError(f"unknown dtype '{name}'", key="dtype", fix="use auto, bfloat16, float16 or float32.") from None


def model_init_kwargs(model_args: Any, training_args: Any) -> dict[str, Any]:
    """The kwargs TRL passes to `from_pretrained` (TRL loads the model itself from a path)."""
    kwargs: dict[str, Any] = {
        "revision": getattr(model_args, "model_revision", None),
        "dtype": torch_dtype(getattr(model_args, "dtype", None)),
    }
    if getattr(model_args, "attn_implementation", None):
        kwargs["attn_implementation"] = model_args.attn_implementation
    if getattr(training_args, "activation_checkpointing", getattr(training_args, "gradient_checkpointing", False)):
        kwargs["use_cache"] = False
    return kwargs


def get_model(model_name_or_path: str, **kwargs: Any):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(resolve_model_path(model_name_or_path), **kwargs)
