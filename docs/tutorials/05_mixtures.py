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
# # Dataset mixtures and weighted sampling
#
# **Part 1, Foundations — tutorial 5 of 5.** You will build weighted mixtures of datasets the way a recipe does
# (`dataset_mixture:`), check their arithmetic row by row, make them reproducible, and learn to read the errors.
# No model is needed: this tutorial runs in a few seconds.
#
# ## Concept overview
#
# The R1 models are trained on *mixtures*: math, code and science problems for RL (DeepSeek-R1 §2.3), hundreds of
# thousands of reasoning traces from several sources for distillation (§2.4). How much of each source goes in
# changes what the model becomes, so the proportions must be explicit, reviewable and reproducible.
#
# In open-r1 labs a mixture is part of the recipe:
#
# ```yaml
# dataset_mixture:
#   datasets:
#     - {id: open-r1/OpenR1-Math-220k, split: train, columns: [problem, solution], weight: 0.5}
#     - {id: ./my_problems.jsonl, columns: [problem, solution], weight: 1.0}
#   seed: 0
#   test_split_size: 0.05
# ```
#
# A **weight is the fraction of that dataset's rows kept**, after a seeded shuffle: `weight: 0.5` keeps a random
# half, `weight: 1.0` keeps every row. Weights are never above 1 — a mixture never repeats a row. The members are
# then concatenated and shuffled again with the same seed, and a test split is cut off if asked.
#
# So the share of member *i* in the mixture is not its weight but
#
# ```text
# share_i = round(w_i × n_i) / Σ_j round(w_j × n_j)        (n_i: rows of member i)
# ```
#
# ## Code walkthrough
#
# - [[open_r1/core/configs.py:ScriptArguments]] holds `dataset_name` *or* `dataset_mixture`;
#   [[open_r1/core/configs.py:ScriptArguments.mixture]] turns the mapping into a [[open_r1/core/configs.py:MixtureSpec]] of
#   [[open_r1/core/configs.py:DatasetSpec]]s and rejects bad input (unknown keys, weights outside (0, 1], members
#   selecting different columns) before anything is loaded.
# - [[open_r1/data.py:load_one]] reads one member: a hub id, a local `.jsonl`/`.json`/`.parquet`/`.csv` file or
#   folder, or a `nano://<kit>/<split>` dataset (written to the cache by [[open_r1/nano/datasets.py]] first).
# - [[open_r1/data.py:mix]] is the whole algorithm: load, select columns, shuffle, keep `round(weight × rows)`,
#   concatenate, shuffle.
# - [[open_r1/data.py:get_dataset]] returns a `DatasetDict` with `train` (and `test`), for either form.
#
# ## Hands-on
#
# Three small local datasets of nano arithmetic problems, one per difficulty level, made with the nano kit's task
# generator ([[open_r1/nano/tasks.py:make_split]]) and written as JSON lines — exactly what a user's own data
# would look like.

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import tempfile
import warnings
from collections import Counter
from pathlib import Path

from open_r1.core.configs import ScriptArguments
from open_r1.data import get_dataset
from open_r1.nano.tasks import make_split

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
work = Path(tempfile.mkdtemp(prefix="mixtures-"))
sizes = {1: 120, 2: 300, 3: 600}  # level -> rows
for level, n in sizes.items():
    rows = make_split(seed=level, n=n, levels=(level,), unique=False)
    with open(work / f"level{level}.jsonl", "w") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
print({p.name: sum(1 for _ in open(p)) for p in sorted(work.glob("*.jsonl"))})
print("a row:", json.loads(open(work / "level2.jsonl").readline()))

# %% [markdown]
# A mixture that keeps all the easy problems, half of level 2 and a quarter of level 3:

# %%
mixture = {
    "datasets": [
        {"id": str(work / "level1.jsonl"), "columns": ["problem", "solution", "level"], "weight": 1.0},
        {"id": str(work / "level2.jsonl"), "columns": ["problem", "solution", "level"], "weight": 0.5},
        {"id": str(work / "level3.jsonl"), "columns": ["problem", "solution", "level"], "weight": 0.25},
    ],
    "seed": 0,
}
args = ScriptArguments(dataset_mixture=mixture)
args.validate()  # what parse_recipe does for a recipe: fail before loading anything
ds = get_dataset(args)["train"]
counts = Counter(ds["level"])
print(ds)
print("rows per level:", dict(sorted(counts.items())))
print("shares:", {k: round(v / len(ds), 3) for k, v in sorted(counts.items())})

# %% [markdown]
# 120 + 150 + 150 = 420 rows: level 3 has the smallest weight but, being the largest dataset, the same share as
# level 2. **Weights are per-dataset fractions, not mixture proportions.**
#
# The same seed gives the same rows in the same order; another seed gives another subset of each member:

# %%
again = get_dataset(ScriptArguments(dataset_mixture=mixture))["train"]
other = get_dataset(ScriptArguments(dataset_mixture={**mixture, "seed": 1}))["train"]
print("same seed, same order:   ", again["problem"] == ds["problem"])
print("seed 1, same counts:     ", Counter(other["level"]) == counts)
print("seed 1, rows in common:  ", len(set(other["problem"]) & set(ds["problem"])), "of", len(ds))

# %% [markdown]
# A held-out split for evaluation is cut from the mixed data (`test_split_size`, seeded too):

# %%
split = get_dataset(ScriptArguments(dataset_mixture={**mixture, "test_split_size": 0.1}))
print({name: len(part) for name, part in split.items()})

# %% [markdown]
# ### From a recipe file
#
# The same mixture, as a lab would read it: a YAML recipe parsed by [[open_r1/core/configs.py:parse_recipe]] into
# `ScriptArguments`, TRL's `GRPOConfig` and `ModelConfig`, with every key checked first.

# %%
import yaml
from trl import GRPOConfig

from open_r1.core.configs import parse_recipe

recipe = work / "recipe.yaml"
recipe.write_text(
    yaml.safe_dump(
        {
            "model_name_or_path": "nano://math",
            "dataset_mixture": mixture,
            "reward_funcs": ["accuracy", "format"],
            "output_dir": str(work / "run"),
            "use_cpu": True,
            "bf16": False,
        }
    )
)
script_args, grpo_config, model_config = parse_recipe(GRPOConfig, str(recipe), ["--learning_rate", "1e-5"])
print(script_args.mixture())
print("learning rate from the command line:", grpo_config.learning_rate)

# %% [markdown]
# ### Errors name the file, the key and the fix
#
# Mistakes in a mixture are caught when the recipe is parsed, before a model is loaded:

# %%
from open_r1.core.errors import ConfigError

bad_mixtures = {
    "weight above 1": {"datasets": [{"id": "a.jsonl", "weight": 2.0}]},
    "columns disagree": {
        "datasets": [{"id": "a.jsonl", "columns": ["problem"]}, {"id": "b.jsonl", "columns": ["problem", "solution"]}]
    },
    "typo in a key": {"datasets": [{"id": "a.jsonl", "wieght": 0.5}]},
}
for name, bad in bad_mixtures.items():
    try:
        ScriptArguments(dataset_mixture=bad).mixture(file="recipe.yaml")
    except ConfigError as err:
        print(f"{name}:\n    {err}\n")

# %% [markdown]
# ## Deep dive: fractions kept versus sampling probabilities
#
# Libraries offer two ways to mix datasets:
#
# | | **fraction kept** (open-r1 labs, `dataset_mixture`) | **sampling probabilities** (`datasets.interleave_datasets`) |
# |---|---|---|
# | parameter | `weight_i` ∈ (0, 1], per dataset | `p_i`, summing to 1 over the datasets |
# | rows | each row at most once | rows repeat once a small dataset is exhausted (`all_exhausted`) |
# | size | Σ round(w_i n_i), known in advance | set by the stopping strategy |
# | share of member i | w_i n_i / Σ w_j n_j | p_i (in expectation) |
#
# Keeping fractions never oversamples, so a small high-quality set cannot be silently repeated ten times, and the
# resulting dataset is a plain, inspectable table. To reach *target shares* π_i with fractions, pick
# `w_i ∝ π_i / n_i` and scale so the largest weight is 1 (exercise 2): the mixture then uses every row of the
# member that limits it.
#
# With GRPO, every row is a *prompt*: the mixture decides which problems the policy practises on, and how often
# relative to each other; with SFT every row is a *trace* to imitate. DeepSeek-R1 §2.3.3 filters its SFT data by
# quality and correctness before mixing — selection matters as much as proportions.

# %%
from datasets import interleave_datasets, load_dataset

members = [load_dataset("json", data_files=str(work / f"level{k}.jsonl"), split="train") for k in (1, 2, 3)]
sampled = interleave_datasets(members, probabilities=[0.5, 0.25, 0.25], seed=0, stopping_strategy="all_exhausted")
distinct = len(set(sampled["problem"]))
print(
    f"interleaved with p=[0.5, 0.25, 0.25]: {len(sampled)} rows, {distinct} distinct problems "
    f"(level-1 rows repeat: {len(sampled) - distinct} duplicates)"
)

# %% [markdown]
# ## Pitfalls and debugging
#
# - **A weight is not a share.** Compute the shares (the first hands-on cell prints them) before you train.
# - **Rounding.** `round` in Python rounds halves to even: `round(0.5 × 3) = 2`, `round(0.5 × 5) = 2`. On tiny
#   members this matters; a weight so small that `round(w × n) = 0` silently drops the member.
# - **Columns must agree.** Datasets are concatenated: select the same `columns` in every member (the error above).
#   A member missing a selected column fails with the dataset's actual columns listed.
# - **`messages` is dropped for GRPO.** [[open_r1/data.py:to_prompts]] removes an SFT `messages` column so TRL does
#   not take a prompt dataset for a conversational SFT set; every other column reaches the rewards as a keyword
#   argument (`solution` for accuracy).
# - **Two seeds.** `dataset_mixture.seed` decides which rows are kept and their order; the trainer's `seed` and
#   `data_seed` decide the sampling during training. Change one, keep the other, and compare runs fairly.
# - **Debugging:** `get_dataset(ScriptArguments(dataset_mixture=...))` in a Python shell shows the exact table the
#   trainer will see, in seconds, with no model.
#
# ## Exercises
#
# **Exercise 1.** Write `expected_counts(sizes, weights)` that returns the number of rows each member contributes,
# without loading anything, and check it against `get_dataset` for the mixture above.


# %% tags=["solution"]
def expected_counts(sizes: list[int], weights: list[float]) -> list[int]:
    return [round(w * n) for n, w in zip(sizes, weights, strict=True)]


print(expected_counts([120, 300, 600], [1.0, 0.5, 0.25]))

# %% tags=["check"]
assert expected_counts([120, 300, 600], [1.0, 0.5, 0.25]) == [counts[1], counts[2], counts[3]]
assert expected_counts([3, 5], [0.5, 0.5]) == [2, 2]  # halves round to even
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Write `weights_for_shares(sizes, shares)` returning weights in (0, 1] — the largest exactly 1 —
# whose mixture has the target shares. Build the mixture for shares 50 % / 30 % / 20 % of levels 1 / 2 / 3 and
# check that every share is within one row of its target.


# %% tags=["solution"]
def weights_for_shares(sizes: list[int], shares: list[float]) -> list[float]:
    raw = [s / n for n, s in zip(sizes, shares, strict=True)]
    top = max(raw)
    return [r / top for r in raw]


weights = weights_for_shares([120, 300, 600], [0.5, 0.3, 0.2])
print([round(w, 4) for w in weights])
target_mix = {"datasets": [dict(m, weight=w) for m, w in zip(mixture["datasets"], weights, strict=True)], "seed": 0}
mixed = get_dataset(ScriptArguments(dataset_mixture=target_mix))["train"]
print(len(mixed), "rows:", dict(sorted(Counter(mixed["level"]).items())))

# %% tags=["check"]
assert max(weights) == 1.0 and all(0 < w <= 1 for w in weights)
got = Counter(mixed["level"])
for level, share in zip((1, 2, 3), (0.5, 0.3, 0.2), strict=True):
    assert abs(got[level] - share * len(mixed)) <= 1, (level, got[level], share * len(mixed))
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** This recipe fragment fails. Find out why from the error alone, fix it, and load the mixture.
#
# ```yaml
# dataset_mixture:
#   datasets:
#     - {id: level1.jsonl, columns: [problem, solution]}
#     - {id: level3.jsonl, weight: 0.1}
# ```

# %% tags=["solution"]
broken = {
    "datasets": [
        {"id": str(work / "level1.jsonl"), "columns": ["problem", "solution"]},
        {"id": str(work / "level3.jsonl"), "weight": 0.1},
    ]
}
try:
    ScriptArguments(dataset_mixture=broken).mixture(file="recipe.yaml")
except ConfigError as err:
    print("error:", err)
# the second member selects no columns (so all of them, `level` included): give both the same list
fixed = {"datasets": [dict(m, columns=["problem", "solution"]) for m in broken["datasets"]]}
fixed_ds = get_dataset(ScriptArguments(dataset_mixture=fixed))["train"]
print(fixed_ds)

# %% tags=["check"]
assert fixed_ds.column_names == ["problem", "solution"]
assert len(fixed_ds) == 120 + 60
print("exercise 3: ok")

# %% [markdown]
# ## What next
#
# You have finished Part 1. The [reference](../reference/configs.md#dataset_mixture) lists every mixture field;
# the [grpo-math lab](../labs/grpo-math.md) uses a single dataset (`dataset_name: nano://math/train`) — try it with a
# mixture of levels and compare held-out accuracy per level in the run card.
