"""The diagrams: checked-in SVGs are what scripts/docs/diagrams.py draws from the tree, and they follow their sources."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

from docs_helpers import REPO

from scripts.docs import diagrams


def test_checked_in_svgs_are_what_the_script_draws():
    assert not diagrams.stale(), "\n".join(diagrams.stale())


def test_every_svg_parses_and_every_diagram_is_on_a_page():
    pages = "".join(p.read_text(encoding="utf-8") for p in (REPO / "docs" / "pages").rglob("*.md"))
    for name, svg in diagrams.render_all().items():
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg") and root.find("{http://www.w3.org/2000/svg}title").text
        assert f"assets/diagrams/{name}.svg" in pages, f"no page shows {name}.svg"


def test_layer_diagram_is_drawn_from_importlinter(tmp_path):
    shutil.copytree(REPO / "labs", tmp_path / "labs", ignore=shutil.ignore_patterns("problems"))
    text = (REPO / ".importlinter").read_text(encoding="utf-8")
    assert "    curate | train\n" in text
    (tmp_path / ".importlinter").write_text(text.replace("    curate | train\n", "    curate | train | serve\n"))
    rows, hooks = diagrams.importlinter_layers(tmp_path)
    assert ["curate", "train", "serve"] in rows and rows[0] == ["cli"] and rows[-1] == ["core"]
    assert ("open_r1.rewards.code_exec", "open_r1.sandbox.rewards") in hooks
    svg = diagrams.render(diagrams.layers(tmp_path))
    assert "open_r1.serve" in svg and "open_r1.serve" not in diagrams.render(diagrams.layers(REPO))


def test_lab_rows_follow_the_lab_manifests(tmp_path):
    shutil.copytree(REPO / "labs", tmp_path / "labs", ignore=shutil.ignore_patterns("problems"))
    manifest = tmp_path / "labs" / "grpo-math" / "lab.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\nimage_extras: [lighteval]\n")
    svg = diagrams.render(diagrams.images(tmp_path))
    before = diagrams.render(diagrams.images(REPO))
    assert svg != before and svg.count("lighteval") == before.count("lighteval") + 1


def test_layout_is_deterministic_and_boxes_hold_their_text():
    diagram = diagrams.grpo_step(REPO)
    assert diagrams.render(diagram) == diagrams.render(diagrams.grpo_step(REPO))
    for row in diagram.rows:
        for node in row:
            longest = max([len(node.title) * diagrams.CHAR_W[13]] + [len(x) * diagrams.CHAR_W[11] for x in node.lines])
            assert node.w >= longest
