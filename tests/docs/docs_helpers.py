"""What the docs tests share: paths, and the figures the terminal summary prints (tutorial and build times,
screenshot names). One module, imported by name, so conftest and the tests see the same REPORT."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "docs" / "screenshots"
REPORT: dict[str, object] = {}
