"""The ioi-eval report (Markdown, JSON, PNG; atomic) and the `open-r1 competitive` command."""

from __future__ import annotations

import json

import pytest
from competitive_helpers import PROBLEMS, solution

from open_r1.cli import main
from open_r1.competitive import report as report_mod
from open_r1.competitive.report import Generation, evaluate, load_generations


def generations_file(tmp_path):
    rows = []
    for i, name in enumerate(["full.cpp", "quadratic.cpp", "zero_init.cpp"]):
        rows.append(
            {
                "problem_id": "subarray",
                "completion": f"```cpp\n{solution('ioi', 'subarray', name)}```",
                "temperature": 0.7,
                "sample": i,
            }
        )
    rows.append({"problem_id": "paths", "code": solution("ioi", "paths", "binom_only.cpp")})
    rows.append({"problem_id": "paths", "code": solution("ioi", "paths", "dp_table.cpp")})
    rows.append({"problem_id": "paths", "completion": [{"role": "assistant", "content": "no code, sorry"}]})
    path = tmp_path / "generations.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_evaluate_writes_markdown_json_and_plot(tmp_path, ioi_judge):
    out = tmp_path / "report"
    data = evaluate(PROBLEMS, generations_file(tmp_path), out, judge=ioi_judge, meta={"model": "nano"})
    assert sorted(p.name for p in out.iterdir()) == sorted(report_mod.REPORT_FILES)
    assert (out / "score_distribution.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "report.json").read_text()) == data
    totals = data["totals"]
    assert (totals["problems"], totals["submissions"], totals["max_points"]) == (2, 6, 200)
    assert totals["best_of_n"] == 100 + 50, "subarray: full; paths: subtask 1 from dp_table + subtask 2 from binom"
    paths, subarray = data["problems"]
    assert subarray["best_of_n"]["score"] == 100 and subarray["mean_score"] == pytest.approx(50)
    assert subarray["full_score_rate"] == pytest.approx(1 / 3) and subarray["nonzero_rate"] == pytest.approx(2 / 3)
    assert [s["best_submission"] for s in paths["best_of_n"]["subtasks"]] == [1, 0, None]
    assert paths["no_code"] == 1 and paths["compile_error_rate"] == pytest.approx(1 / 3)
    assert [s["pass_rate"] for s in subarray["subtasks"]] == pytest.approx([2 / 3, 2 / 3, 1 / 3])
    assert subarray["submissions_detail"][0]["meta"] == {"temperature": 0.7}
    markdown = (out / "report.md").read_text()
    assert "**Total (best of N): 150 / 200**" in markdown
    assert "| Best Subarray (`subarray`) | Batch | 3 | 100 | 100 | 50 | 33% | 67% | 0% |" in markdown
    assert "![per-submission scores per problem](score_distribution.png)" in markdown
    assert data["judge"]["compile"].startswith("g++ -std=gnu++17 -O2")


def test_report_replaces_the_folder_atomically(tmp_path, ioi_judge, monkeypatch):
    out = tmp_path / "report"
    gens = [Generation("paths", solution("ioi", "paths", "full.cpp"))]
    evaluate(PROBLEMS, gens, out, judge=ioi_judge)
    first = (out / "report.json").read_text()
    (out / "stale.txt").write_text("from an older run")
    evaluate(PROBLEMS, gens, out, judge=ioi_judge, title="second")
    assert not (out / "stale.txt").exists(), "the folder is replaced whole"
    assert json.loads((out / "report.json").read_text())["title"] == "second"

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_mod, "render_markdown", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        evaluate(PROBLEMS, gens, out, judge=ioi_judge, title="third")
    assert json.loads((out / "report.json").read_text())["title"] == "second", "a failed write changes nothing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"], "no temporary folders left behind"
    assert first != (out / "report.json").read_text()


def test_unknown_problem_ids_are_named(tmp_path, ioi_judge):
    from open_r1.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"unknown problems \['nope'\]"):
        evaluate(PROBLEMS, [Generation("nope", "int main(){}")], tmp_path / "r", judge=ioi_judge)


def test_load_generations_errors_name_the_line(tmp_path):
    from open_r1.core.errors import ConfigError

    path = tmp_path / "g.jsonl"
    path.write_text('{"problem_id": "paths", "code": "x"}\n{"code": "y"}\n')
    with pytest.raises(ConfigError, match="line 2 has no problem_id"):
        load_generations(path)


# -- CLI -----------------------------------------------------------------------------------------------------------


def test_cli_score_ioi_file(capsys):
    folder = PROBLEMS / "ioi" / "subarray"
    assert (
        main(["competitive", "score", str(folder), str(folder / "solutions" / "quadratic.cpp"), "--workers", "2"]) == 0
    )
    out = capsys.readouterr().out
    assert "score 50 / 100" in out and "TLE" in out


def test_cli_score_json_and_jsonl(tmp_path, capsys):
    folder = PROBLEMS / "ioi" / "paths"
    path = tmp_path / "subs.jsonl"
    path.write_text(
        "\n".join(json.dumps({"code": solution("ioi", "paths", n)}) for n in ("binom_only.cpp", "brute.cpp")) + "\n"
    )
    assert main(["competitive", "score", str(folder), str(path), "--json", "--workers", "2"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["score"] for r in rows] == [30, 20]
    assert main(["competitive", "score", str(folder), str(path), "--workers", "2"]) == 0
    assert "best of N" in capsys.readouterr().out


def test_cli_score_codeforces(capsys):
    folder = PROBLEMS / "codeforces" / "square"
    assert (
        main(["competitive", "score", str(folder), str(folder / "solutions" / "float_sqrt.py"), "--workers", "2"]) == 0
    )
    out = capsys.readouterr().out
    assert "WA" in out and "3/5" in out


def test_cli_report(tmp_path, capsys):
    out = tmp_path / "report"
    assert (
        main(
            [
                "competitive",
                "report",
                "--problems",
                str(PROBLEMS),
                "--generations",
                str(generations_file(tmp_path)),
                "--out",
                str(out),
                "--workers",
                "2",
            ]
        )
        == 0
    )
    assert "150" in capsys.readouterr().out
    assert (out / "report.md").is_file() and (out / "score_distribution.png").is_file()


def test_cli_patch(tmp_path, capsys):
    path = tmp_path / "old.py"
    path.write_text("print raw_input()\n")
    assert main(["competitive", "patch", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "print(input())\n"
    assert "python_print_statement, python_raw_input" in captured.err


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["competitive", "score", str(tmp_path), str(tmp_path / "x.cpp")]) == 2
    assert "no problem.yaml" in capsys.readouterr().err
