"""lighteval custom task `lcb_r1`: LiveCodeBench code generation with DeepSeek-R1's 16 samples per problem.

WHAT
    A `TASKS_TABLE` with `lcb_r1`: lighteval 0.13's `lcb:codegeneration` (v4_v5 problems, hidden tests run by its
    own executor), but generating n samples per problem (`$OPEN_R1_LCB_SAMPLES`, default 16) and scoring the
    unbiased pass@1 over all of them; and `lcb_r1_v4`, the same over lighteval's `lcb:codegeneration_v4` (the `v4`
    subset: open-r1's `lcb_v4` benchmark).

WHY
    DeepSeek-R1 (arXiv 2501.12948 §3) reports LiveCodeBench pass@1 from 16 samples at temperature 0.6. lighteval
    0.13's built-in metric is *named* `codegen_pass@1:16` but is not a sampling metric, so only one sample per
    problem is generated — a noisy estimate that is not the paper's protocol. Wrapping the metric as a sampling
    metric makes lighteval generate n samples; lighteval's own code executor still does the judging (we do not
    re-implement it). Runs inside the lighteval environment (imports lighteval only).

HOW
    pass@1 = mean over the n samples of "all tests pass" (Codex arXiv 2107.03374: the unbiased estimator at k = 1).

DATA FLOW
    `open-r1 eval run --benchmarks lcb` → lighteval runner (--custom-tasks this file) → results/details.
"""

import copy
import os

import numpy as np
from lighteval.metrics.metrics_sample import SampleLevelComputation, SamplingMetric
from lighteval.metrics.utils.metric_utils import SampleLevelMetric
from lighteval.tasks.requests import SamplingMethod
from lighteval.tasks.tasks.lcb import main as lcb

LCB_SAMPLES = int(os.environ.get("OPEN_R1_LCB_SAMPLES", "16"))


class CodegenAtN(SamplingMetric, SampleLevelComputation):
    """lighteval's LCB judge over n samples: it already averages pass@1 over every prediction it is given."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n
        self.judge = lcb.CodegenMetric()

    def num_samples(self) -> int:
        return self.n

    def compute(self, doc, model_response, **kwargs) -> float:
        return self.judge.compute(model_response=model_response, doc=doc, **kwargs)


def r1_variant(base_name: str, name: str):
    """A copy of one of lighteval's LCB tasks (same problems, prompt and judge) scored over n samples."""
    task = copy.deepcopy(next(t for t in lcb.TASKS_TABLE if t.name == base_name))
    task.name = name
    task.metrics = [
        SampleLevelMetric(
            metric_name="pass@1",
            category=SamplingMethod.GENERATIVE,
            higher_is_better=True,
            sample_level_fn=CodegenAtN(LCB_SAMPLES),
            corpus_level_fn=np.mean,
            batched_compute=False,
        )
    ]
    return task


# v4_v5 problems: what `lighteval|lcb:codegeneration` (and open-r1's `lcb`) evaluates.
lcb_r1 = r1_variant("lcb:codegeneration", "lcb_r1")
# the `v4` subset: open-r1's `lcb_v4` (`extended|lcb:codegeneration_v4`).
lcb_r1_v4 = r1_variant("lcb:codegeneration_v4", "lcb_r1_v4")

TASKS_TABLE = [lcb_r1, lcb_r1_v4]
