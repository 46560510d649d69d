"""Fixtures for the docs checks: the executed tutorials and the built site, each made once per session.

The tutorials run in fresh Jupyter kernels on the session's nano model (tests/conftest.py `nano_model`); the site is
built with `mkdocs build --strict` from those executed notebooks into a temporary folder. The terminal summary
prints what a reader of CI's log wants to know: each tutorial's time, the build time, where the screenshots are.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from docs_helpers import NOT_EXECUTED_NO_SANDBOX, REPO, REPORT, SCREENSHOTS, sandbox_available


@dataclass
class BuiltSite:
    path: Path
    returncode: int
    log: str
    seconds: float


@pytest.fixture(scope="session")
def docs_site():
    from scripts.docs.site import Site

    return Site(REPO)


@pytest.fixture(scope="session")
def executed_tutorials(nano_model, tmp_path_factory):
    """stem → Execution, for every tutorial, executed once (a failing cell is recorded, not raised)."""
    from scripts.docs import tutorials as tut

    out = tmp_path_factory.mktemp("notebooks")
    tutorials = tut.discover(REPO)
    # One kernel at a time by default. OPEN_R1_TUTORIAL_JOBS=2 runs two at once (the longest, 30, first): fine on a
    # machine with cores to spare, but on 2 cores the two-process tutorials (06 ZeRO, 07 FSDP, 29) oversubscribe
    # the CPU next to another tutorial (06 took 304 s instead of 29 s, near the 300 s cell timeout), so CI keeps 1.
    # Each tutorial gets a fresh kernel of its own; its CPU seconds are measured on that kernel's process tree.
    jobs = max(1, int(os.environ.get("OPEN_R1_TUTORIAL_JOBS", "1")))
    order = sorted(tutorials, key=lambda t: not t.stem.startswith("30_"))
    # A tutorial that runs programs in the local sandbox needs bubblewrap. Without it (a stock machine) it is not
    # executed and its test skips with the install hint, like the sandbox tests; CI (OPEN_R1_REQUIRE_SYSTEM_TESTS=1)
    # executes it anyway, so a missing bubblewrap fails there.
    runnable = sandbox_available() or os.environ.get("OPEN_R1_REQUIRE_SYSTEM_TESTS") == "1"

    def run(t):
        if t.needs_sandbox and not runnable:
            return tut.Execution(t, out / f"{t.stem}.ipynb", 0.0, 0, error=NOT_EXECUTED_NO_SANDBOX)
        return tut.execute(t, out)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = dict(zip([t.stem for t in order], pool.map(run, order), strict=True))
    results = {t.stem: done[t.stem] for t in tutorials}
    REPORT["tutorials"] = {
        stem: (r.seconds, r.cpu_seconds, "ok" if r.error is None else
               "skipped (no bubblewrap)" if r.error == NOT_EXECUTED_NO_SANDBOX else "FAILED")
        for stem, r in results.items()
    }
    return out, results


@pytest.fixture(scope="session")
def built_site(executed_tutorials, tmp_path_factory) -> BuiltSite:
    from scripts.docs.build import mkdocs_env

    notebooks, _ = executed_tutorials
    site = tmp_path_factory.mktemp("site")
    started = time.time()
    # the notebooks were executed minutes ago by this session: a package edit since then must not drop their outputs
    env = {**mkdocs_env(notebooks), "OPEN_R1_DOCS_NOTEBOOKS_FRESH": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml"), "-d", str(site)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.time() - started
    REPORT["build_s"] = seconds
    return BuiltSite(site, proc.returncode, proc.stdout + proc.stderr, seconds)


def pytest_terminal_summary(terminalreporter):
    if not REPORT:
        return
    write = terminalreporter.write_line
    terminalreporter.section("docs")
    tutorials = REPORT.get("tutorials") or {}
    for stem, (seconds, cpu, status) in tutorials.items():
        cpu_text = f", {cpu:.1f} s of CPU" if cpu is not None else ""
        write(f"tutorial {stem}: {seconds:.1f} s{cpu_text} {status}")
    if tutorials:
        cpu_total = sum(c for _, c, _ in tutorials.values() if c is not None)
        write(f"tutorials total: {sum(s for s, _, _ in tutorials.values()):.1f} s, {cpu_total:.1f} s of CPU")
    if "build_s" in REPORT:
        write(f"mkdocs build --strict: {REPORT['build_s']:.1f} s")
    if REPORT.get("screenshots"):
        write(f"screenshots: {os.path.relpath(SCREENSHOTS, os.getcwd())}/ ({', '.join(REPORT['screenshots'])})")
