"""The docs stage of every image: the hash-locked docs packages the image lacks, then the site, from one checkout.

    python scripts/docs/image_site.py missing requirements/lock.txt > /tmp/docs.txt   # what to install (hashed)
    python scripts/docs/image_site.py build /site                                     # the site, strict

WHAT
    `docs_closure(lock, extra="docs") -> {name}`: the packages the `docs` extra of pyproject.toml needs, read
    from the lock's `# via` annotations; `missing_requirements(lock) -> str`: those of them the running
    environment lacks, as a requirements file with the lock's own pins and hashes; `build(site)`: the site,
    `mkdocs build --strict`, tutorials rendered from the executed notebooks shipped in the build context when they
    are up to date, else from their source (with a banner saying so).

WHY
    An image whose site came from the host (copied only if someone had built one) can ship without docs, or with
    the docs of another commit: `open-r1 docs path` answered "no built site" in a CPU lab image. Building the site
    inside the image build, from the build context, makes the two inseparable: the build fails when the docs do.
    The GPU stack does not carry the docs toolchain, so the stage adds it, hash-checked from the same lock a
    clone uses; the stage is thrown away afterwards, only the HTML is copied into core.

HOW
    The lock (uv pip compile output) lists each package with `name==version`, its hashes and `# via` lines naming
    who needs it. The closure starts at the extra's requirements and adds every package whose `via` names one
    already in it (or `open-r1 (pyproject.toml)` for the extra's own). Installed distributions
    (importlib.metadata) are left as they are, so the site describes the image's own stack (TRL fields, rewards).

DATA FLOW
    images/core/Dockerfile (stage `docs`) → `missing` → uv pip install --require-hashes → `build` →
    scripts/docs/build.py → /site → COPY --from=docs into /opt/open-r1/docs/site → `open-r1 docs serve`, checked
    by tests/images/units/core/unit_docs.py (a page fetched over loopback).
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> dict[str, tuple[str, list[str]]]:
    """name → (the requirement's full text with its hashes, the names in its `# via` lines)."""
    out: dict[str, tuple[str, list[str]]] = {}
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    for block in blocks:
        head = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==\S+", block)
        if not head:
            continue
        requirement = "\n".join(line for line in block.splitlines() if not line.strip().startswith("#")).strip()
        via = []
        for line in block.splitlines():
            stripped = line.strip()
            if stripped.startswith("# via"):
                stripped = stripped.removeprefix("# via").strip()
            elif stripped.startswith("#"):
                stripped = stripped.lstrip("#").strip()
            else:
                continue
            if stripped:
                via.append(stripped.split(" ")[0])
        out[_canonical(head.group(1))] = (requirement.rstrip("\\").strip(), [_canonical(v) for v in via])
    return out


def docs_closure(lock_text: str, extra: str = "docs", pyproject: Path = ROOT / "pyproject.toml") -> set[str]:
    """The packages the extra needs, transitively, as the lock resolved them."""
    wanted = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["optional-dependencies"][extra]
    closure = {_canonical(re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0]) for req in wanted}
    lock = parse_lock(lock_text)
    changed = True
    while changed:
        changed = False
        for name, (_req, via) in lock.items():
            if name not in closure and any(v in closure for v in via):
                closure.add(name)
                changed = True
    return {name for name in closure if name in lock}


def installed() -> set[str]:
    """The canonical names of the distributions installed in this interpreter's environment."""
    return {_canonical(d.metadata["Name"]) for d in metadata.distributions() if d.metadata["Name"]}


def missing_requirements(lock_text: str) -> str:
    """A requirements file (pins and hashes from the lock) for the docs packages this environment lacks."""
    lock = parse_lock(lock_text)
    have = installed()
    names = sorted(n for n in docs_closure(lock_text) if n not in have)
    return "".join(lock[n][0] + "\n" for n in names)


def build(site: Path) -> None:
    """Build the site into `site` from this checkout, strict, without executing tutorials (an image build has no nano
    models to run them on): the docs stage's last step.
    """
    sys.path.insert(0, str(ROOT))
    from scripts.docs import build as docs_build

    notebooks = ROOT / "build" / "docs" / "notebooks"
    docs_build.build(site.resolve(), execute=False, notebooks=notebooks)


def main(argv: list[str] | None = None) -> int:
    """`missing LOCK` prints the hashed requirements to install, `build SITE` builds the site; anything else prints the
    usage.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) == 2 and argv[0] == "missing":
        sys.stdout.write(missing_requirements(Path(argv[1]).read_text(encoding="utf-8")))
        return 0
    if len(argv) == 2 and argv[0] == "build":
        build(Path(argv[1]))
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
