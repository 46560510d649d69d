"""mkdocs hooks: generate the site's pages from the code while mkdocs builds (named in mkdocs.yml `hooks:`).

WHAT
    `on_config` builds the navigation, `on_files` adds every generated page (annotated code, labs, reference, paper
    map, tutorials with their notebooks and scripts), `on_page_markdown` turns `[[path:symbol]]` code references
    into links. A reference that does not resolve is logged as a warning, which fails `mkdocs build --strict`.

WHY
    Generating inside mkdocs (rather than writing Markdown files first) means there is no generated file to commit,
    forget or edit by hand: `mkdocs serve` and `mkdocs build` always show the code as it is.

HOW
    Executed tutorials are read from `$OPEN_R1_DOCS_NOTEBOOKS` (default build/docs/notebooks, written by
    scripts/docs/build.py or the test suite); a tutorial without an up-to-date executed notebook is rendered from
    its source without outputs, with a banner that says so.

DATA FLOW
    mkdocs (build | serve) → these hooks → scripts/docs/site.py and scripts/docs/tutorials.py → mkdocs-material.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mkdocs.structure.files import File  # noqa: E402

from scripts.docs import tutorials as tut  # noqa: E402
from scripts.docs.site import Site, rel_link  # noqa: E402

log = logging.getLogger("mkdocs.hooks.open_r1")
_state: dict = {}


def notebooks_dir() -> Path:
    """Where the executed tutorial notebooks are read from: $OPEN_R1_DOCS_NOTEBOOKS, else build/docs/notebooks."""
    return Path(os.environ.get("OPEN_R1_DOCS_NOTEBOOKS") or ROOT / "build" / "docs" / "notebooks")


def on_config(config, **kwargs):
    """mkdocs hook, first: build the Site and the tutorial list once, and set the navigation from them."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    site = Site(ROOT)
    tutorials = tut.discover(ROOT)
    _state.update(site=site, tutorials=tutorials)
    config.nav = site.nav([(t.page_uri, t.title) for t in tutorials])
    return config


def on_files(files, config, **kwargs):
    """mkdocs hook: add every generated page (annotated code, labs, reference, paper map, bibliography) and each
    tutorial's page, notebook and script to the build; unresolved references in tutorials are logged as warnings,
    which fail a strict build.
    """
    site: Site = _state["site"]
    for uri, text in site.pages().items():
        files.append(File.generated(config, uri, content=text))
    out_dir = notebooks_dir()
    for tutorial in _state["tutorials"]:
        nb = tut.load_executed(tutorial, out_dir, ROOT)
        if nb is None:
            log.info(f"tutorial {tutorial.stem}: no up-to-date executed notebook in {out_dir}; rendering the source")

        def resolve(target: str, page: str = tutorial.page_uri, name: str = tutorial.source.name) -> str:
            try:
                uri, anchor, _ = site.resolve(target)
            except KeyError as err:
                log.warning(f"{name}: [[{target}]]: {err.args[0]}")
                return "#"
            return rel_link(page, uri, anchor).replace(".md", ".html", 1)

        for uri, content in tut.render(tutorial, nb, resolve).items():
            files.append(File.generated(config, uri, content=content))
    for message in site.warnings:
        log.warning(message)
    return files


def on_page_markdown(markdown, page, config, files, **kwargs):
    """mkdocs hook, per page: turn `[[path:symbol]]` code references into relative links; one that does not resolve is
    a warning (a failure under --strict).
    """
    text, errors = _state["site"].resolve_refs(markdown, page.file.src_uri)
    for error in errors:
        log.warning(f"{page.file.src_uri}: {error}")
    return text
