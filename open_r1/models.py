"""Tokenizer and model loading: hub ids, local folders, and the self-built nano models.

WHAT
    `resolve_model_path(name)` maps `nano://<task>` to the cached nano model (built beforehand by the command layer) and returns
    anything else unchanged. `get_tokenizer(model_args, script_args)` and `get_model(model_args, training_args)`
    load them with the project's rules applied. `check_adapter_options` refuses LoRA / QLoRA settings that would be
    ignored or cannot run here (before anything loads); `quantization_config` and `peft_config` turn TRL's
    `ModelConfig` fields into the objects the trainers take; `parameter_counts` is the run card's trainable / total
    figure; `merge_adapter` folds a saved LoRA adapter into a full model (`open-r1 merge`).

WHY
    Two failure modes of the public reproduction are fixed here rather than in every script: base models with no
    chat template (a ChatML template is installed, or the recipe's `chat_template` override), and models whose PAD
    equals EOS (they never learn to stop: the loss on EOS is masked out as padding). The nano profile gets its model
    through the same `from_pretrained` call as a 7B model; only the name differs.

HOW
    dtype "auto"/"bfloat16"/"float32" → torch dtype; `attn_implementation` passed through (flash_attention_2 in the
    GPU images, sdpa elsewhere); `use_cache` off while gradient checkpointing is on.
    LoRA (Hu et al., arXiv 2106.09685 §4.1): a frozen weight W (d×k) gets a trainable update ΔW = (α/r)·B·A with
    B (d×r, zero-initialised, so training starts exactly at W) and A (r×k); only r·(d + k) numbers per adapted matrix
    train, and merging computes W' = W + (α/r)·B·A once, so the merged model runs at the base model's speed.
    QLoRA (Dettmers et al., arXiv 2305.14314 §3) stores W in 4-bit NormalFloat (bitsandbytes) and trains the same
    adapters in bf16: the frozen weights cost ~0.5 byte per parameter instead of 2. bitsandbytes' 4-bit kernels need
    a CUDA device, so a 4-bit or 8-bit request on a machine without one fails here, before loading, naming the key.

DATA FLOW
    open_r1.train.grpo / sft, open_r1.eval.heldout → here → transformers `AutoTokenizer` / `AutoModelForCausalLM`;
    open_r1.train (recipe check) → `check_adapter_options`; the trainers → `peft_config` / `quantization_config` →
    TRL (`get_peft_model`, `from_pretrained(quantization_config=...)`); open_r1.cli.merge → `merge_adapter`.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from open_r1.core.chat import CHATML_TEMPLATE
from open_r1.core.errors import ConfigError

# ModelConfig fields that only mean something with `use_peft: true` (TRL reads them in get_peft_config).
LORA_FIELDS = (
    "lora_r",
    "lora_alpha",
    "lora_dropout",
    "lora_target_modules",
    "lora_target_parameters",
    "lora_modules_to_save",
    "lora_task_type",
    "use_rslora",
    "use_dora",
)
# ModelConfig fields that only mean something with `load_in_4bit: true` (TRL reads them in get_quantization_config).
BNB_4BIT_FIELDS = ("bnb_4bit_quant_type", "use_bnb_nested_quant", "bnb_4bit_quant_storage")


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
    """Load the tokenizer of a model (nano:// names resolved to their cache folder) with the recipe's chat template,
    ChatML when the model has none, and a PAD token distinct from EOS, so padding never teaches the model to stop early.
    """
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
    """The torch dtype a recipe's `dtype` names (bfloat16, float16, float32), or "auto" for none or auto; an unknown
    name is a ConfigError with the accepted spellings.
    """
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
    if getattr(model_args, "load_in_4bit", False) or getattr(model_args, "load_in_8bit", False):
        # bitsandbytes quantizes while the weights move to the GPU: each process loads onto its own device (the
        # quantization config itself reaches from_pretrained through the trainer's `quantization_config`).
        from accelerate import PartialState

        kwargs["device_map"] = {"": PartialState().local_process_index}
    return kwargs


def get_model(model_name_or_path: str, **kwargs: Any):
    """Load a causal language model for inference or scoring from a hub id, a local folder or a built nano:// model,
    passing `kwargs` to from_pretrained (training lets TRL load the model itself).
    """
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(resolve_model_path(model_name_or_path), **kwargs)


# ----------------------------------------------------------------------------------------------------------------
# LoRA and QLoRA (TRL ModelConfig fields → peft / bitsandbytes objects)


def check_adapter_options(model_args: Any, recipe_keys: set[str], file: str | None = None,
                          cuda_available: bool | None = None) -> None:
    """Refuse adapter and quantization settings that would be ignored or cannot run here, before any model loads.

    `recipe_keys` are the keys the recipe and the command line actually set (a LoRA field left at TRL's default
    says nothing). Rules: a `lora_*` key without `use_peft: true` would be ignored; a `bnb_4bit_*` key without
    `load_in_4bit` too; 4-bit and 8-bit together are contradictory; quantized weights cannot be trained without an
    adapter; and bitsandbytes must be installed with a CUDA device to serve either. `cuda_available` defaults to
    asking torch (tests pass it to exercise both branches on one machine).
    """
    use_peft = bool(getattr(model_args, "use_peft", False))
    four, eight = bool(getattr(model_args, "load_in_4bit", False)), bool(getattr(model_args, "load_in_8bit", False))
    if not use_peft:
        for key in LORA_FIELDS:
            if key in recipe_keys:
                raise ConfigError(f"is set but use_peft is false, so no adapter would be built and {key} would be "
                                  "ignored", file=file, key=key, fix="set use_peft: true, or remove the key.")
    if not four:
        for key in BNB_4BIT_FIELDS:
            if key in recipe_keys:
                raise ConfigError(f"is set but load_in_4bit is false, so {key} would be ignored", file=file, key=key,
                                  fix="set load_in_4bit: true (QLoRA), or remove the key.")
    if four and eight:
        raise ConfigError("load_in_4bit and load_in_8bit are both true", file=file, key="load_in_8bit",
                          fix="keep one of them (load_in_4bit is QLoRA).")
    if not (four or eight):
        if use_peft and importlib.util.find_spec("peft") is None:
            raise ConfigError("use_peft is true but the peft package is not installed", file=file, key="use_peft",
                              fix="pip install peft (it is in requirements/lock.txt and the GPU images).")
        return
    key = "load_in_4bit" if four else "load_in_8bit"
    if not use_peft:
        raise ConfigError(f"{key} is true but use_peft is false: quantized weights are frozen, so nothing would "
                          "train", file=file, key=key, fix="set use_peft: true (QLoRA trains LoRA adapters on the "
                          "quantized model), or remove the key.")
    if importlib.util.find_spec("bitsandbytes") is None:
        raise ConfigError(f"{key} is true but bitsandbytes is not installed (it is only in the GPU images' lock)",
                          file=file, key=key, fix=f"run on a CUDA machine with a GPU image, or set {key}: false "
                          "(plain LoRA: use_peft: true).")
    if cuda_available is None:
        import torch

        cuda_available = torch.cuda.is_available()
    if not cuda_available:
        raise ConfigError(f"{key} is true but this machine has no CUDA device, and bitsandbytes' quantized kernels "
                          "need one", file=file, key=key, fix=f"run on a GPU, or set {key}: false (plain LoRA: "
                          "use_peft: true).")
    if getattr(model_args, "dtype", None) in (None, "auto") and four:
        raise ConfigError("load_in_4bit needs an explicit compute dtype for the adapters", file=file, key="dtype",
                          fix="set dtype: bfloat16 (QLoRA's compute dtype).")


def quantization_config(model_args: Any) -> Any:
    """TRL's BitsAndBytesConfig for `load_in_4bit` / `load_in_8bit` (None when neither is set)."""
    if not (getattr(model_args, "load_in_4bit", False) or getattr(model_args, "load_in_8bit", False)):
        return None
    from trl import get_quantization_config

    return get_quantization_config(model_args)


def peft_config(model_args: Any) -> Any:
    """TRL's LoraConfig from the recipe's `use_peft` / `lora_*` fields (None when use_peft is false)."""
    if not getattr(model_args, "use_peft", False):
        return None
    from trl import get_peft_config

    return get_peft_config(model_args)


def parameter_counts(model: Any) -> dict[str, Any]:
    """Trainable and total parameters of a (possibly PEFT-wrapped, possibly ZeRO-3-partitioned) model.

    A ZeRO-3 parameter is an empty placeholder on each rank; its full size is `ds_numel`. A 4-bit parameter stores
    two values per byte, so bitsandbytes' `Params4bit` reports half the count: its `quant_state.shape` has the real
    one. Returns {"trainable", "total", "trainable_fraction", "adapter"} for the run card.
    """
    import math

    trainable = total = 0
    for param in model.parameters():
        count = getattr(param, "ds_numel", None) or param.numel()
        shape = getattr(getattr(param, "quant_state", None), "shape", None)
        if shape is not None:
            count = math.prod(shape)
        total += count
        if param.requires_grad:
            trainable += count
    is_adapter = hasattr(model, "peft_config")
    return {
        "trainable": trainable,
        "total": total,
        "trainable_fraction": round(trainable / total, 6) if total else 0.0,
        "adapter": "lora" if is_adapter else None,
    }


def adapter_base_model(adapter_dir: str | Path) -> str | None:
    """The base model an adapter folder names (`base_model_name_or_path` in adapter_config.json), if any."""
    path = Path(adapter_dir) / "adapter_config.json"
    return json.loads(path.read_text()).get("base_model_name_or_path") if path.is_file() else None


def merge_adapter(adapter_dir: str | Path, output_dir: str | Path, base_model: str | None = None,
                  dtype: str | None = None) -> dict[str, Any]:
    """Fold a saved LoRA adapter into its base model and save a full model (weights, config, tokenizer).

    `adapter_dir` holds `adapter_config.json` and `adapter_model.safetensors` (what a `use_peft: true` run saves);
    the base model is the one the adapter names (`base_model_name_or_path`), or `base_model` when given (say, the
    adapter moved to another machine). W' = W + (α/r)·B·A for every adapted matrix (peft's `merge_and_unload`); the
    result loads with plain `from_pretrained`, no peft needed. A quantized base cannot be merged exactly (W is
    4-bit): the base is reloaded unquantized in `dtype` and the adapter merged into that. Returns a report:
    base, adapter, output, parameter counts, and the largest logit difference between the adapter model and the
    merged model on one probe input (it should be ~1e-6 in float32).
    """
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    adapter_dir, output_dir = Path(adapter_dir), Path(output_dir)
    config_path = adapter_dir / "adapter_config.json"
    if not config_path.is_file():
        raise ConfigError("is not a LoRA adapter folder (no adapter_config.json)", file=str(adapter_dir),
                          fix="pass the output_dir of a run with use_peft: true (or one of its checkpoint-* folders).")
    adapter_config = json.loads(config_path.read_text())
    base = base_model or adapter_config.get("base_model_name_or_path")
    if not base:
        raise ConfigError("names no base model", file=str(config_path), key="base_model_name_or_path",
                          fix="pass --base-model <hub id or folder>.")
    base_path = resolve_model_path(base)
    load_dtype = torch_dtype(dtype) if dtype else torch.float32
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=load_dtype)
    model = PeftModel.from_pretrained(model, str(adapter_dir))
    model.eval()
    tokenizer_dir = adapter_dir if (adapter_dir / "tokenizer_config.json").exists() else Path(base_path)
    tokenizer = get_tokenizer(str(tokenizer_dir))
    probe = tokenizer("<think>\n2 + 3 = 5\n</think>", return_tensors="pt")
    with torch.no_grad():
        adapter_logits = model(**probe).logits
    adapter_counts = parameter_counts(model)
    merged = model.merge_and_unload()
    with torch.no_grad():
        merged_logits = merged(**probe).logits
    merged_total = parameter_counts(merged)["total"]
    output_dir.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return {
        "base_model": base,
        "adapter": str(adapter_dir),
        "output": str(output_dir),
        "lora_r": adapter_config.get("r"),
        "lora_alpha": adapter_config.get("lora_alpha"),
        "target_modules": sorted(adapter_config.get("target_modules") or []),
        "adapter_parameters": adapter_counts["total"] - merged_total,
        "merged_parameters": merged_total,
        "max_logit_difference": float((adapter_logits - merged_logits).abs().max()),
    }
