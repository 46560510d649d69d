"""The README's quickstart is what CI runs, line for line, and it needs nothing a stock machine lacks.

The quickstart block is the first fenced block under the README heading that mentions "quick" (the rule the
fresh-machine check uses too). CI's entry point, .ci/run, must run those lines verbatim and in order, so a green CI
means the README's commands work; and no line may pip-install into the system Python, which PEP 668 forbids on
Debian 12/13 and Ubuntu 24.04 (`error: externally-managed-environment`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def quickstart_lines(readme: str) -> list[str]:
    m = re.search(r"^#+[^\n]*quick[^\n]*\n(.*?)```[a-z]*\n(.*?)```", readme, re.I | re.M | re.S)
    assert m, "README.md has no fenced block under a Quickstart heading"
    lines = [line.strip() for line in m.group(2).splitlines()]
    return [line.lstrip("$ ").strip() for line in lines if line and not line.startswith("#")]


def script_lines(script: str) -> list[str]:
    """The commands of a shell script: lines that are not blank or comments, without trailing comments."""
    out = []
    for line in script.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def test_quickstart_is_two_commands_one_lab_one_test():
    lines = quickstart_lines((REPO / "README.md").read_text())
    assert len(lines) == 2, lines
    assert re.fullmatch(r"\./just lab grpo-math", lines[0]), lines[0]
    assert re.fullmatch(r"\./just test", lines[1]), lines[1]


def test_ci_runs_the_quickstart_lines_verbatim_and_in_order():
    quickstart = quickstart_lines((REPO / "README.md").read_text())
    ci = script_lines((REPO / ".ci" / "run").read_text())
    positions = [ci.index(line) if line in ci else -1 for line in quickstart]
    assert -1 not in positions, (
        f".ci/run does not run {[q for q, p in zip(quickstart, positions, strict=True) if p < 0]}"
    )
    assert positions == sorted(positions), f".ci/run runs the quickstart lines out of order: {positions}"
    assert ci[-1] == quickstart[-1], "the test line must be CI's last command (its exit code is CI's verdict)"


def test_no_quickstart_or_ci_line_installs_into_the_system_python():
    system_pip = re.compile(r"(^|[;&|]\s*)(sudo\s+)?(pip3?|python3?(\.\d+)?\s+-m\s+pip)\s+install\b")
    for name, lines in [
        ("README quickstart", quickstart_lines((REPO / "README.md").read_text())),
        (".ci/run", script_lines((REPO / ".ci" / "run").read_text())),
    ]:
        offending = [line for line in lines if system_pip.search(line)]
        assert not offending, f"{name}: {offending} fails where the system Python is externally managed (PEP 668)"


def test_the_wrapper_is_executable_and_runs_just_from_the_venv():
    wrapper = REPO / "just"
    assert os.access(wrapper, os.X_OK), "./just must be executable (git update-index --chmod=+x just)"
    text = wrapper.read_text()
    assert "scripts/setup.sh" in text and ".venv/bin/just" in text
    lock = (REPO / "requirements" / "lock.txt").read_text()
    assert re.search(r"^rust-just==\S+ \\\n\s+--hash=sha256:", lock, re.M), "just must come from the hashed lock"


def test_the_docs_site_quickstart_shows_the_same_lines():
    page = (REPO / "docs" / "pages" / "start" / "quickstart.md").read_text()
    m = re.search(r"```bash\n(.*?)```", page, re.S)
    assert m, "docs/pages/start/quickstart.md has no bash block"
    shown = script_lines(m.group(1))
    assert shown == quickstart_lines((REPO / "README.md").read_text()), shown
