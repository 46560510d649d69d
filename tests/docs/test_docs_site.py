"""The built site: `mkdocs build --strict` passes, every internal link resolves, nothing is fetched from the network,
and the generated sections (annotated code, labs, reference, paper map, tutorials) are all there."""

from __future__ import annotations

import re

from scripts.docs.check import check_links, check_offline
from scripts.docs.site import PAPERS, load_manifest, page_uri


def html(built, uri: str) -> str:
    return (built.path / uri.replace(".md", ".html")).read_text(encoding="utf-8")


def test_strict_build_passes(built_site):
    assert built_site.returncode == 0, built_site.log[-6000:]
    warnings = [line for line in built_site.log.splitlines() if line.startswith("WARNING")]
    assert not warnings, "\n".join(warnings)


def test_no_markup_leaks_into_the_pages(built_site):
    """A heading whose {#id} attr_list failed, or a [[reference]] left unresolved, shows up as raw text."""
    leaks = []
    for page in built_site.path.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if re.search(r"<h[1-6][^>]*>[^<]*\{#", text):
            leaks.append(f"{page.relative_to(built_site.path)}: a heading with a raw {{#id}}")
        prose = re.sub(r"<(pre|code)[^>]*>.*?</\1>", "", text, flags=re.DOTALL)
        if "[[" in re.sub(r"<script.*?</script>", "", prose, flags=re.DOTALL):
            leaks.append(f"{page.relative_to(built_site.path)}: an unresolved [[reference]]")
    assert not leaks, "\n".join(leaks[:20])


def test_every_internal_link_and_anchor_resolves(built_site):
    problems = check_links(built_site.path)
    assert not problems, "\n".join(problems[:50])


def test_site_works_offline(built_site):
    problems = check_offline(built_site.path)
    assert not problems, "\n".join(problems[:50])
    # the offline plugin bundles the search index for file:// use
    assert list(built_site.path.glob("search/search_index.js")), "no bundled search index"


def test_every_key_file_has_its_annotated_page(built_site):
    entries, _ = load_manifest()
    for entry in entries:
        page = html(built_site, page_uri(entry.path))
        for section in ('id="what"', 'id="why"', 'id="how"', 'id="data-flow"', 'class="ann-row"', 'id="L-'):
            assert section in page, f"{entry.path}: {section} missing from its page"


def test_reference_pages_are_generated_from_the_code(built_site):
    from trl import GRPOConfig

    from open_r1.core.configs import ScriptArguments
    from open_r1.labs.manifest import list_labs
    from open_r1.rewards import list_rewards

    rewards = html(built_site, "reference/rewards.md")
    for spec in list_rewards():
        assert f"<code>{spec.name}</code>" in rewards
        for param in spec.params:
            assert f"<code>{param}</code>" in rewards, (spec.name, param)
    configs = html(built_site, "reference/configs.md")
    import dataclasses

    for f in dataclasses.fields(ScriptArguments):
        assert f"<code>{f.name}</code>" in configs
    assert "<code>num_generations</code>" in configs and "<code>loss_type</code>" in configs
    assert str(GRPOConfig.__dataclass_fields__["beta"].default) in configs
    cli = html(built_site, "reference/cli.md")
    for command in ("open-r1 lab run", "open-r1 train grpo", "open-r1 rewards", "open-r1 docs serve"):
        assert command in cli, command
    labs = html(built_site, "reference/labs.md")
    for lab in list_labs():
        assert f"labs/{lab}.html" in labs or f"../labs/{lab}.html" in labs
        assert (built_site.path / "labs" / f"{lab}.html").exists()


def test_lab_pages_say_which_profile_fits_which_hardware(built_site):
    """Each lab page has the planner's per-GPU figure for its GPU profiles on the resources lab.yaml declares."""
    from open_r1.labs.hardware import Hardware, profile_fit
    from open_r1.labs.manifest import load_lab

    page = html(built_site, "labs/grpo-math.md")
    lab = load_lab("grpo-math")
    gpu = lab.profile("gpu").resources
    fit = profile_fit(lab, "gpu", Hardware(gpu.gpus, float(gpu.gpu_memory_gb)))
    assert fit.fits and f"{fit.gib_per_gpu:.1f} GiB per GPU" in page and "no GPU needed (CPU)" in page
    assert "16 nodes × 8 GPUs" in html(built_site, "labs/fsdp-32b.md")


def test_paper_map_cites_all_five_papers(built_site):
    page = html(built_site, "paper-map.md")
    for arxiv, paper in PAPERS.items():
        section = page.split(f'id="{paper["slug"]}"', 1)[1].split("<h2", 1)[0]
        assert "No code cites it yet" not in section, f"{paper['title']} ({arxiv}) has no citation"
        assert "annotated/" in section, f"{paper['title']}: no link to the code"
    assert len(re.findall(r"<td>§\d", page)) >= 10, "the paper map lost its section numbers"


def test_tutorial_pages_show_their_executed_outputs(built_site, executed_tutorials):
    from scripts.docs.tutorials import discover

    _, results = executed_tutorials
    for tutorial in discover():
        page = html(built_site, tutorial.page_uri)
        assert (built_site.path / "tutorials" / f"{tutorial.slug}.ipynb").exists()
        assert (built_site.path / "tutorials" / f"{tutorial.slug}.py").exists()
        if results[tutorial.stem].error is None:
            assert "Executed " in page and "Outputs not rendered" not in page, tutorial.stem
            assert page.count("output</span>") + page.count('title="output"') + page.count(">output<") >= 1
