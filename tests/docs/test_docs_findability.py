"""A reader finds the docs: the README says what they hold and how to open them, locally and in an image."""

from __future__ import annotations

import re

from docs_helpers import REPO


def test_readme_points_to_the_docs_and_how_to_open_them():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    for needle in (
        "just docs",
        "just docs-build",
        "open-r1 docs serve",
        "open-r1 docs path",
        "/opt/open-r1/docs/site",
    ):
        assert needle in section, needle
    justfile = (REPO / "Justfile").read_text(encoding="utf-8")
    for recipe in re.findall(r"just (docs(?:-build)?)\b", section):
        assert re.search(rf"^{recipe}:", justfile, re.M), (
            f"README names `just {recipe}`, the Justfile has no such recipe"
        )
    assert "docs/tutorials/" in section and "tutorial" in section
