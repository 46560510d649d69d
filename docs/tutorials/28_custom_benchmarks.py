# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Custom benchmarks and task registration
#
# **Part 6, Evaluation — tutorial 28.** You will turn a new dataset into a lighteval task — a prompt function, a
# metric, a task config in a `TASKS_TABLE` — register it with `open-r1 eval run --custom-tasks`, and run it on
# the nano model.
#
# ## Concept overview
#
# A lighteval task is four things:
#
# 1. **Data**: a hub dataset or a local folder with `<split>.jsonl` (`hf_repo=<folder>`, `hf_subset="default"`).
# 2. **A prompt function** `line → Doc`: the query the model sees, the gold answer(s) (`choices`, `gold_index`).
# 3. **Metrics**: sample-level functions from a `Doc` and the model's response to numbers, aggregated over the
#    corpus. A *sampling* metric (`SamplingMetric.num_samples`) makes lighteval draw n samples per problem — what
#    R1's pass@1 needs.
# 4. **A config**, `LightevalTaskConfig(name=..., ...)`, listed in the module's `TASKS_TABLE`.
#
# The file is loaded by lighteval's `--custom-tasks`; this project runs it in the lighteval environment, offline.
# Our new benchmark asks a question the nano model never trained on: **the same arithmetic, phrased differently**
# ("What is 4 - 5 - 3?" instead of "Compute 4 - 5 - 3."). Each problem appears in both phrasings, so one run
# compares them: a model that learned the task, not the phrasing, scores about the same on both.
#
# ## Code walkthrough
#
# - [[open_r1/eval/benchmarks.py:parse_benchmarks]] accepts, with `--custom-tasks FILE`, names that are not
#   built-in benchmarks; [[open_r1/eval/benchmarks.py:custom_benchmark]] checks that the file defines them (before
#   any model loads) and passes `$OPEN_R1_SAMPLES` (from `--samples`) and `$OPEN_R1_SOURCE` to the task file.
# - The built-in `recipes/tasks/nano_math.py` is the model to copy: its metric class scores each completion with
#   [[open_r1/eval/heldout.py:check]], so task, reward and held-out score share one rule.
# - [[open_r1/eval/lighteval_env/lighteval_runner.py:patch_registry]] loads custom tasks and refuses a name that
#   clashes with a built-in lighteval task.
#
# ## Hands-on
#
# The dataset: 15 held-out problems (every level), each in the trained phrasing and rephrased — 30 rows, written as
# a local "dataset repo".

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from open_r1.data import load_one
from open_r1.eval.benchmarks import read_details
from open_r1.labs.nano_build import ensure_nano_model

work = Path(tempfile.mkdtemp(prefix="custom-task-"))
data_dir = work / "rephrased"
data_dir.mkdir()
heldout = load_one("nano://math/heldout", split="heldout").select(range(0, 300, 20))  # 15, every level
with open(data_dir / "test.jsonl", "w") as fh:
    for row in heldout:
        rephrased = "What is " + row["problem"].removeprefix("Compute ").rstrip(".") + "?"
        for variant, question in (("trained", row["problem"]), ("rephrased", rephrased)):
            fh.write(json.dumps({"question": question, "answer": row["answer"], "variant": variant}) + "\n")
print((data_dir / "test.jsonl").read_text().splitlines()[0])

# %% [markdown]
# The task file. It runs inside the lighteval environment, so it imports lighteval and — through
# `$OPEN_R1_SOURCE` — only the project's standard-library-only check.

# %%
TASK_FILE = f'''
import os, sys

import numpy as np
from lighteval.metrics.metrics_sample import SampleLevelComputation, SamplingMetric
from lighteval.metrics.utils.metric_utils import SampleLevelMetricGrouping
from lighteval.tasks.lighteval_task import LightevalTaskConfig
from lighteval.tasks.requests import Doc, SamplingMethod

sys.path.append(os.environ["OPEN_R1_SOURCE"])
from open_r1.eval.heldout import check

SAMPLES = int(os.environ.get("OPEN_R1_SAMPLES", "1"))


def rephrased_prompt(line, task_name=None):
    return Doc(task_name=task_name, query=line["question"], choices=[line["answer"]], gold_index=0)


class ExactAnswer(SamplingMetric, SampleLevelComputation):
    def num_samples(self):
        return SAMPLES

    def compute(self, doc, model_response, **kwargs):
        results = [check(text, doc.get_golds()[0]) for text in model_response.text[:SAMPLES]]
        correct = sum(ok for _, ok in results)
        return {{"pass@1": correct / len(results), "format": float(np.mean([f for f, _ in results])),
                "correct": float(correct), "n": float(len(results))}}


metric = SampleLevelMetricGrouping(
    metric_name=["pass@1", "format", "correct", "n"],
    higher_is_better={{"pass@1": True, "format": True, "correct": True, "n": True}},
    category=SamplingMethod.GENERATIVE,
    sample_level_fn=ExactAnswer(),
    corpus_level_fn={{"pass@1": np.mean, "format": np.mean, "correct": np.mean, "n": np.mean}},
)

nano_rephrased = LightevalTaskConfig(
    name="nano_rephrased",
    prompt_function=rephrased_prompt,
    hf_repo="{data_dir}",
    hf_subset="default",
    hf_avail_splits=["test"],
    evaluation_splits=["test"],
    generation_size=64,
    metrics=[metric],
    stop_sequence=[],
    version=0,
)

TASKS_TABLE = [nano_rephrased]
'''
task_path = work / "my_tasks.py"
task_path.write_text(TASK_FILE)
print(f"{task_path} ({len(TASK_FILE.splitlines())} lines)")

# %% [markdown]
# Register it with `--custom-tasks` and run it: 2 samples per problem at R1's sampling settings.

# %%
model = str(ensure_nano_model("nano://math"))
cmd = [
    sys.executable, "-m", "open_r1", "eval", "run", "--model", model, "--benchmarks", "nano_rephrased",
    "--custom-tasks", str(task_path), "--samples", "2", "--output-dir", str(work / "eval"),
]  # fmt: skip
started = time.time()
proc = subprocess.run(cmd, capture_output=True, text=True)
assert proc.returncode == 0, proc.stderr[-3000:]
print(proc.stdout)
print(f"took {time.time() - started:.1f} s")
report = json.loads((work / "eval" / "open_r1_eval.json").read_text())
scores = {b["benchmark"]: b for b in report["benchmarks"]}
rephrased_task = scores["nano_rephrased"]
print(f"pass@1 {rephrased_task['pass@1']:.1%} over {rephrased_task['problems']} rows")

details = read_details(rephrased_task["details"])
by_variant = {"trained": [], "rephrased": []}
for line in details:
    variant = "trained" if "Compute" in line["prompt"] else "rephrased"
    by_variant[variant].append(line["metrics"]["pass@1"])
for variant, rates in by_variant.items():
    print(f"{variant:9s} phrasing: pass@1 {sum(rates) / len(rates):.1%} over {len(rates)} problems")

# %% [markdown]
# The two printed lines are the test of what was learned: the gap between them says how much of the nano model's
# skill is tied to the word "Compute". One rephrased problem, as the model saw it:

# %%
line = next(d for d in details if "What is" in d["prompt"])
print(line["prompt"])
print(line["completions"][0])

# %% [markdown]
# ## Deep dive: making a task comparable
#
# - **Pin what changes numbers**: `generation_size`, `stop_sequence` (none: stop at EOS, so a model that never
#   stops is seen), the samples per problem, the prompt wording. Bump `version` when any of them changes.
# - **Score from the raw text when the format matters.** lighteval's post-processed text strips the think block;
#   `model_response.text` keeps it (the nano task needs it for the format check).
# - **Report correct counts** (`correct`, `n`), not only a rate: the report recomputes any pass@k from them
#   ([[open_r1/eval/passk.py:pass_at_k_table]]).
#
# ## Pitfalls and debugging
#
# - **"neither a built-in benchmark nor defined in the custom task file"**: the name in `--benchmarks` must be a
#   `name="..."` of the file; checked before the environment starts.
# - **A name that clashes** with a built-in lighteval task is refused by the runner: rename yours.
# - **Imports**: the file runs in lighteval's environment — `import torch` or `open_r1.rewards` there is the
#   training stack's business; use `$OPEN_R1_SOURCE` only for standard-library-only helpers.
# - **Offline data**: `hf_repo` as a folder path with `test.jsonl`; a hub id needs the hub or a local cache.
#
# ## Exercises
#
# **Exercise 1.** A typo in the task name must fail *before* anything runs. Call
# [[open_r1/eval/benchmarks.py:parse_benchmarks]] with `"nano_rephrasd"` and the task file, and capture the error
# message into `message`.

# %% tags=["solution"]
from open_r1.core.errors import ConfigError
from open_r1.eval.benchmarks import parse_benchmarks

try:
    parse_benchmarks("nano_rephrasd", str(task_path))
    message = ""
except ConfigError as err:
    message = str(err)
print(message)

# %% tags=["check"]
assert "nano_rephrasd" in message and "custom task file" in message
[bench] = parse_benchmarks("nano_rephrased", str(task_path))
assert bench.task == "nano_rephrased|0" and bench.custom_tasks == str(task_path.resolve())
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** From the task's details, compute `format_rate`, the share of completions in the
# strict R1 format, and check it against the task's own `format` metric.

# %% tags=["solution"]
from open_r1.eval.heldout import check

texts = [(t, d["gold"][0]) for d in details for t in d["completions"]]
format_rate = sum(check(t, g)[0] for t, g in texts) / len(texts)
print(f"{format_rate:.3f}", scores["nano_rephrased"]["lighteval"]["format"])

# %% tags=["check"]
assert len(texts) == 2 * len(details) == 60
assert abs(format_rate - scores["nano_rephrased"]["lighteval"]["format"]) < 1e-6
print("exercise 2: ok")
