"""Pass-rate filtering: k samples per problem scored by a registry reward; keep pass rates in [lo, hi]."""

from __future__ import annotations

import json

import pytest

from open_r1.core.errors import ConfigError
from open_r1.curate.tools import filter_by_pass_rate, group_generations, pass_rates


def trace(answer: str) -> str:
    return f"<think>\nwork\n</think>\n<answer>\n{answer}\n</answer>"


def samples(row: int, problem: str, solution: str, answers: list[str]) -> list[dict]:
    # The shape `open-r1 generate` writes: source columns + row/sample + the generation fields.
    return [
        {
            "row": row,
            "sample": j,
            "problem": problem,
            "solution": solution,
            "generation": trace(a),
            "messages": [],
            "finish_reason": "stop",
            "prompt_hash": "h",
            "usage": {},
            "model": "m",
        }
        for j, a in enumerate(answers)
    ]


def test_pass_rates_and_range_filter(tmp_path):
    from open_r1.rewards import get_reward_funcs

    [reward] = get_reward_funcs(["accuracy"], {"accuracy": {"workers": 1}})
    lines = (
        samples(0, "Compute 1 + 1.", "$2$", ["2", "2", "2", "2"])  # always solved: 1.0
        + samples(1, "Compute 2 + 2.", "$4$", ["4", "5", "4", "3"])  # 0.5
        + samples(2, "Compute 3 + 3.", "$6$", ["1", "2", "3", "6"])  # 0.25
        + samples(3, "Compute 4 + 4.", "$8$", ["0", "0", "0", "0"])
    )  # never: 0.0
    rates = pass_rates(group_generations(reversed(lines)), reward, k=4)  # order on disk must not matter
    assert {r: info["pass_rate"] for r, info in rates.items()} == {0: 1.0, 1: 0.5, 2: 0.25, 3: 0.0}
    kept, report = filter_by_pass_rate(rates, 0.2, 0.8)
    assert [k["problem"] for k in kept] == ["Compute 2 + 2.", "Compute 3 + 3."]
    assert "generation" not in kept[0] and kept[0]["pass_rate"] == 0.5 and kept[0]["pass_k"] == 4
    assert report["problems"] == 4 and report["kept"] == 2


def test_uses_first_k_samples_and_refuses_too_few():
    def always_one(completions, **kwargs):
        return [1.0] * len(completions)

    groups = group_generations(samples(0, "p", "$1$", ["1"] * 8))
    assert pass_rates(groups, always_one, k=8)[0]["correct"] == 8
    with pytest.raises(ConfigError, match="fewer than k=16"):
        pass_rates(groups, always_one, k=16)


def test_unscorable_problems_are_dropped_and_counted():
    def gold_missing(completions, **kwargs):
        return [None] * len(completions)

    rates = pass_rates(group_generations(samples(0, "p", "", ["1", "2"])), gold_missing, k=2)
    kept, report = filter_by_pass_rate(rates, 0.0, 1.0)
    assert kept == [] and report["unscorable"] == 1


def test_cli_reads_generations_file(tmp_path):
    from open_r1.cli import main

    gen = tmp_path / "samples.jsonl"
    lines = samples(0, "Compute 2 + 2.", "$4$", ["4", "5"]) + samples(1, "Compute 1 + 1.", "$2$", ["2", "2"])
    gen.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "kept.jsonl"
    code = main(
        [
            "data",
            "pass-rate",
            "--generations",
            str(gen),
            "--k",
            "2",
            "--lo",
            "0.2",
            "--hi",
            "0.8",
            "--reward-params",
            '{"workers": 1}',
            "--output",
            str(out),
        ]
    )
    assert code == 0
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(k["row"], k["pass_rate"]) for k in kept] == [(0, 0.5)]
