"""The IOI engine: compile once, test reuse across subtasks, early stop, batch sizes, best-of-N, problem files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from competitive_helpers import PROBLEMS, ioi_problem, solution

from open_r1.competitive.execution import CompileCache, Executor, LocalExecutor, Prepared, ProgramSpec, RunOutcome
from open_r1.competitive.ioi import IOIJudge, IOIProblem, IOIResult, SubtaskOutcome, best_of, load_problems
from open_r1.core.errors import ConfigError


def test_a_submission_compiles_once_across_tests_and_subtasks():
    """Railway's subtask 3 lists every test of subtasks 1 and 2: 12 test references, 7 distinct tests. The real
    sandbox and compiler run; the executor's counters say how often."""
    problem = ioi_problem("railway")
    references = sum(len(s.tests) for s in problem.subtasks)
    assert (references, len(problem.tests)) == (12, 7)
    with LocalExecutor(workers=1) as ex:
        judge = IOIJudge(ex)
        result = judge.score(problem, solution("ioi", "railway", "full.cpp"))
        assert result.score == 100
        assert ex.stats.compiles == 1, "one compile for every test of every subtask"
        assert ex.stats.runs == 7, "each distinct test runs once; subtask 3 reuses the results of 1 and 2"
        again = judge.score(problem, solution("ioi", "railway", "full.cpp"))
        assert again.score == 100 and (ex.stats.compiles, ex.stats.cache_hits) == (1, 1), "a resubmission hits"
        judge.score(problem, solution("ioi", "railway", "naive.cpp"))
        assert ex.stats.compiles == 2


def test_communication_phases_share_one_compile():
    problem = ioi_problem("whisper")
    with LocalExecutor(workers=1) as ex:
        result = IOIJudge(ex).score(problem, solution("ioi", "whisper", "full.cpp"))
        assert result.score == 100
        assert (ex.stats.compiles, ex.stats.runs) == (1, 2 * len(problem.tests)), "2 phases per test, 1 binary"


def test_concurrent_identical_submissions_compile_once():
    problem = ioi_problem("subarray")
    with LocalExecutor(workers=2) as ex:
        results = IOIJudge(ex).score_many(problem, [solution("ioi", "subarray", "full.cpp")] * 4, max_parallel=4)
        assert [r.score for r in results] == [100] * 4
        assert (ex.stats.compiles, ex.stats.cache_hits) == (1, 3), "waiters share the compile in flight"


def test_early_stop_off_runs_every_test_and_keeps_the_score(executor):
    problem = ioi_problem("subarray")
    code = solution("ioi", "subarray", "zero_init.cpp")
    stopped = IOIJudge(executor).score(problem, code)
    full = IOIJudge(executor, early_stop=False).score(problem, code)
    assert stopped.score == full.score == 0
    assert "SKIPPED" in stopped.subtasks[0].verdicts
    assert "SKIPPED" not in " ".join(s.verdicts for s in full.subtasks)
    assert full.subtasks[0].verdicts == "WA WA AC", "all tests ran: the all-negative ones fail"


@pytest.mark.parametrize("batch", [2, 3, 100])
def test_verdicts_do_not_depend_on_the_batch_size(executor, batch):
    """Tests after a zero inside a batch may run, but are reported SKIPPED: the same verdicts as batch size 1."""
    problem = ioi_problem("paths")
    code = solution("ioi", "paths", "binom_only.cpp")
    one = IOIJudge(executor).score(problem, code)
    many = IOIJudge(executor, test_batch_size=batch).score(problem, code)
    assert [s.verdicts for s in many.subtasks] == [s.verdicts for s in one.subtasks]
    assert many.score == one.score == 30


def test_subtask_selection(ioi_judge):
    problem = ioi_problem("subarray")
    result = ioi_judge.score(problem, solution("ioi", "subarray", "quadratic.cpp"), subtasks=["2"])
    assert [s.name for s in result.subtasks] == ["2"]
    assert (result.score, result.max_score, result.fraction) == (35, 35, 1.0)
    with pytest.raises(KeyError, match="no subtask '9'"):
        ioi_judge.score(problem, "", subtasks=["9"])


def test_checker_feedback_reaches_the_result(ioi_judge):
    result = ioi_judge.score(ioi_problem("pairing"), solution("ioi", "pairing", "blocks.cpp"))
    partial = result.subtasks[1].tests[0]
    assert partial.status == "PA" and partial.score == 0.5
    assert "within 3x the optimum" in partial.feedback


def test_best_of_takes_each_subtask_from_its_best_submission(ioi_judge):
    """IOI's rule: binom_only (subtask 2) + dp_table (subtask 1) -> 50, more than either alone."""
    problem = ioi_problem("paths")
    results = ioi_judge.score_many(problem, [solution("ioi", "paths", n) for n in ("binom_only.cpp", "dp_table.cpp")])
    assert [r.score for r in results] == [30, 20]
    best = best_of(results)
    assert best.score == 50 and best.subtask_scores == [20, 30, 0]
    assert best.best_index == [1, 0, None]


def test_best_of_leaves_judge_failures_out():
    sub = [SubtaskOutcome("1", 10, 10, "AC")]
    results = [IOIResult("p", None, 10, error="sandbox down"), IOIResult("p", 10.0, 10, sub)]
    assert best_of(results).score == 10 and best_of(results).best_index == [1]
    assert best_of([IOIResult("p", None, 10, error="x")]).score == 0


class _BrokenExecutor(Executor):
    """An executor whose runs fail (as a dead sandbox does): the judge must report an error, not a score."""

    name = "broken"

    def _compile(self, spec: ProgramSpec) -> Prepared:
        return Prepared(spec, ok=True)

    def run(self, prepared, stdins, limits):
        return [RunOutcome("IE", detail="worker died") for _ in stdins]


def test_executor_failure_is_no_score_not_zero():
    result = IOIJudge(_BrokenExecutor()).score(ioi_problem("subarray"), "int x;")
    assert result.score is None and result.status == "IE" and "worker died" in result.error
    assert result.fraction is None


def test_compile_cache_lru_keeps_programs_in_use():
    closed: list[str] = []
    cache = CompileCache(lambda spec: Prepared(spec, ok=True), lambda p: closed.append(p.spec.main), max_entries=1)
    a, b = ProgramSpec.python("print(1)", "a.py"), ProgramSpec.python("print(2)", "b.py")
    held = cache.acquire(a)
    cache.release(cache.acquire(b))  # over the limit, but `a` is in use: only `b` may go
    assert closed == ["b.py"] and len(cache) == 1
    cache.release(held)
    assert closed == ["b.py"], "one entry is within the limit"
    cache.release(cache.acquire(b))
    assert closed == ["b.py", "a.py"]
    assert (cache.stats.compiles, cache.stats.cache_hits) == (3, 0)


def test_compile_cache_does_not_cache_a_failed_compile_step():
    calls = []

    def flaky(spec):
        calls.append(1)
        return Prepared(spec, ok=False, internal_error="sandbox down") if len(calls) == 1 else Prepared(spec, ok=True)

    cache = CompileCache(flaky)
    spec = ProgramSpec.python("print(1)")
    assert cache.acquire(spec).internal_error
    assert cache.acquire(spec).ok and len(calls) == 2


def test_compile_cache_is_thread_safe():
    started = threading.Event()
    release = threading.Event()

    def slow(spec):
        started.set()
        release.wait(5)
        return Prepared(spec, ok=True)

    cache = CompileCache(slow)
    spec = ProgramSpec.python("print(1)")
    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.acquire(spec))) for _ in range(5)]
    for t in threads:
        t.start()
    started.wait(5)
    release.set()
    for t in threads:
        t.join(5)
    assert len(got) == 5 and all(p is got[0] for p in got)
    assert (cache.stats.compiles, cache.stats.cache_hits) == (1, 4)


def test_program_spec_key_and_single_file():
    problem = ioi_problem("railway")
    spec = problem.program("int tallest(int L, int R) { return 0; }")
    assert spec.main == "grader.cpp" and spec.link == ("railway.cpp",)
    assert spec.key == problem.program("int tallest(int L, int R) { return 0; }").key
    assert spec.key != problem.program("int tallest(int L, int R) { return 1; }").key
    single = spec.single_file()
    assert '#include "railway.h"' not in single and single.count("int tallest(int L, int R);") == 1
    assert single.index("railway.cpp") < single.index("---- grader.cpp")


def test_provider_path_gives_the_same_verdicts(executor):
    """Through the generic provider API (the way Piston / Morph / E2B are used: one amalgamated file, a batch of
    tests per call), here backed by the local provider, the grader task scores the same."""
    from open_r1.competitive.execution import ProviderExecutor
    from open_r1.sandbox.local import LocalProvider

    problem = ioi_problem("railway")
    provider = LocalProvider(sandbox=executor.sandbox)
    remote = ProviderExecutor(provider, workers=2)
    for name, points in (("full.cpp", 100), ("monotone.cpp", 30), ("no_includes.cpp", 100)):
        local = IOIJudge(executor).score(problem, solution("ioi", "railway", name))
        via = IOIJudge(remote, test_batch_size=4).score(problem, solution("ioi", "railway", name))
        assert via.score == local.score == points, name
        assert [s.verdicts for s in via.subtasks] == [s.verdicts for s in local.subtasks], name
    assert remote.stats.compiles >= 3, "each provider call compiles remotely"


# -- problem files -------------------------------------------------------------------------------------------------


def test_load_problems_finds_every_ioi_problem():
    problems = load_problems(PROBLEMS)
    assert set(problems) == {"subarray", "paths", "whisper", "pairing", "railway", "knapsack"}
    assert problems["railway"].header_name == "railway.h"
    assert problems["paths"].header_name is None and problems["paths"].grader_main is None


def test_inline_problem_from_dict(ioi_judge):
    problem = IOIProblem.from_dict(
        {
            "id": "double",
            "time_limit_s": 1,
            "subtasks": [
                {"name": "small", "points": 40, "tests": ["s*"]},
                {"name": "big", "points": 60, "tests": ["*"]},
            ],
            "tests": [
                {"name": "s1", "input": "2\n", "output": "4\n"},
                {"name": "b1", "input": "2000000000\n", "output": "4000000000\n"},
            ],
        }
    )
    code = '#include <cstdio>\nint main(){int x; scanf("%d",&x); printf("%d\\n", 2*x);}'
    result = ioi_judge.score(problem, code)
    assert result.score == 40 and [s.status for s in result.subtasks] == ["AC", "WA"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"task_type": "Interactive"}, "task_type"),
        ({"subtasks": [{"name": "1", "points": 10, "tests": ["nope-*"]}]}, "matches no test"),
        ({"checker": "fuzzy"}, "unknown checker"),
        ({"task_type": "Communication"}, "needs a manager"),
    ],
)
def test_problem_errors_name_the_file_and_key(tmp_path: Path, change, message):
    import shutil

    import yaml

    folder = tmp_path / "paths"
    shutil.copytree(PROBLEMS / "ioi" / "paths", folder)
    data = yaml.safe_load((folder / "problem.yaml").read_text())
    (folder / "problem.yaml").write_text(yaml.safe_dump({**data, **change}))
    with pytest.raises(ConfigError, match=message) as info:
        IOIProblem.load(folder)
    assert "problem.yaml" in str(info.value)
