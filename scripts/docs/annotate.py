"""Turn a source file into an annotated page: its four-part header, and its code cut into (note, code) rows.

WHAT
    `load_source(path) -> SourceModel` reads one file of the repository and returns what the page needs: the
    summary line, the four parts (WHAT, WHY, HOW, DATA FLOW) as Markdown, the code cut into `Chunk`s (a note in
    Markdown beside a run of source lines), the symbols a code reference may name (`path:symbol`) and the lines
    the page shows (`path:line`). `render_page(model, ...)` writes the page's Markdown.

WHY
    The design's rule is "the code teaches": a module's docstring and comments *are* its documentation. The page is
    therefore computed from the file at build time, never written by hand, so it cannot drift from the code. The
    layout follows labml's annotated implementations: notes on the left, the code they explain on the right.

HOW
    Python: the module docstring gives the header (`split_parts`); `ast` finds classes, functions and methods (each
    opens a row with a heading and its docstring as the note) and `tokenize` finds full-line comments (each block
    of them opens a row whose note is the comment). Docstrings and note comments leave the code column; line
    numbers keep the file's numbering, so `#L-42` always means line 42 of the file.
    YAML, shell, Dockerfile, Apptainer, Justfile: the leading comment block is the header, every later full-line
    comment block is a note for the lines below it.
    Docstring text is plain text with light conventions (bullets, indented formula blocks, RST simple tables,
    `::` literal blocks); `doc_to_markdown` turns it into Markdown without changing a word.

DATA FLOW
    docs/key_files.yaml → scripts/docs/site.py (one page per entry, at build time, from mkdocs' hook) → here →
    Markdown → mkdocs-material → docs/site/annotated/**.html. The checker (scripts/docs/check.py) uses the same
    models to verify that every page has its four parts and every code reference resolves.
"""

from __future__ import annotations

import ast
import html
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name

REPO = Path(__file__).resolve().parents[2]
PARTS = ("what", "why", "how", "data_flow")
PART_TITLES = {"what": "What", "why": "Why", "how": "How", "data_flow": "Data flow"}
_PART_LINE = re.compile(r"^(WHAT|WHY|HOW|DATA FLOW)\s*(?::\s*(.*))?$")
_RST_BORDER = re.compile(r"^\s*=+(\s+=+)+\s*$")
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")
_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Yields|Raises|Attributes|Examples?|Notes?):\s*$")
_RULE = re.compile(r"^[\s\-=#*~_]{3,}$")
# full-line comments that are instructions to tools, not notes for people: they stay in the code column
_PRAGMA = re.compile(r"^#\s*(noqa|type:|pragma|fmt:|hadolint|shellcheck|ruff:|isort:)|^#!|^#SBATCH")


@dataclass
class Chunk:
    """One row of an annotated page: a note (Markdown) beside a run of source lines."""

    note: str = ""
    lines: list[int] = field(default_factory=list)
    symbol: str | None = None  # qualified name when the row opens a class or function
    kind: str = ""  # "class", "def", "method", "key", ...
    level: int = 0
    end: int = 0  # last line of the symbol's body (Python), to know when top-level code resumes

    @property
    def has_code(self) -> bool:
        return bool(self.lines)


@dataclass
class SourceModel:
    """Everything an annotated page needs from one file: its language and text, the summary and four parts (or a
    non-Python file's header), the (note, code) rows, and the symbols and line anchors a code reference may name.
    """

    path: str  # relative to the repository
    language: str
    text: str
    summary: str = ""
    parts: dict[str, str] = field(default_factory=dict)  # Markdown, from the file itself
    header: str = ""  # the leading comment block of a non-Python file (Markdown)
    chunks: list[Chunk] = field(default_factory=list)
    symbols: dict[str, int] = field(default_factory=dict)  # name -> line
    headings: dict[str, str] = field(default_factory=dict)  # symbol -> heading id on the page

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def shown_lines(self) -> set[int]:
        return {n for c in self.chunks for n in c.lines}

    def nearest_shown(self, line: int) -> int | None:
        """The first line at or after `line` that the code column shows (notes and docstrings move out of it)."""
        shown = sorted(self.shown_lines)
        for n in shown:
            if n >= line:
                return n
        return shown[-1] if shown else None


# ----------------------------------------------------------------------------------------------------------------
# Languages


def language_of(path: str) -> str:
    """The file's language for highlighting and for how its notes are read: python, yaml, bash, docker, singularity,
    just, toml, jinja-bash (the SLURM templates), else text.
    """
    name = Path(path).name
    suffix = Path(path).suffix
    if suffix == ".py":
        return "python"
    if suffix == ".j2":
        return "jinja-bash"  # the SLURM job templates: shell with Jinja2 expressions
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".sh" or name == "run":
        return "bash"
    if name == "Dockerfile" or name.endswith(".Dockerfile"):
        return "docker"
    if suffix == ".def":
        return "singularity"
    if name == "Justfile":
        return "just"
    if suffix == ".toml":
        return "toml"
    return "text"


def _lexer(language: str):
    # Pygments has no Justfile lexer; its recipes read well as Makefile syntax
    return get_lexer_by_name({"just": "make", "jinja-bash": "bash"}.get(language, language))


# ----------------------------------------------------------------------------------------------------------------
# Docstring text → Markdown


def split_parts(doc: str) -> tuple[str, dict[str, str]]:
    """Split a four-part docstring (or header comment) into its summary and its parts, as raw text.

    Both spellings in the code base are understood: a part name alone on its line with the text indented below
    it, and `WHAT: text` with the text starting on the same line. In the second spelling the last part ends at its
    first blank line: what follows (usage lines, longer explanations) is returned as the extra part `details`, so a
    script's usage is not read as its data flow.
    """
    summary_lines: list[str] = []
    parts: dict[str, list[str]] = {}
    current: str | None = None
    inline = False
    lines = doc.splitlines()
    last_part = max(
        (i for i, ln in enumerate(lines) if not ln.startswith((" ", "\t")) and _PART_LINE.match(ln.strip())),
        default=-1,
    )
    for i, line in enumerate(lines):
        match = _PART_LINE.match(line.strip()) if not line.startswith((" ", "\t")) else None
        if match:
            current = match.group(1).lower().replace(" ", "_")
            inline = bool(match.group(2))
            parts[current] = [match.group(2)] if match.group(2) else []
            continue
        if current is None:
            summary_lines.append(line)
            continue
        if inline and i > last_part and not line.strip() and current != "details":
            current = "details"
            parts[current] = []
            continue
        parts[current].append(line)
    summary = "\n".join(summary_lines).strip()
    return summary, {k: _dedent_block(v) for k, v in parts.items() if "\n".join(v).strip()}


def first_paragraph(text: str) -> str:
    """The opening prose of a text: lines up to the first blank line, list item or indented block."""
    keep = []
    for line in text.splitlines():
        if not line.strip() or _LIST_ITEM.match(line) or _indent(line) >= 2:
            break
        keep.append(line)
    return doc_to_markdown("\n".join(keep))


def _dedent_block(lines: list[str]) -> str:
    # the first line may sit on the part's own line ("WHAT: text") with no indentation: dedent the rest on its own
    if lines and lines[0] and not lines[0].startswith((" ", "\t")) and len(lines) > 1:
        rest = textwrap.dedent("\n".join(lines[1:]))
        return (lines[0] + "\n" + rest).strip("\n")
    return textwrap.dedent("\n".join(lines)).strip("\n")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _escape_text(text: str) -> str:
    """Escape what Markdown would misread in prose (never inside `code spans`): tags, dunders, leading #."""
    pieces = re.split(r"(`+[^`]*`+)", text)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 == 1:
            out.append(piece)
            continue
        piece = re.sub(r"<(?!https?://)", "&lt;", piece)
        piece = piece.replace("__", r"\_\_")
        out.append(piece)
    line = "".join(out)
    return re.sub(r"^(\s*)#", r"\1\\#", line)


def _rst_table(rows: list[str]) -> list[str]:
    """An RST simple table (columns under `====  ====` borders) as a Markdown table."""
    border = rows[0]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", border)]
    body = [r for r in rows[1:] if not _RST_BORDER.match(r)]
    has_header = sum(1 for r in rows if _RST_BORDER.match(r)) >= 3

    def cells(row: str) -> list[str]:
        out = []
        for i, (start, _end) in enumerate(spans):
            stop = spans[i + 1][0] if i + 1 < len(spans) else len(row)
            out.append(_escape_text(row[start:stop].strip()).replace("|", "\\|"))
        return out

    table = [cells(r) for r in body if r.strip()]
    if not table:
        return []
    if has_header:
        head, table = table[0], table[1:]
    else:
        head = [""] * len(spans)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(spans)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in table]
    return [""] + lines + [""]


def doc_to_markdown(text: str) -> str:
    """Docstring or comment prose → Markdown, keeping every word: lists, literal blocks, tables, escapes."""
    lines = text.replace("\t", "    ").split("\n")
    out: list[str] = []
    in_list = False
    i = 0
    literal_next = False  # the previous line ended with "::" (RST literal block)
    while i < len(lines):
        line = lines[i].rstrip()
        prev_blank = i == 0 or not lines[i - 1].strip()
        if _RST_BORDER.match(line):
            block = [line]
            i += 1
            borders = 1
            while i < len(lines):
                block.append(lines[i].rstrip())
                if _RST_BORDER.match(lines[i]):
                    borders += 1
                    # a table closes at its last border: the next line is blank or the text ends
                    if i + 1 >= len(lines) or not lines[i + 1].strip() or borders >= 3:
                        if borders >= 3 or i + 1 >= len(lines) or not lines[i + 1].strip():
                            i += 1
                            break
                i += 1
            out += _rst_table(block)
            in_list = False
            continue
        if line.strip() and _indent(line) >= 4 and (prev_blank or literal_next) and not in_list:
            block = []
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) >= 4):
                block.append(lines[i].rstrip())
                i += 1
            while block and not block[-1].strip():
                block.pop()
            code = textwrap.dedent("\n".join(block))
            out += ["", f"{_ticks(code)}{_guess_block_language(code)}", code, _ticks(code), ""]
            literal_next = False
            continue
        if not line.strip():
            out.append("")
            # a list goes on across a blank line only when the next line is another item
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            in_list = in_list and bool(_LIST_ITEM.match(nxt))
            i += 1
            continue
        if _RULE.match(line) and not re.search(r"\w", line):
            i += 1
            continue
        if line.lstrip().startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i].rstrip())
                i += 1
            code = textwrap.dedent("\n".join(block))
            out += ["", f"{_ticks(code)}pycon", code, _ticks(code), ""]
            continue
        section = _SECTION.match(line)
        if section and i + 1 < len(lines) and _indent(lines[i + 1]) > _indent(line):
            i = _google_section(lines, i, section.group(1), out)
            in_list = False
            continue
        literal_next = line.endswith("::")
        if literal_next:
            line = line[:-1]
        item = _LIST_ITEM.match(line)
        if item:
            if out and out[-1].strip() and not in_list:
                out.append("")
            in_list = True
            out.append(_escape_text(line.lstrip(" ")))
        elif in_list:
            out.append(_escape_text(line.strip()))  # lazy continuation of the current item
        else:
            out.append(_escape_text(line.lstrip(" ") if _indent(line) < 4 else line.strip()))
        i += 1
    md = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", md).strip("\n")


def _google_section(lines: list[str], i: int, title: str, out: list[str]) -> int:
    """`Args:` / `Returns:` / ... with indented `name: text` entries → a bold label and a bullet list."""
    out += ["", f"**{title}**", ""]
    i += 1
    base = _indent(lines[i])
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            if i + 1 < len(lines) and lines[i + 1].strip() and _indent(lines[i + 1]) >= base:
                i += 1
                continue
            break
        if _indent(line) < base:
            break
        if line.lstrip().startswith(">>>"):  # a doctest inside the section (Example:)
            block = []
            while i < len(lines) and lines[i].strip() and _indent(lines[i]) >= base:
                block.append(lines[i].rstrip())
                i += 1
            code = textwrap.dedent("\n".join(block))
            out += ["", f"{_ticks(code)}pycon", code, _ticks(code), ""]
            continue
        entry = (
            re.match(r"^\s*([\w*]+(?:,\s*[\w*]+)*)(\s*\([^)]*\))?:\s+(.*)$", line) if _indent(line) == base else None
        )
        if entry:
            out.append(f"- `{entry.group(1)}`{entry.group(2) or ''}: {_escape_text(entry.group(3))}")
        elif _indent(line) == base and not out[-1].startswith("- "):
            out.append("- " + _escape_text(line.strip()))
        else:
            out.append(_escape_text(line.strip()))  # continues the entry above
        i += 1
    out.append("")
    return i


def _ticks(code: str) -> str:
    """A fence longer than any run of backticks inside the code (doctests often hold a ``` block)."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    return "`" * max(3, longest + 1)


def _guess_block_language(code: str) -> str:
    try:
        ast.parse(code)
    except SyntaxError:
        return "text"
    return "python" if re.search(r"\bimport\b|\w\(", code) else "text"


# ----------------------------------------------------------------------------------------------------------------
# Python


def _comment_lines(src: str) -> dict[int, str]:
    """Line number → comment text, for lines that hold nothing but a comment (pragmas excluded)."""
    out: dict[int, str] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(src).readline))
    except (tokenize.TokenError, IndentationError):
        return out
    lines = src.splitlines()
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        row, col = tok.start
        if lines[row - 1][:col].strip():
            continue  # a trailing comment stays with its code
        if _PRAGMA.match(tok.string):
            continue
        out[row] = tok.string
    return out


def _comment_text(comments: list[str]) -> str:
    body = []
    for c in comments:
        c = c.lstrip()
        c = c[1:] if c.startswith("#") else c
        c = c[1:] if c.startswith(" ") else c
        if _RULE.match(c) and not re.search(r"\w", c):
            continue
        body.append(c)
    text = "\n".join(body).strip("\n")
    # labml convention: `# ### Heading` in a comment opens a titled section of notes
    heading = re.match(r"^(#{2,6})\s+(.*)$", text)
    if heading:
        return heading.group(0) + "\n\n" + doc_to_markdown(text[heading.end() :].strip("\n"))
    return doc_to_markdown(text)


def _python_model(path: str, text: str) -> SourceModel:
    model = SourceModel(path=path, language="python", text=text)
    tree = ast.parse(text)
    lines = text.splitlines()
    drop: set[int] = set()
    body = tree.body
    doc = ast.get_docstring(tree, clean=True)
    if doc is not None and body and isinstance(body[0], ast.Expr):
        drop.update(range(body[0].lineno, body[0].end_lineno + 1))
        model.summary, raw_parts = split_parts(doc)
        model.parts = {k: doc_to_markdown(v) for k, v in raw_parts.items()}
        model.summary = doc_to_markdown(model.summary)

    opens: dict[int, tuple[str, str, int, str, int]] = {}  # start line -> (symbol, kind, level, note, end)

    def visit(nodes: list[ast.stmt], prefix: str, level: int) -> None:
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                start = min([d.lineno for d in node.decorator_list] + [node.lineno])
                name = prefix + node.name
                note = ast.get_docstring(node, clean=True) or ""
                first = node.body[0] if node.body else None
                if note and isinstance(first, ast.Expr):
                    drop.update(range(first.lineno, first.end_lineno + 1))
                kind = "class" if isinstance(node, ast.ClassDef) else ("method" if level else "def")
                model.symbols[name] = start
                if level <= 1:
                    opens[start] = (name, kind, level, note, node.end_lineno or start)
                if isinstance(node, ast.ClassDef) and level == 0:
                    visit(node.body, name + ".", 1)
            elif level == 0 and isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        model.symbols.setdefault(target.id, node.lineno)

    visit(body, "", 0)
    comments = _comment_lines(text)
    chunks: list[Chunk] = []
    cur: Chunk | None = None
    i = 1
    n = len(lines)
    while i <= n:
        if i in drop:
            i += 1
            continue
        line = lines[i - 1]
        if i in comments:
            block = []
            while i <= n and i in comments:
                block.append(comments[i])
                i += 1
            cur = Chunk(note=_comment_text(block))
            chunks.append(cur)
            continue
        if i in opens:
            symbol, kind, level, note, end = opens[i]
            note_md = doc_to_markdown(note) if note else ""
            if cur is not None and not cur.has_code and cur.symbol is None:
                cur.note = "\n\n".join(x for x in (cur.note, note_md) if x)
            else:
                cur = Chunk(note=note_md)
                chunks.append(cur)
            cur.symbol, cur.kind, cur.level, cur.end = symbol, kind, level, end
        elif cur is None or (
            line.strip() and _indent(line) == 0 and cur.symbol is not None and cur.end and i > cur.end
        ):
            # top-level code after a class or function body belongs to no symbol: open a plain row
            cur = Chunk()
            chunks.append(cur)
        # blank lines are kept inside code, not where a docstring was taken out
        if line.strip() or (cur.has_code and (i - 1) not in drop):
            cur.lines.append(i)
        i += 1
    model.chunks = _tidy(chunks, lines)
    return model


def _tidy(chunks: list[Chunk], lines: list[str]) -> list[Chunk]:
    """Trim blank lines at the ends of each row and fold note-less plain rows into the row before them."""
    out: list[Chunk] = []
    for chunk in chunks:
        while chunk.lines and not lines[chunk.lines[-1] - 1].strip():
            chunk.lines.pop()
        if not chunk.lines and not chunk.note and chunk.symbol is None:
            continue
        if (
            out
            and not chunk.note
            and chunk.symbol is None
            and out[-1].symbol is None
            and out[-1].lines
            and chunk.lines
        ):
            out[-1].lines.extend(chunk.lines)
            continue
        out.append(chunk)
    return out


# ----------------------------------------------------------------------------------------------------------------
# Comment-annotated files: YAML, shell, Dockerfile, Apptainer, Justfile


_SYMBOL_PATTERNS = {
    "yaml": re.compile(r"^([A-Za-z_][\w.-]*)\s*:"),
    "bash": re.compile(r"^(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)\s*\{?"),
    "just": re.compile(r"^@?([A-Za-z_][\w-]*)(?:\s+[^:=]*)?:(?!=)"),
    "docker": re.compile(r"^FROM\s+\S+\s+AS\s+(\S+)", re.IGNORECASE),
    "toml": re.compile(r"^\[([^\]]+)\]"),
    "singularity": re.compile(r"^%(\w+)"),
}


def _comment_model(path: str, text: str, language: str) -> SourceModel:
    model = SourceModel(path=path, language=language, text=text)
    lines = text.splitlines()
    is_comment = [bool(re.match(r"^\s*#", ln)) and not _PRAGMA.match(ln.strip()) for ln in lines]
    i = 0
    if lines and lines[0].startswith("#!"):
        i = 1
    header: list[str] = []
    while i < len(lines) and is_comment[i]:
        header.append(lines[i])
        i += 1
    header_text = _comment_raw(header)
    if language.startswith("jinja") and not header and lines and lines[0].lstrip().startswith("{#"):
        # a Jinja comment block opens the template: it is the header
        end = next((k for k, ln in enumerate(lines) if "#}" in ln), 0)
        raw = "\n".join(lines[: end + 1])
        raw = re.sub(r"^\{#-?\s*|\s*-?#\}\s*$", "", raw.strip())
        header_text = _dedent_block(raw.split("\n"))
        i = end + 1
    summary, raw_parts = split_parts(header_text)
    if raw_parts:
        model.parts = {k: doc_to_markdown(v) for k, v in raw_parts.items()}
        model.summary = doc_to_markdown(summary)
    else:
        model.header = doc_to_markdown(header_text)
        model.summary = first_paragraph(header_text)
    pattern = _SYMBOL_PATTERNS.get(language)
    chunks: list[Chunk] = []
    cur: Chunk | None = None
    if lines and lines[0].startswith("#!"):
        cur = Chunk(lines=[1])
        chunks.append(cur)
    n = len(lines)
    while i < n:
        if is_comment[i]:
            block = []
            while i < n and is_comment[i]:
                block.append(lines[i])
                i += 1
            cur = Chunk(note=doc_to_markdown(_comment_raw(block)))
            chunks.append(cur)
            continue
        if cur is None:
            cur = Chunk()
            chunks.append(cur)
        if lines[i].strip() or cur.has_code:
            cur.lines.append(i + 1)
        if pattern:
            match = pattern.match(lines[i])
            if match:
                model.symbols.setdefault(match.group(1), i + 1)
        i += 1
    model.chunks = _tidy(chunks, lines)
    return model


def _comment_raw(block: list[str]) -> str:
    body = []
    for line in block:
        s = line.strip()
        s = s[1:] if s.startswith("#") else s
        s = s[1:] if s.startswith(" ") else s
        body.append(s)
    # keep relative indentation of the comment text (lists, aligned columns) but drop rule lines
    return "\n".join(b for b in body if not (_RULE.match(b) and not re.search(r"\w", b))).strip("\n")


def load_source(path: str, root: Path = REPO) -> SourceModel:
    """Read one repository file and cut it into a SourceModel: Python through `ast` and `tokenize`, every other
    language through its comments.
    """
    text = (root / path).read_text(encoding="utf-8")
    language = language_of(path)
    if language == "python":
        return _python_model(path, text)
    return _comment_model(path, text, language)


# ----------------------------------------------------------------------------------------------------------------
# Rendering


def highlighted_lines(model: SourceModel) -> list[str]:
    """Pygments HTML of every line of the file (lexed as a whole, so multi-line strings colour right)."""
    formatter = HtmlFormatter(nowrap=True)
    rendered = highlight(model.text, _lexer(model.language), formatter)
    out = rendered.split("\n")
    n = len(model.lines)
    return (out + [""] * n)[:n]


def code_html(model: SourceModel, chunk: Chunk, rendered: list[str]) -> str:
    """The code column of one row as highlighted HTML: one span per source line with a stable `L-<n>` anchor, line
    numbers drawn by CSS so copying the code copies no numbers, gaps marked where notes were taken out.
    """
    rows = []
    previous = None
    for number in chunk.lines:
        gap = " ann-gap" if previous is not None and number != previous + 1 else ""
        rows.append(
            # the number is drawn by CSS (attr(data-n)), so copying the code copies no line numbers
            f'<span class="ann-line{gap}" id="L-{number}"><a class="ann-ln" href="#L-{number}" data-n="{number}"></a>'
            f"{rendered[number - 1]}</span>"
        )
        previous = number
    body = "\n".join(rows)
    return f'<div class="highlight"><pre><code>{body}\n</code></pre></div>'


def heading_id(symbol: str, taken: set[str]) -> str:
    """A unique, Markdown-safe HTML id for a symbol's heading (`FormatReward.__init__` → `FormatReward-init`), recorded
    in `taken` so two symbols never share one.
    """
    # `__` would be read as bold before attr_list sees the id: FormatReward.__init__ -> FormatReward-init
    base = re.sub(r"_{2,}", "", re.sub(r"[^\w-]", "-", symbol)).strip("-") or "symbol"
    ident = base if base not in taken else f"sym-{base}"
    taken.add(ident)
    return ident


def escape(text: str) -> str:
    """Text made safe for an HTML attribute or element (quotes included)."""
    return html.escape(text, quote=True)
