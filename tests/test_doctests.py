"""Every `>>>` example in the library runs, as CI's `just test` runs the rest (pytest alone never collects them).

The docstrings' examples are documentation people copy (TRL's style: Args, Returns, a runnable example), so a wrong
one is a bug. Each module under open_r1/ whose source holds `>>> ` is imported and doctest-ed; a module counts only
if doctest actually ran an example there (one whose examples are all `+SKIP`, like the sandbox rewards that need a
running sandbox, is listed in ALL_SKIPPED and checked to stay that way).
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "open_r1"
# modules whose examples need a live service and are all marked +SKIP (their behaviour is tested in tests/sandbox,
# tests/competitive against local servers)
ALL_SKIPPED = {"open_r1.competitive.rewards"}


def modules_with_examples() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>> " in path.read_text(encoding="utf-8"):
            parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


MODULES = modules_with_examples()


def test_the_library_has_examples_to_run():
    assert len(MODULES) >= 15, MODULES  # 19 modules when this test was written


@pytest.mark.parametrize("module_name", MODULES)
def test_examples_run(module_name, capsys):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = capsys.readouterr().out
    assert result.failed == 0, report
    if module_name in ALL_SKIPPED:
        assert result.attempted == 0, f"{module_name} now runs an example: remove it from ALL_SKIPPED"
    else:
        assert result.attempted > 0, f"{module_name} has `>>> ` in its source but doctest ran none of it"
