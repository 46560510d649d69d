"""Table-driven tests of the pure pieces: patcher rules, checkers, Codeforces rewards, module docstrings."""

from __future__ import annotations

import ast
import doctest
import importlib

import pytest

from open_r1.competitive import checkers, patcher
from open_r1.competitive.checkers import CheckerError, checker_from_spec
from open_r1.competitive.codeforces import CFProblem, CFResult
from open_r1.competitive.patcher import RULE_NAMES, patch_code

# -- patcher: every rule, positive and negative cases ----------------------------------------------------------------

PATCH_CASES = [
    # (rule, language, source, expected patched source or None for "unchanged")
    ("python_print_statement", "python", "print 1, 2\n", "print(1, 2)\n"),
    ("python_print_statement", "python", "x = 3\nprint x,\n", 'x = 3\nprint(x, end=" ")\n'),
    (
        "python_print_statement",
        "python",
        "import sys\nprint >>sys.stderr, 'err'\n",
        "import sys\nprint('err', file=sys.stderr)\n",
    ),
    ("python_print_statement", "python", "for i in range(2): print i  # go\n", "for i in range(2): print(i)  # go\n"),
    ("python_print_statement", "python", "print 1\nprint\n", "print(1)\nprint()\n"),
    ("python_print_statement", "python", "print\n", None),  # parses, and a no-op in Python 3: left alone
    ("python_print_statement", "python", "print('already', 'py3')\n", None),
    ("python_print_statement", "python", "s = 'print x'\nprint(s)\n", None),
    ("python_raw_input", "python", "n = int(raw_input())\n", "n = int(input())\n"),
    ("python_raw_input", "python", "raw_input = input\nn = raw_input()\n", None),
    ("python_raw_input", "python", "msg = 'raw_input()'\n", None),
    ("python_xrange", "python", "for i in xrange(3): pass\n", "for i in range(3): pass\n"),
    ("python_xrange", "python", "def xrange(n): return range(n)\nxrange(2)\n", None),
    ("python_dict_iter", "python", "for k, v in d.iteritems(): pass\n", "for k, v in d.items(): pass\n"),
    ("python_dict_iter", "python", "vals = list(d.itervalues())\n", "vals = list(d.values())\n"),
    ("python_maxint", "python", "import sys\nbest = sys.maxint\n", "import sys\nbest = sys.maxsize\n"),
    (
        "cpp_missing_includes",
        "cpp",
        "int main() { std::vector<int> v; }",
        "#include <bits/stdc++.h>\nint main() { std::vector<int> v; }",
    ),
    (
        "cpp_missing_includes",
        "cpp",
        "#include <iostream>\nint main() { std::sort(a, a + 2); }",
        "#include <bits/stdc++.h>\n#include <iostream>\nint main() { std::sort(a, a + 2); }",
    ),
    ("cpp_missing_includes", "cpp", '#include <cstdio>\nint main() { printf("1"); }', None),
    ("cpp_missing_includes", "cpp", "#include <vector>\nint main() { int stack = 0; std::vector<int> v; }", None),
    ("cpp_missing_includes", "cpp", "// vector<int> in a comment\nint main() { return 0; }", None),
    (
        "cpp_using_namespace_std",
        "cpp",
        "#include <vector>\nvector<int> v;\n",
        "#include <vector>\nusing namespace std;\nvector<int> v;\n",
    ),
    ("cpp_using_namespace_std", "cpp", "#include <vector>\nstd::vector<int> v;\n", None),
    ("cpp_using_namespace_std", "cpp", "#include <bits/stdc++.h>\nusing namespace std;\nvector<int> v;\n", None),
    ("cpp_using_namespace_std", "cpp", '#include <cstdio>\nint main() { puts("vector<int>"); }', None),
    ("cpp_define_int_main", "cpp", "#define int long long\nint main() {}", "#define int long long\nsigned main() {}"),
    ("cpp_define_int_main", "cpp", "int main() {}", None),
    ("cpp_void_main", "cpp", "void main() {}", "int main() {}"),
]


@pytest.mark.parametrize(
    ("rule", "language", "source", "expected"), PATCH_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(PATCH_CASES)]
)
def test_patch_rule(rule, language, source, expected):
    (spec,) = [r for r in patcher.RULES if r.name == rule]
    if rule == "python_print_statement" and expected is None:
        assert patch_code(source, language).applied == []  # valid Python 3 is never touched
    out = spec.apply(source)
    assert out == (source if expected is None else expected)


def test_every_rule_has_a_case():
    assert {c[0] for c in PATCH_CASES} | {"cpp_task_header"} == set(RULE_NAMES)


def test_patched_python2_program_parses_and_lists_its_rules():
    src = "n = int(raw_input())\nfor i in xrange(n):\n    print i * i,\nprint\n"
    result = patch_code(src, "python")
    ast.parse(result.code)
    assert result.applied == ["python_print_statement", "python_raw_input", "python_xrange"]


def test_task_header_rule_uses_what_the_header_includes():
    header = "#pragma once\n#include <vector>\nint f(std::vector<int> v);\n"
    result = patch_code("int f(std::vector<int> v) { return v.size(); }", "cpp", header="task.h", header_text=header)
    assert result.applied == ["cpp_task_header"], "<vector> comes with the task header: no bits/stdc++.h"
    assert result.code.startswith('#include "task.h"\n')
    assert patch_code('#include "task.h"\nint x;', "cpp", header="task.h").applied == []


def test_patcher_doctests():
    assert doctest.testmod(patcher).failed == 0


# -- checkers -----------------------------------------------------------------------------------------------------

CHECK_CASES = [
    ("exact", "1 2\n3\n", "1 2  \n3", 1.0),
    ("exact", "1 2\n3\n4\n", "1 2\n3", 0.0),
    ("tokens", "1\n2 3", "1 2\n3", 1.0),
    ("tokens", "1 2", "1 2 3", 0.0),
    ("yesno", "yEs\nno", "YES\nNO", 1.0),
    ("yesno", "YES", "NO", 0.0),
    ("float", "0.3333333", "0.333333333", 1.0),
    ("float", "1000000.5", "1000000", 1.0),  # relative error 5e-7
    ("float", "0.34", "0.333333333", 0.0),
    ("float:1e-2", "0.34", "0.333333333", 1.0),
    ("float", "nan", "1.0", 0.0),
    ("float", "abc", "abc", 1.0),
    ("float", "x 1.0", "y 1.0", 0.0),
]


@pytest.mark.parametrize(("spec", "output", "answer", "score"), CHECK_CASES)
def test_builtin_checkers(spec, output, answer, score):
    assert checker_from_spec(spec).check("", output, answer).score == score


def test_python_checker_results_are_normalised(tmp_path):
    (tmp_path / "checker.py").write_text(
        "def check(input, output, answer):\n"
        "    if output == 'boom':\n        raise ValueError('bug')\n"
        "    return {'2': 2.5, 'half': (0.5, 'half right'), 'nan': float('nan')}.get(output, output == answer)\n"
    )
    check = checker_from_spec("python:checker.py", tmp_path).check
    assert check("", "ok", "ok").score == 1.0 and check("", "ok", "no").score == 0.0
    assert check("", "2", "").score == 1.0, "clamped to [0, 1]"
    assert (check("", "half", "").score, check("", "half", "").message) == (0.5, "half right")
    with pytest.raises(CheckerError, match="NaN"):
        check("", "nan", "")
    with pytest.raises(CheckerError, match="raised ValueError"):
        check("", "boom", "")


def test_unknown_checker_is_a_config_error():
    from open_r1.core.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown checker"):
        checker_from_spec("regex")
    assert checkers.status_from_score(0.25) == "PA"


# -- Codeforces rewards -------------------------------------------------------------------------------------------

REWARD_CASES = [
    # (verdict, passed, total, mode, reward)
    ("AC", 5, 5, "pass_fail", 1.0),
    ("AC", 5, 5, "partial", 1.0),
    ("AC", 5, 5, "weighted_sum", 1.1),
    ("WA", 3, 5, "pass_fail", 0.0),
    ("WA", 3, 5, "partial", 0.6),
    ("WA", 3, 5, "weighted_sum", 0.06),
    ("CE", 0, 5, "weighted_sum", -0.1),
    ("CE", 0, 5, "pass_fail", -0.1),
    ("AC", 0, 0, "partial", None),
    ("IE", 0, 5, "partial", None),
]


@pytest.mark.parametrize(("verdict", "passed", "total", "mode", "reward"), REWARD_CASES)
def test_cf_result_reward(verdict, passed, total, mode, reward):
    got = CFResult("p", "python", verdict, passed, total).reward(mode)
    assert got == (None if reward is None else pytest.approx(reward))


def test_cf_problem_from_open_r1_style_row():
    problem = CFProblem.from_dict(
        {
            "id": "1A",
            "official_tests": [{"input": "1", "output": "2"}],
            "generated_tests": '[{"input": "2", "output": "4"}]',
            "time_limit": 2,
            "memory_limit": 128,
            "checker": "tokens",
        }
    )
    assert [(t.kind, t.input) for t in problem.tests] == [("official", "1"), ("generated", "2")]
    assert (problem.limits.cpu_time_s, problem.limits.memory_mb) == (2.0, 128)


# -- documentation ------------------------------------------------------------------------------------------------

KEY_MODULES = [
    "execution", "checkers", "patcher", "ioi", "codeforces", "rewards", "report", "problemset", "hub_ioi", "scoring",
    "__init__", "open_r1.labs.ioi_eval",
]


@pytest.mark.parametrize("name", KEY_MODULES)
def test_key_modules_open_with_the_four_part_docstring(name):
    if name == "__init__":
        name = "open_r1.competitive"
    module = importlib.import_module(name if name.startswith("open_r1") else f"open_r1.competitive.{name}")
    doc = module.__doc__ or ""
    positions = [doc.find(f"\n{part}\n") for part in ("WHAT", "WHY", "HOW", "DATA FLOW")]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), name
    assert "2501.12948" in doc, f"{name}: cite DeepSeek-R1"
