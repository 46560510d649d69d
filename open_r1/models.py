"""Tokenizer and model loading: hub ids, local folders, and the self-built nano models.

WHAT
    `resolve_model_path(name)` maps `nano://<task>` to the cached nano model (built beforehand by the command layer) and returns
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
    open_r1.train.grpo / sft, open_r1.eval.heldout → here → transformers `AutoTokenizer` / `AutoModelForCausalLM`.
"""

from __future__ import annotations

from typing import Any

from open_r1.core.chat import CHATML_TEMPLATE
from open_r1.core.errors import ConfigError


def resolve_model_path(name: str) -> str:
    """`nano://<kit>[-init]` → its folder in the nano cache; any other name (hub id, local folder) unchanged.

    Loading never builds: the command layer (open_r1.cli, open_r1.labs) builds a missing nano model first with
    `open_r1.labs.nano_build.ensure_nano_model`, so a library call that finds none fails here with the fix.
    """
    if not name.startswith("nano://"):
        return name
    from open_r1.nano.spec import is_built, model_dir

    if not is_built(name):
        raise ConfigError(f"the nano model {name} is not built yet (looked in {model_dir(name)})",
                          key="model_name_or_path",
                          fix="run `open-r1 nano build` first (the `open-r1` commands that take a model build it for you).")
    return str(model_dir(name))


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
