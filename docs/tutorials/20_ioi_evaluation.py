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
# # Evaluating on IOI problems
#
# **Part 4, Code evaluation — tutorial 20.** You will judge submissions the way the International Olympiad in
# Informatics does — per subtask, stopping a subtask at its first failed test, keeping each subtask's best score over
# up to 50 submissions — write the ioi-eval report, see which languages a task accepts, and import problems in the
# public `open-r1/ioi` format.
#
# *Needs bubblewrap* (the local code sandbox runs this tutorial's programs): `sudo apt install bubblewrap` on
# Debian/Ubuntu, `sudo dnf install bubblewrap` on Fedora; `open-r1 sandbox check` says whether it isolates here.
#
# ## Concept overview
#
# An IOI task is split into **subtasks**, each worth points and each a list of tests (a test may belong to several
# subtasks). Since 2017 the rules are:
#
# ```text
# test score      s_t ∈ [0, 1]                      the checker's verdict (1 AC, 0 WA/TLE/MLE/RE, between: partial)
# subtask score   points × min_t s_t                all tests of the subtask, or nothing
# task score      Σ subtasks
# contest score   Σ_k max_i subtask_k(submission i)  each subtask keeps its best over all submissions (≤ 50)
# ```
#
# DeepSeek-R1 (arXiv 2501.12948 §3) evaluates competitive programming by running model code against official
# tests; open-r1's OlympicCoder models were scored on IOI 2024 with exactly these rules and 50 samples per problem.
# Two consequences matter for evaluation: partial solutions earn real points, and **different** partial solutions
# can add up — the best-of-50 score can exceed every single submission.
#
# ## Code walkthrough
#
# - [[open_r1/competitive/ioi.py:IOIProblem]] — a task: subtasks, tests, limits, grader files, checker, the
#   languages it accepts ([[open_r1/competitive/ioi.py:IOIProblem.check_language]]).
# - [[open_r1/competitive/ioi.py:IOIJudge]] — compiles once per submission, runs each distinct test once, stops a
#   subtask at its first zero (`early_stop`), raises [[open_r1/competitive/ioi.py:LanguageNotAccepted]] before
#   compiling a language the task cannot judge.
# - [[open_r1/competitive/scoring.py:ioi_subtask_score]] and [[open_r1/competitive/scoring.py:ioi_best_of]] — the
#   rules above as pure functions; [[open_r1/competitive/ioi.py:best_of]] applies them to results.
# - [[open_r1/competitive/report.py:evaluate]] — N submissions per problem → report.md, report.json, a plot.
# - [[open_r1/competitive/hub_ioi.py:convert_rows]] — the public dataset's rows → problem folders.
#
# ## Hands-on
#
# ### A task and its subtasks

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import tempfile
from pathlib import Path

from open_r1.competitive.execution import LocalExecutor
from open_r1.competitive.ioi import IOIJudge, IOIProblem, LanguageNotAccepted, best_of
from open_r1.competitive.problemset import default_problems_dir

PROBLEMS = default_problems_dir() / "ioi"
knapsack = IOIProblem.load(PROBLEMS / "knapsack")
for s in knapsack.subtasks:
    print(f"subtask {s.name}: {s.points:g} points, tests {s.tests}")
references = sum(len(s.tests) for s in knapsack.subtasks)
print(f"{references} test references, {len(knapsack.tests)} distinct tests; languages {knapsack.languages}")

# %% [markdown]
# Subtask 3 reuses subtask 2's tests. The judge runs each distinct test once per submission and reuses the result.
#
# ### Judging the bundled submissions
#
# The bundled problem set ships, for each task, a full solution and partial, slow, crashing and wrong ones. Judge
# all of knapsack's, with early stop (the default) and without, and count the test runs:

# %%
executor = LocalExecutor(workers=2)
judge = IOIJudge(executor)
solutions = {p.name: p.read_text() for p in sorted((PROBLEMS / "knapsack" / "solutions").glob("*.cpp"))}
results = {}
runs_before = executor.stats.runs
for name, code in solutions.items():
    results[name] = r = judge.score(knapsack, code)
    cells = "  ".join(f"st{s.name} {s.score:>4g}/{s.points:g} {s.status:4s} [{s.verdicts}]" for s in r.subtasks)
    print(f"{name:13s} {r.score:>5g}  {cells}")
early_runs = executor.stats.runs - runs_before

all_tests = IOIJudge(executor, early_stop=False)
runs_before = executor.stats.runs
full_scores = {name: all_tests.score(knapsack, code).score for name, code in solutions.items()}
late_runs = executor.stats.runs - runs_before
print(
    f"\ntest runs: {early_runs} with early stop, {late_runs} without; scores equal: "
    f"{full_scores == {n: r.score for n, r in results.items()}}"
)

# %% [markdown]
# Early stop changes no score (a subtask's minimum is already 0 after its first failed test) and saves the runs
# printed above — for a slow wrong submission each saved run is a full time limit of CPU. `SKIPPED` tests are the
# ones it did not need.
#
# ### The 50-submission rule
#
# No single wrong submission scores 100, but `brute.cpp` solves subtask 1 and `dp_only.cpp` subtasks 2 and 3:

# %%
ordered = list(results.values())
combined = best_of([results["brute.cpp"], results["dp_only.cpp"]])
print(
    f"brute {results['brute.cpp'].score:g} + dp_only {results['dp_only.cpp'].score:g} -> best of 2: "
    f"{combined.score:g} (subtask bests {combined.subtask_scores})"
)
partial = [r for n, r in results.items() if n != "full.cpp"]
print(
    f"best of the {len(partial)} non-full submissions: {best_of(partial).score:g}; "
    f"best single one: {max(r.score for r in partial):g}"
)

# %% [markdown]
# That is why the ioi-eval lab samples many submissions per problem and reports best-of-N beside the mean: with
# `samples_per_problem: 50` (IOI 2024's limit, the full recipe's default) a model that writes *different*
# partial solutions scores more than its best single answer. The mean per-submission score and the share of full
# scores are reported too, because they move earlier in training.
#
# ### The ioi-eval report
#
# The lab writes a JSONL of generations and scores it with `evaluate` (`open-r1 competitive report` from the
# command line). Here the "generations" are the bundled submissions of two problems:

# %%
from open_r1.competitive.report import Generation, evaluate

gens = [Generation("knapsack", code, i) for i, code in enumerate(solutions.values())]
paths_solutions = sorted((PROBLEMS / "paths" / "solutions").glob("*.cpp"))
gens += [Generation("paths", p.read_text(), i) for i, p in enumerate(paths_solutions)]
out = Path(tempfile.mkdtemp(prefix="ioi-report-")) / "report"
data = evaluate(PROBLEMS, gens, out, judge=judge, title="Bundled submissions")  # problems with generations only
print(sorted(p.name for p in out.iterdir()))
print(json.dumps(data["totals"], indent=1))
print("\n".join((out / "report.md").read_text().splitlines()[:14]))

# %% [markdown]
# ### Languages
#
# Recent IOIs accept C++ only, and most tasks are *function interfaces*: the contestant writes `railway.cpp`, the
# official grader holds `main()`. A Python program cannot be linked with a C++ grader, so such a task **refuses** a
# Python submission before anything compiles — it is never handed to g++ to be "judged" as a compile error. A task
# that reads stdin and writes stdout (no grader) can judge Python faithfully, with the same tests and limits:

# %%
python_paths = (PROBLEMS / "paths" / "solutions" / "full.py").read_text()
paths = IOIProblem.load(PROBLEMS / "paths")
r = judge.score(paths, python_paths, "python")
print(f"paths (no grader), Python: {r.score:g}/{r.max_score:g} {r.status}, judged as {r.language}")
railway = IOIProblem.load(PROBLEMS / "railway")
try:
    judge.score(railway, python_paths, "python")
except LanguageNotAccepted as refusal:
    print(f"railway (grader), Python: refused -- {refusal}")

# %% [markdown]
# ### Importing the public dataset
#
# `open-r1 competitive import-ioi --year 2024 --split test --out data/ioi2024` downloads `open-r1/ioi` (one row per
# problem and subtask) and `open-r1/ioi-test-cases` (one row per test) and writes problem folders. The hub is not
# reachable from the test machines, so here the converter gets two rows in the public schema directly — a
# stdin/stdout task with a samples subtask worth 0 points, as CMS publishes them:

# %%
from open_r1.competitive.hub_ioi import convert_rows


def public_row(subtask, score, tests):
    return {
        "id": "echo",
        "name": "Echo",
        "year": 2024,
        "day": 1,
        "subtask": subtask,
        "score": score,
        "score_precision": 2,
        "time_limit": 1.0,
        "memory_limit": 256,
        "task_type": "Batch",
        "grader_files": [],
        "test_names": tests,
        "problem": "# Echo\n\nPrint the input.\n",
        "starting_code": None,
    }


problem_rows = [public_row("00-samples", 0, ["s1"]), public_row("01-all", 100, ["s1", "t1"])]
test_rows = [
    {"problem_id": "echo", "test_name": n, "test_input": t, "test_output": t}
    for n, t in (("s1", "a b\n"), ("t1", "x\n"))
]
imported_dir = Path(tempfile.mkdtemp(prefix="ioi-import-")) / "ioi2024"
report = convert_rows(problem_rows, test_rows, imported_dir, year=2024)
print([(p.id, p.subtasks, p.tests, p.checker) for p in report.problems])
print((imported_dir / "echo" / "problem.yaml").read_text())
echo = IOIProblem.load(imported_dir / "echo")
print("python echo:", judge.score(echo, "print(input())", "python").score)

# %% [markdown]
# ## Deep dive
#
# **Compile once.** A submission's binary depends only on its sources and the compiler command, so the executor
# caches it by their SHA-256: every test of every subtask, and identical resubmissions (frequent in a GRPO group),
# reuse one compile. `executor.stats` counts compiles, cache hits and runs.
#
# **Partial credit inside a test.** A checker may return a score strictly between 0 and 1 (status PA); the subtask
# then scores `points × min`, so one partial test caps the whole subtask. Official IOI checkers are C++ programs in
# CMS's convention; the importer keeps them and the judge runs them (`cms:checker/checker.cpp`).
#
# **Rounding.** CMS rounds subtask scores to `score_precision` digits; this judge does not, and keeps the value in
# problem.yaml under `source:`. Totals can differ from the official scoreboard in the last digit.
#
# **Communication tasks** (two programs that may only talk through a manager) run as phases of one binary, each a
# fresh sandboxed process; the public data ships a C++ manager for CMS, so the importer skips them and says so.
#
# ## Pitfalls and debugging
#
# - **IE is not 0.** A sandbox or checker failure gives `score None` (status IE) and is left out of the rates; a
#   report with many IEs measures the judge, not the model.
# - **Best-of-N needs enough N.** Best-of-4 on the nano profile and best-of-50 at full scale are different numbers;
#   compare runs at equal `samples_per_problem`.
# - **No code is not a compile error of code.** A completion without a ```cpp block scores 0 with "no code"; count
#   it (`no_code` in report.json) before blaming the compiler.
# - **Python on a grader task** raises `LanguageNotAccepted` (the CLI prints one `error:` line and exits 2).
# - **Debugging one submission:** `open-r1 competitive score labs/ioi-eval/problems/ioi/knapsack my.cpp --all-tests`
#   prints every test's verdict and the checker's message.
#
# ## Exercises
#
# **Exercise 1.** Recompute each knapsack submission's score from its per-test results only (`score` of each test,
# SKIPPED tests ignored) and the subtasks' points, without calling the scoring functions.


# %% tags=["solution"]
def rescore(result):
    total = 0.0
    for subtask in result.subtasks:
        ran = [t.score for t in subtask.tests if t.status != "SKIPPED"]
        total += subtask.points * (min(ran) if ran else 0.0)
    return total


print({name: rescore(r) for name, r in results.items()})

# %% tags=["check"]
assert {name: rescore(r) for name, r in results.items()} == {name: r.score for name, r in results.items()}
assert rescore(results["dp_only.cpp"]) == 80 and rescore(results["greedy.cpp"]) == 25
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** With the judged results (no re-judging), compute the best-of-N score of the *partial*
# submissions for every N from 1 to their count, taking them in file-name order, and find the smallest N that
# reaches 100.


# %% tags=["solution"]
def best_of_prefixes(ordered_results):
    curve = []
    for n in range(1, len(ordered_results) + 1):
        columns = [r.subtask_scores for r in ordered_results[:n]]
        curve.append(sum(max(col[k] for col in columns) for k in range(len(columns[0]))))
    return curve


curve = best_of_prefixes(partial)
print([name for name in results if name != "full.cpp"], curve)

# %% tags=["check"]
assert curve == sorted(curve), "best-of-N never decreases"
assert curve[-1] == best_of(partial).score == 100
assert curve.index(100) + 1 == 2, "brute + dp_only (the first two in file-name order) already reach 100"
print("exercise 2: ok")

# %%
executor.close()

# %% [markdown]
# ## What next
#
# [Tutorial 21](21-codeforces.md): the Codeforces judge — checkers, generated tests and the reward modes.
