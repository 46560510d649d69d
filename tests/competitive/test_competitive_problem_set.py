"""Every bundled reference solution gets exactly its expected points, subtask statuses and per-test verdicts."""

from __future__ import annotations

import pytest

from open_r1.competitive.problemset import bundled_solutions, check_solution, default_problems_dir

SOLUTIONS = bundled_solutions(default_problems_dir())


def test_problem_set_shape():
    """The issue's floor: >= 6 IOI problems (>= 3 subtasks, one with a grader, one Communication task) and >= 6
    Codeforces problems with checkers, each with full, partial and failing solutions."""
    from open_r1.competitive.codeforces import load_cf_problems
    from open_r1.competitive.ioi import load_problems

    ioi = load_problems(default_problems_dir())
    cf = load_cf_problems(default_problems_dir())
    assert len(ioi) >= 6 and len(cf) >= 6
    assert all(len(p.subtasks) >= 3 for p in ioi.values())
    assert any(p.grader_main for p in ioi.values())
    assert any(p.task_type == "Communication" for p in ioi.values())
    assert {type(p.checker).__name__ for p in cf.values()} >= {"FloatChecker", "PythonChecker", "YesNoChecker"}
    by_problem: dict[str, list] = {}
    for s in SOLUTIONS:
        by_problem.setdefault(s.problem_dir.name, []).append(s)
    for name, sols in by_problem.items():
        if sols[0].format == "ioi":
            points = sorted(s.expected["points"] for s in sols)
            total = ioi[name].total_points
            assert points[-1] == total and any(0 < p < total for p in points) and points[0] < total, name
        else:
            verdicts = {s.expected["verdict"] for s in sols}
            assert "AC" in verdicts and verdicts - {"AC"}, name
    statuses = {st["status"] for s in SOLUTIONS if s.format == "ioi" for st in s.expected["subtasks"].values()}
    assert statuses >= {"AC", "PA", "WA", "TLE", "MLE", "RE", "CE"}
    languages = {s.language for s in SOLUTIONS if s.format == "codeforces"}
    assert languages == {"python", "cpp"}


@pytest.mark.parametrize("reference", SOLUTIONS, ids=[s.id for s in SOLUTIONS])
def test_reference_solution(reference, executor, ioi_judge, cf_judge):
    from open_r1.competitive.codeforces import CodeforcesJudge
    from open_r1.competitive.ioi import IOIJudge

    errors = check_solution(
        reference, ioi_judge, cf_judge, IOIJudge(executor, patch=False), CodeforcesJudge(executor, patch=False)
    )
    assert errors == [], f"{reference.id}: {errors}"
