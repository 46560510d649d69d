"""Citations: every `§` in the repository exists in the pinned version of its paper (docs/papers.yaml)."""

from __future__ import annotations

from docs_helpers import REPO

from scripts.docs import citations


def test_every_section_reference_exists_in_the_pinned_version():
    problems = citations.check(REPO)
    assert not problems, "\n".join(problems)


def test_the_r1_template_is_cited_as_the_training_template_section():
    papers = {p.arxiv: p for p in citations.load_papers(REPO)}
    r1 = papers["2501.12948"]
    assert r1.version == "v1" and r1.sections["2.2.3"] == "Training Template"
    assert r1.sections["2.2.1"] == "Reinforcement Learning Algorithm"
    for path in ("open_r1/rewards/format.py", "open_r1/nano/tokenizer.py", "open_r1/rewards/verifier.py"):
        cited = {c.section for c in citations.scan_text(path, (REPO / path).read_text(), list(papers.values()))}
        assert "2.2.3" in cited and "2.2.1" not in cited, (path, cited)


def test_attribution_wrong_sections_versions_and_unknown_papers_are_caught():
    papers = citations.load_papers(REPO)
    text = (
        '"""Doc.\n\n'
        "WHY: GRPO (DeepSeekMath arXiv 2402.03300 §4.1; used by DeepSeek-R1, arXiv 2501.12948 §2.2.1) and\n"
        "    Dr. GRPO (§3.1); DAPO §5.1-5.2; R1 arXiv 2501.12948v2 §2.2; arXiv 9999.00001 §1;\n"
        "    RFC 7540 §6.6 is not a paper.\n"
        '"""\n'
    )
    found = [(c.arxiv, c.section, c.version) for c in citations.scan_text("m.py", text, papers)]
    assert found == [
        ("2402.03300", "4.1", None),
        ("2501.12948", "2.2.1", None),
        ("2503.20783", "3.1", None),
        ("2503.14476", "5.1", None),
        ("2503.14476", "5.2", None),
        ("2501.12948", "2.2", "v2"),
        ("?9999.00001", "1", None),
    ]
    problems = citations.check(REPO, citations.scan_text("m.py", text, papers))
    assert len(problems) == 4, problems  # DAPO has no §5.1 or §5.2, R1 v2 is not the pin, 9999.00001 is unknown
    assert any("pins 2501.12948v1" in p for p in problems) and any("does not list" in p for p in problems)
