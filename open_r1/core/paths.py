"""Where things are: the project root, the lab manifests, the recipes, the caches — defined once.

WHAT
    `project_root()` is the folder that holds `labs/` and `recipes/`: the git checkout when the package runs from
    one (editable install, the images, `python -m open_r1` in a clone), else the copy bundled inside an installed
    wheel (`open_r1/bundled/`). `labs_root()`, `recipes_root()`, `cache_root()` and `runs_root()` derive from it or
    from their environment variables. `CHECKOUT_ROOT` is the checkout itself, or None for an installed wheel.
WHY
    Five modules once computed "the repository root" with their own `Path(__file__).parents[n]`, each one level
    different, and an installed (non-editable) package could not find its labs or SLURM templates at all. One
    definition means a wheel, an image and a clone agree on where a lab lives.
HOW
    A checkout is recognised by `pyproject.toml` beside `labs/` one level above the package. The wheel maps
    `labs/` and `recipes/` into `open_r1/bundled/` (pyproject.toml `[tool.setuptools.package-dir]`), so the same
    relative paths (`labs/<lab>/lab.yaml`, `recipes/accelerate/zero2.yaml`) resolve under either root.
DATA FLOW
    open_r1.labs.* (manifests, runtimes, plan), open_r1.eval.benchmarks (lighteval task files), open_r1.core.runcard
    (git state) and open_r1.nano.spec (cache) → here → plain `Path`s.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BUNDLED_DIR = PACKAGE_DIR / "bundled"


def _find_checkout() -> Path | None:
    candidate = PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").is_file() and (candidate / "labs").is_dir():
        return candidate
    return None


CHECKOUT_ROOT: Path | None = _find_checkout()


def project_root() -> Path:
    """The folder holding `labs/` and `recipes/`: the checkout, else the wheel's bundled copy."""
    return CHECKOUT_ROOT if CHECKOUT_ROOT is not None else BUNDLED_DIR


def labs_root() -> Path:
    """Lab manifests: `$OPEN_R1_LABS` (tests point it at a copy), else `<project root>/labs`."""
    return Path(os.environ.get("OPEN_R1_LABS") or project_root() / "labs")


def recipes_root() -> Path:
    """Shared recipes (accelerate launch configs, lighteval task files): `<project root>/recipes`."""
    return project_root() / "recipes"


def project_path(relative: str | os.PathLike) -> Path:
    """A path written relative to the project root in a manifest (e.g. `recipes/accelerate/zero2.yaml`)."""
    return project_root() / relative


def display_path(path: Path) -> str:
    """`path` relative to the project root when it lies inside it (portable in run cards and job scripts)."""
    root = project_root()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def cache_root() -> Path:
    """`$OPEN_R1_CACHE`, else `$XDG_CACHE_HOME/open-r1`, else `~/.cache/open-r1` (nano kits, compile cache)."""
    if os.environ.get("OPEN_R1_CACHE"):
        return Path(os.environ["OPEN_R1_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "open-r1"
