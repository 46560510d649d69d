"""Every paper section the repository cites, checked against the pinned version's table of sections.

    python -m scripts.docs.citations           # list every citation; exit 1 on a problem
    python -m scripts.docs.citations --quiet   # problems only

WHAT
    `load_papers() -> [Paper]` reads docs/papers.yaml (one pinned arXiv version per paper, its section titles);
    `scan() -> [Citation]` finds every section reference (`§2.2.3`, `§5.1-5.2`) in the code, recipes, images and
    docs and attributes it to a paper; `check() -> [problem]` reports a section the pinned version does not have,
    a citation of another version, and an arXiv id with no entry.

WHY
    A section number is only useful if it points at the right text. DeepSeek-R1 was revised (v2 renumbers every
    section), and the `<think>/<answer>` template was cited as §2.2.1 (the RL algorithm) in five places (four
    modules and tutorial 2) when it is §2.2.3 "Training Template" in v1. Keeping each paper's section titles in the
    repository makes such a slip a test failure, and the titles make the paper map and the bibliography readable.

HOW
    Each file is flattened (comment markers and indentation dropped) and cut into paragraphs at blank lines. In a
    paragraph, the marks are the pinned papers' arXiv ids and names (docs/papers.yaml `names`) and the ids of
    unknown papers or other standards (RFC, UTS, PEP), which end a paper's stretch. A `§` belongs to the nearest
    mark before it in its paragraph; a `§` after no mark, or after another standard, is not a paper citation.

DATA FLOW
    docs/papers.yaml + the repository's text files → here → problems (tests/docs/test_docs_citations.py,
    `python -m scripts.docs.check`) and citations (scripts/docs/site.py: the paper map and the bibliography page).
"""

from __future__ import annotations

import argparse
import bisect
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
PAPERS_FILE = "docs/papers.yaml"
# the text a citation can live in: code, recipes, manifests, images, templates, scripts, hand-written docs
SCANNED = re.compile(
    r"^(open_r1/.*\.(py|j2|md)|scripts/.*\.(py|sh)|labs/[^/]+/(lab\.yaml|recipes/.*\.yaml|README\.md)"
    r"|recipes/.*\.(yaml|py)|images/.*(Dockerfile|\.def|\.sh|\.md)|docs/pages/.*\.md|docs/tutorials/.*\.py"
    r"|README\.md|compose\.yaml|Justfile|mkdocs\.yml|\.importlinter)$"
)
_ARXIV = re.compile(r"arXiv:?\s*(\d{4}\.\d{4,5})(v\d+)?")
_OTHER = re.compile(r"\b(?:RFC|rfc|UTS|PEP|ISO|IEEE)\b|:rfc:|\bpaper §")
_SECTION = re.compile(r"§\s?(\d+(?:\.\d+)*)(?:\s?[–-]\s?§?\s?(\d+(?:\.\d+)*))?")


@dataclass
class Paper:
    """One pinned paper: arXiv id and version, titles, the names prose uses for it, its section table."""

    arxiv: str  # id without version, e.g. 2501.12948
    version: str  # e.g. v1
    title: str
    short: str
    year: int
    names: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    paper_map: str | None = None  # anchor on the paper map, for the papers it lists

    @property
    def pinned(self) -> str:
        return self.arxiv + self.version

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.pinned}"


@dataclass
class Citation:
    """One `§` reference: where it is, which paper it was attributed to, the section, the version it names."""

    path: str
    line: int
    arxiv: str
    section: str
    version: str | None = None  # when the text names a version (arXiv 2501.12948v1)
    context: str = ""


def load_papers(root: Path = REPO) -> list[Paper]:
    """The pinned papers of docs/papers.yaml in file order; a ValueError naming the entry when an arXiv id has no
    version.
    """
    raw = yaml.safe_load((root / PAPERS_FILE).read_text(encoding="utf-8"))
    papers = []
    for item in raw["papers"]:
        match = re.fullmatch(r"(\d{4}\.\d{4,5})(v\d+)", str(item["arxiv"]))
        if not match:
            raise ValueError(f"{PAPERS_FILE}: arxiv {item['arxiv']!r} must be an id with a version, e.g. 2501.12948v1")
        papers.append(
            Paper(
                arxiv=match.group(1),
                version=match.group(2),
                title=item["title"],
                short=item["short"],
                year=int(item["year"]),
                names=list(item.get("names") or []),
                sections={str(k): str(v) for k, v in (item.get("sections") or {}).items()},
                paper_map=item.get("paper_map"),
            )
        )
    return papers


def scanned_files(root: Path = REPO) -> list[str]:
    """The repository files that may cite a paper section (code, templates, recipes, manifests, images, hand-written
    docs; tests excluded, they cite wrong sections on purpose), as git knows them.
    """
    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        out = [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()]
    return sorted(p for p in set(out) if SCANNED.match(p) and (root / p).is_file())


def _paragraphs(text: str) -> list[tuple[str, list[int], list[int]]]:
    """(flat text, offsets where each source line starts in it, those lines' numbers) per paragraph."""
    out = []
    flat: list[str] = []
    starts: list[int] = []
    numbers: list[int] = []
    length = 0
    for number, line in enumerate(text.splitlines(), start=1):
        body = re.sub(r"^\s*(?:#+|//|\{#-?|-?#\}|\*)?\s?", "", line).strip()
        if not body:
            if flat:
                out.append((" ".join(flat), starts, numbers))
            flat, starts, numbers, length = [], [], [], 0
            continue
        starts.append(length)
        numbers.append(number)
        flat.append(body)
        length += len(body) + 1
    if flat:
        out.append((" ".join(flat), starts, numbers))
    return out


def scan_text(path: str, text: str, papers: list[Paper]) -> list[Citation]:
    """Every § reference of one file, attributed to the nearest paper mark before it in its paragraph."""
    by_id = {p.arxiv: p for p in papers}
    names = [(p.arxiv, re.compile(n)) for p in papers for n in p.names]
    found = []
    for flat, starts, numbers in _paragraphs(text):
        if "§" not in flat:
            continue
        marks: list[tuple[int, str, str | None]] = []  # (position, arxiv id or "", version named)
        for match in _ARXIV.finditer(flat):
            marks.append(
                (match.start(), match.group(1) if match.group(1) in by_id else f"?{match.group(1)}", match.group(2))
            )
        for arxiv, pattern in names:
            marks += [(m.start(), arxiv, None) for m in pattern.finditer(flat)]
        marks += [(m.start(), "", None) for m in _OTHER.finditer(flat)]
        marks.sort(key=lambda m: m[0])
        positions = [m[0] for m in marks]
        for match in _SECTION.finditer(flat):
            i = bisect.bisect_right(positions, match.start()) - 1
            if i < 0 or not marks[i][1]:
                continue
            # a version named by any mark of the same paper earlier in the paragraph counts
            arxiv = marks[i][1]
            version = next((v for _, a, v in reversed(marks[: i + 1]) if a == arxiv and v), None)
            line = numbers[bisect.bisect_right(starts, match.start()) - 1]
            context = flat[max(0, match.start() - 60) : match.end() + 20]
            for section in filter(None, match.groups()):
                found.append(Citation(path, line, arxiv, section, version, context))
    return found


def scan(root: Path = REPO, papers: list[Paper] | None = None) -> list[Citation]:
    """Every section reference of every scanned file, attributed to its paper (scan_text per file)."""
    papers = papers if papers is not None else load_papers(root)
    out: list[Citation] = []
    for path in scanned_files(root):
        try:
            text = (root / path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        out += scan_text(path, text, papers)
    return out


def check(root: Path = REPO, citations: list[Citation] | None = None) -> list[str]:
    """Problems: a section the pinned version lacks, another version cited, a paper with no entry."""
    papers = {p.arxiv: p for p in load_papers(root)}
    citations = citations if citations is not None else scan(root, list(papers.values()))
    problems = []
    for c in citations:
        where = f"{c.path}:{c.line}"
        if c.arxiv.startswith("?"):
            problems.append(f"{where}: arXiv {c.arxiv[1:]} §{c.section} cites a paper {PAPERS_FILE} does not list")
            continue
        paper = papers[c.arxiv]
        if c.version and c.version != paper.version:
            problems.append(
                f"{where}: cites {paper.short} {c.arxiv}{c.version}, but {PAPERS_FILE} pins {paper.pinned} "
                "(cite the pinned version, or re-pin and recheck every section)"
            )
        if c.section not in paper.sections:
            problems.append(
                f"{where}: {paper.short} ({paper.pinned}) has no §{c.section} in {PAPERS_FILE} "
                f"(…{c.context.strip()}…): fix the number, or add the section's title as the paper numbers it"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    """Print every citation with its section title (or only the problems with `--quiet`) and a count; exit 1 when there
    is a problem.
    """
    parser = argparse.ArgumentParser(prog="python -m scripts.docs.citations", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quiet", action="store_true", help="print problems only")
    args = parser.parse_args(argv)
    papers = {p.arxiv: p for p in load_papers()}
    citations = scan(REPO, list(papers.values()))
    if not args.quiet:
        for c in citations:
            paper = papers.get(c.arxiv)
            title = paper.sections.get(c.section, "?") if paper else "?"
            name = paper.short if paper else c.arxiv
            print(f"{c.path}:{c.line}: {name} §{c.section} {title}")
    problems = check(REPO, citations)
    for problem in problems:
        print(problem)
    print(
        f"{len(citations)} section references to {len({c.arxiv for c in citations})} papers; {len(problems)} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
