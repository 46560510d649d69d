"""Fixtures for the competitive-programming tests: one local sandbox executor (and so one compile cache) for the
session, the bundled problem set, and judges bound to them. Tests that count compiles make their own executor."""

from __future__ import annotations

from pathlib import Path

import pytest

from open_r1.competitive.problemset import default_problems_dir

PROBLEMS = default_problems_dir()


@pytest.fixture(scope="session")
def executor():
    from open_r1.competitive.execution import LocalExecutor

    # two workers: the machines these tests run on have two cores shared with other jobs
    with LocalExecutor(workers=2) as ex:
        yield ex


@pytest.fixture(scope="session")
def ioi_judge(executor):
    from open_r1.competitive.ioi import IOIJudge

    return IOIJudge(executor)


@pytest.fixture(scope="session")
def cf_judge(executor):
    from open_r1.competitive.codeforces import CodeforcesJudge

    return CodeforcesJudge(executor)


@pytest.fixture(scope="session")
def problems_dir() -> Path:
    return PROBLEMS
