"""The tutorial machinery: jupytext sources → executed notebooks → a page, a notebook and a script per tutorial.

WHAT
    A tutorial is `docs/tutorials/NN_name.py` in jupytext's percent format (`# %%` code cells, `# %% [markdown]`
    prose cells). `execute(tutorial, out_dir)` runs it top to bottom in a fresh Jupyter kernel (nbclient) and writes
    the executed notebook with its timings; `render(tutorial, notebook, resolve)` returns the site's files: the page
    (Markdown with the outputs), the `.ipynb` to download and a standalone `.py` script, plus output images.
    Cell tags:

    ==========  ===================================================================================================
    gpu         needs CUDA: skipped (never executed) on a machine without one, and marked so on the page
    solution    the answer to an exercise: folded on the page, hidden in the notebook, run by the tests
    check       asserts that a solution is right: a failing check fails the tutorial (and the test suite)
    ==========  ===================================================================================================

WHY
    Tutorials rot when nobody runs them (the annotated-transformer's CI never executed its notebooks). Here the
    test suite executes every tutorial on the nano model and a failing cell fails it; the site renders the outputs
    of that very execution, so what a reader sees is what the code does today.

HOW
    jupytext reads the percent source into an nbformat notebook; GPU cells are swapped for a one-line notice before
    execution and restored after; nbclient records each cell's start and end, from which the per-cell and total
    times are computed. The executed notebook stores the hash of its source and of the `open_r1` package
    (`cache_key`), so a build reuses it only while neither has changed.

DATA FLOW
    docs/tutorials/*.py → `execute` (scripts/docs/build.py, tests/docs/test_docs_tutorials.py) → build/docs/notebooks/*.ipynb
    → `render` (from scripts/docs/hooks.py at build time) → docs/site/tutorials/{name.html, name.ipynb, name.py}.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "docs" / "tutorials"
DEFAULT_OUT = REPO / "build" / "docs" / "notebooks"
NEEDS_SANDBOX_MARK = "# *Needs bubblewrap*"  # a tutorial header line: see Tutorial.needs_sandbox
GPU_NOTICE = 'print("skipped: this cell needs a GPU (tag: gpu), and this machine has none")'
MAX_OUTPUT_LINES = 60
KERNEL_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' weight-loading bars follow this switch too
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # OpenMP threads sleep instead of spinning while they wait: on a busy machine spinning burns CPU for nothing,
    # and the kernel's CPU time (the measure of a tutorial's cost, see Execution) stays honest
    "OMP_WAIT_POLICY": "PASSIVE",
}
# stderr lines that are the environment talking, not the tutorial: left out of the rendered outputs
STDERR_NOISE = re.compile(
    r"TqdmWarning: IProgress not found|from \.autonotebook import tqdm|real_accelerator\.py.*Setting accelerator"
    r"|^\s*warnings\.warn\(|FutureWarning|install \"ipywidgets\" for Jupyter|^support$"
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


@dataclass(frozen=True)
class Tutorial:
    """One tutorial: its jupytext source (docs/tutorials/NN_name.py) and the names derived from it — the file stem, the
    page slug and URI, the title.
    """

    source: Path

    @property
    def stem(self) -> str:
        return self.source.stem  # 01_pipeline

    @property
    def slug(self) -> str:
        return self.stem.replace("_", "-")  # 01-pipeline

    @property
    def page_uri(self) -> str:
        return f"tutorials/{self.slug}.md"

    @property
    def needs_sandbox(self) -> bool:
        """Whether the tutorial runs untrusted programs in the local code sandbox, which needs bubblewrap: its header
        says so to the reader in a line starting `# *Needs bubblewrap*` (the test suite skips such a tutorial on a
        machine without it, as it skips the sandbox tests, unless OPEN_R1_REQUIRE_SYSTEM_TESTS=1)."""
        return any(line.startswith(NEEDS_SANDBOX_MARK) for line in self.source.read_text(encoding="utf-8").splitlines())

    @property
    def title(self) -> str:
        """The tutorial's title: the first Markdown heading of its source (`# # Title`), else its file stem."""
        for line in self.source.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^#\s+#\s+(.+)$", line)
            if match:
                return match.group(1).strip()
        return self.stem


def discover(root: Path = REPO) -> list[Tutorial]:
    """Every tutorial under docs/tutorials/, in file-name order (`NN_*.py`): the order of the series on the site."""
    return [Tutorial(p) for p in sorted((root / "docs" / "tutorials").glob("[0-9][0-9]_*.py"))]


def has_cuda() -> bool:
    """Whether torch sees a CUDA device here: decides whether cells tagged as GPU-only run or are skipped (and counted)
    during execution.
    """
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ImportError:
        return False


def source_key(tutorial: Tutorial) -> str:
    """A hash of the tutorial's source: with the package hash, it says whether an executed notebook still belongs to
    this source.
    """
    return hashlib.sha256(tutorial.source.read_bytes()).hexdigest()[:20]


def package_key(root: Path = REPO) -> str:
    """Hash of every file of the `open_r1` package the tutorials exercise."""
    digest = hashlib.sha256()
    for path in sorted((root / "open_r1").rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def cache_key(tutorial: Tutorial, root: Path = REPO) -> str:
    """The tutorial's source and the package it exercises: an executed notebook is reused while both are unchanged."""
    return f"{source_key(tutorial)}-{package_key(root)}"


def read(tutorial: Tutorial):
    """The tutorial as a notebook (jupytext percent format → nbformat), with a Python 3 kernelspec so any Jupyter
    client can execute it.
    """
    import jupytext

    nb = jupytext.read(tutorial.source, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def tags(cell) -> set[str]:
    """The cell's tags (jupytext `tags=[...]`): how cells are marked GPU-only, hidden, or exercise solutions."""
    return set(cell.get("metadata", {}).get("tags", []))


# ----------------------------------------------------------------------------------------------------------------
# Execution


@dataclass
class Execution:
    """The outcome of executing one tutorial: the executed notebook's path, wall and CPU seconds, how many GPU-only
    cells were skipped, and the error of the failing cell if one failed.
    """

    tutorial: Tutorial
    path: Path  # the executed notebook
    seconds: float
    skipped_gpu_cells: int
    error: str | None = None
    cpu_seconds: float | None = None  # the kernel's and its children's CPU time: what a quiet machine would need


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its descendants (live ones, and the reaped ones it waited for)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15), counted from state = 0
        stats[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    if pid not in stats:
        return None
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += stats[current][1]
        todo += [p for p, (ppid, _) in stats.items() if ppid == current]
    return total


def execute(
    tutorial: Tutorial, out_dir: Path = DEFAULT_OUT, cell_timeout: int = 300, cwd: Path | None = None
) -> Execution:
    """Run every cell of the tutorial in a fresh kernel; write `<out_dir>/<stem>.ipynb` even when a cell fails."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = read(tutorial)
    gpu = has_cuda()
    skipped = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and "gpu" in tags(cell) and not gpu:
            cell.metadata["open_r1_source"] = cell.source
            cell.source = GPU_NOTICE
            skipped += 1
    workdir = Path(cwd or tempfile.mkdtemp(prefix=f"open-r1-{tutorial.stem}-"))
    # the kernel inherits this environment: offline, and no progress bars in the outputs (as the CLI does)
    for name, value in KERNEL_ENV.items():
        os.environ.setdefault(name, value)
    # IPC (unix sockets in the work folder) rather than TCP: the kernel is reachable from this machine only
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(workdir / "kernel"))
    client = NotebookClient(
        nb,
        km=km,
        timeout=cell_timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
        record_timing=True,
    )
    started = time.time()
    error = None
    cpu = None
    try:
        client.execute(cleanup_kc=False)
    except CellExecutionError as err:
        error = _ANSI.sub("", str(err))
    finally:
        if km.has_kernel:
            pid = getattr(getattr(km, "provisioner", None), "pid", None)
            cpu = _cpu_seconds(pid) if pid else None
            km.shutdown_kernel(now=True)
    seconds = time.time() - started
    for cell in nb.cells:
        if "open_r1_source" in cell.metadata:
            cell.source = cell.metadata.pop("open_r1_source")
            cell.metadata["open_r1_skipped"] = True
    nb.metadata["open_r1"] = {
        "cache_key": cache_key(tutorial),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1) if cpu is not None else None,
        "executed_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "gpu": gpu,
        "skipped_gpu_cells": skipped,
        "error": error,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{tutorial.stem}.ipynb"
    tmp = path.with_suffix(".tmp")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, path)
    return Execution(tutorial, path, seconds, skipped, error, cpu)


def cell_seconds(cell) -> float | None:
    """How long a cell took, from the execution timestamps nbclient records in its metadata; None when it was not
    timed.
    """
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not start or not end:
        return None
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def load_executed(tutorial: Tutorial, out_dir: Path, root: Path = REPO):
    """The executed notebook if it exists, succeeded, and matches the current source and package; else None."""
    import nbformat

    path = out_dir / f"{tutorial.stem}.ipynb"
    if not path.exists():
        return None
    nb = nbformat.read(str(path), as_version=4)
    meta = nb.metadata.get("open_r1", {})
    if meta.get("error"):
        return None
    if os.environ.get("OPEN_R1_DOCS_NOTEBOOKS_FRESH") == "1":
        # just executed by the caller (the test suite): only the tutorial's own source must match
        if str(meta.get("cache_key", "")).split("-")[0] != source_key(tutorial):
            return None
    elif meta.get("cache_key") != cache_key(tutorial, root):
        return None
    return nb


# ----------------------------------------------------------------------------------------------------------------
# Rendering


def _clean(text: str) -> str:
    return _ANSI.sub("", text).replace("\r\n", "\n")


def _code(source: str) -> str:
    """A code cell's source as readers see it: without lint directives for the tutorial file."""
    return "\n".join(line for line in source.split("\n") if not line.startswith("# ruff: noqa"))


def _fence(text: str, lang: str = "text", title: str | None = None) -> str:
    text = text.rstrip("\n")
    lines = text.split("\n")
    if len(lines) > MAX_OUTPUT_LINES:
        hidden = len(lines) - MAX_OUTPUT_LINES
        lines = (
            lines[: MAX_OUTPUT_LINES // 2] + [f"... ({hidden} lines not shown) ..."] + lines[-MAX_OUTPUT_LINES // 2 :]
        )
    ticks = "````" if "```" in text else "```"
    head = f'{ticks}{lang} title="{title}"' if title else f"{ticks}{lang}"
    return f"{head}\n" + "\n".join(lines) + f"\n{ticks}"


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line.strip() else "" for line in text.split("\n"))


def _outputs(cell, slug: str, index: int, files: dict[str, str | bytes]) -> list[str]:
    out: list[str] = []
    stream: list[str] = []

    def flush() -> None:
        if stream:
            out.append(_fence("".join(stream), title="output"))
            stream.clear()

    for k, output in enumerate(cell.get("outputs", [])):
        kind = output.get("output_type")
        if kind == "stream":
            text = _clean("".join(output.get("text", "")))
            lines = text.split("\n")
            # DeepSpeed's accelerator notice goes to stdout from a logger: noise wherever it lands
            text = "\n".join(ln for ln in lines if not STDERR_NOISE.search(ln))
            if not text.strip():
                continue
            stream.append(text if text.endswith("\n") else text + "\n")
            continue
        flush()
        data = output.get("data", {})
        if kind in ("execute_result", "display_data"):
            if "image/png" in data:
                name = f"{slug}/cell{index:02d}-{k}.png"
                files[f"tutorials/{name}"] = base64.b64decode(data["image/png"])
                out.append(f"![output of cell {index}]({name}){{ .nb-figure }}")
            elif "text/markdown" in data:
                out.append("".join(data["text/markdown"]))
            elif "text/plain" in data:
                text = "\n".join(
                    ln for ln in _clean("".join(data["text/plain"])).split("\n") if not STDERR_NOISE.search(ln)
                )
                if text.strip():  # rich's live displays leave empty frames behind in a notebook
                    out.append(_fence(text, title="result"))
        elif kind == "error":
            out.append(_fence(_clean("\n".join(output.get("traceback", []))), title="error"))
    flush()
    return out


def render_page(tutorial: Tutorial, nb, files: dict[str, str | bytes]) -> str:
    """The tutorial's page as Markdown: its cells in order (Markdown as is, code with its outputs from the executed
    notebook, or the source with a banner saying it was not executed), `[[path:symbol]]` references left for the
    hook to resolve, and download links for the notebook and the script in `files`.
    """
    meta = nb.metadata.get("open_r1", {}) if nb is not None else {}
    source_nb = nb if nb is not None else read(tutorial)
    slug = tutorial.slug
    # code cells are up to 119 characters wide: the page takes the width the left navigation would use
    lines: list[str] = ["---", "wide: true", "hide:", "  - navigation", "---", ""]
    title_done = False
    for index, cell in enumerate(source_nb.cells):
        cell_tags = tags(cell)
        if cell.cell_type == "markdown":
            text = cell.source
            if not title_done and text.lstrip().startswith("# "):
                title_done = True
                first, _, rest = text.lstrip().partition("\n")
                lines += [first, "", _banner(tutorial, meta), "", rest, ""]
                continue
            lines += [text, ""]
            continue
        if cell.cell_type != "code":
            continue
        code = _fence(_code(cell.source), "python")
        outputs = _outputs(cell, slug, index, files) if nb is not None else []
        seconds = cell_seconds(cell) if nb is not None else None
        timing = f" ({seconds:.1f} s)" if seconds is not None and seconds >= 1 else ""
        if "solution" in cell_tags or "check" in cell_tags:
            label = "Solution" if "solution" in cell_tags else "Check (run by the test suite)"
            body = "\n\n".join([code, *outputs])
            lines += [f'??? success "{label}{timing}"', "", _indent(body), ""]
        elif "gpu" in cell_tags:
            skipped = cell.metadata.get("open_r1_skipped")
            note = "Skipped here: this machine had no GPU." if skipped else ""
            body = "\n\n".join([code, note, *outputs])
            lines += ['!!! example "GPU only (tag: gpu)"', "", _indent(body), ""]
        else:
            lines += [code, ""]
            if outputs:
                lines += outputs + [""]
            if timing:
                lines += [f'<p class="nb-timing">cell ran in {seconds:.1f} s</p>', ""]
    return "\n".join(lines)


def _banner(tutorial: Tutorial, meta: dict) -> str:
    links = (
        f"[:material-notebook: notebook ({tutorial.slug}.ipynb)]({tutorial.slug}.ipynb){{ .md-button }} "
        f"[:material-language-python: script ({tutorial.slug}.py)]({tutorial.slug}.py){{ .md-button }}"
    )
    if meta:
        where = "a GPU" if meta.get("gpu") else "CPU"
        ran = (
            f"Executed {meta.get('executed_at', '?')[:10]} on {where} in {meta.get('seconds', '?')} s "
            f"(Python {meta.get('python', '?')}); the outputs below are from that run."
        )
    else:
        ran = "Outputs not rendered: this build found no executed notebook (run `just docs-build`)."
    return f'<div class="nb-banner" markdown>\n\n{links}\n\n{ran}\n\n</div>'


def _link_refs(text: str, resolve: Callable[[str], str]) -> str:
    from scripts.docs.site import REF

    return REF.sub(lambda m: f"[{m.group(2) or m.group(1)}]({resolve(m.group(1))})", text)


def _site_links(text: str) -> str:
    """Relative links to pages (`../labs/x.md#a`) as the built site's files (`../labs/x.html#a`)."""
    return re.sub(
        r"\]\((?!https?://)([^)\s]+?)\.md(#[^)]*)?\)", lambda m: f"]({m.group(1)}.html{m.group(2) or ''})", text
    )


def to_notebook(nb, resolve: Callable[[str], str]) -> str:
    """The downloadable notebook: outputs kept, code references as links to the site, solutions folded."""
    import nbformat

    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.source = _code(cell.source)
        if cell.cell_type == "markdown":
            cell.source = _site_links(_link_refs(cell.source, resolve))
        if "solution" in tags(cell):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    return nbformat.writes(out)


def to_script(nb, resolve: Callable[[str], str]) -> str:
    """A standalone script: prose as comments, GPU cells guarded by a CUDA check, everything else as is."""
    lines = [
        "#!/usr/bin/env python",
        "# Generated from a jupytext tutorial of open-r1 labs: run it with `python <this file>`.",
        "",
        "def _has_cuda() -> bool:",
        "    try:",
        "        import torch",
        "    except ImportError:",
        "        return False",
        "    return torch.cuda.is_available()",
        "",
        "",
    ]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = _site_links(_link_refs(cell.source, resolve))
            lines += ["# " + line if line else "#" for line in text.split("\n")] + [""]
        elif cell.cell_type == "code":
            source = cell.metadata.get("open_r1_source", cell.source)
            if source.lstrip().startswith(("%", "!")):
                continue  # notebook magics have no meaning in a script
            if "gpu" in tags(cell):
                lines += [
                    "if _has_cuda():  # GPU-only cell (tag: gpu)",
                    _indent(source),
                    "else:",
                    '    print("skipped: this cell needs a GPU")',
                    "",
                ]
            else:
                lines += [source, ""]
    return "\n".join(lines).rstrip() + "\n"


def render(tutorial: Tutorial, nb, resolve: Callable[[str], str]) -> dict[str, str | bytes]:
    """All the site's files for one tutorial; `nb` is the executed notebook or None (source only)."""
    files: dict[str, str | bytes] = {}
    files[tutorial.page_uri] = render_page(tutorial, nb, files)
    base = nb if nb is not None else read(tutorial)
    files[f"tutorials/{tutorial.slug}.ipynb"] = to_notebook(base, resolve)
    files[f"tutorials/{tutorial.slug}.py"] = to_script(base, resolve)
    return files


# ----------------------------------------------------------------------------------------------------------------
# Command line: python -m scripts.docs.tutorials execute [--only 03] [--out DIR] [--force]


def execute_all(
    out_dir: Path = DEFAULT_OUT, only: str | None = None, force: bool = False, echo: Callable[[str], None] = print
) -> list[Execution]:
    """Execute every tutorial (or those whose file name contains `only`) whose executed notebook is missing or stale,
    in fresh kernels, into `out_dir`; returns one Execution per tutorial run.
    """
    results = []
    for tutorial in discover():
        if only and only not in tutorial.stem:
            continue
        if not force and load_executed(tutorial, out_dir) is not None:
            echo(f"  {tutorial.stem}: up to date")
            continue
        echo(f"  {tutorial.stem}: executing ...")
        result = execute(tutorial, out_dir)
        cpu = f", {result.cpu_seconds:.1f} s of CPU" if result.cpu_seconds is not None else ""
        echo(f"  {tutorial.stem}: {'FAILED' if result.error else 'ok'} in {result.seconds:.1f} s{cpu}")
        if result.error:
            echo(result.error[-3000:])
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    """The command line: `execute` runs the tutorials that changed (or `--force`, `--only NN`), `list` prints them."""
    parser = argparse.ArgumentParser(prog="python -m scripts.docs.tutorials")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("execute", help="execute the tutorials whose source or package changed")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT)
    run.add_argument("--only", help="a part of the tutorial's file name, e.g. 03")
    run.add_argument("--force", action="store_true", help="execute even when up to date")
    sub.add_parser("list", help="list the tutorials")
    args = parser.parse_args(argv)
    if args.command == "list":
        for t in discover():
            print(f"{t.stem}\t{t.title}")
        return 0
    results = execute_all(args.out, args.only, args.force)
    print(json.dumps({r.tutorial.stem: {"seconds": round(r.seconds, 1), "ok": r.error is None} for r in results}))
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
