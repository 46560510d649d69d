# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Codeforces judging and generated tests
#
# **Part 4, Code evaluation — tutorial 21.** You will judge Python and C++ submissions the way Codeforces does,
# compare the five checkers, see a program pass every official test and fail the generated ones, turn verdicts
# into the three `cf_code` reward modes, and watch a time limit being enforced.
#
# *Needs bubblewrap* (the local code sandbox runs this tutorial's programs): `sudo apt install bubblewrap` on
# Debian/Ubuntu, `sudo dnf install bubblewrap` on Fedora; `open-r1 sandbox check` says whether it isolates here.
#
# ## Concept overview
#
# Codeforces accepts a submission only when it passes **every** test, in order, and reports the first failure:
#
# ```text
# verdict      AC, or the first failing test's WA / TLE / MLE / RE; CE when it does not compile
# pass_fail    1 if passed == total else 0                       the contest's rule (sparse)
# partial      passed / total                                    denser, rewards "almost"
# weighted_sum pass_fail + 0.1 × partial                         open-r1's default for training
# no code → −1.0     compile error → −0.1     no tests or judge failure → None (no signal)
# ```
#
# DeepSeek-R1 (arXiv 2501.12948 §2.2.2) rewards code by execution against tests. The tests a statement shows are
# few and small; open-r1's Codeforces data adds **generated tests** (larger, adversarial inputs from a generator), so
# a program that is right on the examples but wrong or slow on real inputs does not collect full reward. Many
# problems accept several answers, so a test's verdict comes from a **checker**, not from string equality.
#
# ## Code walkthrough
#
# - [[open_r1/competitive/codeforces.py:CFProblem]] — limits, checker, tests tagged `official` or `generated`;
#   `from_dict` reads the open-r1 Codeforces columns (`official_tests`, `generated_tests`, `time_limit`, …).
# - [[open_r1/competitive/codeforces.py:CodeforcesJudge]] — patch, compile once, run tests in order, stop at the
#   first failure in `pass_fail` mode.
# - [[open_r1/competitive/checkers.py:checker_from_spec]] — `exact`, `tokens`, `float:EPS`, `yesno`,
#   `python:checker.py`, `cms:checker.cpp`.
# - [[open_r1/competitive/scoring.py:cf_score]] — the three modes as one pure function.
# - [[open_r1/competitive/rewards.py:make_cf_code_reward]] — the `cf_code` GRPO reward over all of it.
#
# ## Hands-on
#
# ### Checkers

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
from open_r1.competitive.checkers import checker_from_spec
from open_r1.competitive.problemset import default_problems_dir

CF = default_problems_dir() / "codeforces"
cases = [  # (checker, input, contestant output, reference answer)
    ("exact", "", "1 2\n", "1 2"),
    ("exact", "", "1  2", "1 2"),
    ("tokens", "", "1  2\n\n", "1 2"),
    ("float:1e-6", "", "0.3333333", "0.333333333"),
    ("float:1e-6", "", "0.33", "0.333333333"),
    ("yesno", "", "yes", "YES"),
    ("python:checker.py", "2\n12 7\n", "4\n-1", "2\n-1"),  # divisor's own checker: T, then T numbers n
    ("python:checker.py", "2\n12 7\n", "6 7", "2\n-1"),
]
for spec, inp, out, ans in cases:
    result = checker_from_spec(spec, CF / "divisor").check(inp, out, ans)
    print(f"{spec:18s} {out!r:10s} vs {ans!r:14s} score {result.score:g}  {result.message}")

# %% [markdown]
# `exact` compares lines after stripping trailing white space; `tokens` is CMS's default, white-space separated
# tokens; `float:1e-6` accepts an absolute *or* relative error up to 1e-6; `yesno` ignores case; the divisor
# problem accepts **any** divisor of n other than 1 and n (and -1 for a prime), which only a program (its
# `checker.py`) can decide: `4` is as right as the reference's `2` for 12.
#
# ### Judging, and what generated tests catch

# %%
from open_r1.competitive.codeforces import CFProblem, CodeforcesJudge
from open_r1.competitive.execution import LocalExecutor
from open_r1.competitive.scoring import CF_MODES

executor = LocalExecutor(workers=2)
judge = CodeforcesJudge(executor)
divisor = CFProblem.load(CF / "divisor")
print(
    f"{divisor.name}: {len(divisor.tests_of(['official']))} official + "
    f"{len(divisor.tests_of(['generated']))} generated tests, {divisor.time_limit_s:g} s, "
    f"{divisor.memory_limit_mb} MiB"
)
submissions = {p.name: p for p in sorted((CF / "divisor" / "solutions").iterdir()) if p.suffix in (".py", ".cpp")}
results = {}
print(f"\n{'submission':14s} {'official only':14s} {'all tests':10s} " + " ".join(f"{m:>12s}" for m in CF_MODES))
for name, path in submissions.items():
    lang = "python" if path.suffix == ".py" else "cpp"
    official = judge.score(divisor, path.read_text(), lang, kinds=["official"])
    results[name] = full = judge.score(divisor, path.read_text(), lang)
    print(
        f"{name:14s} {official.verdict:3s} {official.passed}/{official.total:<8d} {full.verdict:3s} "
        f"{full.passed}/{full.total:<5d} " + " ".join(f"{full.reward(m):>12.3f}" for m in CF_MODES)
    )
print("\nup_to_n.py per test:", [(t.name, t.status, round(t.time_s, 2)) for t in results["up_to_n.py"].tests])

# %% [markdown]
# `up_to_n.py` tries every candidate divisor up to n: fine on the statement's small examples, too slow on the
# generated tests' large n. Judged on official tests only it would be accepted; the generated tests turn it into a
# TLE and its reward from 1 (or 1.1) into what the table shows. `parity.py` answers 2 whenever n is even — right for
# even n, wrong on odd ones — and `partial` gives it credit for the tests it passes, `pass_fail` none.
#
# ### Time limits are CPU time
#
# The limit is CPU seconds (as on Codeforces): a program that sleeps does not use it up, a busy loop does, and a
# wall-clock cap (2 × the CPU limit + 1 s) catches a program that blocks forever.

# %%
from open_r1.competitive.codeforces import CFTest

tiny = CFProblem("tiny", "Tiny", [CFTest("official/1", "1\n", "1\n")], time_limit_s=0.5)
for label, code in {
    "busy loop": "while True: pass",
    "sleeps 0.2 s, then answers": "import time\ntime.sleep(0.2)\nprint(input())",
    "answers": "print(input())",
}.items():
    r = judge.score(tiny, code, "python")
    print(f"{label:28s} {r.verdict:4s} {r.tests[0].time_s:.2f} s of CPU  {r.tests[0].feedback}")

# %% [markdown]
# ### The `cf_code` reward on dataset rows
#
# In GRPO the problem arrives as dataset columns in the open-r1 Codeforces schema; the reward extracts the last
# fenced block of each completion and judges it. Here one problem ("print n doubled") and four completions:

# %%
from open_r1.competitive.rewards import make_cf_code_reward

official = [{"input": "2\n", "output": "4"}, {"input": "5\n", "output": "10"}]
generated = [{"input": f"{n}\n", "output": str(2 * n)} for n in (0, -7, 10**18)]
completions = [
    "```python\nprint(int(input()) * 2)\n```",
    "```python\nn = int(input())\nprint(n + n if n < 100 else n * 2.0)\n```",
    "I would double it.",
    "```cpp\nint main( {\n```",
]
columns = {
    "official_tests": [official] * 4,
    "generated_tests": [generated] * 4,
    "time_limit": [1.0] * 4,
    "memory_limit": [256] * 4,
    "language": ["python", "python", "python", "cpp"],
}
rewards = {}
for mode in CF_MODES:
    # registry name `cf_code`, params {scoring_mode: ...}; built here on the tutorial's executor (one sandbox)
    cf_code = make_cf_code_reward(scoring_mode=mode, num_parallel=2, executor=executor)
    rewards[mode] = cf_code(completions, **columns)
for i, c in enumerate(completions):
    print(f"{c.splitlines()[0][:22]:24s}" + "".join(f"{m}={rewards[m][i]:+.2f}  " for m in CF_MODES))

# %% [markdown]
# The second completion prints `2e+18` style floats for large n: right on the official tests, wrong on the
# generated `10**18` one. No code scores −1 and a compile error −0.1 in every mode, so "tried and failed to
# compile" always beats "did not try".
#
# ## Deep dive
#
# **Order and early stop.** Tests run official first, then generated, each set sorted by name. In `pass_fail`
# mode the reward only needs to know whether *all* pass, so the judge stops at the first failure (the rest are
# SKIPPED); the other modes run everything. A slow wrong program therefore costs one time limit in `pass_fail`
# and one per failing test in `partial`.
#
# **Why 0.1.** `weighted_sum = pass_fail + 0.1 × partial` keeps the contest's ordering (any accepted program beats
# any rejected one: 1.0 > 0.1) while giving a gradient among rejected programs; it is the scoring of open-r1's
# Codeforces GRPO recipe.
#
# **Checkers are trusted code.** A `python:` checker runs in the judge's process and a `cms:` checker in the
# sandbox's compiler; contestant programs always run isolated. A checker that crashes is a judge failure (IE →
# reward None), never WA: a broken checker must not teach the model anything.
#
# ## Pitfalls and debugging
#
# - **`exact` on a multiple-answer problem** scores correct programs 0. Read the statement: "print any" needs a
#   checker.
# - **Floats** printed with too few digits fail `float:1e-6` (`triangle/solutions/two_decimals.py`).
# - **Language column**: a row's `language` wins over the reward's default; a ```cpp block in a row marked
#   python is "no code" (−1), since extraction looks for the row's language.
# - **Debugging**: `open-r1 competitive score labs/ioi-eval/problems/codeforces/divisor sol.py` prints every
#   test's verdict, time and checker message.
#
# ## Exercises
#
# **Exercise 1.** Write `cf_modes(passed, total, compiled=True)` returning the three rewards as a dict, without
# calling the library, and check it against every divisor result above.


# %% tags=["solution"]
def cf_modes(passed, total, compiled=True):
    if not compiled:
        return dict.fromkeys(CF_MODES, -0.1)
    pass_fail = 1.0 if passed == total else 0.0
    partial = passed / total
    return {"pass_fail": pass_fail, "partial": partial, "weighted_sum": pass_fail + 0.1 * partial}


print(cf_modes(4, 6))

# %% tags=["check"]
for name, r in results.items():
    mine = cf_modes(r.passed, r.total, r.verdict != "CE")
    assert all(abs(mine[m] - r.reward(m)) < 1e-12 for m in CF_MODES), name
expected = {"pass_fail": 0.0, "partial": 0.75, "weighted_sum": 0.075}
assert all(abs(cf_modes(3, 4)[m] - v) < 1e-12 for m, v in expected.items())
assert cf_modes(0, 4, compiled=False) == dict.fromkeys(CF_MODES, -0.1)
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Write a checker function `check(input, output, answer) -> (score, message)` for "print any two
# numbers whose sum is n" (input: n; answer: one valid pair), save it as a `python:` checker, and check it accepts a
# different valid pair and rejects a wrong sum and a non-number.

# %% tags=["solution"]
import tempfile
from pathlib import Path

checker_source = """
def check(input, output, answer):
    n = int(input.split()[0])
    parts = output.split()
    if len(parts) != 2 or not all(p.lstrip("-").isdigit() for p in parts):
        return 0.0, "expected two integers"
    a, b = map(int, parts)
    return (1.0, "ok") if a + b == n else (0.0, f"{a} + {b} != {n}")
"""
checker_path = Path(tempfile.mkdtemp()) / "checker.py"
checker_path.write_text(checker_source)
pair_checker = checker_from_spec("python:checker.py", checker_path.parent)
print([pair_checker.check("10\n", out, "5 5").score for out in ("3 7", "5 5", "4 7", "x y")])

# %% tags=["check"]
assert [pair_checker.check("10\n", out, "5 5").score for out in ("3 7", "5 5", "4 7", "x y", "10")] == [
    1.0,
    1.0,
    0.0,
    0.0,
    0.0,
]
assert pair_checker.check("-2\n", "-5 3", "-1 -1").score == 1.0
print("exercise 2: ok")

# %%
executor.close()

# %% [markdown]
# ## What next
#
# [Tutorial 22](22-code-patching.md): the patcher — which technicalities it fixes before judging, and what that is
# worth on the bundled solutions.
