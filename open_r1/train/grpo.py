"""GRPO training: DeepSeek-R1's reinforcement-learning stage, as a thin, readable layer over TRL's GRPOTrainer.

WHAT
    `train_grpo(script_args, grpo_config, model_args, recipe_path)` loads the prompts, builds the reward functions
    from the registry, runs `trl.GRPOTrainer`, resumes from the last checkpoint if one exists, saves the final model
    with EOS set, and (when the recipe names a held-out set) scores held-out problems before and after training.
    Outputs in `output_dir`: checkpoints, the final model, `metrics.jsonl`, `eval_results.json`.

WHY
    GRPO (DeepSeekMath, arXiv 2402.03300 §4.1; used by DeepSeek-R1, arXiv 2501.12948 §2.2.1) drops PPO's value
    network: for each prompt it samples a *group* of G completions, scores each with rule-based rewards, and uses
    the group-normalised reward as every token's advantage:

        A_i = (r_i - mean(r_1..r_G)) / std(r_1..r_G)          (scale_rewards="group")

    and maximises the clipped surrogate min(ρ_t A_i, clip(ρ_t, 1-ε, 1+ε) A_i) minus β·KL(π_θ‖π_ref), where
    ρ_t = π_θ(o_t|q,o_<t) / π_old(o_t|q,o_<t). TRL implements the loss variants (grpo; dr_grpo from arXiv
    2503.20783 §3.1, no per-sequence length or std normalisation; dapo from arXiv 2503.14476 §3.3, token-level
    averaging); this module does not re-implement any of it. What it
    adds is what TRL leaves to the user: data → prompts, named rewards with parameters, resume, a final save that
    stops at EOS, live metrics, and before/after held-out scores for the run card.

HOW
    1. data.get_dataset → data.to_prompts (conversational prompt column; other columns reach rewards as kwargs).
    2. rewards.get_reward_funcs(names, params); weights are GRPOConfig.reward_weights (TRL applies them).
    3. GRPOTrainer(model=<path>, model_init_kwargs, processing_class=tokenizer) — TRL loads the model itself so
       DeepSpeed ZeRO-3 / FSDP can shard it at load time.
    4. trainer.train(resume_from_checkpoint=last checkpoint or None) → finish_model → held-out scores.
    LoRA / QLoRA (`use_peft`, `load_in_4bit`): TRL's `peft_config` / `quantization_config` arguments, built from the
    recipe's ModelConfig fields by open_r1.models; only the adapter trains, and the final save is the adapter
    (`open-r1 merge` folds it into a full model). With `report_to: [wandb]` the run is tracked offline
    (open_r1.train.tracking); the run card gets trainable / total parameters and the tracking block.

DATA FLOW
    `open-r1 train grpo --config recipe.yaml` or the lab runner → configs.parse_recipe → here → TRL GRPOTrainer
    (generation, rewards, loss, optimizer) → output_dir → open_r1.core.runcard (run card) and the lab report.
"""

from __future__ import annotations

import os
import time
from typing import Any

from open_r1.core.configs import ScriptArguments
from open_r1.core.io import write_json_atomic
from open_r1.train.common import (
    finish_model,
    last_checkpoint,
    peak_gpu_memory,
    quiet_transformers,
    saved_weights,
    use_rich_progress,
)


def train_grpo(script_args: ScriptArguments, training_args: Any, model_args: Any, recipe_path: str | None = None,
               resume: bool = True, extra_callbacks: list[Any] | None = None) -> dict[str, Any]:
    """Run GRPO for one recipe: load and prompt the data, build the routed reward functions, train with TRL's
    GRPOTrainer (resuming from the last checkpoint unless told not to), save the final model with EOS set, score
    held-out problems before and after when asked; returns the summary the run card records.
    """
    from trl import GRPOTrainer

    from open_r1.data import get_dataset, to_prompts
    from open_r1.models import (
        get_tokenizer,
        model_init_kwargs,
        parameter_counts,
        peft_config,
        quantization_config,
        resolve_model_path,
    )
    from open_r1.rewards import get_reward_funcs
    from open_r1.rewards.routing import route_rewards
    from open_r1.train import tracking
    from open_r1.train.callbacks import JsonlMetricsCallback, RichMetricsCallback
    from open_r1.train.curriculum import apply_curriculum

    quiet_transformers()
    started = time.time()
    # Everything that can fail on bad input happens before the model is loaded.
    dataset = get_dataset(script_args, recipe_path, required_columns=(script_args.prompt_column,))
    dataset = to_prompts(dataset, script_args.prompt_column, script_args.system_prompt)
    dataset["train"] = apply_curriculum(dataset["train"], script_args, training_args, "grpo", recipe_path)
    reward_funcs = route_rewards(get_reward_funcs(script_args.reward_funcs, script_args.reward_params),
                                 script_args.reward_tasks, dataset["train"].column_names)

    model_path = resolve_model_path(model_args.model_name_or_path)
    tokenizer = get_tokenizer(model_path, script_args.chat_template, model_args.model_revision)
    training_args.model_init_kwargs = model_init_kwargs(model_args, training_args)

    heldout_before = None
    if script_args.heldout_enabled and not last_checkpoint(training_args.output_dir):
        heldout_before = _score_heldout(model_path, tokenizer, script_args, training_args)

    run_tracking = tracking.start_tracking(training_args)  # report_to: wandb → an offline W&B run (see tracking)
    trainer = GRPOTrainer(
        model=model_path,
        reward_funcs=reward_funcs,
        args=training_args,
        train_dataset=dataset["train"],
        eval_dataset=dataset.get("test") if training_args.eval_strategy != "no" else None,
        processing_class=tokenizer,
        callbacks=[JsonlMetricsCallback(os.path.join(training_args.output_dir, "metrics.jsonl")),
                   RichMetricsCallback("GRPO"), *(extra_callbacks or [])],  # e.g. open_r1.train.hub
        peft_config=peft_config(model_args),  # use_peft: TRL wraps the loaded model with LoRA adapters
        quantization_config=quantization_config(model_args),  # load_in_4bit / 8bit: reaches from_pretrained
    )
    use_rich_progress(trainer)
    parameters = parameter_counts(trainer.model)  # before training: ZeRO-3 placeholders still carry ds_numel
    checkpoint = last_checkpoint(training_args.output_dir) if resume else None
    result = trainer.train(resume_from_checkpoint=checkpoint)
    finish_model(trainer, tokenizer, training_args.output_dir)

    summary: dict[str, Any] = {
        "train": {k: v for k, v in result.metrics.items()},
        "global_step": trainer.state.global_step,
        "resumed_from": checkpoint,
        "wall_s": round(time.time() - started, 1),
        "parameters": parameters,
        "saved": saved_weights(training_args.output_dir),
        "peak_gpu_memory": peak_gpu_memory(),  # None on a CPU; the planner's figure is in the card's profile_choice
    }
    if script_args.heldout_enabled and trainer.accelerator.is_main_process:
        eval_path = os.path.join(training_args.output_dir, "eval_results.json")
        if heldout_before is None and os.path.exists(eval_path):
            import json

            heldout_before = json.load(open(eval_path)).get("heldout_before")
        summary["heldout_before"] = heldout_before
        summary["heldout_after"] = _score_heldout(trainer.model, tokenizer, script_args, training_args)
    summary["tracking"] = tracking.finish_tracking(run_tracking, summary)
    if script_args.heldout_enabled and trainer.accelerator.is_main_process:
        write_json_atomic(os.path.join(training_args.output_dir, "eval_results.json"), summary)
    return summary


def _score_heldout(model_or_path: Any, tokenizer: Any, script_args: ScriptArguments, training_args: Any) -> dict:
    from open_r1.eval.heldout import evaluate_model

    # Write the "before" scores at once so a resumed run reports the same baseline as an uninterrupted one.
    scores = evaluate_model(model_or_path, tokenizer, script_args.heldout_dataset, n=script_args.heldout_samples,
                            seed=training_args.seed, max_new_tokens=training_args.max_completion_length or 64)
    path = os.path.join(training_args.output_dir, "eval_results.json")
    if not os.path.exists(path):
        write_json_atomic(path, {"heldout_before": scores})
    return scores
