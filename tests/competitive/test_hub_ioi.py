"""The open-r1/ioi importer (`open_r1.competitive.hub_ioi`) and the `cms:` checker kind, offline.

Rows are built here in the public schema (one row per (problem, subtask); one row per test) for three tiny
made-up problems: `hilltop` (Batch, grader + header, a C++ CMS checker giving partial credit, three subtasks
sharing tests, a test name with glob characters), `echo` (Batch, no grader, no checker) and `relay`
(Communication, which must be reported as skipped).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from open_r1.competitive import hub_ioi
from open_r1.competitive.checkers import CMS_CHECKER_STATS, CheckerError, CMSChecker, checker_from_spec
from open_r1.competitive.hub_ioi import convert_rows
from open_r1.competitive.ioi import IOIProblem, load_problems
from open_r1.core.errors import ConfigError

HEADER = """#pragma once
#include <vector>
long long highest(std::vector<long long> h);
"""

GRADER = """#include <cstdio>
#include <vector>
#include "hilltop.h"

int main() {
    int n;
    if (std::scanf("%d", &n) != 1) return 1;
    std::vector<long long> h(n);
    for (auto &x : h) std::scanf("%lld", &x);
    std::printf("%lld\\n", highest(h));
    return 0;
}
"""

# A CMS-style checker: argv = input, correct output, contestant output; score on stdout, message on stderr.
CHECKER = """#include <cstdio>
#include <fstream>
#include "score.h"

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    std::ifstream correct(argv[2]), got(argv[3]);
    long long want = 0, have = 0;
    correct >> want;
    if (!(got >> have)) {
        std::puts("0");
        std::fputs("translate:wrong\\n", stderr);
        return 0;
    }
    double s = hilltop_score(want, have);
    std::printf("%g\\n", s);
    std::fputs(s >= 1 ? "translate:success\\n" : s > 0 ? "translate:partial\\n" : "translate:wrong\\n", stderr);
    return 0;
}
"""

# A header beside the checker: it must be compiled with it.
SCORE_H = """#pragma once
// 1 for the exact maximum, 0.5 for a lower estimate within 10 %, 0 otherwise
inline double hilltop_score(long long want, long long have) {
    if (have == want) return 1.0;
    if (have < want && have * 10 >= want * 9) return 0.5;
    return 0.0;
}
"""

FULL = """#include "hilltop.h"
#include <algorithm>
long long highest(std::vector<long long> h) { return *std::max_element(h.begin(), h.end()); }
"""

# exact on small inputs, 95 % of the answer on large ones: AC on subtask 01, PA (0.5) on 02
PARTIAL = """#include "hilltop.h"
#include <algorithm>
long long highest(std::vector<long long> h) {
    long long m = *std::max_element(h.begin(), h.end());
    return h.size() <= 5 ? m : m - m / 20;
}
"""

WRONG = """#include "hilltop.h"
long long highest(std::vector<long long> h) { return h[0]; }
"""

HILLTOP_TESTS = {  # name -> (input, answer)
    "0-01": ("3\n7 2 5\n", "7\n"),
    "1-01": ("4\n1 100 3 50\n", "100\n"),
    "1-02": ("5\n5 4 300 2 1\n", "300\n"),
    "2-01": ("8\n10 20 1000 30 40 50 60 70\n", "1000\n"),
    "2-[big]": ("6\n400 1 2 3 4 5\n", "400\n"),  # glob characters: must survive as an exact name
    "9-unused": ("1\n1\n", "1\n"),  # no subtask lists it
}
SUBTASKS = {
    "00-samples": (0.0, ["0-01"]),
    "01-small": (30.0, ["0-01", "1-01", "1-02"]),
    "02-full": (70.0, ["0-01", "1-01", "1-02", "2-01", "2-[big]"]),
}


def _row(pid: str, subtask: str, score: float, tests: list[str], **extra) -> dict:
    row = {
        "id": pid,
        "name": pid.title(),
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
        "problem": f"# {pid.title()}\n\nA made-up task for the importer's tests.\n",
        "starting_code": None,
    }
    row.update(extra)
    return row


def hub_problem_rows() -> list[dict]:
    hilltop_files = [
        ["graders/grader.cpp", GRADER],
        ["graders/hilltop.h", HEADER],
        ["graders/hilltop.cpp", ""],  # the contestant's slot, empty as published
        ["checker/checker.cpp", CHECKER],
        ["checker/score.h", SCORE_H],
        ["compile.sh", "#!/bin/bash\ng++ -std=gnu++17 -O2 -o hilltop graders/grader.cpp graders/hilltop.cpp\n"],
        ["run.sh", "#!/bin/bash\n./hilltop\n"],
    ]
    # rows deliberately out of subtask order: the importer orders subtasks by name, as CMS numbers them
    rows = [
        _row("hilltop", name, points, tests, grader_files=hilltop_files, starting_code=HEADER)
        for name, (points, tests) in reversed(SUBTASKS.items())
    ]
    echo_files = [["checker/checker.cpp", ""]]  # empty: no checker, CMS compares tokens
    rows += [_row("echo", "00-samples", 0, ["s1"], grader_files=echo_files)]
    rows += [_row("echo", "01-all", 100, ["s1", "t1"], grader_files=echo_files)]
    relay_files = [
        ["graders/relay.h", "void send(int);\n"],
        ["graders/stub.cpp", "int main() {}\n"],
        ["manager.cpp", "int main() { return 0; }\n"],
    ]
    rows += [
        _row("relay", "01-one", 40, ["r1"], task_type="Communication", grader_files=relay_files),
        _row("relay", "02-all", 60, ["r1", "r2"], task_type="Communication", grader_files=relay_files),
    ]
    # a problem of another year must be left alone when year=2024
    rows += [_row("oldie", "01-all", 100, ["o1"], year=2021)]
    return rows


def hub_test_rows() -> list[dict]:
    rows = [
        {"problem_id": "hilltop", "test_name": name, "test_input": inp, "test_output": out}
        for name, (inp, out) in HILLTOP_TESTS.items()
    ]
    rows += [
        {"problem_id": "echo", "test_name": "s1", "test_input": "a b\n", "test_output": "a b\n"},
        {"problem_id": "echo", "test_name": "t1", "test_input": "x\n", "test_output": "x\n"},
        {"problem_id": "echo", "test_name": "s1", "test_input": "a b\n", "test_output": "a b\n"},  # repeated, same
        {"problem_id": "relay", "test_name": "r1", "test_input": "1\n", "test_output": ""},
    ]
    return rows


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("ioi-import") / "ioi2024"
    report = convert_rows(hub_problem_rows(), hub_test_rows(), out, year=2024, source={"dataset": "made-up/ioi"})
    return out, report


# ---------------------------------------------------------------------------------------------------------------
# The conversion


def test_folder_loads_with_subtasks_and_tests_preserved(imported):
    out, report = imported
    assert [p.id for p in report.problems] == ["echo", "hilltop"]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["echo", "hilltop"]  # no temporary folders left
    problems = load_problems(out)
    assert sorted(problems) == ["echo", "hilltop"]

    hilltop = IOIProblem.load(out / "hilltop")
    assert [(s.name, s.points, s.tests) for s in hilltop.subtasks] == [
        (name, points, tests) for name, (points, tests) in SUBTASKS.items()
    ]
    assert hilltop.total_points == 100
    assert sorted(hilltop.tests) == sorted(n for n in HILLTOP_TESTS if n != "9-unused")
    assert hilltop.tests["2-[big]"].input == HILLTOP_TESTS["2-[big]"][0]
    assert hilltop.tests["2-[big]"].answer == "400\n"
    assert (hilltop.time_limit_s, hilltop.memory_limit_mb, hilltop.task_type) == (1.0, 256, "Batch")
    assert hilltop.grader_main == "grader.cpp"
    assert sorted(hilltop.grader_files) == ["grader.cpp", "hilltop.h"]  # the empty contestant slot is not a file
    assert hilltop.solution_name == "hilltop.cpp" and hilltop.header_name == "hilltop.h"
    assert isinstance(hilltop.checker, CMSChecker) and hilltop.checker.name == "cms:checker/checker.cpp"
    assert hilltop.statement.startswith("# Hilltop")
    assert (out / "hilltop" / "checker" / "score.h").read_text() == SCORE_H
    assert (out / "hilltop" / "compile.sh").is_file()  # CMS's scripts kept for reference
    assert (out / "hilltop" / "starting_code.cpp").read_text() == HEADER

    echo = IOIProblem.load(out / "echo")
    assert echo.checker.name == "tokens" and echo.grader_main is None and echo.solution_name == "solution.cpp"
    assert [s.points for s in echo.subtasks] == [0, 100]

    data = json.loads((out / "import-report.json").read_text())
    assert data["subtasks"] == 5 and data["tests"] == 5 + 2 and data["unused_test_rows"] == 1
    assert report.n_subtasks == 5 and report.n_tests == 7


def test_communication_problem_is_reported_skipped(tmp_path, caplog):
    with caplog.at_level("WARNING", logger="open_r1.competitive.hub_ioi"):
        report = convert_rows(hub_problem_rows(), hub_test_rows(), tmp_path / "out", year=2024)
    assert [(s.id, s.task_type) for s in report.skipped] == [("relay", "Communication")]
    assert "manager.py" in report.skipped[0].reason
    assert any("relay" in r.getMessage() and "manager.py" in r.getMessage() for r in caplog.records)
    assert not (tmp_path / "out" / "relay").exists()
    assert not (tmp_path / "out" / "oldie").exists()  # another year
    saved = json.loads((tmp_path / "out" / "import-report.json").read_text())
    assert saved["skipped"][0]["id"] == "relay"


# ---------------------------------------------------------------------------------------------------------------
# Judging the imported problem through the judge's own API


def test_imported_problem_scores_full_partial_wrong(imported, ioi_judge):
    out, _ = imported
    problem = IOIProblem.load(out / "hilltop")
    key = problem.checker.key
    assert key not in CMS_CHECKER_STATS.by_key  # loading compiles nothing: the checker builds on its first test
    full, partial, wrong = ioi_judge.score_many(problem, [FULL, PARTIAL, WRONG], max_parallel=1)

    assert full.error == "" and full.score == 100 and full.status == "AC"
    assert [s.status for s in full.subtasks] == ["AC", "AC", "AC"]

    assert partial.score == 65
    assert [(s.name, s.score, s.status) for s in partial.subtasks] == [
        ("00-samples", 0, "AC"),
        ("01-small", 30, "AC"),
        ("02-full", 35, "PA"),
    ]
    assert partial.subtasks[2].verdicts == "AC AC AC PA PA"
    assert partial.subtasks[2].tests[3].score == 0.5
    assert partial.subtasks[2].tests[3].feedback == "Output is partially correct"

    assert wrong.score == 0
    assert [s.status for s in wrong.subtasks] == ["AC", "WA", "WA"]
    assert wrong.subtasks[1].verdicts == "AC WA SKIPPED"
    assert wrong.subtasks[2].verdicts == "AC WA SKIPPED SKIPPED SKIPPED"
    assert wrong.subtasks[1].tests[1].feedback == "Output isn't correct"

    # a reload of the problem (a new checker object, same content) reuses the binary
    again = ioi_judge.score(IOIProblem.load(out / "hilltop"), FULL)
    assert again.score == 100
    assert CMS_CHECKER_STATS.by_key[key] == 1  # 4 submissions x 5 tests, 2 problem objects: one compile


# ---------------------------------------------------------------------------------------------------------------
# Inconsistent rows are refused, and nothing is written


def _drop_test(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    return rows, [t for t in hub_test_rows() if not (t["problem_id"] == "hilltop" and t["test_name"] == "1-02")]


def _change(key: str, value, every_row: bool = False) -> Callable:
    """Edit the first row of `hilltop` (rows then disagree), or all of them."""

    def edit(rows: list[dict]) -> tuple[list[dict], list[dict]]:
        mine = [r for r in rows if r["id"] == "hilltop"]
        for row in mine if every_row else mine[:1]:
            row[key] = value
        return rows, hub_test_rows()

    return edit


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (_drop_test, "test_names"),
        (_change("time_limit", 2.5), "time_limit"),
        (_change("memory_limit", 512), "memory_limit"),
        (_change("task_type", "Interactive", every_row=True), "task_type"),
        (_change("task_type", "Communication"), "task_type"),
        (_change("grader_files", [["graders/grader.cpp", "int main() {}"]]), "grader_files"),
        (_change("score", -1), "score"),
        (_change("subtask", "01-small"), "subtask"),  # two rows for one subtask
    ],
    ids=[
        "missing-test-row",
        "time-limit",
        "memory-limit",
        "unknown-task-type",
        "mixed-task-type",
        "grader-files",
        "score",
        "dup-subtask",
    ],
)
def test_inconsistent_rows_raise_and_write_nothing(tmp_path, edit, key):
    rows, tests = edit(hub_problem_rows())
    out = tmp_path / "out"
    with pytest.raises(ConfigError) as info:
        convert_rows(rows, tests, out, year=2024)
    message = str(info.value)
    assert info.value.key == key and f"key '{key}'" in message
    assert "'hilltop'" in message and info.value.fix  # names the problem, the key and the fix
    assert not out.exists() or not any(out.iterdir())


def test_missing_column_and_unsafe_names(tmp_path):
    rows = hub_problem_rows()
    del rows[0]["time_limit"]
    with pytest.raises(ConfigError) as info:
        convert_rows(rows, hub_test_rows(), tmp_path / "a", year=2024)
    assert info.value.key == "time_limit"
    rows = hub_problem_rows()
    rows[0]["grader_files"] = [["../evil.cpp", "x"]]
    for r in rows[1:3]:
        r["grader_files"] = rows[0]["grader_files"]
    with pytest.raises(ConfigError) as info:
        convert_rows(rows, hub_test_rows(), tmp_path / "b", year=2024)
    assert info.value.key == "grader_files"
    rows = hub_problem_rows()
    rows[0]["test_names"] = ["../../etc/x"]
    with pytest.raises(ConfigError) as info:
        convert_rows(rows, hub_test_rows(), tmp_path / "c", year=2024)
    assert info.value.key == "test_names"
    # a test given twice: fine when identical (line endings included), refused when it differs
    crlf = {"problem_id": "echo", "test_name": "t1", "test_input": "x\r\n", "test_output": "x\r\n"}
    tests = [t for t in hub_test_rows() if t["test_name"] != "t1"] + [crlf, dict(crlf)]
    convert_rows(hub_problem_rows(), tests, tmp_path / "d", year=2024)
    with open(tmp_path / "d" / "echo" / "tests" / "t1.in", newline="") as fh:
        assert fh.read() == "x\r\n"
    with pytest.raises(ConfigError) as info:
        convert_rows(hub_problem_rows(), [*tests, {**crlf, "test_output": "y\n"}], tmp_path / "e", year=2024)
    assert info.value.key == "test_name" and "'echo'" in str(info.value)
    assert not (tmp_path / "e" / "echo").exists()


# ---------------------------------------------------------------------------------------------------------------
# Atomic writes


def test_interrupted_import_leaves_no_half_written_problem(tmp_path, monkeypatch):
    real = hub_ioi._verify
    calls = []

    def flaky(plan, folder):
        calls.append(plan.id)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C while the second problem was checked
        return real(plan, folder)

    monkeypatch.setattr(hub_ioi, "_verify", flaky)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        convert_rows(hub_problem_rows(), hub_test_rows(), out, year=2024)
    assert list(out.iterdir()) == []  # neither problem is visible, no temporary folder is left


def test_existing_folders_need_overwrite_and_leftovers_are_cleared(tmp_path):
    out = tmp_path / "out"
    convert_rows(hub_problem_rows(), hub_test_rows(), out, year=2024)
    (out / "hilltop" / "tests" / "0-01.in").write_text("edited\n")
    with pytest.raises(ConfigError) as info:
        convert_rows(hub_problem_rows(), hub_test_rows(), out, year=2024)
    assert info.value.key == "out_dir" and "--overwrite" in str(info.value)
    assert (out / "hilltop" / "tests" / "0-01.in").read_text() == "edited\n"  # untouched
    # what a killed import leaves: an unfinished folder (removed) and a folder swapped out for a successor that
    # never arrived (put back)
    (out / ".hilltop.importing-zz").mkdir()
    (out / "echo").rename(out / ".echo.replaced-zz")
    hub_ioi._clear_leftovers(out)
    assert sorted(p.name for p in out.iterdir()) == ["echo", "hilltop", "import-report.json"]
    report = convert_rows(hub_problem_rows(), hub_test_rows(), out, year=2024, overwrite=True)
    assert [p.id for p in report.problems] == ["echo", "hilltop"]
    assert sorted(p.name for p in out.iterdir()) == ["echo", "hilltop", "import-report.json"]
    assert (out / "hilltop" / "tests" / "0-01.in").read_text() == HILLTOP_TESTS["0-01"][0]


# ---------------------------------------------------------------------------------------------------------------
# The cms: checker kind on its own


ODD_CHECKER = """#include <cstdio>
#include <fstream>
#include <string>
int main(int argc, char **argv) {
    std::ifstream got(argv[3]);
    std::string word;
    got >> word;
    if (word == "crash") return 3;
    if (word == "noise") { std::puts("not a number"); return 0; }
    std::puts(word == "big" ? "1.7" : "0.25");
    std::fputs("checked\\n", stderr);
    return 0;
}
"""


def test_cms_checker_clamps_and_fails_loudly(tmp_path):
    (tmp_path / "check.cpp").write_text(ODD_CHECKER)
    checker = checker_from_spec("cms:check.cpp", tmp_path)
    assert isinstance(checker, CMSChecker)
    assert checker.check("", "big\n", "").score == 1.0  # clamped into [0, 1]
    result = checker.check("", "small\n", "")
    assert (result.score, result.message) == (0.25, "checked")
    with pytest.raises(CheckerError, match="exited with status 3"):
        checker.check("", "crash\n", "")
    with pytest.raises(CheckerError, match="where a score was expected"):
        checker.check("", "noise\n", "")
    assert CMS_CHECKER_STATS.by_key[checker.key] == 1
    with pytest.raises(ConfigError) as info:
        checker_from_spec("cms:nope.cpp", tmp_path)
    assert info.value.key == "checker"
    (tmp_path / "broken.cpp").write_text("this is not C++\n")
    with pytest.raises(CheckerError, match="does not compile"):
        checker_from_spec("cms:broken.cpp", tmp_path).check("", "", "")


# ---------------------------------------------------------------------------------------------------------------
# The command line (the hub is replaced by the rows above: tests never reach it)


def test_cli_import_prints_summary_and_skips(tmp_path, monkeypatch, capsys):
    from open_r1.cli import main

    monkeypatch.setenv("COLUMNS", "240")  # rich wraps to the terminal width; keep table cells on one line
    seen = {}

    def fake_import(dataset, tests_dataset, year, split, out_dir, overwrite, progress):
        seen.update(dataset=dataset, tests_dataset=tests_dataset, year=year, split=split, out=Path(out_dir))
        return convert_rows(
            hub_problem_rows(), hub_test_rows(), out_dir, year=year, overwrite=overwrite, progress=progress
        )

    monkeypatch.setattr(hub_ioi, "import_from_hub", fake_import)
    out = tmp_path / "ioi2024"
    assert main(["competitive", "import-ioi", "--year", "2024", "--split", "test", "--out", str(out)]) == 0
    assert seen == {
        "dataset": "open-r1/ioi",
        "tests_dataset": "open-r1/ioi-test-cases",
        "year": 2024,
        "split": "test",
        "out": out,
    }
    text = capsys.readouterr().out
    assert "relay" in text and "skipped" in text and "manager.py" in text
    assert "hilltop" in text and "2 imported" in text
    assert (out / "hilltop" / "problem.yaml").is_file()
    # a second run without --overwrite is one clean error line, exit status 2
    assert main(["competitive", "import-ioi", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_hidden_folders_are_never_problems(tmp_path):
    """A killed import leaves `.<id>.importing-*` behind until the next import: the loaders must not see it."""
    from open_r1.competitive.ioi import find_problem_dirs

    for folder in ("real", ".real.importing-1234"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "problem.yaml").write_text("format: ioi\nid: real\n")
    assert find_problem_dirs(tmp_path) == [tmp_path / "real"]
