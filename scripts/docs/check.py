"""The docs checker: the manifest, every page's four parts, every code reference, and the built site's links.

WHAT
    `check_manifest(site) -> [problem]` (files exist, at least 50, every page has WHAT/WHY/HOW/DATA FLOW, read
    from the file itself), `check_mentions(site) -> [problem]` (every repository path a page's notes name exists), `check_references(site) -> [problem]` (every `[[path:symbol]]` written in the
    docs resolves), `check_links(site_dir) -> [problem]` (every internal href/src of the built HTML points to a file
    that exists and, with a #fragment, to an id on that page) and `check_offline(site_dir) -> [problem]` (no page
    loads a script, stylesheet or font from the network). `python -m scripts.docs.check [SITE_DIR]` runs them all,
    with the citation checker (scripts/docs/citations.py) and the diagrams' freshness (scripts/docs/diagrams.py).

WHY
    Documentation that is generated can still rot: a module loses a part of its docstring, a function a tutorial
    links to is renamed, a page links to an anchor that no longer exists. These checks make each of those a test
    failure in the commit that caused it, with a message that names the file and the fix.

HOW
    Manifest and references use the same `Site` the build uses. Links are read from the HTML with the standard
    library's parser; ids are collected per page, so `page.html#L-42` is checked against the ids of `page.html`.

DATA FLOW
    tests/docs/test_docs_manifest.py and tests/docs/test_docs_site.py → here → a list of problems (empty when all is
    well); `python -m scripts.docs.check` (run by `just docs-build` users and CI) prints them.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scripts.docs import citations, diagrams
from scripts.docs.annotate import REPO
from scripts.docs.site import REF, Site

MIN_FILES = 50
# A repository path named in prose: `tests/docs/test_docs_site.py`, `recipes/accelerate/zero2.yaml`, `scripts/`
_MENTION = re.compile(
    r"(?<![\w/.<>$-])((?:open_r1|scripts|tests|labs|recipes|images|docs|requirements)/[\w./-]*[\w/])"
)
# outputs that exist only after a build, never in a checkout
_GENERATED = ("docs/site", "open_r1/bundled/", "build/")


def check_manifest(site: Site) -> list[str]:
    """Problems with the manifest: fewer than 50 files, a listed file that does not exist, a page missing one of its
    four parts, a page with no code.
    """
    problems = []
    if len(site.entries) < MIN_FILES:
        problems.append(f"docs/key_files.yaml lists {len(site.entries)} files; at least {MIN_FILES} are required")
    for entry in site.entries:
        if not (site.root / entry.path).is_file():
            problems.append(f"{entry.path}: listed in docs/key_files.yaml but does not exist (remove or fix the path)")
            continue
        missing = site.missing_parts(entry)
        if missing:
            where = "its module docstring" if entry.path.endswith(".py") else "its leading comment block"
            problems.append(f"{entry.path}: the page lacks {', '.join(missing)} (add them to {where})")
        model = site.model(entry.path)
        if not model.chunks:
            problems.append(f"{entry.path}: the page shows no code")
    return problems


def check_mentions(site: Site) -> list[str]:
    """Every repository path a page's notes name exists: a renamed test or script fails here, not in a reader's shell.

    Paths are looked up from the repository root and from every folder above the file (a lab.yaml or a recipe
    names its lab's `recipes/nano.yaml`); placeholders (`<lab>`, `*`, `{name}`, UPPER_CASE segments) and build outputs are skipped.
    """
    problems = []
    for entry in site.entries:
        model = site.model(entry.path)
        texts = [*site.parts(entry).values(), *(c.note for c in model.chunks)]
        seen: set[str] = set()
        for text in texts:
            for match in _MENTION.finditer(text):
                path = match.group(1).rstrip(".")
                following = text[match.end() : match.end() + 1]
                if path in seen or following in ("<", "*", "{") or path.startswith(_GENERATED):
                    continue
                if "." not in path.rsplit("/", 1)[-1] and not path.endswith("/"):  # "70 tests/s" is not a path
                    continue
                if any(
                    re.fullmatch(r"[A-Z][A-Z0-9_]*(\.\w+)?", part) or part.startswith("NN") for part in path.split("/")
                ):
                    continue
                seen.add(path)
                # from the root, or from any folder above the file (a recipe names `recipes/nano.yaml` of its lab)
                folders = [f for f in (site.root / entry.path).parents if f == site.root or site.root in f.parents]
                if any((folder / path).exists() for folder in folders):
                    continue
                problems.append(f"{entry.path}: its notes name {path}, which does not exist (fix the note)")
    return problems


def reference_sources(root: Path = REPO) -> dict[str, str]:
    """Every hand-written text that may hold code references: pages, tutorials, the manifest."""
    out = {}
    for path in sorted((root / "docs" / "pages").rglob("*.md")):
        out[str(path.relative_to(root))] = path.read_text(encoding="utf-8")
    for path in sorted((root / "docs" / "tutorials").glob("*.py")):
        out[str(path.relative_to(root))] = path.read_text(encoding="utf-8")
    out["docs/key_files.yaml"] = (root / "docs" / "key_files.yaml").read_text(encoding="utf-8")
    return out


def check_references(site: Site, extra: dict[str, str] | None = None) -> list[str]:
    """Every `[[path:symbol]]` written in the hand-written pages, the tutorials and the manifest (and in `extra` texts,
    such as generated pages) that does not resolve, with the reason.
    """
    problems = []
    texts = {**reference_sources(site.root), **(extra or {})}
    for name, text in texts.items():
        # references inside code are examples of the syntax, not references
        prose = re.sub(r"```.*?```|`[^`\n]+`|<pre>.*?</pre>", "", text, flags=re.DOTALL)
        for match in REF.finditer(prose):
            try:
                site.resolve(match.group(1))
            except KeyError as err:
                problems.append(f"{name}: [[{match.group(1)}]]: {err.args[0]}")
    return problems


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (attribute, url)
        self.external_assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name"):
            if values.get(key):
                self.ids.add(values[key])  # type: ignore[arg-type]
        for key in ("href", "src"):
            url = values.get(key)
            if url:
                self.links.append((key, url))
        asset = None
        if tag in ("script", "img", "iframe"):
            asset = values.get("src")
        elif tag == "link" and {"stylesheet", "preload", "icon"} & set((values.get("rel") or "").split()):
            asset = values.get("href")
        if asset and re.match(r"^(https?:)?//", asset):
            self.external_assets.append(asset)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def check_links(site_dir: Path) -> list[str]:
    """Every internal href/src of the built HTML that points to a missing file, or to an id the target page does not
    have.
    """
    site_dir = site_dir.resolve()
    pages = {p: _parse(p) for p in site_dir.rglob("*.html")}
    problems = []
    for page, parsed in pages.items():
        for attr, url in parsed.links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith(("//", "mailto:", "data:", "javascript:")):
                continue
            if not parts.path:
                target = page
            elif parts.path.startswith("/"):  # root-relative (Material's 404 page): from the site's root
                target = (site_dir / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = (page.parent / unquote(parts.path)).resolve()
            if parts.path.endswith("/") or (target.is_dir() and not parts.path.endswith(".html")):
                target = target / "index.html"
            rel = page.relative_to(site_dir)
            if not target.exists():
                problems.append(f"{rel}: {attr}={url!r} points to a missing file")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{rel}: {attr}={url!r}: no id '{parts.fragment}' on {target.name}")
    return problems


def check_offline(site_dir: Path) -> list[str]:
    """Every page or stylesheet of the built site that would load a script, stylesheet, image or font from the network."""
    problems = []
    for page in site_dir.rglob("*.html"):
        for asset in _parse(page).external_assets:
            problems.append(f"{page.relative_to(site_dir)} loads {asset} from the network")
    for css in site_dir.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", css.read_text(errors="replace")):
            problems.append(f"{css.relative_to(site_dir)} loads {url} from the network")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Run every check (manifest, mentioned paths, code references, citations, diagram freshness; with a site folder
    also links and offline assets), print the problems, exit 1 if there is one.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    site = Site(REPO)
    problems = check_manifest(site) + check_mentions(site) + check_references(site) + citations.check(REPO)
    problems += diagrams.stale(REPO)
    if argv:
        site_dir = Path(argv[0])
        problems += check_links(site_dir) + check_offline(site_dir)
    for problem in problems:
        print(problem)
    print(f"{len(site.entries)} key files; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
