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
# # Code patching and boilerplate completion
#
# **Part 4, Code evaluation — tutorial 22.** You will see every rule of the code patcher on a minimal example, run
# it over all the bundled solutions to measure what it changes (and what it leaves alone), and judge the patched
# programs with patching on and off.
#
# *Needs bubblewrap* (the local code sandbox runs this tutorial's programs): `sudo apt install bubblewrap` on
# Debian/Ubuntu, `sudo dnf install bubblewrap` on Fedora; `open-r1 sandbox check` says whether it isolates here.
#
# ## Concept overview
#
# Models learn competitive programming from decades of contest code. Much of it is Python 2 (`print x`,
# `raw_input`, `xrange`), and much C++ relies on things the model was never shown: a judge's precompiled header, a
# template's `using namespace std;`, the task header an IOI grader expects. Such a program can be algorithmically
# right and still fail to compile. Scoring it 0 measures the boilerplate, not the reasoning — and in GRPO it teaches
# the model nothing about the problem. DeepSeek-R1 (arXiv 2501.12948 §3) evaluates code by execution, where a
# compile error is final; open-r1's OlympicCoder and Codeforces pipelines patch such code before judging.
#
# The patcher is a list of **named, conservative rules**: each fixes one idiom, fires only when the idiom is
# present, and never changes what a working program does. "Completion" here means completing missing
# *boilerplate* — includes, the task header, the namespace — never guessing missing *code*: a truncated program
# stays broken.
#
# ## Code walkthrough
#
# - [[open_r1/competitive/patcher.py:RULES]] — every rule: name, language, description, a pure `str -> str`.
# - [[open_r1/competitive/patcher.py:patch_code]] — applies the rules in order, returns the code and the names of the
#   rules that fired; [[open_r1/competitive/patcher.py:rules_for]] adds the IOI task-header rule when a grader
#   header exists.
# - [[open_r1/competitive/patcher.py:fix_print_statement]] — works only on source Python 3 cannot parse;
#   [[open_r1/competitive/patcher.py:fix_missing_includes]] looks at code with comments and strings blanked out.
# - [[open_r1/competitive/ioi.py:IOIJudge]] and [[open_r1/competitive/codeforces.py:CodeforcesJudge]] patch by
#   default (`patch=True`) and record the rules in the result's `patches`.
#
# ## Hands-on
#
# ### Every rule, on the smallest example

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
from open_r1.competitive.patcher import RULES, patch_code

examples = {
    "python_print_statement": ("python", "print 1, 2\nprint"),
    "python_raw_input": ("python", "n = int(raw_input())"),
    "python_xrange": ("python", "for i in xrange(3): pass"),
    "python_dict_iter": ("python", "for k, v in d.iteritems(): pass"),
    "python_maxint": ("python", "import sys\nbest = sys.maxint"),
    "cpp_missing_includes": ("cpp", 'int main() { std::vector<int> v; printf("%d", (int)v.size()); }'),
    "cpp_using_namespace_std": ("cpp", "#include <vector>\nint main() { vector<int> v; }"),
    "cpp_define_int_main": ("cpp", "#define int long long\nint main() { int x = 1LL << 40; }"),
    "cpp_void_main": ("cpp", '#include <cstdio>\nvoid main() { puts("hi"); }'),
}
for rule in RULES:
    language, source = examples[rule.name]
    result = patch_code(source, language)
    print(f"== {rule.name} ({rule.description}); fired: {result.applied}")
    print("   " + result.code.replace("\n", "\n   "))

# %% [markdown]
# The IOI header rule comes from the task: `railway` has a grader header `railway.h`, so code that does not include
# it gets `#include "railway.h"` — and the include rule knows what that header already brings in.

# %%
print(patch_code("int tallest(int L, int R) { return max(L, R); }", "cpp", header="railway.h").applied)
print(patch_code('#include "railway.h"\nint tallest(int L, int R) { return L; }', "cpp", header="railway.h").applied)

# %% [markdown]
# ### What the patcher does to the bundled solutions
#
# Run it over every solution of the bundled problem set (IOI with each task's header, Codeforces without), and time
# it:

# %%
import ast
import time

from open_r1.competitive.ioi import IOIProblem
from open_r1.competitive.problemset import bundled_solutions, default_problems_dir

solutions = bundled_solutions(default_problems_dir())
fired = {}
started = time.process_time()
for s in solutions:
    header = header_text = None
    if s.format == "ioi" and s.language == "cpp":
        problem = IOIProblem.load(s.problem_dir)
        header = problem.header_name
        header_text = problem.grader_files.get(header) if header else None
    fired[s.id] = patch_code(s.path.read_text(), s.language, header=header, header_text=header_text).applied
cpu_ms = 1000 * (time.process_time() - started)
changed = {k: v for k, v in fired.items() if v}
print(f"{len(solutions)} solutions patched in {cpu_ms:.0f} ms of CPU; changed: {len(changed)}")
for key, rules in changed.items():
    print(f"  {key}: {rules}")

# %% [markdown]
# Only the solutions written to need it change; every other one is left byte for byte. That is the property that
# matters most: a patcher that touched working programs would change rewards for code that was already right.
#
# ### What the patches are worth
#
# Judge the changed solutions with patching on (the default) and off:

# %%
from open_r1.competitive.codeforces import CFProblem, CodeforcesJudge
from open_r1.competitive.execution import LocalExecutor
from open_r1.competitive.ioi import IOIJudge

executor = LocalExecutor(workers=2)
ioi_on, ioi_off = IOIJudge(executor), IOIJudge(executor, patch=False)
cf_on, cf_off = CodeforcesJudge(executor), CodeforcesJudge(executor, patch=False)
by_id = {s.id: s for s in solutions}
worth = {}
for key in changed:
    s = by_id[key]
    code = s.path.read_text()
    if s.format == "ioi":
        problem = IOIProblem.load(s.problem_dir)
        on, off = ioi_on.score(problem, code, s.language), ioi_off.score(problem, code, s.language)
        worth[key] = (f"{off.status} {off.score:g}", f"{on.status} {on.score:g}")
    else:
        problem = CFProblem.load(s.problem_dir)
        on, off = cf_on.score(problem, code, s.language), cf_off.score(problem, code, s.language)
        worth[key] = (f"{off.verdict} {off.passed}/{off.total}", f"{on.verdict} {on.passed}/{on.total}")
    print(f"{key:32s} patching off: {worth[key][0]:10s} patching on: {worth[key][1]}")
    if off.compile_output:
        print("   without the patch the compiler said: " + off.compile_output.strip().splitlines()[0][:100])

# %% [markdown]
# ### What it does not do
#
# The patcher completes boilerplate, not programs. A solution cut off mid-way (a completion that ran out of
# tokens) stays a compile error, and so does code with a real bug:

# %%
full = (default_problems_dir() / "codeforces" / "wordsort" / "solutions" / "sorted.cpp").read_text()
truncated = full[: len(full) // 2]
problem = CFProblem.load(default_problems_dir() / "codeforces" / "wordsort")
for label, code in (("complete", full), ("truncated at half", truncated)):
    r = cf_on.score(problem, code, "cpp")
    print(f"{label:18s} verdict {r.verdict}  patches {r.patches}")

# %% [markdown]
# ## Deep dive
#
# **Why Python rules check parsing first.** `print x` is a syntax error in Python 3, so rewriting it can only help;
# but `print (x), y` is *valid* Python 3 (it prints a tuple's first element and discards `y`). The print rule
# therefore runs only when `ast.parse` rejects the source (or on `print >>f`, which parses but always raises), and
# the renames (`xrange`, `raw_input`, …) work on tokens, never inside strings or comments, and only when the program
# does not define the name itself.
#
# **Why C++ rules blank comments and strings.** `// use a vector here` must not count as using `vector`. The rules
# look at a copy of the source with comments and literals blanked out and edit the original.
#
# **Recorded, never silent.** Every result carries `patches`; the ioi-eval report and the Codeforces table show
# them. An evaluation that reports a score should say how many submissions needed a patch — set `patch: false`
# (`--no-patch`) to measure the raw rate.
#
# ## Pitfalls and debugging
#
# - **Comparing with a judge that does not patch** (an official contest) overstates scores by exactly the
#   submissions the patcher rescued: report both when you compare.
# - **`#define int long long`** makes `int main` a `long long main`, which g++ rejects; the rule rewrites it to
#   `signed main`, nothing else.
# - **A rule that never fires is not proof it works**: each rule has table-driven tests with a negative case
#   (`tests/competitive/test_competitive_units.py`).
# - **Debugging**: `open-r1 competitive patch my.py` prints the patched source and the rules that fired.
#
# ## Exercises
#
# **Exercise 1.** Write `fix_reduce(code)`: Python 3 moved the builtin `reduce` to `functools`. Add
# `from functools import reduce` at the top when the code calls `reduce(` and neither imports nor defines it;
# otherwise return the code unchanged.

# %% tags=["solution"]
import re


def fix_reduce(code):
    uses = re.search(r"(?<![\w.])reduce\(", code)
    has = re.search(r"^\s*(from functools import .*\breduce\b|def reduce\()", code, re.MULTILINE)
    return code if not uses or has else "from functools import reduce\n" + code


program = "print(reduce(lambda a, b: a * b, range(1, 6)))"
print(fix_reduce(program))

# %% tags=["check"]
import contextlib
import io

out = io.StringIO()
with contextlib.redirect_stdout(out):
    exec(fix_reduce(program), {})
assert out.getvalue() == "120\n"
assert fix_reduce("from functools import reduce\n" + program) == "from functools import reduce\n" + program
assert fix_reduce("def reduce(f, xs): return 0\n" + program) == "def reduce(f, xs): return 0\n" + program
assert fix_reduce("x = functools.reduce(f, xs)") == "x = functools.reduce(f, xs)"
assert fix_reduce("print('no reduce( here')").startswith("from functools")  # a naive rule: see the deep dive
print("exercise 1: ok (and note the last case: a regex rule fires inside a string; the patcher's rules use tokens)")

# %% [markdown]
# **Exercise 2.** Check the patcher's conservatism yourself: among the bundled Python solutions, list the ones that
# already parse as Python 3 and the rules the patcher applied to each. The list of rules must be empty for every
# one of them, and the ones that do not parse must be exactly the ones the patcher changed (or a real syntax error).


# %% tags=["solution"]
def parses(code):
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


python_solutions = [s for s in solutions if s.language == "python"]
parsing = {s.id: fired[s.id] for s in python_solutions if parses(s.path.read_text())}
not_parsing = {s.id: fired[s.id] for s in python_solutions if not parses(s.path.read_text())}
print(f"{len(parsing)} parse as Python 3; rules applied to them: {sorted({r for v in parsing.values() for r in v})}")
print("do not parse:", not_parsing)

# %% tags=["check"]
assert len(parsing) >= 10 and all(rules == [] for rules in parsing.values())
assert not_parsing == {
    "primesum/python2.py": ["python_print_statement", "python_raw_input", "python_xrange"],
    "primesum/syntax_error.py": [],
}
print("exercise 2: ok")

# %%
executor.close()

# %% [markdown]
# ## What next
#
# Back to the [tutorial index](index.md) for the other parts of the series.
