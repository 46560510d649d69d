"""The `ioi_code` and `cf_code` rewards, built through the reward registry exactly as a GRPO recipe builds them."""

from __future__ import annotations

import pytest
from competitive_helpers import PROBLEMS, solution

from open_r1.competitive.rewards import make_cf_code_reward, make_ioi_code_reward
from open_r1.rewards import get_reward_funcs


def fenced(code: str, lang: str = "cpp") -> str:
    return f"<think>\nreasoning\n</think>\n<answer>\n```{lang}\n{code}```\n</answer>"


@pytest.fixture(scope="module")
def registry_rewards():
    ioi, cf = get_reward_funcs(
        ["ioi_code", "cf_code"],
        {"ioi_code": {"num_parallel": 2}, "cf_code": {"num_parallel": 2, "scoring_mode": "partial"}},
    )
    yield ioi, cf
    for reward in (ioi, cf):
        reward._impl.judge.executor.close()


def test_ioi_code_through_the_registry(registry_rewards):
    ioi, _ = registry_rewards
    assert ioi.__name__ == "ioi_code"
    folder = str(PROBLEMS / "ioi" / "subarray")
    completions = [fenced(solution("ioi", "subarray", n)) for n in ("full.cpp", "quadratic.cpp", "cubic.cpp")]
    completions += ["no code here", fenced("int main() {}", "python")]
    rewards = ioi(completions, problem_dir=[folder] * 5)
    assert rewards == [1.0, 0.5, 0.15, 0.0, 0.0], "score / 100; no ```cpp block -> 0"


def test_ioi_code_per_subtask_rows_and_missing_problems(registry_rewards):
    ioi, _ = registry_rewards
    folder = str(PROBLEMS / "ioi" / "paths")
    code = fenced(solution("ioi", "paths", "binom_only.cpp"))
    rewards = ioi([code, code, code, code], problem_dir=[folder, folder, folder, None], subtask=["1", "2", None, "2"])
    assert rewards == [0.0, 1.0, 0.3, None], "a row without a problem gives no signal"


def test_ioi_code_chat_completions_and_inline_problems():
    reward = make_ioi_code_reward(num_parallel=1)
    try:
        problem = {
            "id": "echo",
            "subtasks": [{"name": "1", "points": 10, "tests": ["*"]}],
            "tests": [{"name": "a", "input": "7\n", "output": "7\n"}],
        }
        code = '#include <cstdio>\nint main(){int x; scanf("%d", &x); printf("%d\\n", x);}\n'
        chat = [[{"role": "assistant", "content": fenced(code)}]]
        assert reward(chat, problem=[problem]) == [1.0]
        assert reward.judge.executor.stats.compiles == 1
        assert reward(chat, problem=[problem]) == [1.0]
        assert reward.judge.executor.stats.compiles == 1, "the reward keeps its compile cache between batches"
    finally:
        reward.judge.executor.close()


def test_cf_code_through_the_registry(registry_rewards):
    _, cf = registry_rewards
    folder = str(PROBLEMS / "codeforces" / "primesum")
    completions = [
        fenced(solution("codeforces", "primesum", "sieve.py"), "python"),
        fenced(solution("codeforces", "primesum", "int_sum.cpp"), "cpp"),
        fenced(solution("codeforces", "primesum", "python2.py"), "python"),
        fenced(solution("codeforces", "primesum", "syntax_error.py"), "python"),
        "I could not solve it.",
    ]
    rewards = cf(completions, problem_dir=[folder] * 5, language=["python", "cpp", "python", "python", "python"])
    assert rewards == [1.0, pytest.approx(0.6), 1.0, -0.1, -1.0]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("pass_fail", [1.0, 0.0, -0.1, -1.0, None]),
        ("partial", [1.0, 0.5, -0.1, -1.0, None]),
        ("weighted_sum", [1.1, 0.05, -0.1, -1.0, None]),
    ],
)
def test_cf_code_modes_with_open_r1_columns(executor, mode, expected):
    reward = make_cf_code_reward(scoring_mode=mode, executor=executor)
    tests = [{"input": "2\n", "output": "4\n"}, {"input": "3\n", "output": "9\n"}]
    completions = [
        fenced("print(int(input()) ** 2)", "python"),
        fenced("print(4)", "python"),
        fenced("print(", "python"),
        "no code",
        fenced("print(1)", "python"),
    ]
    rewards = reward(completions, official_tests=[tests, tests, tests, tests, []])
    assert rewards == [pytest.approx(x) if x is not None else None for x in expected]


def test_cf_code_pass_fail_stops_at_the_first_failure(executor):
    reward = make_cf_code_reward(scoring_mode="pass_fail", executor=executor)
    problem = {"id": "sq", "tests": [{"input": "2\n", "output": "5\n"}, {"input": "3\n", "output": "9\n"}]}
    runs = executor.stats.runs
    assert reward([fenced("print(int(input()) ** 2)", "python")], problem=[problem]) == [0.0]
    assert executor.stats.runs - runs == 1, "pass_fail needs no more tests after a failure"


def test_judge_failures_are_none_not_penalties():
    from open_r1.competitive.execution import Executor, Prepared, RunOutcome

    class Down(Executor):
        def _compile(self, spec):
            return Prepared(spec, ok=True)

        def run(self, prepared, stdins, limits):
            return [RunOutcome("IE", detail="sandbox unreachable") for _ in stdins]

    cf = make_cf_code_reward(executor=Down())
    ioi = make_ioi_code_reward(executor=Down())
    assert cf([fenced("print(1)", "python")], official_tests=[[{"input": "", "output": "1"}]]) == [None]
    assert ioi([fenced("int main(){}")], problem_dir=[str(PROBLEMS / "ioi" / "paths")]) == [None]


def test_bad_parameters_fail_when_built():
    with pytest.raises(ValueError, match="scoring_mode"):
        make_cf_code_reward(scoring_mode="best")
    with pytest.raises(ValueError, match="num_parallel"):
        make_ioi_code_reward(num_parallel=0)


def test_cf_code_test_batch_size(executor):
    """open-r1's `test_batch_size`: pass_fail runs the tests that many at a time (one executor call per batch)
    and stops after the first batch holding a failure; 0 sends every test at once; partial and weighted_sum
    always need every verdict, so they send all tests in one call whatever the batch size."""
    from open_r1.competitive.execution import Executor

    class Recording(Executor):
        """The session executor, recording how many tests each call carried."""

        def __init__(self, inner):
            super().__init__()
            self.inner, self.calls = inner, []

        def program(self, spec):
            return self.inner.program(spec)

        def run(self, prepared, stdins, limits):
            self.calls.append(len(stdins))
            return self.inner.run(prepared, stdins, limits)

    # five tests; the third expects a wrong answer, so a correct squarer fails exactly there
    tests = [{"input": f"{n}\n", "output": f"{n * n + (n == 3)}\n"} for n in range(1, 6)]
    squarer = [fenced("print(int(input()) ** 2)", "python")]
    expected_calls = {("pass_fail", 1): [1, 1, 1], ("pass_fail", 2): [2, 2], ("pass_fail", 0): [5],
                      ("partial", 2): [5], ("weighted_sum", 1): [5]}
    for (mode, size), calls in expected_calls.items():
        recording = Recording(executor)
        reward = make_cf_code_reward(scoring_mode=mode, test_batch_size=size, executor=recording)
        value = reward(squarer, official_tests=[tests])
        assert value == [pytest.approx({"pass_fail": 0.0, "partial": 0.8, "weighted_sum": 0.08}[mode])], (mode, size)
        assert recording.calls == calls, (mode, size, recording.calls)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="test_batch_size"):
            make_cf_code_reward(test_batch_size=bad)
    (through_registry,) = get_reward_funcs(["cf_code"], {"cf_code": {"test_batch_size": 2, "num_parallel": 1}})
    assert through_registry._impl.judge.test_batch_size == 2
    through_registry._impl.judge.executor.close()
