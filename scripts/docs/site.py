"""Every generated page of the docs site: annotated code, labs, reference, paper map, and the navigation.

WHAT
    `Site(root)` reads the key-files manifest (docs/key_files.yaml), the lab manifests, the code (CLI parsers,
    config dataclasses, the reward registry) and the executed tutorials, and returns `pages()`: a mapping of
    `src_uri → Markdown` that the mkdocs hook adds to the build, plus `nav()` and `resolve_refs(markdown, page)`
    for the `[[path:symbol]]` code references written anywhere in the docs.

WHY
    One source of truth per fact: a config field's default, a reward's parameters, a lab's resources and a module's
    notes all live in the code. The site computes its pages from them at build time and never keeps a copy, so a
    change in the code changes the docs in the same commit, and a reference to code that moved fails the build.

HOW
    Annotated pages: scripts/docs/annotate.py cuts each file into notes and code; this module adds the four parts
    (from the docstring or, for non-Python files, the leading comment block), the proximal data flow (an import graph over the
    repository's Python files, and for other files the files that name them) and auto-links to other pages.
    Paper map: sentences of every WHY part that cite one of the five papers, grouped by paper and section.

DATA FLOW
    mkdocs.yml → scripts/docs/hooks.py (on_config: nav; on_files: pages; on_page_markdown: code references) → here
    → Markdown → mkdocs-material → docs/site. tests/docs use the same `Site` to check the manifest and references.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import inspect
import os
import posixpath
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scripts.docs import citations
from scripts.docs.annotate import (
    PART_TITLES,
    PARTS,
    REPO,
    SourceModel,
    code_html,
    heading_id,
    highlighted_lines,
    load_source,
)

PRIORITIES = ("critical", "high", "medium", "low")
MANIFEST = "docs/key_files.yaml"
REF = re.compile(r"\[\[([^\]|\s]+?)(?:\|([^\]]+))?\]\]")
RESERVED_IDS = {"what", "why", "how", "data-flow", "usage-and-details", "code", "proximal"}

# The papers the labs reproduce (those docs/papers.yaml gives a `paper_map` anchor), by arXiv id
PAPERS: dict[str, dict[str, Any]] = {
    p.arxiv: {"title": p.short, "names": p.names, "slug": p.paper_map, "paper": p}
    for p in citations.load_papers(REPO)
    if p.paper_map
}


@dataclass
class Entry:
    """One file of the key-files manifest: its path, priority and group, and the page URI and module name derived from
    the path.
    """

    path: str
    priority: str
    group: str

    @property
    def uri(self) -> str:
        return page_uri(self.path)

    @property
    def module(self) -> str | None:
        return module_name(self.path)


def page_uri(path: str) -> str:
    """The annotated page of a repository file (`annotated/<path>.md`); dot-folders become `_name`, since mkdocs hides
    dot-folders.
    """
    # dot-folders (.ci) are hidden from mkdocs: they become _ci
    parts = ["_" + p[1:] if p.startswith(".") else p for p in path.split("/")]
    return "annotated/" + "/".join(parts) + ".md"


def module_name(path: str) -> str | None:
    """The dotted module of a file of the `open_r1` package (`open_r1/train/grpo.py` → `open_r1.train.grpo`), else
    None: how pages link `open_r1.x.y` mentions.
    """
    if not path.endswith(".py") or not path.startswith("open_r1/"):
        return None
    name = path[:-3].replace("/", ".")
    return name.removesuffix(".__init__")


def rel_link(from_uri: str, to_uri: str, anchor: str | None = None) -> str:
    """A link from one page to another (and an optional anchor), relative, so the site works from any folder, server or
    file://.
    """
    link = posixpath.relpath(to_uri, posixpath.dirname(from_uri) or ".")
    return link + (f"#{anchor}" if anchor else "")


def _planner_line(lab: Any, profile: str) -> str:
    """What the memory planner says of a profile on the hardware its lab.yaml declares (open_r1.labs.hardware), for
    the lab page: the per-GPU estimate against the card, or why it needs no GPU."""
    from open_r1.labs.hardware import Hardware, profile_fit

    res = lab.profile(profile).resources
    if not res.gpus:
        return "no GPU needed (CPU)"
    fit = profile_fit(lab, profile, Hardware(res.gpus * max(res.nodes or 1, 1), float(res.gpu_memory_gb or 80)))
    if not fit.fits and res.nodes and res.nodes > 1:
        return f"{res.nodes} nodes × {res.gpus} GPUs (a cluster job; `--runtime slurm`)"
    return fit.reason


def md_escape_cell(text: str) -> str:
    """Text for a Markdown table cell: one line, pipes escaped, `<` escaped outside `code spans`."""
    pieces = re.split(r"(`[^`]*`)", str(text).replace("\n", " "))
    out = [p if i % 2 else re.sub(r"<(?!https?://)", "&lt;", p) for i, p in enumerate(pieces)]
    return "".join(out).replace("|", "\\|")


# ----------------------------------------------------------------------------------------------------------------
# The manifest


class ManifestError(ValueError):
    """docs/key_files.yaml is malformed (no path, a path listed twice, a bad priority, notes that belong in the file):
    the message names the group and entry.
    """

    pass


def load_manifest(root: Path = REPO) -> tuple[list[Entry], list[dict[str, str]]]:
    """Entries in manifest order, and the groups (name, blurb). Raises ManifestError naming the entry at fault."""
    raw = yaml.safe_load((root / MANIFEST).read_text())
    entries: list[Entry] = []
    groups: list[dict[str, str]] = []
    seen: set[str] = set()
    for group in raw.get("groups", []):
        groups.append({"name": group["name"], "blurb": group.get("blurb", "")})
        for item in group.get("files", []):
            path = item.get("path")
            where = f"{MANIFEST}: group '{group['name']}', entry {item!r}"
            if not path:
                raise ManifestError(f"{where}: no path")
            if path in seen:
                raise ManifestError(f"{where}: {path} is listed twice")
            seen.add(path)
            priority = item.get("priority")
            if priority not in PRIORITIES:
                raise ManifestError(f"{where}: priority must be one of {PRIORITIES}, got {priority!r}")
            notes = sorted(set(item) & set(PARTS))
            if notes:
                raise ManifestError(
                    f"{where}: the manifest keeps only path and priority; move {notes} into the file itself (its "
                    "module docstring, or its leading comment block as `WHY: ...`, `HOW: ...`, `DATA FLOW: ...`)"
                )
            unknown = set(item) - {"path", "priority"}
            if unknown:
                raise ManifestError(f"{where}: unknown key(s) {sorted(unknown)}")
            entries.append(Entry(path=path, priority=priority, group=group["name"]))
    return entries, groups


# ----------------------------------------------------------------------------------------------------------------
# Repository facts: files, the Python import graph, who names a file


def repo_files(root: Path = REPO) -> list[str]:
    """Files git knows (tracked, or untracked and not ignored); a plain walk where there is no git."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"], cwd=root, capture_output=True, text=True, check=True
        ).stdout
        files = [f for f in out.splitlines() if f and (root / f).is_file()]
        if files:
            return sorted(set(files))
    except (OSError, subprocess.CalledProcessError):
        pass
    skip = {".git", ".venv", "build", "site", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip and not d.endswith(".egg-info")]
        for name in filenames:
            found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(found)


def _module_of_file(path: str) -> str:
    name = path[:-3].replace("/", ".")
    return name.removesuffix(".__init__")


class ImportGraph:
    """Which repository Python file imports which `open_r1` module (static imports, lazy ones and import strings)."""

    def __init__(self, root: Path, files: list[str]):
        self.modules = {_module_of_file(f): f for f in files if f.startswith("open_r1/") and f.endswith(".py")}
        self.imports: dict[str, set[str]] = {}
        for path in files:
            if not path.endswith(".py") or not path.startswith(("open_r1/", "scripts/", "tests/", "recipes/")):
                continue
            try:
                tree = ast.parse((root / path).read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError):
                continue
            found: set[str] = set()
            package = _module_of_file(path).rsplit(".", 1)[0] if "/" in path else ""
            if path.endswith("__init__.py"):
                package = _module_of_file(path)
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        found.add(self._known(alias.name))
                elif isinstance(node, ast.ImportFrom):
                    base = node.module or ""
                    if node.level:
                        anchor = package.split(".")
                        anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
                        base = ".".join(anchor + ([base] if base else []))
                    for alias in node.names:
                        sub = f"{base}.{alias.name}"
                        found.add(sub if sub in self.modules else self._known(base))
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    # import strings ("open_r1.labs.manifest", "open_r1.rewards.accuracy:AccuracyReward"), never prose
                    match = re.fullmatch(r"(open_r1(?:\.\w+)+)(?::\w+)?", node.value)
                    if match:
                        found.add(self._known(match.group(1)))
            found.discard(None)  # type: ignore[arg-type]
            found.discard(_module_of_file(path))
            self.imports[path] = {m for m in found if m}

    def _known(self, dotted: str) -> str | None:
        parts = dotted.split(".")
        while parts:
            name = ".".join(parts)
            if name in self.modules:
                return name
            parts.pop()
        return None

    def callees(self, path: str) -> list[str]:
        """The `open_r1` modules a repository file imports, sorted: the "Imports" row of its page."""
        return sorted(self.imports.get(path, ()))

    def callers(self, module: str) -> list[str]:
        """The repository files that import `module`, sorted: the "Imported by" and "Tested by" rows of its page."""
        return sorted(p for p, mods in self.imports.items() if module in mods)


# ----------------------------------------------------------------------------------------------------------------
# The site


class Site:
    """The whole generated site, computed from one checkout: the manifest, each file's model, the import graph, the
    labs, the citations; `pages()` returns every generated page and `resolve()` every code reference.
    """

    def __init__(self, root: Path = REPO, notebooks: Path | None = None):
        self.root = root
        self.entries, self.groups = load_manifest(root)
        self.by_path = {e.path: e for e in self.entries}
        self.by_module = {e.module: e for e in self.entries if e.module}
        self.notebooks = notebooks
        self.warnings: list[str] = []

    # -- cached facts --------------------------------------------------------------------------------------------

    @functools.cached_property
    def files(self) -> list[str]:
        """The repository's files as git knows them (tracked, or untracked and not ignored), computed once per build."""
        return repo_files(self.root)

    @functools.cached_property
    def graph(self) -> ImportGraph:
        """The import graph of the repository's Python files, computed once per build."""
        return ImportGraph(self.root, self.files)

    @functools.cache  # noqa: B019  (one Site per build; the cache dies with it)
    def model(self, path: str) -> SourceModel:
        """The SourceModel of a manifest file with the heading id of each symbol on its page, computed once per file
        and build.
        """
        model = load_source(path, self.root)
        taken = set(RESERVED_IDS)
        for chunk in model.chunks:
            if chunk.symbol:
                model.headings[chunk.symbol] = heading_id(chunk.symbol, taken)
        return model

    @functools.cached_property
    def _text_files(self) -> dict[str, str]:
        out = {}
        for path in self.files:
            if path.startswith(("docs/", "tests/docs/")) or path.endswith((".lock", ".in", ".out", ".png")):
                continue
            full = self.root / path
            try:
                if full.stat().st_size > 300_000:
                    continue
                out[path] = full.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
        return out

    def named_by(self, path: str) -> list[str]:
        """Files that name `path` (its repository path, or its path relative to its lab folder)."""
        needles = [path]
        match = re.match(r"(labs/[^/]+)/(.+)", path)
        if match:
            needles.append(match.group(2))
        out = []
        for other, text in self._text_files.items():
            if other == path:
                continue
            if path in text or (match and other.startswith(match.group(1) + "/") and needles[1] in text):
                out.append(other)
        return out

    # -- parts -----------------------------------------------------------------------------------------------------

    def parts(self, entry: Entry) -> dict[str, str]:
        """The four parts of an entry's page as Markdown, all read from the file; a missing part is absent.

        A non-Python file's leading comment names its parts (`WHY: ...`); the text before the first named part, or
        the whole comment when it names none, is its WHAT.
        """
        model = self.model(entry.path)
        out = dict(model.parts)
        if model.language != "python" and "what" not in out:
            what = model.header or model.summary
            if what:
                out["what"] = what
        return out

    def missing_parts(self, entry: Entry) -> list[str]:
        """The titles of the four parts an entry's page lacks (empty when complete): what the manifest check reports."""
        parts = self.parts(entry)
        return [PART_TITLES[k] for k in PARTS if not parts.get(k, "").strip()]

    # -- code references -----------------------------------------------------------------------------------------

    def resolve(self, target: str) -> tuple[str, str | None, str]:
        """`path`, `path:symbol` or `path:line` → (page uri, anchor, default label). Raises KeyError with a reason."""
        path, _, where = target.partition(":")
        if path not in self.by_path:
            if not (self.root / path).exists():
                raise KeyError(f"no file {path}")
            raise KeyError(f"{path} has no annotated page (add it to {MANIFEST})")
        model = self.model(path)
        uri = self.by_path[path].uri
        if not where:
            return uri, None, path
        if where.isdigit():
            line = int(where)
            if not 1 <= line <= len(model.lines):
                raise KeyError(f"{path} has {len(model.lines)} lines, not {line}")
            shown = model.nearest_shown(line)
            return uri, f"L-{shown}", f"{path}:{line}"
        if where not in model.symbols:
            raise KeyError(f"{path} defines no symbol '{where}'")
        if where in model.headings:
            return uri, model.headings[where], where
        return uri, f"L-{model.nearest_shown(model.symbols[where])}", where

    def resolve_refs(self, markdown: str, page: str) -> tuple[str, list[str]]:
        """Replace every `[[path:symbol|label]]` with a link relative to `page`; return the text and the errors."""
        errors: list[str] = []

        def replace(match: re.Match) -> str:
            target, label = match.group(1), match.group(2)
            try:
                uri, anchor, default = self.resolve(target)
            except KeyError as err:
                errors.append(f"[[{target}]]: {err.args[0]}")
                return f"`{target}`"
            text = label if label else f"`{default}`"
            return f"[{text}]({rel_link(page, uri, anchor)})"

        # references inside code (fenced blocks, `spans`) are examples of the syntax, not references
        # and neither is the code column of an annotated page (`<pre>`: a regex such as `[[^\]]` in the source)
        pieces = re.split(r"(```.*?```|`[^`\n]+`|<pre>.*?</pre>)", markdown, flags=re.DOTALL)
        text = "".join(p if i % 2 else REF.sub(replace, p) for i, p in enumerate(pieces))
        return text, errors

    def autolink(self, markdown: str, page: str, self_path: str | None = None) -> str:
        """Link mentions of manifest modules (`open_r1.x.y`) and files (`labs/.../lab.yaml`) in prose to their pages."""
        pieces = re.split(r"(```.*?```)", markdown, flags=re.DOTALL)
        paths = sorted((p for p in self.by_path if p != self_path), key=len, reverse=True)
        path_re = re.compile(r"(?<![\w/.\-\[])(" + "|".join(re.escape(p) for p in paths) + r")(?![\w/\-])")
        dotted_re = re.compile(r"(?<![\w.\[/])(open_r1(?:\.\w+)+)")

        def link_dotted(text: str, code: bool) -> str | None:
            parts = text.split(".")
            for cut in range(len(parts), 1, -1):
                module = ".".join(parts[:cut])
                entry = self.by_module.get(module)
                if entry is None:
                    continue
                if entry.path == self_path:
                    return None
                rest = ".".join(parts[cut:])
                anchor = None
                if rest:
                    model = self.model(entry.path)
                    if rest in model.headings:
                        anchor = model.headings[rest]
                    elif rest in model.symbols:
                        anchor = f"L-{model.nearest_shown(model.symbols[rest])}"
                    else:
                        return None
                label = f"`{text}`" if code else text
                return f"[{label}]({rel_link(page, entry.uri, anchor)})"
            return None

        def prose(segment: str) -> str:
            # inline code spans first: `open_r1.data.get_dataset` → a link with code text
            spans = re.split(r"(`[^`\n]+`)", segment)
            out = []
            for i, span in enumerate(spans):
                if i % 2 == 1:
                    inner = span[1:-1]
                    if dotted_re.fullmatch(inner):
                        out.append(link_dotted(inner, True) or span)
                    elif inner in self.by_path and inner != self_path:
                        out.append(f"[{span}]({rel_link(page, self.by_path[inner].uri)})")
                    else:
                        out.append(span)
                    continue
                # never inside an existing link's text or target
                chunks = re.split(r"(\[[^\]]*\]\([^)]*\))", span)
                for j, chunk in enumerate(chunks):
                    if j % 2 == 1:
                        continue
                    chunk = dotted_re.sub(lambda m: link_dotted(m.group(1), False) or m.group(1), chunk)
                    if paths:
                        chunk = path_re.sub(
                            lambda m: f"[{m.group(1)}]({rel_link(page, self.by_path[m.group(1)].uri)})", chunk
                        )
                    chunks[j] = chunk
                out.append("".join(chunks))
            return "".join(out)

        return "".join(p if i % 2 == 1 else prose(p) for i, p in enumerate(pieces))

    # -- annotated pages -----------------------------------------------------------------------------------------

    def annotated_page(self, entry: Entry) -> str:
        """A file's annotated page: title, priority and size, its summary, the four parts (with the proximal data flow
        computed from the repository), then every (note, code) row, notes auto-linked to other pages.
        """
        model = self.model(entry.path)
        uri = entry.uri
        parts = self.parts(entry)
        lines = len(model.lines)
        link = functools.partial(self.autolink, page=uri, self_path=entry.path)
        out = [
            "---",
            f"title: {entry.path}",
            "wide: true",
            "hide:",
            "  - navigation",
            "---",
            "",
            f"# `{entry.path}`",
            "",
            f'<span class="ann-badge ann-{entry.priority}">{entry.priority}</span> '
            f'<span class="ann-facts">{entry.group} · {lines} lines · {model.language}</span>',
            "",
        ]
        # a header comment's first paragraph is both summary and WHAT: show it once
        if model.summary and not parts.get("what", "").startswith(model.summary[:60]):
            out += [f'<div class="ann-summary" markdown>\n\n{link(model.summary)}\n\n</div>', ""]
        for key in PARTS:
            out += [f"## {PART_TITLES[key]}", ""]
            text = parts.get(key, "")
            out += [link(text) if text else '!!! failure "Missing"\n    This part is missing from the file.', ""]
            if key == "data_flow":
                out += self._proximal(entry, uri)
        if parts.get("details"):
            out += ["## Usage and details", "", link(parts["details"]), ""]
        out += ["## Code", "", '<div class="ann" markdown>', ""]
        rendered = highlighted_lines(model)
        for chunk in model.chunks:
            note = link(chunk.note) if chunk.note else ""
            heading = ""
            if chunk.symbol:
                level = "###" if chunk.level == 0 else "####"
                heading = f"{level} `{chunk.symbol}` {{#{model.headings[chunk.symbol]} .ann-symbol}}\n\n"
            out += [
                '<div class="ann-row" markdown>',
                '<div class="ann-note" markdown>',
                "",
                heading + note,
                "",
                "</div>",
                f'<div class="ann-code">{code_html(model, chunk, rendered)}</div>',
                "</div>",
                "",
            ]
        out += ["</div>", ""]
        return "\n".join(out)

    def _proximal(self, entry: Entry, uri: str) -> list[str]:
        def as_link(path: str) -> str:
            if path in self.by_path:
                return f"[`{path}`]({rel_link(uri, self.by_path[path].uri)})"
            return f"`{path}`"

        rows: list[tuple[str, list[str]]] = []
        if entry.module:
            callees = [self.graph.modules[m] for m in self.graph.callees(entry.path)]
            callers = self.graph.callers(entry.module)
            rows.append(("Imports (callees)", [as_link(p) for p in callees]))
            rows.append(("Imported by (callers)", [as_link(p) for p in callers if not p.startswith("tests/")]))
            rows.append(("Tested by", [as_link(p) for p in callers if p.startswith("tests/")]))
        else:
            named = self.named_by(entry.path)
            rows.append(("Named by", [as_link(p) for p in named if not p.startswith("tests/")]))
            rows.append(("Tested by", [as_link(p) for p in named if p.startswith("tests/")]))
        out = ["**Proximal** — computed from the repository at build time:", "", "| relation | files |", "|---|---|"]
        for title, items in rows:
            out.append(f"| {title} | {', '.join(items) if items else '—'} |")
        return out + [""]

    def annotated_index(self) -> str:
        """The "Annotated code" index: every group of the manifest with its files, priorities and one-sentence
        summaries, in reading order.
        """
        uri = "annotated/index.md"
        counts = {p: sum(1 for e in self.entries if e.priority == p) for p in PRIORITIES}
        out = [
            "# Annotated code",
            "",
            f"{len(self.entries)} key files, each on a page of its own: the file's own notes (module docstring or header "
            "comment: **what** it does, **why** — with the paper section —, **how**, and its **data flow**) above, "
            "then the code with every comment and docstring moved beside the lines it explains. Every page is "
            "generated from the file when the site is built, so it always shows the code of this commit.",
            "",
            "Priorities: "
            + ", ".join(f'<span class="ann-badge ann-{p}">{p}</span> {counts[p]}' for p in PRIORITIES)
            + ". New to the project? Read the critical files in the order listed.",
            "",
            "Code references in the docs are written `[[path:symbol]]` or `[[path:line]]` and checked when the site "
            "is built; the manifest is [`docs/key_files.yaml`](../about.md#the-key-files-manifest).",
            "",
        ]
        for group in self.groups:
            members = [e for e in self.entries if e.group == group["name"]]
            out += [f"## {group['name']}", "", group["blurb"], "", "| file | priority | what it is |", "|---|---|---|"]
            for e in members:
                summary = self.model(e.path).summary or self.parts(e).get("what", "")
                summary = " ".join(summary.split())
                first = re.split(r"(?<=[.!?])\s", summary, maxsplit=1)[0]
                out.append(
                    f"| [`{e.path}`]({rel_link(uri, e.uri)}) | "
                    f'<span class="ann-badge ann-{e.priority}">{e.priority}</span> | {md_escape_cell(first)} |'
                )
            out.append("")
        return "\n".join(out)

    # -- labs ----------------------------------------------------------------------------------------------------

    @functools.cached_property
    def labs(self) -> list[Any]:
        """Every lab manifest (labs/*/lab.yaml) loaded and validated through open_r1.labs.manifest, once per build."""
        from open_r1.labs.manifest import list_labs, load_lab

        return [load_lab(name) for name in list_labs()]

    def lab_page(self, lab: Any) -> str:
        """A lab's page from its lab.yaml: what it reproduces, how to run it, each profile's recipe, launcher,
        resources and expected result, and the lab's README.
        """
        uri = f"labs/{lab.name}.md"
        repro = _as_dict(lab.reproduces)
        lab_yaml = f"labs/{lab.name}/lab.yaml"

        def file_link(path: str) -> str:
            if path in self.by_path:
                return f"[`{path}`]({rel_link(uri, self.by_path[path].uri)})"
            return f"`{path}`"

        out = [
            f"# {lab.name}: {lab.title}",
            "",
            f'<span class="ann-badge lab-{lab.status}">{lab.status}</span> {lab.stage}',
            "",
            " ".join(str(lab.summary).split()),
            "",
            f"Everything on this page is read from {file_link(lab_yaml)} when the site is built.",
            "",
            "## Reproduces",
            "",
            "| what | reference |",
            "|---|---|",
        ]
        for key, value in repro.items():
            out.append(f"| {key.replace('_', ' ')} | {md_escape_cell(value)} |")
        out += [
            "",
            "## Run it",
            "",
            "```bash",
            f"just lab {lab.name}                                   # auto: the biggest profile that fits (full, gpu, nano)",
            f"just lab {lab.name} --profile nano -- --max_steps 20  # overrides after --",
            f"open-r1 lab show {lab.name}                           # the resolved manifest",
            "```",
            "",
            f"Entrypoint: `open-r1 {lab.entrypoint}`. Image: `{lab.image}`.",
            "",
            "## Profiles",
            "",
            "| profile | recipe | launcher | resources | planner on those resources | expected |",
            "|---|---|---|---|---|---|",
        ]
        for name, profile in lab.profiles.items():
            recipe = f"labs/{lab.name}/{profile.recipe}"
            launcher = profile.launcher
            if profile.accelerate_config:
                launcher += f" + {file_link(profile.accelerate_config)}"
            if profile.num_processes:
                launcher += f" ({profile.num_processes} processes)"
            res = ", ".join(f"{k} {v}" for k, v in profile.resources.model_dump(exclude_unset=True).items())
            out.append(
                f"| `{name}` | {file_link(recipe)} | {launcher} | {md_escape_cell(res)} | "
                f"{md_escape_cell(_planner_line(lab, name))} | {md_escape_cell(profile.expected or '')} |"
            )
        out += [
            "",
            "`auto` (the default) picks the first of full, gpu and nano that fits the machine by the planner's estimate "
            "(`open-r1 lab run --dry-run` prints the choice and its numbers; `OPEN_R1_HARDWARE=1x24` plans for another "
            "machine); an explicit profile that does not fit is refused before anything downloads.",
        ]
        out.append("")
        readme = self.root / "labs" / lab.name / "README.md"
        if readme.exists():
            out += ["## README", "", readme.read_text().split("\n", 1)[-1], ""]
        return "\n".join(out)

    def labs_index(self) -> str:
        """The Labs index: one row per lab with its stage, status and what its nano profile shows."""
        out = [
            "# Labs",
            "",
            "One lab is one stage of the DeepSeek-R1 recipe, described by its `labs/<lab>/lab.yaml` — the single "
            "source of truth for what it reproduces, its image, recipes, launcher and resources. Each page below is "
            "generated from that file.",
            "",
            "| lab | stage | status | nano profile |",
            "|---|---|---|---|",
        ]
        for lab in self.labs:
            nano = lab.profiles.get("nano")
            expected = md_escape_cell(nano.expected) if nano and nano.expected else "—"
            out.append(f"| [{lab.name}]({lab.name}.md) — {lab.title} | {lab.stage} | {lab.status} | {expected} |")
        return "\n".join(out + [""])

    # -- reference -----------------------------------------------------------------------------------------------

    def cli_reference(self) -> str:
        """The command-line reference: every `open-r1` command's `--help`, captured from the real parser at a fixed
        width.
        """
        os.environ["COLUMNS"] = "110"  # argparse wraps help to the terminal width: fix it for a stable page
        from open_r1.cli import build_parser

        parser = build_parser()
        out = [
            "# Command line",
            "",
            "The help of every `open-r1` command, captured from the parser when the site is built "
            "(`open-r1 <command> --help` prints the same).",
            "",
        ]
        seen: set[int] = set()

        def walk(p: argparse.ArgumentParser, depth: int) -> None:
            if id(p) in seen:
                return
            seen.add(id(p))
            level = "#" * min(2 + depth, 4)
            out.extend([f"{level} `{p.prog}`", "", "```text", p.format_help().rstrip(), "```", ""])
            for action in p._actions:
                if isinstance(action, argparse._SubParsersAction):
                    for sub in action.choices.values():
                        walk(sub, depth + 1)

        walk(parser, 0)
        return "\n".join(out)

    @staticmethod
    def _field_rows(cls: type, names: list[str] | None = None, used: dict[str, list[str]] | None = None) -> list[str]:
        rows = [
            "| field | type | default | help |" + (" set by |" if used is not None else ""),
            "|---|---|---|---|" + ("---|" if used is not None else ""),
        ]
        fields = config_fields(cls)
        for name in names if names is not None else list(fields):
            type_name, default, help_text = fields[name]
            row = f"| `{name}` | {md_escape_cell(type_name)} | `{default.replace('|', '¦')}` | {md_escape_cell(help_text)} |"
            if used is not None:
                row += f" {', '.join(used.get(name, []))} |"
            rows.append(row)
        return rows

    def recipe_keys(self) -> dict[str, dict[str, Any]]:
        """recipe path → its YAML mapping, for every lab recipe."""
        out = {}
        for path in sorted(self.files):
            if re.match(r"labs/[^/]+/recipes/[^/]+\.yaml$", path):
                out[path] = yaml.safe_load((self.root / path).read_text()) or {}
        return out

    def config_reference(self) -> str:
        """The configuration reference: every field of ScriptArguments and its mixture types, and the fields of TRL's
        configs (and the project's pydantic configs) that at least one lab recipe sets, with defaults, help and the
        recipes that set them.
        """
        from trl import GRPOConfig, ModelConfig, SFTConfig

        from open_r1.core.configs import DatasetSpec, MixtureSpec, ScriptArguments

        candidates: list[tuple[str, type]] = [
            ("ScriptArguments", ScriptArguments),
            ("GRPOConfig", GRPOConfig),
            ("SFTConfig", SFTConfig),
            ("ModelConfig", ModelConfig),
        ]
        extra = []
        for target in ("open_r1.labs.ioi_eval:IOIEvalConfig", "open_r1.eval.generate:GenerateConfig"):
            module, _, attr = target.partition(":")
            try:
                import importlib

                extra.append((attr, getattr(importlib.import_module(module), attr)))
            except (ImportError, AttributeError):
                continue
        recipes = self.recipe_keys()
        used: dict[str, dict[str, list[str]]] = {name: {} for name, _ in candidates + extra}
        for path, mapping in recipes.items():
            label = path.removeprefix("labs/").replace("/recipes/", "/").removesuffix(".yaml")
            link = (
                f"[{label}]({rel_link('reference/configs.md', self.by_path[path].uri)})"
                if path in self.by_path
                else label
            )
            for key in mapping:
                if key == "env":
                    continue
                for name, cls in candidates + extra:
                    if key in config_fields(cls):
                        used[name].setdefault(key, []).append(link)
                        break
        out = [
            "# Configuration",
            "",
            "Every field a recipe may set, with its default and help text, read from the dataclasses when the site is "
            "built. A recipe (`labs/<lab>/recipes/*.yaml`) is checked key by key against these classes before any "
            "model loads ([[open_r1/core/configs.py:check_recipe_keys]]); command-line overrides (`--key value`) use the "
            "same names.",
            "",
            "## ScriptArguments (open-r1)",
            "",
            "What to train on and how to score it; shared by `open-r1 train grpo` and `open-r1 train sft` "
            "([[open_r1/core/configs.py:ScriptArguments]]).",
            "",
            *self._field_rows(ScriptArguments, used=used["ScriptArguments"]),
            "",
            "### dataset_mixture",
            "",
            "`dataset_mixture: {datasets: [...], seed, test_split_size}`; each member of `datasets` is a DatasetSpec "
            "([[open_r1/core/configs.py:DatasetSpec]], [[open_r1/data.py:mix]]).",
            "",
            *self._field_rows(DatasetSpec),
            "",
            *self._field_rows(MixtureSpec),
            "",
        ]
        for name, cls in candidates[1:] + extra:
            names = sorted(used[name])
            if not names:
                continue
            origin = "TRL 1.16" if cls.__module__.startswith("trl") else cls.__module__
            out += [
                f"## {name} ({origin}): the fields the lab recipes set",
                "",
                f"`{name}` has {len(config_fields(cls))} fields; these are the ones at least one recipe sets, with "
                "the recipes that set them. `open-r1 train grpo --help` lists them all.",
                "",
                *self._field_rows(cls, names, used[name]),
                "",
            ]
        return "\n".join(out)

    def rewards_reference(self) -> str:
        """The rewards reference: every reward of the registry with what it measures, its range, the columns it reads,
        the code that implements it and its parameters.
        """
        from open_r1.rewards import list_rewards

        uri = "reference/rewards.md"
        out = [
            "# Rewards",
            "",
            "Every reward in the registry (`open_r1.rewards.list_rewards()`, the list `open-r1 rewards list` "
            "prints), with its parameters and defaults. A recipe names rewards in `reward_funcs`, weights them with "
            "`reward_weights` and sets parameters with `reward_params: {name: {param: value}}`.",
            "",
            "| reward | what it measures | range | reads columns |",
            "|---|---|---|---|",
        ]
        specs = list_rewards()
        for spec in specs:
            columns = ", ".join(f"`{c}`" for c in spec.columns) or "—"
            out.append(
                f"| [`{spec.name}`](#{spec.name.replace('_', '-')}) | {md_escape_cell(spec.summary)} | "
                f"{md_escape_cell(spec.output_range)} | {columns} |"
            )
        out.append("")
        for spec in specs:
            out += [f"## {spec.name} {{#{spec.name.replace('_', '-')}}}", "", md_escape_cell(spec.summary), ""]
            source = self._reward_source(spec.factory)
            if source:
                module, attr = source
                path = module.replace(".", "/") + ".py"
                if path in self.by_path and attr in self.model(path).symbols:
                    page, anchor, _ = self.resolve(f"{path}:{attr}")
                    out += [f"Implemented by [`{module}.{attr}`]({rel_link(uri, page, anchor)}).", ""]
                else:
                    out += [f"Implemented by `{module}.{attr}`.", ""]
            if spec.params:
                out += ["| parameter | default | allowed | help |", "|---|---|---|---|"]
                for param, default in spec.params.items():
                    allowed = ", ".join(map(str, spec.choices.get(param, ()))) or "—"
                    out.append(
                        f"| `{param}` | `{default!r}` | {md_escape_cell(allowed)} | "
                        f"{md_escape_cell(spec.param_help.get(param, ''))} |"
                    )
                out.append("")
        return "\n".join(out)

    @staticmethod
    def _reward_source(factory: Any) -> tuple[str, str] | None:
        try:
            nonlocals = inspect.getclosurevars(factory).nonlocals
        except (TypeError, ValueError):
            return None
        if "module_name" in nonlocals and "attr" in nonlocals:
            return nonlocals["module_name"], nonlocals["attr"]
        return None

    def labs_reference(self) -> str:
        """The lab table: every lab's stage, status, entrypoint, profiles (launcher, GPUs, nodes) and image."""
        out = [
            "# Lab table",
            "",
            "Read from `labs/*/lab.yaml` through `open_r1.labs.load_lab` when the site is built (`open-r1 lab list` "
            "prints the same facts).",
            "",
            "| lab | stage | status | entrypoint | profiles | image |",
            "|---|---|---|---|---|---|",
        ]
        for lab in self.labs:
            profiles = ", ".join(
                f"`{name}` ({p.launcher}, {p.resources.gpus} GPU × {p.resources.nodes} node)"
                for name, p in lab.profiles.items()
            )
            out.append(
                f"| [{lab.name}](../labs/{lab.name}.md) | {lab.stage} | {lab.status} | `open-r1 {lab.entrypoint}` | "
                f"{profiles} | `{lab.image}` |"
            )
        return "\n".join(out + [""])

    # -- paper map -----------------------------------------------------------------------------------------------

    @functools.cached_property
    def citations(self) -> list[citations.Citation]:
        """Every section reference in the repository (scripts/docs/citations.py), for the paper map and bibliography."""
        return citations.scan(self.root)

    def _paper_rows(self, paper: citations.Paper, uri: str, code_only: bool) -> list[str]:
        """One row per cited section of `paper`: its number, its title in the pinned version, every file citing it."""
        by_section: dict[str, set[str]] = {}
        for c in self.citations:
            if c.arxiv != paper.arxiv or (code_only and c.path.startswith(("docs/", "README", "scripts/docs/"))):
                continue
            by_section.setdefault(c.section, set()).add(c.path)
        rows = []
        for section in sorted(by_section, key=_section_key):
            links = []
            for path in sorted(by_section[section]):
                if path in self.by_path:
                    links.append(f"[`{path}`]({rel_link(uri, self.by_path[path].uri)})")
                else:
                    links.append(f"`{path}`")
            title = md_escape_cell(paper.sections.get(section, "?"))
            rows.append(f"| §{section} | {title} | {', '.join(links)} |")
        return rows

    def paper_map(self) -> str:
        """The paper map: for each paper the labs reproduce, every section the code cites, once, with its title in the
        pinned version and every file citing it; other cited papers after them.
        """
        uri = "paper-map.md"
        papers = citations.load_papers(self.root)
        out = [
            "# Paper map",
            "",
            "Where each paper's ideas live in the code: every section the code cites, once, with its title in the "
            "pinned version of the paper and every file that cites it — module docstrings, recipes, manifests, "
            "templates and image definitions, collected when the site is built "
            "([[scripts/docs/citations.py]]). Cite a section in a file and it appears here; cite one the pinned "
            "version does not have and the test suite fails. Versions and section tables: "
            "[Bibliography](reference/bibliography.md).",
            "",
            "| paper | pinned version | sections cited in code |",
            "|---|---|---|",
        ]
        mapped = [p for p in papers if p.paper_map]
        for paper in mapped:
            rows = self._paper_rows(paper, uri, code_only=True)
            out.append(f"| [{paper.short}](#{paper.paper_map}) | [{paper.pinned}]({paper.url}) | {len(rows)} |")
        out.append("")
        for paper in mapped:
            out += [
                f"## {paper.short} {{#{paper.paper_map}}}",
                "",
                f"*{paper.title}*, arXiv [{paper.pinned}]({paper.url})",
                "",
            ]
            rows = self._paper_rows(paper, uri, code_only=True)
            if not rows:
                out += ["No code cites it yet.", ""]
                continue
            out += ["| section | title | where |", "|---|---|---|", *rows, ""]
        others = [p for p in papers if not p.paper_map and self._paper_rows(p, uri, code_only=True)]
        if others:
            out += ["## Other papers the code cites {#others}", ""]
            for paper in others:
                out += [f"### {paper.short}", "", f"*{paper.title}*, arXiv [{paper.pinned}]({paper.url})", ""]
                out += ["| section | title | where |", "|---|---|---|", *self._paper_rows(paper, uri, True), ""]
        return "\n".join(out)

    def bibliography(self) -> str:
        """The Bibliography page from docs/papers.yaml: every paper with its pinned arXiv version and, per section the
        project refers to, its title and how many references it has.
        """
        uri = "reference/bibliography.md"
        papers = citations.load_papers(self.root)
        counts: dict[tuple[str, str], int] = {}
        for c in self.citations:
            counts[(c.arxiv, c.section)] = counts.get((c.arxiv, c.section), 0) + 1
        out = [
            "# Bibliography",
            "",
            "Every paper the code and the docs cite, each pinned to one arXiv version, with the titles of that "
            "version's sections the project refers to. The list is `docs/papers.yaml`; "
            "[[scripts/docs/citations.py]] checks every `§` in the repository against it (a section the pinned "
            "version lacks, or a citation of another version, fails the tests). DeepSeek-R1 is pinned to v1: its "
            "v2 (January 2026) renumbers the sections.",
            "",
            "| paper | pinned | year | references |",
            "|---|---|---|---|",
        ]
        for paper in papers:
            total = sum(n for (a, _), n in counts.items() if a == paper.arxiv)
            out.append(
                f"| [{md_escape_cell(paper.title)}](#{_slug(paper)}) | [{paper.pinned}]({paper.url}) | {paper.year} "
                f"| {total} |"
            )
        out.append("")
        for paper in papers:
            out += [
                f"## {paper.short} {{#{_slug(paper)}}}",
                "",
                f"*{paper.title}* ({paper.year}), arXiv [{paper.pinned}]({paper.url}).",
                "",
            ]
            if paper.paper_map:
                out += [
                    f"Where its sections live in the code: [paper map]({rel_link(uri, 'paper-map.md', paper.paper_map)}).",
                    "",
                ]
            if not paper.sections:
                out += ["Cited as a whole (no section).", ""]
                continue
            out += ["| section | title | references |", "|---|---|---|"]
            for section in sorted(paper.sections, key=_section_key):
                n = counts.get((paper.arxiv, section), 0)
                out.append(f"| §{section} | {md_escape_cell(paper.sections[section])} | {n or '—'} |")
            out.append("")
        return "\n".join(out)

    # -- navigation and pages ------------------------------------------------------------------------------------

    def nav(self, tutorials: list[tuple[str, str]]) -> list[Any]:
        """The site's navigation: the hand-written pages, the labs, the annotated files by group, the tutorials in
        order, the reference and the paper map.
        """
        annotated: list[Any] = [{"Overview": "annotated/index.md"}]
        for group in self.groups:
            annotated.append({group["name"]: [{e.path: e.uri} for e in self.entries if e.group == group["name"]]})
        return [
            {
                "Start here": [
                    "index.md",
                    {"Quickstart": "start/quickstart.md"},
                    {"Architecture": "start/architecture.md"},
                    {"How it fits together": "start/diagrams.md"},
                    {"About this site": "about.md"},
                ]
            },
            {"Labs": ["labs/index.md", *({lab.name: f"labs/{lab.name}.md"} for lab in self.labs)]},
            {"Annotated code": annotated},
            {"Tutorials": ["tutorials/index.md", *({title: uri} for uri, title in tutorials)]},
            {
                "Reference": [
                    {"Command line": "reference/cli.md"},
                    {"Configuration": "reference/configs.md"},
                    {"Rewards": "reference/rewards.md"},
                    {"Lab table": "reference/labs.md"},
                    {"Bibliography": "reference/bibliography.md"},
                ]
            },
            {"Paper map": "paper-map.md"},
        ]

    def pages(self) -> dict[str, str]:
        """Every generated page as `src_uri → Markdown`: what the mkdocs hook adds to the build (and what the tests
        check without building).
        """
        pages = {"annotated/index.md": self.annotated_index(), "labs/index.md": self.labs_index()}
        for entry in self.entries:
            pages[entry.uri] = self.annotated_page(entry)
        for lab in self.labs:
            pages[f"labs/{lab.name}.md"] = self.lab_page(lab)
        pages["reference/cli.md"] = self.cli_reference()
        pages["reference/configs.md"] = self.config_reference()
        pages["reference/rewards.md"] = self.rewards_reference()
        pages["reference/labs.md"] = self.labs_reference()
        pages["paper-map.md"] = self.paper_map()
        pages["reference/bibliography.md"] = self.bibliography()
        return pages


def config_fields(cls: type) -> dict[str, tuple[str, str, str]]:
    """name → (type, default, help) of a config class: a dataclass (TRL's, help in metadata) or a pydantic model."""
    out: dict[str, tuple[str, str, str]] = {}
    if dataclasses.is_dataclass(cls):
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                default = repr(f.default)
            elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                default = repr(f.default_factory())  # type: ignore[misc]
            else:
                default = "required"
            type_name = getattr(f.type, "__name__", None) or str(f.type).replace("typing.", "")
            out[f.name] = (type_name, default, " ".join(str(f.metadata.get("help", "")).split()))
        return out
    for name, info in getattr(cls, "model_fields", {}).items():
        default = "required" if info.is_required() else repr(info.get_default(call_default_factory=True))
        annotation = info.annotation
        type_name = getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
        out[name] = (type_name, default, " ".join(str(info.description or "").split()))
    return out


def _as_dict(value: Any) -> dict[str, Any]:
    """A manifest block as a mapping, whether the manifest model holds it as a dict or as a pydantic model."""
    if value is None:
        return {}
    if hasattr(value, "model_dump"):
        return {k: v for k, v in value.model_dump().items() if v is not None}
    return dict(value)


def _slug(paper: citations.Paper) -> str:
    return paper.paper_map or "arxiv-" + paper.arxiv.replace(".", "-")


def _section_key(section: str) -> tuple:
    nums = re.findall(r"\d+", section)
    return tuple(int(n) for n in nums) if nums else (999,)
