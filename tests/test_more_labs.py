"""The grpo-code and ioi-eval labs end to end on their nano profiles (shrunk: a few steps, few samples)."""

from __future__ import annotations

import json

import pytest

from open_r1.labs.runner import run_lab


@pytest.fixture(scope="module")
def nano_code_model(nano_cache):
    from open_r1.labs.nano_build import ensure_nano_model

    return ensure_nano_model("nano://code")


def test_grpo_code_lab_runs_programs_in_the_sandbox(isolation, nano_code_model, tmp_path):
    run_dir = tmp_path / "code"
    card = run_lab("grpo-code", profile="nano", run_dir=str(run_dir),
                   overrides=["--max_steps", "2", "--heldout_samples", "24", "--save_steps", "2"])
    before, after = card["metrics"]["heldout_before"], card["metrics"]["heldout_after"]
    assert before["task"] == "code" and before["n"] == 24
    # the distilled model writes programs that really pass their tests in the sandbox
    assert before["format"] >= 0.9 and before["accuracy"] > 0.3
    assert 0.0 <= after["accuracy"] <= 1.0
    logged = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert any("rewards/code/mean" in row for row in logged)


def test_ioi_eval_lab_writes_a_report(isolation, nano_model, tmp_path):
    run_dir = tmp_path / "ioi"
    card = run_lab("ioi-eval", profile="nano", run_dir=str(run_dir), overrides=["--samples_per_problem", "1"])
    report = json.loads((run_dir / "report" / "report.json").read_text())
    assert (run_dir / "report" / "report.md").is_file()
    assert len(report["problems"]) == 6
    lines = (run_dir / "generations.jsonl").read_text().splitlines()
    assert len(lines) == 6  # one sample per problem
    assert card["lab"]["name"] == "ioi-eval" and card["metrics"]["wall_s"] > 0


def test_ioi_eval_bad_recipe_value_is_named(tmp_path):
    from open_r1.core.errors import ConfigError

    with pytest.raises(ConfigError, match="samples_per_problem"):
        run_lab("ioi-eval", profile="nano", run_dir=str(tmp_path / "x"), overrides=["--samples_per_problem", "0"])
