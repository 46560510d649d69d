"""`open-r1 docs serve | build | path`: the docs site — annotated code, tutorials, reference — served offline.

WHAT
    `find_site(explicit)` returns the folder of a built site (one holding `index.html`), looking in order at
    `--site`, `$OPEN_R1_DOCS_SITE`, `/opt/open-r1/docs/site` (every lab image has it there), `$OPEN_R1_DOCS/site`
    and this checkout's `docs/site`. `serve(site, host, port)` serves it with the standard library's
    `http.server` on 127.0.0.1 by default; `build(output)` builds it from the repository (scripts/docs/build.py).

WHY
    The docs ship inside every image, versioned with the code they explain (design: "the annotated code and the
    tutorial series ship inside every image"). On a cluster node or in a container there is often no network and
    no docs toolchain, so serving must need nothing but Python: the site is static and offline-capable (no fonts,
    scripts or search service fetched from elsewhere). Serving binds to the loopback address unless told otherwise.

HOW
    `ThreadingHTTPServer` with `SimpleHTTPRequestHandler(directory=site)`; port 0 picks a free port (the first line
    printed says which). Building runs `python -m scripts.docs.build` in the checkout, which executes the tutorials
    that changed and runs `mkdocs build --strict`; it needs a clone and the docs packages, an image needs neither.

DATA FLOW
    `open-r1 docs serve` (compose.yaml's `docs` service, `just docs` in a clone) → `find_site` → the built site
    (docs/site, copied into images by images/build.sh) → a browser.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from open_r1.core.errors import OpenR1Error
from open_r1.core.paths import project_root

REPO_ROOT = project_root()  # a clone has docs/ and mkdocs.yml here; an installed wheel does not
IMAGE_SITE = Path("/opt/open-r1/docs/site")


def candidates(explicit: str | None = None) -> list[tuple[str, Path]]:
    """Where a built site may be, in the order they are tried, each with where the path came from."""
    out: list[tuple[str, Path]] = []
    if explicit:
        out.append(("--site", Path(explicit)))
    if os.environ.get("OPEN_R1_DOCS_SITE"):
        out.append(("$OPEN_R1_DOCS_SITE", Path(os.environ["OPEN_R1_DOCS_SITE"])))
    out.append(("the image's docs", IMAGE_SITE))
    if os.environ.get("OPEN_R1_DOCS"):
        out.append(("$OPEN_R1_DOCS/site", Path(os.environ["OPEN_R1_DOCS"]) / "site"))
    out.append(("this checkout", REPO_ROOT / "docs" / "site"))
    return out


def find_site(explicit: str | None = None) -> Path | None:
    """The first built site (a folder with index.html) among `--site`, $OPEN_R1_DOCS_SITE, the image's copy,
    $OPEN_R1_DOCS/site and this checkout's docs/site, or None; an explicit `--site` without one is an OpenR1Error.
    """
    for source, path in candidates(explicit):
        if (path / "index.html").is_file():
            return path
        if source == "--site":
            raise OpenR1Error(f"--site {path}: no index.html there (is it a built site?). Fix: `open-r1 docs build`.")
    return None


def can_build() -> bool:
    """Whether this installation is a clone that can build the site (mkdocs.yml and scripts/docs/build.py are present);
    images ship only the built site.
    """
    return (REPO_ROOT / "mkdocs.yml").is_file() and (REPO_ROOT / "scripts" / "docs" / "build.py").is_file()


def build(output: Path | None = None, execute: bool = True) -> Path:
    """Build the docs site into `output` (default docs/site) by running scripts.docs.build in the checkout, optionally
    without executing tutorials; fails with the fix when this is not a clone or the build fails. Returns the site
    folder.
    """
    if not can_build():
        raise OpenR1Error(
            f"building the docs needs a clone of the repository (no mkdocs.yml or scripts/docs/ under {REPO_ROOT}). "
            "Fix: serve the built copy every image holds (`open-r1 docs serve`), or build in a clone (`just docs-build`)."
        )
    output = (output or REPO_ROOT / "docs" / "site").resolve()
    cmd = [sys.executable, "-m", "scripts.docs.build", "--site-dir", str(output)]
    if not execute:
        cmd.append("--no-execute")
    code = subprocess.call(cmd, cwd=REPO_ROOT)
    if code != 0:
        raise OpenR1Error(
            f"the docs build failed (exit {code}; see above). Fix: install the docs packages (`just setup`) and "
            "run `just docs-build` for the full log."
        )
    return output


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000, verbose: bool = False) -> None:
    """Serve a built site with the standard library's threaded HTTP server on host:port (port 0 picks a free one,
    printed first) until Ctrl-C; request logging only when `verbose`.
    """
    handler = SimpleHTTPRequestHandler if verbose else _QuietHandler
    server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(site)))
    bound_host, bound_port = server.server_address[:2]
    print(f"serving {site} at http://{bound_host}:{bound_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _cmd_serve(args: argparse.Namespace) -> int:
    site = find_site(args.site)
    if site is None or args.build:
        if not can_build():
            tried = ", ".join(str(p) for _, p in candidates(args.site))
            raise OpenR1Error(
                f"no built docs site found (tried {tried}). Fix: build one in a clone with "
                "`just docs-build`, or point OPEN_R1_DOCS_SITE at a built site."
            )
        print("no built site found: building it from this checkout first" if site is None else "building the site")
        site = build()
    serve(site, args.host, args.port, args.verbose)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    out = build(Path(args.output) if args.output else None, execute=not args.no_execute)
    print(out)
    return 0


def _cmd_path(args: argparse.Namespace) -> int:
    site = find_site(args.site)
    if site is None:
        print("no built site (build one with `open-r1 docs build` or `just docs-build`)", file=sys.stderr)
        return 1
    print(site)
    return 0


def register(subparsers: Any) -> None:
    """Add `open-r1 docs` and its actions to the command tree: serve (offline, building first when needed), build, and
    path (which site serve would use).
    """
    docs = subparsers.add_parser("docs", help="the docs site (annotated code, tutorials, reference): serve, build")
    sub = docs.add_subparsers(dest="docs_command", metavar="ACTION", required=True)

    serve_p = sub.add_parser("serve", help="serve the built site offline (http.server)")
    serve_p.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 inside a container)")
    serve_p.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    serve_p.add_argument("--site", help="a built site folder (default: $OPEN_R1_DOCS_SITE, the image's, docs/site)")
    serve_p.add_argument("--build", action="store_true", help="build from this checkout first")
    serve_p.add_argument("--verbose", action="store_true", help="log every request")
    serve_p.set_defaults(func=_cmd_serve)

    build_p = sub.add_parser("build", help="build the site from this checkout (executes changed tutorials)")
    build_p.add_argument("--output", help="site folder (default: docs/site)")
    build_p.add_argument("--no-execute", action="store_true", help="use the executed notebooks already there")
    build_p.set_defaults(func=_cmd_build)

    path_p = sub.add_parser("path", help="print the built site `serve` would use")
    path_p.add_argument("--site", help="a built site folder to check")
    path_p.set_defaults(func=_cmd_path)
