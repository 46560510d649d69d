"""Curriculum learning: present training prompts easy → hard by a schedule, for SFT and GRPO alike.

WHAT
    A recipe's `curriculum:` mapping (`CurriculumConfig`: schedule, difficulty column, schedule knobs) is checked by
    `check_curriculum` when the recipe is parsed, and `apply_curriculum(dataset, script_args, training_args, kind)`
    turns the training set into the *ordered* sequence of rows the trainer will read, one row per sample slot of
    the whole run, then switches the trainer's own shuffling off (SFT: `train_sampling_strategy: sequential`;
    GRPO: `shuffle_dataset: false`). `plan_order(difficulty, n_slots, config, seed)` is the pure function under it.

    Schedules (`t` = position in the run, 0 at the first step, 1 at the last):
      - `none`        the trainer's uniform shuffle (no curriculum; the default).
      - `sorted`      every row once, easiest first (a strict easy → hard pass, ties shuffled by the seed).
      - `competence`  at slot t a row is drawn uniformly from the easiest c(t) fraction of the set, with
                      c(t) = min(1, sqrt(t/T · (1 − c0²) + c0²)) and T = `warmup_fraction` (competence-based
                      curriculum, Platanios et al. 2019, arXiv 1903.09848 §3.2, the "sqrt" competence).
      - `weights`     rows are bucketed by their difficulty value; at slot t the bucket is drawn with weights
                      linearly interpolated from `start_weights` to `end_weights` (a mixture whose proportions
                      move over training), then a row uniformly within the bucket.

WHY
    GRPO learns only from prompts whose group of answers disagrees: a prompt the policy always or never solves has
    zero advantage for every completion (DeepSeekMath arXiv 2402.03300 §4.1; DAPO arXiv 2503.14476 §3.2 filters
    such prompts out of a batch). A policy that fails the hard prompts early wastes those generations; Kimi 1.5
    (arXiv 2501.12599 §2.3.4) reports gains from an easy → hard curriculum with difficulty from pass rates.
    DeepSeek-R1 itself (arXiv 2501.12948 §2.3) stages data by kind rather than difficulty. Whether a curriculum
    helps is an empirical question, so the project measures it (scripts/bench_curriculum.py) rather than assumes.
    The order is planned up front, from the seed alone, so a resumed run reads exactly the rows an uninterrupted
    run reads (the HF Trainer skips the batches it already consumed when it resumes a sequential sampler).

HOW
    difficulty d_i: the `column` value (numeric; `higher_is: harder`, e.g. the nano `level`), or 1 − value when
    `higher_is: easier` (e.g. `pass_rate` from `open-r1 data pass-rate`). Rows are ranked by d (ties in seeded
    random order); slots = max_steps × rows per optimizer step (SFT: batch × accumulation × processes; GRPO: the
    same divided by num_generations × num_iterations, since each prompt fills num_generations sample slots and a
    generation batch is reused num_iterations times). `dataset.select(order)` is the new training set.

DATA FLOW
    recipe `curriculum:` → open_r1.core.configs.ScriptArguments.curriculum → `check_curriculum` (via
    open_r1.train.parse_training_recipe, before any model loads) → open_r1.train.sft / grpo call `apply_curriculum`
    after loading the data → TRL's SFTTrainer / GRPOTrainer read the rows in order.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from open_r1.core.configs import StrictModel, validate_model
from open_r1.core.errors import ConfigError

SCHEDULES = ("none", "sorted", "competence", "weights")


class CurriculumConfig(StrictModel):
    """The recipe's `curriculum:` mapping: which column says how hard a row is and how the mix moves over training."""

    schedule: Literal["none", "sorted", "competence", "weights"] = Field(
        "none",
        description="none (uniform shuffle), sorted (easy → hard once), competence (growing pool of the "
        "easiest rows), weights (difficulty buckets with moving weights)",
    )
    column: str = Field("level", description="numeric dataset column that ranks rows (e.g. level, pass_rate)")
    higher_is: Literal["harder", "easier"] = Field(
        "harder", description="harder (a level) or easier (a pass rate: more solved means easier)"
    )
    start: float = Field(
        0.3, gt=0, le=1, description="competence: fraction of the easiest rows available at the first step (c0)"
    )
    warmup_fraction: float = Field(
        0.8, gt=0, le=1, description="competence: fraction of training after which every row is available (T)"
    )
    start_weights: dict[str, float] | None = Field(
        None, description="weights: bucket (difficulty value as a string) → weight at the first step"
    )
    end_weights: dict[str, float] | None = Field(
        None, description="weights: bucket → weight at the last step (the same buckets as start_weights)"
    )

    @property
    def enabled(self) -> bool:
        """True unless the schedule is `none`."""
        return self.schedule != "none"


def check_curriculum(raw: dict[str, Any] | None, file: str | None = None) -> CurriculumConfig:
    """Validate a recipe's `curriculum:` mapping (unknown keys, types, ranges, weight buckets) before any model loads."""
    config = validate_model(CurriculumConfig, raw or {}, file, prefix="curriculum")
    if config.schedule == "weights":
        if not config.start_weights or not config.end_weights:
            raise ConfigError(
                "schedule 'weights' needs start_weights and end_weights",
                file=file,
                key="curriculum.start_weights",
                fix="e.g. start_weights: {'1': 0.6, '2': 0.3, '3': 0.1}, end_weights: {'1': 0.2, '2': 0.3, '3': 0.5}.",
            )
        if set(config.start_weights) != set(config.end_weights):
            raise ConfigError(
                f"buckets differ: start {sorted(config.start_weights)}, end {sorted(config.end_weights)}",
                file=file,
                key="curriculum.end_weights",
                fix="give both mappings the same buckets.",
            )
        for key in ("start_weights", "end_weights"):
            weights = getattr(config, key)
            if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
                raise ConfigError(
                    f"{weights} has a negative weight or sums to 0",
                    file=file,
                    key=f"curriculum.{key}",
                    fix="use non-negative weights with a positive sum.",
                )
    return config


def competence(t: float, start: float, warmup_fraction: float) -> float:
    """Platanios et al.'s sqrt competence: the fraction of the easiest rows available at training position t ∈ [0, 1].

    >>> competence(0.0, 0.25, 1.0), competence(1.0, 0.25, 1.0), round(competence(0.5, 0.25, 1.0), 3)
    (0.25, 1.0, 0.729)
    """
    return min(1.0, math.sqrt(min(t / warmup_fraction, 1.0) * (1 - start**2) + start**2))


def plan_order(difficulty: Sequence[float], n_slots: int, config: CurriculumConfig, seed: int) -> list[int]:
    """The row index for each of `n_slots` training slots, following `config.schedule` (pure, seeded).

    `difficulty[i]` is row i's difficulty, higher = harder (already flipped for `higher_is: easier`).

    >>> cfg = CurriculumConfig(schedule="sorted")
    >>> plan_order([3, 1, 2], 3, cfg, seed=0)
    [1, 2, 0]
    """
    rng = random.Random(seed)
    n = len(difficulty)
    if n == 0:
        raise ConfigError("the training set is empty", key="curriculum")
    tiebreak = list(range(n))
    rng.shuffle(tiebreak)
    rank = sorted(range(n), key=lambda i: (difficulty[i], tiebreak[i]))  # easiest first, ties in seeded order
    if config.schedule == "sorted":
        return [rank[k % n] for k in range(max(n_slots, n))]
    order: list[int] = []
    if config.schedule == "competence":
        for k in range(n_slots):
            pool = max(1, math.ceil(competence(k / max(n_slots - 1, 1), config.start, config.warmup_fraction) * n))
            order.append(rank[rng.randrange(pool)])
        return order
    if config.schedule == "weights":
        assert config.start_weights is not None and config.end_weights is not None
        buckets: dict[str, list[int]] = {}
        for i in range(n):
            buckets.setdefault(_bucket_name(difficulty[i], config), []).append(i)
        names = sorted(config.start_weights)
        missing = [b for b in names if not buckets.get(b)]
        if missing:
            raise ConfigError(
                f"bucket(s) {missing} have no rows (the column's values: {sorted(buckets)})",
                key="curriculum.start_weights",
                fix="name buckets by the values the difficulty column takes.",
            )
        for k in range(n_slots):
            t = k / max(n_slots - 1, 1)
            weights = [(1 - t) * config.start_weights[b] + t * config.end_weights[b] for b in names]
            bucket = buckets[rng.choices(names, weights=weights)[0]]
            order.append(bucket[rng.randrange(len(bucket))])
        return order
    raise ConfigError(f"unknown schedule '{config.schedule}'", key="curriculum.schedule", fix=f"use {SCHEDULES}.")


def _bucket_name(value: float, config: CurriculumConfig) -> str:
    # Buckets are named by the column's own value (a level 2 row is bucket "2"), before any easier/harder flip.
    raw = 1 - value if config.higher_is == "easier" else value
    return str(int(raw)) if float(raw).is_integer() else str(raw)


def rows_per_step(training_args: Any, kind: str) -> int:
    """Dataset rows one optimizer step consumes (GRPO: prompts; SFT: sequences), across all processes."""
    samples = training_args.per_device_train_batch_size * training_args.gradient_accumulation_steps
    samples *= max(getattr(training_args, "world_size", 1), 1)
    if kind == "grpo":
        return max(1, samples // (training_args.num_generations * max(training_args.num_iterations, 1)))
    return samples


def apply_curriculum(dataset: Any, script_args: Any, training_args: Any, kind: str, file: str | None = None) -> Any:
    """Reorder `dataset` by the recipe's curriculum and switch the trainer's shuffle off; unchanged when none.

    Returns the dataset the trainer must be given. Fails (ConfigError) when the difficulty column is missing or not
    numeric — before any model loads, since the trainers call this right after loading the data.
    """
    config = check_curriculum(getattr(script_args, "curriculum", None), file)
    if not config.enabled:
        return dataset
    if config.column not in dataset.column_names:
        raise ConfigError(
            f"difficulty column '{config.column}' is not in the training set (columns: {dataset.column_names})",
            file=file,
            key="curriculum.column",
            fix="name a numeric column (the nano sets have `level`; `open-r1 data pass-rate` writes `pass_rate`).",
        )
    values = dataset[config.column]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        bad = next(v for v in values if not isinstance(v, int | float) or isinstance(v, bool))
        raise ConfigError(
            f"difficulty column '{config.column}' holds a non-numeric value {bad!r}",
            file=file,
            key="curriculum.column",
            fix="use a numeric column (a level or a pass rate).",
        )
    difficulty = [1 - float(v) if config.higher_is == "easier" else float(v) for v in values]
    steps = training_args.max_steps if training_args.max_steps and training_args.max_steps > 0 else 0
    n_slots = steps * rows_per_step(training_args, kind) if steps else len(dataset)
    order = plan_order(difficulty, n_slots, config, training_args.seed)
    if kind == "grpo":
        training_args.shuffle_dataset = False
    else:
        training_args.train_sampling_strategy = "sequential"
    return dataset.select(order)
