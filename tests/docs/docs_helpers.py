"""What the docs tests share: paths, and the figures the terminal summary prints (tutorial and build times,
screenshot names). One module, imported by name, so conftest and the tests see the same REPORT."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "docs" / "screenshots"
REPORT: dict[str, object] = {}


NOT_EXECUTED_NO_SANDBOX = "not executed: it needs bubblewrap (the local code sandbox), which this machine lacks"


def sandbox_available() -> bool:
    """Whether the local code sandbox can isolate here (bubblewrap present and usable)."""
    from open_r1.sandbox.local import check_isolation

    return check_isolation().available
