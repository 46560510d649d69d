"""Datasets: local files, weighted mixtures (seeded, exact row counts), conversational prompts."""

from __future__ import annotations

import json

import pytest

from open_r1.core.configs import ScriptArguments
from open_r1.core.errors import ConfigError
from open_r1.data import get_dataset, load_one, to_prompts


def jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


@pytest.fixture()
def two_sets(tmp_path):
    a = jsonl(tmp_path / "a.jsonl", [{"problem": f"a{i}", "solution": "1", "src": "a"} for i in range(100)])
    b = jsonl(tmp_path / "b.jsonl", [{"problem": f"b{i}", "solution": "2", "src": "b"} for i in range(40)])
    return a, b


def test_weighted_mixture_keeps_fractions_and_is_seeded(two_sets):
    a, b = two_sets
    args = ScriptArguments(dataset_mixture={"datasets": [{"id": a, "weight": 0.3}, {"id": b, "weight": 0.5}],
                                            "seed": 7})
    ds = get_dataset(args)["train"]
    assert len(ds) == 30 + 20
    assert sum(r == "a" for r in ds["src"]) == 30 and sum(r == "b" for r in ds["src"]) == 20
    again = get_dataset(args)["train"]
    assert ds["problem"] == again["problem"]  # same seed, same order
    other = get_dataset(ScriptArguments(dataset_mixture={**args.dataset_mixture, "seed": 8}))["train"]
    assert set(other["problem"]) != set(ds["problem"])  # the seed chooses which rows are kept


def test_mixture_test_split_and_columns(two_sets):
    a, b = two_sets
    args = ScriptArguments(dataset_mixture={
        "datasets": [{"id": a, "columns": ["problem", "solution"]}, {"id": b, "columns": ["problem", "solution"]}],
        "seed": 0, "test_split_size": 0.25})
    dd = get_dataset(args)
    assert len(dd["train"]) + len(dd["test"]) == 140 and len(dd["test"]) == 35
    assert dd["train"].column_names == ["problem", "solution"]


def test_mixture_missing_column_is_named(two_sets):
    a, _ = two_sets
    args = ScriptArguments(dataset_mixture={"datasets": [{"id": a, "columns": ["question"]}]})
    with pytest.raises(ConfigError, match="question"):
        get_dataset(args, file="r.yaml")


def test_prompts_are_conversational_and_keep_columns(two_sets):
    a, _ = two_sets
    ds = to_prompts(load_one(a), "problem", "Think first.")
    row = ds[0]
    assert row["prompt"] == [{"role": "system", "content": "Think first."}, {"role": "user", "content": row["problem"]}]
    assert "solution" in ds.column_names


def test_missing_local_path_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_one(str(tmp_path / "missing.jsonl"))
