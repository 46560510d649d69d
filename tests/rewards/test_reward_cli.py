"""`open-r1 rewards list | score`, through the real command tree (open_r1.cli.main)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from open_r1.cli import main
from open_r1.rewards import REWARD_REGISTRY

ROWS = [
    {
        "completion": [{"role": "assistant", "content": "<think>\n2+2\n</think>\n<answer>\n4\n</answer>"}],
        "solution": "$4$",
    },
    {"completion": "<think>\nhmm\n</think>\n<answer>\n$\\frac{1}{2}$\n</answer>", "solution": "$\\frac{2}{4}$"},
    {"completion": "no tags, the answer is \\boxed{5}", "solution": "$6$"},
    {"completion": "<answer>\n1\n</answer>", "solution": "$\\boxed{\\frac{1}{"},
]


@pytest.fixture
def completions_file(tmp_path):
    path = tmp_path / "completions.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    return path


def test_list_shows_every_reward(capsys):
    assert main(["rewards", "list"]) == 0
    out = capsys.readouterr().out
    for name in REWARD_REGISTRY:
        assert name in out


def test_list_verbose_explains_parameters(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # wide enough that no help line wraps
    assert main(["rewards", "list", "--verbose"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "per-sample time budget" in out


def test_list_json(capsys):
    assert main(["rewards", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == list(REWARD_REGISTRY)
    cosine = next(r for r in rows if r["name"] == "cosine")
    assert cosine["params"]["max_len"] == 1000 and cosine["summary"] and cosine["param_help"]["max_len"]


def test_score_table_and_summary(completions_file, capsys):
    code = main(["rewards", "score", "--rewards", "accuracy,format", "--input", str(completions_file)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Summary over 4 samples" in out
    assert "accuracy" in out and "format" in out


def test_score_json_output_and_file(completions_file, tmp_path, capsys):
    output = tmp_path / "scored.jsonl"
    argv = ["rewards", "score", "--rewards", "accuracy,tag_count", "--input", str(completions_file)]
    argv += ["--weights", "1,0.5", "--output", str(output), "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    accuracy = next(s for s in summary["summary"] if s["reward"] == "accuracy")
    assert accuracy["none"] == 1 and accuracy["mean"] == pytest.approx(2 / 3)
    scored = [json.loads(line) for line in output.read_text().splitlines()]
    assert [r["rewards"]["accuracy"] for r in scored] == [1.0, 1.0, 0.0, None]
    assert scored[0]["reward_total"] == pytest.approx(1.5)
    assert scored[3]["reward_total"] == pytest.approx(0.5 * scored[3]["rewards"]["tag_count"])


def test_score_params(completions_file, capsys):
    argv = ["rewards", "score", "--rewards", "format", "--param", "format.prefill_think=true"]
    argv += ["--input", str(completions_file), "--json"]
    assert main(argv) == 0
    (summary,) = json.loads(capsys.readouterr().out)["summary"]
    assert summary["mean"] == 0.0  # every row opens <think> itself, which a prefilled template forbids


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--rewards", "acuracy"], "Did you mean 'accuracy'"),
        (["--rewards", "cosine", "--param", "cosine.max_lenn=3"], "no parameter 'max_lenn'"),
        (["--rewards", "cosine", "--param", "oops"], "REWARD.KEY=VALUE"),
        (["--rewards", "accuracy,format", "--weights", "1"], "one weight per reward"),
        (["--rewards", "soft_overlong_punishment"], "completion_ids"),
    ],
)
def test_score_errors_are_one_clean_line(completions_file, capsys, extra, fragment):
    assert main(["rewards", "score", "--input", str(completions_file), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and fragment in err


def test_score_missing_file_and_bad_rows(tmp_path, capsys):
    assert main(["rewards", "score", "--rewards", "format", "--input", str(tmp_path / "none.jsonl")]) == 2
    assert "not found" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n')
    assert main(["rewards", "score", "--rewards", "format", "--input", str(bad)]) == 2
    assert "no 'completion' field" in capsys.readouterr().err


def test_python_dash_m(completions_file):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "open_r1",
            "rewards",
            "score",
            "--rewards",
            "tag_count",
            "--input",
            str(completions_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "tag_count" in out.stdout
