"""Helpers shared by the competitive tests (a uniquely named module: `conftest` is ambiguous across folders)."""

from __future__ import annotations

from open_r1.competitive.problemset import default_problems_dir

PROBLEMS = default_problems_dir()


def ioi_problem(name: str):
    from open_r1.competitive.ioi import IOIProblem

    return IOIProblem.load(PROBLEMS / "ioi" / name)


def solution(fmt: str, problem: str, name: str) -> str:
    return (PROBLEMS / fmt / problem / "solutions" / name).read_text()
