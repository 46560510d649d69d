"""Supervised fine-tuning on reasoning traces: DeepSeek-R1's distillation stage, over TRL's SFTTrainer.

WHAT
    `train_sft(script_args, sft_config, model_args, recipe_path)` fine-tunes a causal LM on a conversational
    dataset (`messages` column), loss on assistant tokens only when asked, resumes from the last checkpoint, saves
    the final model with EOS set, and — when the recipe names `heldout_dataset` — scores held-out problems before
    and after training (`eval_results.json`, and the run card through the returned summary).
    Outputs in `output_dir`: checkpoints, final model + tokenizer, metrics.jsonl, eval_results.json.

WHY
    DeepSeek-R1 §2.4 (arXiv 2501.12948) shows that small models learn reasoning best by *distillation*: SFT on
    traces a strong model wrote (800k samples for the R1-Distill models) beats RL on the small model itself. The
    same stage is the "cold start" of R1 (§2.3.1) before GRPO. The public reproductions' most common SFT failure is
    a student that never stops; it has three causes, each checked here before the model loads:
      1. EOS equals PAD — padding is masked out of the loss, so the EOS token is never trained;
      2. the chat template ends a turn with `<|im_end|>` but EOS is `<|endoftext|>` (base models): the student
         learns to write `<|im_end|>`, the server waits for `<|endoftext|>` — EOS follows the template's end of turn;
      3. assistant-only loss with a template whose `{% generation %}` block leaves out the end-of-turn token.
    Base models have no chat template: ChatML is installed (with `{% generation %}` markers, so assistant-only loss
    works), or the recipe's `chat_template` replaces the tokenizer's. Loss on assistant tokens only keeps the model
    from spending capacity on predicting prompts.

HOW
    next-token cross-entropy  L = -Σ_t m_t log π_θ(y_t | y_<t) / Σ_t m_t, with m_t = 1 on assistant tokens
    (TRL's `assistant_only_loss`, driven by `{% generation %}` in the chat template). Packing (`packing: true`,
    best-fit decreasing; correct attention boundaries need FlashAttention's padding-free path on GPUs) and Liger
    kernels (`use_liger_kernel: true`, fused RMSNorm/RoPE/SwiGLU; needs `liger-kernel`, in the GPU images) are TRL
    options, checked here so a missing package fails before the model loads. LoRA / QLoRA (`use_peft`,
    `load_in_4bit`) reach SFTTrainer as TRL's `peft_config` / `quantization_config` (open_r1.models); the final save
    is then the adapter, and `open-r1 merge` folds it into a full model.
    The nano profile starts from `nano://math-init`: the kit's tokenizer and a freshly initialised Qwen2 (the
    exact weights nano://math's own SFT started from), so "before" is a model that has learned nothing.

DATA FLOW
    `open-r1 train sft --config recipe.yaml`, the distill lab, or open_r1.labs.nano_build → configs.parse_recipe → here
    → TRL SFTTrainer → output_dir → open_r1.core.runcard (run card) and the lab's before/after table.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from open_r1.core.chat import CHATML_GENERATION_TEMPLATE, CHATML_TEMPLATE
from open_r1.core.configs import ScriptArguments
from open_r1.core.errors import ConfigError
from open_r1.core.io import write_json_atomic
from open_r1.train.common import (
    finish_model,
    last_checkpoint,
    peak_gpu_memory,
    quiet_transformers,
    saved_weights,
    use_rich_progress,
)

HELDOUT_MAX_NEW_TOKENS = 64  # nano traces are ~40 tokens; the held-out scorer is the nano kit's


def train_sft(
    script_args: ScriptArguments,
    training_args: Any,
    model_args: Any,
    recipe_path: str | None = None,
    resume: bool = True,
    progress_title: str = "SFT",
    extra_callbacks: list[Any] | None = None,
) -> dict[str, Any]:
    """Run SFT for one recipe: load the `messages` data with its curriculum, prepare the tokenizer, train with TRL's
    SFTTrainer (resuming from the last checkpoint unless told not to), save the final model with EOS set, score held-out
    problems before and after when asked; returns the summary the run card records.
    """
    from trl import SFTTrainer

    from open_r1.data import get_dataset
    from open_r1.models import (
        model_init_kwargs,
        parameter_counts,
        peft_config,
        quantization_config,
        resolve_model_path,
    )
    from open_r1.train import tracking
    from open_r1.train.callbacks import JsonlMetricsCallback, RichMetricsCallback
    from open_r1.train.curriculum import apply_curriculum

    quiet_transformers()
    started = time.time()
    # Everything that can fail on bad input happens before the model is loaded.
    dataset = get_dataset(script_args, recipe_path, required_columns=("messages",))
    dataset["train"] = apply_curriculum(dataset["train"], script_args, training_args, "sft", recipe_path)
    check_optional_packages(training_args, recipe_path)
    model_path = resolve_model_path(model_args.model_name_or_path)  # nano://<kit>-init: the untrained student
    tokenizer, token_report = prepare_tokenizer(model_path, script_args, training_args, model_args, recipe_path)
    training_args.model_init_kwargs = model_init_kwargs(model_args, training_args)

    checkpoint = last_checkpoint(training_args.output_dir) if resume else None
    heldout_before = None
    if script_args.heldout_enabled and checkpoint is None:
        heldout_before = _score_heldout(model_path, tokenizer, script_args, training_args)

    run_tracking = tracking.start_tracking(training_args)  # report_to: wandb → an offline W&B run (see tracking)
    trainer = SFTTrainer(
        model=model_path,
        args=training_args,
        train_dataset=dataset["train"],
        eval_dataset=dataset.get("test") if training_args.eval_strategy != "no" else None,
        processing_class=tokenizer,
        callbacks=[
            JsonlMetricsCallback(os.path.join(training_args.output_dir, "metrics.jsonl")),
            RichMetricsCallback(progress_title),
            *(extra_callbacks or []),  # e.g. open_r1.train.hub's checkpoint pushes
        ],
        peft_config=peft_config(model_args),  # use_peft: LoRA adapters on the loaded model (TRL)
        quantization_config=quantization_config(model_args),  # load_in_4bit / 8bit: reaches from_pretrained
    )
    use_rich_progress(trainer)
    parameters = parameter_counts(trainer.model)
    train_started, cpu_started = time.time(), time.process_time()
    result = trainer.train(resume_from_checkpoint=checkpoint)
    # Wall time depends on what else the machine runs; process CPU time (all threads) is the cost of the training.
    train_wall, train_cpu = time.time() - train_started, time.process_time() - cpu_started
    finish_model(trainer, tokenizer, training_args.output_dir)
    summary: dict[str, Any] = {
        "train": dict(result.metrics),
        "global_step": trainer.state.global_step,
        "resumed_from": checkpoint,
        "train_wall_s": round(train_wall, 1),
        "train_cpu_s": round(train_cpu, 1),
        "tokenizer": token_report,
        "start_model": model_path,
        "parameters": parameters,
        "saved": saved_weights(training_args.output_dir),
        "peak_gpu_memory": peak_gpu_memory(),  # None on a CPU; the planner's figure is in the card's profile_choice
    }
    if script_args.heldout_enabled and trainer.accelerator.is_main_process:
        eval_path = os.path.join(training_args.output_dir, "eval_results.json")
        if heldout_before is None and os.path.exists(eval_path):
            # A resumed run reports the baseline its first attempt measured on the untouched start model.
            heldout_before = json.loads(Path(eval_path).read_text()).get("heldout_before")
        summary["heldout_before"] = heldout_before
        summary["heldout_after"] = _score_heldout(trainer.model, tokenizer, script_args, training_args)
    summary["tracking"] = tracking.finish_tracking(run_tracking, summary)
    summary["wall_s"] = round(time.time() - started, 1)
    if script_args.heldout_enabled and trainer.accelerator.is_main_process:
        write_json_atomic(os.path.join(training_args.output_dir, "eval_results.json"), summary)
    return summary


# ----------------------------------------------------------------------------------------------------------------
# Checks and preparation (no model weights are loaded here)


def check_optional_packages(training_args: Any, recipe_path: str | None) -> None:
    """Fail before any model loads when the recipe turns on a feature whose package is missing (use_liger_kernel without
    liger-kernel), naming the recipe key and the install command.
    """
    import importlib.util

    if getattr(training_args, "use_liger_kernel", False) and importlib.util.find_spec("liger_kernel") is None:
        raise ConfigError(
            "use_liger_kernel is true but the liger-kernel package is not installed",
            file=recipe_path,
            key="use_liger_kernel",
            fix="pip install liger-kernel (the GPU images have it), or set use_liger_kernel: false.",
        )


def prepare_tokenizer(
    model_path: str, script_args: ScriptArguments, training_args: Any, model_args: Any, recipe_path: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """Load the tokenizer and make it safe to train: template, EOS = end of turn, PAD ≠ EOS.

    Returns the tokenizer and a report for the run card: which template was used and why, EOS, PAD.
    """
    from trl.chat_template_utils import has_generation_markers

    from open_r1.models import get_tokenizer

    tokenizer = get_tokenizer(model_path, script_args.chat_template, model_args.model_revision)
    source = "recipe" if script_args.chat_template else "tokenizer"
    if script_args.chat_template is None and tokenizer.chat_template == CHATML_TEMPLATE:
        source = "chatml-fallback"
        tokenizer.chat_template = CHATML_GENERATION_TEMPLATE
    if source == "chatml-fallback" and "<|im_end|>" not in tokenizer.get_vocab():
        # Adding tokens would need the embeddings resized and trained from scratch: make it the recipe's decision.
        raise ConfigError(
            "the model has no chat template and its vocabulary has no ChatML tokens (<|im_start|>, <|im_end|>)",
            file=recipe_path,
            key="chat_template",
            fix="set chat_template to a template built from the model's own special tokens, and eos_token to its "
            "end-of-turn token.",
        )

    if getattr(training_args, "assistant_only_loss", False) and not has_generation_markers(tokenizer.chat_template):
        raise ConfigError(
            "assistant_only_loss needs a chat template that marks assistant turns with {% generation %} ... "
            "{% endgeneration %}, and this one has none",
            file=recipe_path,
            key="chat_template",
            fix="set chat_template in the recipe (see labs/distill/recipes/full.yaml) or assistant_only_loss: false.",
        )

    # EOS: the token that ends an assistant turn in the template. TRL's `eos_token` wins; else infer ChatML's.
    eos = getattr(training_args, "eos_token", None)
    if eos is None and "<|im_end|>" in (tokenizer.chat_template or "") and tokenizer.eos_token != "<|im_end|>":
        eos = "<|im_end|>"
        training_args.eos_token = eos
    if eos is not None:
        if eos not in tokenizer.get_vocab():
            raise ConfigError(
                f"eos_token '{eos}' is not in the tokenizer's vocabulary",
                file=recipe_path,
                key="eos_token",
                fix="use the token the chat template ends an assistant turn with.",
            )
        tokenizer.eos_token = eos
    if tokenizer.pad_token_id == tokenizer.eos_token_id:
        raise ConfigError(
            f"the tokenizer's PAD equals its EOS ('{tokenizer.eos_token}'): padding is masked out of the loss, so the "
            "model would never learn to stop",
            file=recipe_path,
            key="eos_token",
            fix="set eos_token to the template's end-of-turn token (e.g. <|im_end|>) or give the tokenizer another "
            "pad token.",
        )
    if getattr(training_args, "assistant_only_loss", False):
        from trl.chat_template_utils import is_chat_template_stop_token_trained

        if not is_chat_template_stop_token_trained(tokenizer):
            raise ConfigError(
                "the chat template leaves the end-of-turn token outside {% generation %}: with assistant-only loss "
                "the model would never be trained to stop",
                file=recipe_path,
                key="chat_template",
                fix="move the end-of-turn token (e.g. <|im_end|>) inside {% generation %} ... {% endgeneration %}.",
            )
    report = {
        "chat_template": source,
        "eos_token": tokenizer.eos_token,
        "pad_token": tokenizer.pad_token,
        "assistant_only_loss": bool(getattr(training_args, "assistant_only_loss", False)),
    }
    return tokenizer, report


def _score_heldout(model_or_path: Any, tokenizer: Any, script_args: ScriptArguments, training_args: Any) -> dict:
    from open_r1.eval.heldout import evaluate_model

    scores = evaluate_model(
        model_or_path,
        tokenizer,
        script_args.heldout_dataset,
        n=script_args.heldout_samples,
        seed=training_args.seed,
        max_new_tokens=HELDOUT_MAX_NEW_TOKENS,
    )
    # Write the "before" scores at once so a resumed run reports the same baseline as an uninterrupted one.
    path = os.path.join(training_args.output_dir, "eval_results.json")
    if not os.path.exists(path):
        write_json_atomic(path, {"heldout_before": scores})
    return scores
