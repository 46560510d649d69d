"""The package's shape: the layer contract holds, no import circles, and a violation is caught.

`lint-imports` (import-linter over grimp's import graph) checks `.importlinter`; grimp reads every import
statement, inside functions too, so these tests see the lazy imports a plain `python -c "import x"` would not.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def run_lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
    )


def test_layer_contract_is_kept():
    result = run_lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.fixture()
def package_copy(tmp_path):
    shutil.copytree(ROOT / "open_r1", tmp_path / "open_r1", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_a_lazy_upward_import_breaks_the_contract(package_copy):
    # A function-level import from the bottom layer to the top one: the kind of dependency that hid five circles.
    errors = package_copy / "open_r1" / "core" / "errors.py"
    errors.write_text(errors.read_text() + "\n\ndef _sneaky():\n    from open_r1.cli import main\n\n    return main\n")
    result = run_lint_imports(package_copy)
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout and "open_r1.core.errors -> open_r1.cli" in result.stdout


def test_a_trainer_writing_a_run_card_breaks_the_contract(package_copy):
    grpo = package_copy / "open_r1" / "train" / "grpo.py"
    grpo.write_text(grpo.read_text() + "\n\nfrom open_r1.core.runcard import write_run_card  # noqa\n")
    result = run_lint_imports(package_copy)
    assert result.returncode == 1 and "only cli and labs write run cards BROKEN" in result.stdout, result.stdout


def import_circles(package: str = "open_r1") -> list[set[str]]:
    """Strongly connected components (size > 1) of the module import graph, function-level imports included."""
    import grimp

    graph = grimp.build_graph(package, cache_dir=None)
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[set[str]] = []

    def visit(m: str) -> None:  # Tarjan's algorithm
        index[m] = low[m] = len(index)
        stack.append(m)
        on_stack.add(m)
        for d in graph.find_modules_directly_imported_by(m):
            if d not in index:
                visit(d)
                low[m] = min(low[m], low[d])
            elif d in on_stack:
                low[m] = min(low[m], index[d])
        if low[m] == index[m]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == m:
                    break
            if len(component) > 1:
                circles.append(component)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for m in modules:
        if m not in index:
            visit(m)
    return circles


def test_no_import_circles():
    assert import_circles() == []


def test_the_circle_finder_finds_a_circle(package_copy, monkeypatch):
    models = package_copy / "open_r1" / "models.py"
    models.write_text(models.read_text() + "\n\ndef _build():\n    from open_r1.labs.nano_build import build\n")
    monkeypatch.syspath_prepend(str(package_copy))
    for name in [m for m in sys.modules if m == "open_r1" or m.startswith("open_r1.")]:
        monkeypatch.delitem(sys.modules, name)
    circles = import_circles()
    assert any({"open_r1.models", "open_r1.labs.nano_build"} <= c for c in circles), circles


def test_the_docs_page_shows_the_contract_layers():
    """docs/pages/start/architecture.md lists the layers of .importlinter, in order (the page cannot drift)."""
    import configparser
    import re

    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = [line.strip() for line in config["importlinter:contract:layers"]["layers"].splitlines() if line.strip()]
    page = (ROOT / "docs" / "pages" / "start" / "architecture.md").read_text()
    rows = [re.sub(r"[`\\]", "", m).strip() for m in re.findall(r"^\| (`[^|]+`(?: \\\| `[^|]+`)?) \|", page, re.M)]
    assert rows == layers
