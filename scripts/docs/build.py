"""Build or serve the docs site: execute the tutorials that changed, then run mkdocs (strict).

    python -m scripts.docs.build                  # → docs/site (what `just docs-build` runs)
    python -m scripts.docs.build --serve          # live-reloading server on 127.0.0.1:8000 (`just docs`)
    python -m scripts.docs.build --no-execute     # render tutorials from existing executed notebooks only

WHAT
    `build(site_dir, execute=True) -> seconds` and `serve(addr)`: the one way the site is made, used by the Justfile,
    by `open-r1 docs build` and by the tests.

WHY
    The tutorials' outputs are part of the site, and executing them takes minutes; they run again only when their
    source or the `open_r1` package changed (scripts/docs/tutorials.py `cache_key`). A failing tutorial stops the
    build: a site never ships an error as a tutorial's output.

HOW
    scripts/docs/tutorials.execute_all → build/docs/notebooks/*.ipynb → `mkdocs build --strict` with
    OPEN_R1_DOCS_NOTEBOOKS pointing at them (read by scripts/docs/hooks.py).

DATA FLOW
    `just docs-build` / `open-r1 docs build` → here → docs/site → images/build.sh copies it into the core image at
    /opt/open-r1/docs/site → `open-r1 docs serve`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.docs import tutorials as tut  # noqa: E402

DEFAULT_SITE = ROOT / "docs" / "site"


def mkdocs_env(notebooks: Path) -> dict[str, str]:
    """The environment mkdocs runs in: the executed notebooks' folder for the hooks, the hubs offline, the project on
    PYTHONPATH.
    """
    env = dict(os.environ)
    env.update(
        OPEN_R1_DOCS_NOTEBOOKS=str(notebooks),
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        NO_MKDOCS_2_WARNING="1",  # Material's banner about MkDocs 2 (see docs/pages/about.md)
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    return env


def execute_tutorials(notebooks: Path = tut.DEFAULT_OUT) -> bool:
    """Execute the tutorials whose source or package changed into `notebooks`; False when one failed."""
    print(f"tutorials → {notebooks}")
    results = tut.execute_all(notebooks)
    return not any(r.error for r in results)


def build(site_dir: Path = DEFAULT_SITE, execute: bool = True, notebooks: Path = tut.DEFAULT_OUT) -> float:
    """Build the site into `site_dir` with `mkdocs build --strict`, executing changed tutorials first unless `execute`
    is False (then the existing up-to-date notebooks are used); returns the mkdocs time.
    """
    if execute and not execute_tutorials(notebooks):
        raise SystemExit("a tutorial failed (see above): the site is not built")
    started = time.time()
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site_dir)]
    subprocess.run(cmd, check=True, cwd=ROOT, env=mkdocs_env(notebooks))
    seconds = time.time() - started
    print(f"site built in {seconds:.0f} s: {site_dir}")
    return seconds


def serve(addr: str = "127.0.0.1:8000", execute: bool = True, notebooks: Path = tut.DEFAULT_OUT) -> int:
    """Serve the site with live reload at `addr` (`just docs`); a failing tutorial is shown from its source instead of
    stopping the server.
    """
    if execute and not execute_tutorials(notebooks):
        print("warning: a tutorial failed; its page shows the source without outputs", file=sys.stderr)
    cmd = [sys.executable, "-m", "mkdocs", "serve", "-f", str(ROOT / "mkdocs.yml"), "-a", addr]
    return subprocess.call(cmd, cwd=ROOT, env=mkdocs_env(notebooks))


def main(argv: list[str] | None = None) -> int:
    """The command line of `python -m scripts.docs.build`: build (default) or `--serve`, with the site folder, the
    notebooks folder and `--no-execute`.
    """
    parser = argparse.ArgumentParser(prog="python -m scripts.docs.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help="serve with live reload instead of building")
    parser.add_argument("--addr", default="127.0.0.1:8000", help="address for --serve")
    parser.add_argument("--site-dir", type=Path, default=DEFAULT_SITE)
    parser.add_argument("--no-execute", action="store_true", help="do not execute tutorials, use existing notebooks")
    parser.add_argument("--notebooks", type=Path, default=tut.DEFAULT_OUT, help="executed notebooks folder")
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.addr, not args.no_execute, args.notebooks)
    build(args.site_dir, not args.no_execute, args.notebooks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
