"""IOI submission languages: Python is judged as Python on a task without a grader and refused (never compiled by
g++) on a task whose grader is a C++ interface; the refusal happens before anything compiles, in the library, the
`score` command and the ioi-eval recipe alike."""

from __future__ import annotations

import json

import pytest
from competitive_helpers import PROBLEMS, ioi_problem, solution

from open_r1.cli import main
from open_r1.competitive.execution import LocalExecutor
from open_r1.competitive.ioi import IOIJudge, IOIProblem, IOIResult, LanguageNotAccepted
from open_r1.core.errors import ConfigError

GRADERLESS = {"name": "1", "points": 100, "tests": ["*"]}


def test_python_on_a_task_without_a_grader_is_judged_as_python(ioi_judge):
    problem = ioi_problem("paths")
    assert problem.languages == ("cpp", "python")
    result = ioi_judge.score(problem, solution("ioi", "paths", "full.py"), "python")
    assert (result.score, result.status, result.language) == (100, "AC", "python")
    wrong = ioi_judge.score(problem, "print(0)\n", "py")  # an alias is accepted and normalised
    assert (wrong.score, wrong.language) == (0, "python")
    assert {s.status for s in wrong.subtasks} == {"WA"}, "a wrong Python answer is WA, judged, not CE"


def test_a_python_syntax_error_is_reported_by_python_not_by_gxx(ioi_judge):
    result = ioi_judge.score(ioi_problem("knapsack"), "def main(:\n    pass\n", "python")
    assert result.status == "CE"
    assert "SyntaxError" in result.compile_output
    assert "g++" not in result.compile_output and "does not name a type" not in result.compile_output


@pytest.mark.parametrize(
    ("name", "why"),
    [("railway", "its grader (grader.cpp, railway.h)"), ("whisper", "Communication task whose stub (stub.cpp")],
)
def test_python_on_a_cpp_interface_task_is_refused_before_anything_compiles(name, why):
    problem = ioi_problem(name)
    assert problem.languages == ("cpp",)
    code = solution("ioi", "paths", "full.py")
    with LocalExecutor(workers=1) as ex:
        judge = IOIJudge(ex)
        with pytest.raises(LanguageNotAccepted) as caught:
            judge.score(problem, code, "python")
        with pytest.raises(LanguageNotAccepted):
            judge.score_many(problem, [code, code], language="python")
        assert (ex.stats.compiles, ex.stats.runs) == (0, 0), "refused: nothing compiled, nothing ran"
    message = str(caught.value)
    assert f"IOI problem '{name}' accepts C++ only, not Python" in message
    assert why in message and "not compiled or run" in message
    assert f'Fix: submit C++ (saved as {name}.cpp, with #include "{name}.h")' in message
    assert caught.value.accepted == ("cpp",) and caught.value.language == "python"


def test_an_unknown_language_is_refused_naming_the_accepted_ones():
    with pytest.raises(LanguageNotAccepted, match=r"accepts C\+\+ and Python, not rust.*submit one of"):
        ioi_problem("paths").check_language("rust")


def test_problem_yaml_languages_narrows_and_cannot_widen():
    tests = [{"name": "1", "input": "1\n", "output": "1\n"}]
    narrowed = IOIProblem.from_dict({"id": "echo", "subtasks": [GRADERLESS], "tests": tests, "languages": ["cpp"]})
    with pytest.raises(LanguageNotAccepted, match=r"problem.yaml lists languages \['cpp'\]"):
        narrowed.check_language("python")
    assert narrowed.check_language("c++") == "cpp"
    grader = {"main": "grader.cpp", "files": {"grader.cpp": "int main(){}", "echo.h": ""}}
    with pytest.raises(ConfigError, match=r"key 'languages'.*\['python'\] listed, but its grader"):
        IOIProblem.from_dict(
            {"id": "echo", "subtasks": [GRADERLESS], "tests": tests, "grader": grader, "languages": ["cpp", "python"]}
        )
    with pytest.raises(ConfigError, match=r"unknown languages \['rust'\]"):
        IOIProblem.from_dict({"id": "echo", "subtasks": [GRADERLESS], "tests": tests, "languages": "rust"})


def test_the_result_records_its_language():
    result = IOIResult("paths", 100.0, 100.0, language="python")
    assert IOIResult.from_dict(result.to_dict()).language == "python"
    assert IOIResult.from_dict({"problem_id": "x", "score": 0.0, "max_score": 1.0}).language == "cpp"


def test_score_command_refuses_python_for_a_grader_task(tmp_path, capsys):
    path = tmp_path / "railway.py"
    path.write_text(solution("ioi", "paths", "full.py"))
    assert main(["competitive", "score", str(PROBLEMS / "ioi" / "railway"), str(path), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: IOI problem 'railway' accepts C++ only, not Python")
    assert "does not name a type" not in err


def test_score_command_judges_python_for_a_task_without_a_grader(tmp_path, capsys):
    path = tmp_path / "paths.py"
    path.write_text(solution("ioi", "paths", "full.py"))
    args = ["competitive", "score", str(PROBLEMS / "ioi" / "paths"), str(path), "--workers", "1", "--json"]
    assert main(args) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["score"], row["status"], row["language"]) == (100, "AC", "python")


def test_ioi_eval_recipe_accepts_cpp_spellings_and_refuses_python():
    from open_r1.labs.ioi_eval import load_config

    recipe = str(PROBLEMS.parents[0] / "recipes" / "nano.yaml")
    assert load_config(recipe, ["--language", "C++"]).language == "cpp"
    with pytest.raises(ConfigError, match=r"key 'language': value 'python'.*C\+\+ submissions only"):
        load_config(recipe, ["--language", "python"])
