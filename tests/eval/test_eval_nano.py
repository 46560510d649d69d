"""`open-r1 eval` runs the offline nano benchmark through lighteval on CPU, in the tool-managed environment, and
writes lighteval's results and details plus our pass@k report."""

from __future__ import annotations

import json

import pytest

from open_r1.eval.benchmarks import cache_as_hub_revision, read_details

pytestmark = pytest.mark.slow


def test_nano_benchmark_through_lighteval(nano_model, tmp_path):
    from open_r1.cli import main

    out = tmp_path / "eval"
    code = main(
        [
            "eval",
            "run",
            "--model",
            str(nano_model),
            "--benchmarks",
            "nano",
            "--samples",
            "4",
            "--max-samples",
            "40",
            "--k",
            "1,2,4",
            "--output-dir",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads((out / "open_r1_eval.json").read_text())
    [nano] = report["benchmarks"]
    assert nano["problems"] == 40 and nano["samples"] == 4
    # lighteval's own aggregate and our unbiased estimator from its per-problem details agree at k = 1.
    assert nano["pass@1"] == pytest.approx(nano["lighteval"]["pass@1"], abs=1e-6)
    assert nano["pass@1"] <= nano["pass@2"] <= nano["pass@4"] <= 1.0
    # The distilled nano model writes the R1 format even when sampled at temperature 0.6.
    assert nano["format"] >= 0.9 and nano["pass@1"] > 0.05
    results = list((out / "nano" / "results").rglob("results_*.json"))
    details = list((out / "nano" / "details").rglob("details_nano_math*.parquet"))
    assert results and details
    spec = json.loads((out / "nano" / "spec.json").read_text())
    assert spec["generation"]["temperature"] == 0.6 and spec["generation"]["top_p"] == 0.95

    assert main(["eval", "report", str(out)]) == 0


def test_revision_and_system_prompt_reach_lighteval(nano_model, tmp_path, monkeypatch):
    """`--revision` picks a branch of a hub repo in the local HF cache (offline): `main` holds untrained weights,
    `distilled` the nano model, so only an honoured revision writes the answer tags. The system prompt is in every
    saved prompt, and the per-problem details and the HTML report are written."""
    from open_r1.cli import main
    from open_r1.labs.nano_build import ensure_nano_model

    hub = tmp_path / "hub"
    cache_as_hub_revision(ensure_nano_model("nano://math-init"), "local/nano-math", "main", hub)
    cache_as_hub_revision(nano_model, "local/nano-math", "distilled", hub)
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    out = tmp_path / "eval"
    system = "You are a careful calculator."
    code = main(
        ["eval", "run", "--model", "local/nano-math", "--revision", "distilled", "--system-prompt", system,
         "--benchmarks", "nano", "--samples", "2", "--max-samples", "10", "--output-dir", str(out)]
    )  # fmt: skip
    assert code == 0
    report = json.loads((out / "open_r1_eval.json").read_text())
    assert report["revision"] == "distilled" and report["system_prompt"] == system
    [nano] = report["benchmarks"]
    details = read_details(nano["details"])
    # Which weights answered: the distilled model writes the <answer> tag (20 of 20 completions when measured), the
    # untrained `main` weights never did (0 of 20). The strict format score is not the signal here: a system prompt
    # this 0.43 M-parameter model never saw in training knocks it off the exact R1 layout (format 0.0 measured).
    completions = [c for d in details for c in d["completions"]]
    assert sum("<answer>" in c for c in completions) >= 0.75 * len(completions), completions[:3]
    assert len(details) == 10 and all(system in d["prompt"] for d in details)
    assert all(len(d["completions"]) == 2 == len(d["verdicts"]) and d["gold"] for d in details)
    assert "careful calculator" in (out / "report.html").read_text()
