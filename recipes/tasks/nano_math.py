"""lighteval custom task `nano_math`: held-out nano-R1 arithmetic problems, read from a local folder (offline).

WHAT
    A `TASKS_TABLE` with one `LightevalTaskConfig` for lighteval's `--custom-tasks`. The dataset is the folder
    named by `$OPEN_R1_NANO_TASK_DIR` holding `test.jsonl` (columns `problem`, `answer`, `level`), which
    `open-r1 eval` writes from `nano://math/heldout`. Metrics per problem over n samples
    (`$OPEN_R1_NANO_SAMPLES`, default 4): `format` (strict R1 template), `pass@1` (unbiased: correct / n),
    `correct` and `n` (so reports can compute any pass@k with open_r1.eval.passk).

WHY
    The R1 benchmarks need a GPU and hub datasets; CI has neither. The nano task runs the *same* lighteval pipeline
    (task registry, chat template, sampling with R1's temperature 0.6 / top-p 0.95, n samples per problem,
    details) on held-out problems the nano model never trained on (DeepSeek-R1 arXiv 2501.12948 §3: pass@1 from
    k samples). The checks *are* open_r1.eval.heldout.check (the `format` reward's rule and an exact integer answer).
    This file runs inside the lighteval environment: it imports lighteval, the standard library, and that one
    standard-library-only corner of the project (`$OPEN_R1_SOURCE` on sys.path, set by open_r1.eval.benchmarks).

HOW
    prompt: the problem as the user turn (lighteval applies the model's chat template); gold: the answer string.
    format_i = the `format` reward's strict template matches the whole completion, with answer block x ;
    correct_i = x == gold ; pass@1 = mean_i correct_i (the unbiased estimator for k = 1).

DATA FLOW
    open_r1.eval.benchmarks (writes test.jsonl, sets the env vars) → lighteval runner (--custom-tasks this file) →
    results/details → open_r1_summary.json → results table.
"""

import os
import sys

import numpy as np
from lighteval.metrics.metrics_sample import SampleLevelComputation, SamplingMetric
from lighteval.metrics.utils.metric_utils import SampleLevelMetricGrouping
from lighteval.tasks.lighteval_task import LightevalTaskConfig
from lighteval.tasks.requests import Doc, SamplingMethod

# The held-out check of the nano labs, imported from the project (its import chain is standard-library only):
# one definition of "strict format" and "exact answer" for training rewards, held-out scores and lighteval.
if os.environ.get("OPEN_R1_SOURCE"):
    sys.path.append(os.environ["OPEN_R1_SOURCE"])  # appended: the environment's own packages come first
from open_r1.eval.heldout import check  # noqa: E402

NANO_DIR = os.environ.get("OPEN_R1_NANO_TASK_DIR", "nano_task")
NANO_SAMPLES = int(os.environ.get("OPEN_R1_NANO_SAMPLES", "4"))
NANO_MAX_TOKENS = int(os.environ.get("OPEN_R1_NANO_MAX_TOKENS", "64"))


def nano_prompt(line, task_name: str = None):
    """Turn one row of the nano held-out file into a lighteval Doc: the problem as the query, the answer string as the
    only gold choice, the level kept for the details.
    """
    return Doc(
        task_name=task_name,
        query=line["problem"],
        choices=[str(line["answer"])],
        gold_index=0,
        specific={"level": line.get("level")},
    )


def score(completion: str, gold: str) -> tuple[bool, bool]:
    """(strict format, exact answer) for one completion: open_r1.eval.heldout.check."""
    return check(completion, gold)


class NanoScore(SamplingMetric, SampleLevelComputation):
    """Format adherence and pass@1 over the first n samples of one problem."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def num_samples(self) -> int:
        """How many completions lighteval must sample per problem for this metric (`$OPEN_R1_NANO_SAMPLES`, default 4).
        """
        return self.n

    def compute(self, doc: Doc, model_response, **kwargs) -> dict:
        """Score one problem's first n raw completions with open_r1.eval.heldout.check: the share in strict R1 format,
        pass@1 (correct / n), and the correct and n counts a report turns into any pass@k.
        """
        gold = doc.get_golds()[0]
        # The raw text, not lighteval's post-processed one: that strips the think block the format check needs.
        checks = [score(text, gold) for text in model_response.text[: self.n]]
        correct = sum(ok for _, ok in checks)
        return {
            "format": float(np.mean([f for f, _ in checks])),
            "pass@1": correct / len(checks),
            "correct": float(correct),
            "n": float(len(checks)),
        }


nano_metric = SampleLevelMetricGrouping(
    metric_name=["format", "pass@1", "correct", "n"],
    higher_is_better={"format": True, "pass@1": True, "correct": True, "n": True},
    category=SamplingMethod.GENERATIVE,
    sample_level_fn=NanoScore(NANO_SAMPLES),
    corpus_level_fn={"format": np.mean, "pass@1": np.mean, "correct": np.mean, "n": np.mean},
)

nano_math = LightevalTaskConfig(
    name="nano_math",
    prompt_function=nano_prompt,
    hf_repo=NANO_DIR,
    hf_subset="default",
    hf_avail_splits=["test"],
    evaluation_splits=["test"],
    few_shots_split=None,
    few_shots_select=None,
    generation_size=NANO_MAX_TOKENS,
    metrics=[nano_metric],
    stop_sequence=[],  # stop at EOS only: stopping early would hide a model that never stops
    version=0,
)

TASKS_TABLE = [nano_math]
