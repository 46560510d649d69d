"""The key-files manifest, the four parts of every annotated page, code references, and the annotator itself."""

from __future__ import annotations

import re

import pytest

from scripts.docs.annotate import doc_to_markdown, load_source, split_parts
from scripts.docs.check import check_manifest, check_mentions, check_references
from scripts.docs.site import PRIORITIES, ManifestError, Site, load_manifest

ENTRIES, _GROUPS = load_manifest()


def test_manifest_lists_at_least_50_files_across_the_project():
    paths = [e.path for e in ENTRIES]
    assert len(paths) >= 50, len(paths)
    assert len(set(paths)) == len(paths)
    kinds = {
        "core training": r"^open_r1/train/",
        "rewards": r"^open_r1/rewards/",
        "configs and data": r"^open_r1/(configs|data)\.py$",
        "sandbox": r"^open_r1/sandbox/",
        "competitive programming": r"^open_r1/competitive/",
        "lab runtimes": r"^open_r1/labs/",
        "lab recipes": r"^labs/[^/]+/recipes/",
        "accelerate configs": r"^recipes/accelerate/",
        "SLURM templates": r"^open_r1/labs/runtimes/slurm_templates/",
        "Dockerfiles": r"(^|/)Dockerfile$",
        "scripts": r"^scripts/.*\.sh$|^Justfile$",
    }
    for kind, pattern in kinds.items():
        assert any(re.search(pattern, p) for p in paths), f"no {kind} file in docs/key_files.yaml"
    assert {e.priority for e in ENTRIES} <= set(PRIORITIES)
    assert {"critical", "high", "medium", "low"} <= {e.priority for e in ENTRIES}


def test_every_file_exists_and_its_page_is_complete(docs_site):
    problems = check_manifest(docs_site)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.path for e in ENTRIES])
def test_annotated_page_has_four_parts_and_code(docs_site, entry):
    page = docs_site.annotated_page(entry)
    for title in ("## What", "## Why", "## How", "## Data flow", "## Code"):
        assert title in page, f"{entry.path}: no '{title}'"
    assert "This part is missing" not in page
    assert page.count('<div class="ann-row"') >= 1
    assert "**Proximal**" in page


def test_every_code_reference_resolves(docs_site):
    generated = {uri: text for uri, text in docs_site.pages().items()}
    problems = check_references(docs_site, extra=generated)
    assert not problems, "\n".join(problems)


def test_references_resolve_to_the_right_anchor(docs_site):
    uri, anchor, _ = docs_site.resolve("open_r1/data.py:mix")
    assert uri == "annotated/open_r1/data.py.md" and anchor == "mix"
    model = docs_site.model("open_r1/data.py")
    uri, anchor, _ = docs_site.resolve(f"open_r1/data.py:{model.symbols['mix']}")
    assert anchor == f"L-{model.symbols['mix']}"
    _, anchor, _ = docs_site.resolve("labs/grpo-math/recipes/nano.yaml:loss_type")
    assert anchor and anchor.startswith("L-")
    for bad, reason in [
        ("open_r1/data.py:no_such_function", "defines no symbol"),
        ("open_r1/data.py:100000", "lines, not"),
        ("open_r1/no_such_file.py", "no file"),
        ("pyproject.toml:project", "no annotated page"),
    ]:
        with pytest.raises(KeyError, match=reason):
            docs_site.resolve(bad)
    text, errors = docs_site.resolve_refs("see [[open_r1/data.py:mix]] and `[[not/a/ref]]`", "index.md")
    assert "](annotated/open_r1/data.py.md#mix)" in text and not errors


def test_split_parts_reads_both_spellings():
    block = "Title line.\n\nWHAT\n    one\n    two\n\nWHY\n    because\n\nHOW\n    so\n\nDATA FLOW\n    a → b\n"
    summary, parts = split_parts(block)
    assert summary == "Title line." and parts == {
        "what": "one\ntwo",
        "why": "because",
        "how": "so",
        "data_flow": "a → b",
    }
    inline = "Title.\n\nWHAT: starts here\ncontinues\n\nWHY: r\n\nHOW: h\n\nDATA FLOW: d\n"
    assert split_parts(inline)[1]["what"] == "starts here\ncontinues"


def test_doc_to_markdown_keeps_words_and_structure():
    text = (
        "Intro with <think> and a__dunder:\n"
        "  - item one\n    continued\n  - item two\n\n"
        "    A_i = (r_i - mean) / std\n\n"
        "==========  =====\nname        what\n==========  =====\n"
    )
    md = doc_to_markdown(text)
    assert "&lt;think>" in md and r"a\_\_dunder" in md
    assert "\n\n- item one\ncontinued\n- item two" in md
    assert "```text\nA_i = (r_i - mean) / std\n```" in md
    assert "| name | what |" in md


def test_python_pages_move_comments_and_docstrings_beside_the_code(tmp_path):
    (tmp_path / "m.py").write_text(
        '"""Mod.\n\nWHAT\n    w\n\nWHY\n    y\n\nHOW\n    h\n\nDATA FLOW\n    d\n"""\n\nimport os\n\n\n'
        '# why this constant\nLIMIT = 3\n\n\ndef f(x):\n    """Doc of f."""\n    # step one\n    y = x + 1\n'
        "    return y  # trailing comment stays\n"
    )
    model = load_source("m.py", tmp_path)
    assert set(model.parts) == {"what", "why", "how", "data_flow"}
    notes = [c.note for c in model.chunks]
    assert "why this constant" in notes and "Doc of f." in notes and "step one" in notes
    shown = model.shown_lines
    lines = model.lines
    assert not any(lines[n - 1].lstrip().startswith(("#", '"""')) for n in shown)
    assert any("trailing comment stays" in lines[n - 1] for n in shown)
    assert model.symbols["f"] == lines.index("def f(x):") + 1 and model.symbols["LIMIT"]


# Files a cluster or image user reads: every one is annotated, its notes in its own comments.
EVERY = (
    "open_r1/labs/runtimes/slurm_templates/*.j2",
    "labs/*/recipes/full.yaml",
    "recipes/accelerate/*.yaml",
    "images/**/Dockerfile",
    "images/**/apptainer.def",
)


@pytest.mark.parametrize("pattern", EVERY)
def test_every_template_full_recipe_accelerate_config_and_image_definition_is_annotated(docs_site, pattern):
    found = sorted(str(p.relative_to(docs_site.root)) for p in docs_site.root.glob(pattern))
    assert found, pattern
    missing = [p for p in found if p not in docs_site.by_path]
    assert not missing, f"add to docs/key_files.yaml: {missing}"
    for path in found:
        assert not docs_site.missing_parts(docs_site.by_path[path]), path


def test_manifest_keeps_only_paths_and_priorities(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "key_files.yaml").write_text(
        "groups:\n  - name: g\n    blurb: b\n    files:\n      - {path: a.yaml, priority: high, why: because}\n"
    )
    with pytest.raises(ManifestError, match=r"move \['why'\] into the file itself"):
        load_manifest(tmp_path)


def test_a_comment_header_names_its_parts_and_the_text_before_them_is_the_what(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "key_files.yaml").write_text(
        "groups:\n  - name: g\n    blurb: b\n    files:\n      - {path: r.yaml, priority: high}\n"
        "      - {path: t.sbatch.j2, priority: low}\n"
    )
    (tmp_path / "r.yaml").write_text(
        "# A recipe.\n#\n# WHY: a reason\n# on two lines.\n#\n# HOW: a way\n#\n# DATA FLOW: a → b\nkey: 1\n"
    )
    (tmp_path / "t.sbatch.j2").write_text(
        "{#- A template.\n\nWHY: y\n\nHOW: h\n\nDATA FLOW: d\n-#}\n{%- import 'x' as c -%}\necho hi\n"
    )
    site = Site(tmp_path)
    for entry in site.entries:
        parts = site.parts(entry)
        assert set(parts) == {"what", "why", "how", "data_flow"}, (entry.path, parts)
    assert site.parts(site.by_path["r.yaml"])["why"] == "a reason\non two lines."
    assert site.parts(site.by_path["t.sbatch.j2"])["what"] == "A template."


def test_notes_name_only_paths_that_exist(docs_site, tmp_path):
    assert not check_mentions(docs_site), "\n".join(check_mentions(docs_site))
    (tmp_path / "docs").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_real.py").write_text("")
    (tmp_path / "docs" / "key_files.yaml").write_text(
        "groups:\n  - name: g\n    blurb: b\n    files:\n      - {path: r.yaml, priority: high}\n"
    )
    (tmp_path / "r.yaml").write_text(
        "# Checked by tests/test_real.py and tests/test_renamed.py; outputs in docs/site and runs/<lab>/.\nkey: 1\n"
    )
    problems = check_mentions(Site(tmp_path))
    assert problems == ["r.yaml: its notes name tests/test_renamed.py, which does not exist (fix the note)"]


def test_a_scripts_usage_after_its_last_inline_part_is_not_its_data_flow():
    doc = (
        "Benchmark.\n\nWHAT: w\nWHY: y\n    more y\nHOW: h\nDATA FLOW: a → b\n    → c\n\n"
        "    python scripts/bench.py --fast   # usage\n\nLonger prose.\n"
    )
    summary, parts = split_parts(doc)
    assert parts["data_flow"] == "a → b\n→ c"
    assert "python scripts/bench.py" in parts["details"] and "Longer prose." in parts["details"]
    assert parts["why"] == "y\nmore y" and summary == "Benchmark."


def test_code_that_looks_like_a_reference_stays_code(docs_site):
    # the code column of an annotated page is <pre> HTML; `[[^\]]` in a regex there is not a code reference
    page = '<div class="ann-code"><div class="highlight"><pre><code>re.compile(r"[[^\\]]*")</code></pre></div></div>'
    text, errors = docs_site.resolve_refs(page + "\n\nsee [[open_r1/data.py:mix]]", "index.md")
    assert not errors and page in text and "](annotated/open_r1/data.py.md#mix)" in text
