"""Supervised fine-tuning on reasoning traces: DeepSeek-R1's distillation stage, over TRL's SFTTrainer.

WHAT
    `train_sft(script_args, sft_config, model_args, recipe_path)` fine-tunes a causal LM on a conversational
    dataset (`messages` column), loss on assistant tokens only when the chat template marks them, resumes from the
    last checkpoint, and saves the final model with EOS set. Outputs: checkpoints, final model, metrics.jsonl.

WHY
    DeepSeek-R1 §2.4 (arXiv 2501.12948) shows that small models learn reasoning best by *distillation*: SFT on
    traces a strong model wrote (800k samples for the R1-Distill models) beats RL on the small model itself. The
    same stage is the "cold start" of R1 (§2.3.1) before GRPO. Loss only on assistant tokens keeps the model from
    spending capacity on predicting prompts; EOS distinct from PAD keeps it able to stop.

HOW
    next-token cross-entropy  L = -Σ_t m_t log π_θ(y_t | y_<t) / Σ_t m_t, with m_t = 1 on assistant tokens
    (TRL's `assistant_only_loss`, driven by `{% generation %}` in the chat template).

DATA FLOW
    `open-r1 train sft --config recipe.yaml`, the distill lab, or open_r1.nano.build → configs.parse_recipe → here
    → TRL SFTTrainer → output_dir → run card.
"""

from __future__ import annotations

import os
import time
from typing import Any

from open_r1.configs import ScriptArguments
from open_r1.train.common import finish_model, last_checkpoint, quiet_transformers, use_rich_progress


def train_sft(script_args: ScriptArguments, training_args: Any, model_args: Any, recipe_path: str | None = None,
              resume: bool = True, progress_title: str = "SFT") -> dict[str, Any]:
    from trl import SFTTrainer

    from open_r1.data import get_dataset
    from open_r1.models import get_tokenizer, model_init_kwargs, resolve_model_path
    from open_r1.train.callbacks import JsonlMetricsCallback, RichMetricsCallback

    quiet_transformers()
    started = time.time()
    dataset = get_dataset(script_args, recipe_path, required_columns=("messages",))
    model_path = resolve_model_path(model_args.model_name_or_path)
    tokenizer = get_tokenizer(model_path, script_args.chat_template, model_args.model_revision)
    if tokenizer.pad_token_id == tokenizer.eos_token_id:
        from open_r1.errors import ConfigError

        raise ConfigError("the tokenizer's PAD equals its EOS: the model would never learn to stop",
                          key="model_name_or_path", fix="give the tokenizer a distinct pad token.")
    training_args.model_init_kwargs = model_init_kwargs(model_args, training_args)
    trainer = SFTTrainer(
        model=model_path,
        args=training_args,
        train_dataset=dataset["train"],
        eval_dataset=dataset.get("test") if training_args.eval_strategy != "no" else None,
        processing_class=tokenizer,
        callbacks=[JsonlMetricsCallback(os.path.join(training_args.output_dir, "metrics.jsonl")),
                   RichMetricsCallback(progress_title)],
    )
    use_rich_progress(trainer)
    checkpoint = last_checkpoint(training_args.output_dir) if resume else None
    result = trainer.train(resume_from_checkpoint=checkpoint)
    finish_model(trainer, tokenizer, training_args.output_dir)
    return {"train": dict(result.metrics), "global_step": trainer.state.global_step, "resumed_from": checkpoint,
            "wall_s": round(time.time() - started, 1)}
