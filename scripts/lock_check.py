"""Check that requirements/lock.txt installs, hash-checked, on every Python the project supports (3.11-3.13).

WHAT: for each Python version, two checks, then a table (the CI log's record, one row per Python):
  1. resolution: `scripts/lock.sh --check` re-resolves pyproject.toml for that Python with the lock's pins as
     constraints (uv pip compile). Every package that Python needs must be in the lock at the locked version: a
     dependency that only exists for 3.13 (an environment marker) or a pin whose release drops 3.13 fails here.
  2. distributions: every locked package must have, among the files whose sha256 the lock lists, a wheel that
     Python can install on linux x86_64 (glibc 2.36, Debian 12's), or else, for the few pure-Python packages that
     ship no wheel (SDIST_OK), an sdist (built by scripts/setup.sh).
     `pip install --require-hashes` refuses any file whose hash is not in the lock, so a lock bump that keeps only
     3.11 wheels would break 3.13 installs while 3.11 CI stays green; this is the check that notices.
WHY: the lock is resolved once (on 3.11, the CPU torch build), but Ubuntu 24.04 ships 3.12 and Debian 13 and
  Fedora 3.13: nothing else in CI runs those Pythons.
HOW: file names and hashes come from the package index's JSON simple API (PEP 691), the same pages pip and uv read;
  wheel compatibility is packaging.tags' (the rules pip applies). torch is not in the lock (each machine brings its
  own build); the CUDA-only packages its PyPI build adds (nvidia-*, cuda-*, triton) are left out of the
  comparison, as scripts/lock.sh leaves them out of the lock.
DATA FLOW: scripts/lock.sh --check (`just lock-check`, .ci/run) → uv pip compile per Python → this script with the
  lock and the per-Python resolutions → table on stdout, exit 1 with the reasons when one Python fails.

  python scripts/lock_check.py requirements/lock.txt 3.11=/tmp/r311.txt 3.12=/tmp/r312.txt 3.13=/tmp/r313.txt
"""

from __future__ import annotations

import json
import os
import re
import ssl
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

GLIBC_MINOR = 36  # Debian 12; Ubuntu 24.04 has 2.39, Debian 13 2.41: a wheel fine here is fine there
# Packages that publish no wheel (or none of ours), installed from their sdist by scripts/setup.sh: pure Python, no
# compiler needed (DeepSpeed with DS_BUILD_OPS=0 compiles its ops just in time, later). Any other package falling
# back to its sdist on some Python means a compiler and build dependencies there (numpy from source): a failure.
SDIST_OK = {"deepspeed", "jieba"}
CUDA_ONLY = re.compile(r"^(nvidia-.*|cuda-.*|triton)$")  # what torch's PyPI (CUDA) build adds to the CPU build
INDEX = os.environ.get("UV_INDEX_URL") or os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple"


def parse_lock(path: Path) -> dict[str, tuple[str, set[str]]]:
    """name -> (version, sha256 hashes) of a pip-style lock (`name==version \\` then `--hash=sha256:` lines)."""
    out: dict[str, tuple[str, set[str]]] = {}
    for block in re.split(r"\n(?=\S)", path.read_text()):
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", block.strip())
        if m:
            out[canonicalize_name(m.group(1))] = (m.group(2), set(re.findall(r"--hash=sha256:([0-9a-f]{64})", block)))
    return out


def linux_tags(minor: int) -> set:
    """Every wheel tag CPython 3.<minor> on glibc-2.36 x86_64 accepts (cp3X, abi3, py3-none ... x manylinux)."""
    platforms = [f"manylinux_2_{g}_x86_64" for g in range(GLIBC_MINOR, 4, -1)]
    platforms += ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64"]
    version = (3, minor)
    tags = set(cpython_tags(version, abis=[f"cp3{minor}", "abi3", "none"], platforms=platforms))
    return tags | set(compatible_tags(version, f"cp3{minor}", platforms))


def index_files(name: str) -> list[dict]:
    context = ssl.create_default_context(cafile=os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE"))
    request = urllib.request.Request(
        f"{INDEX.rstrip('/')}/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60, context=context) as response:
        return json.load(response)["files"]


@dataclass
class Dist:
    kind: str  # "wheel" or "sdist"
    tags: frozenset  # a wheel's tags (empty for an sdist)
    requires_python: SpecifierSet  # the file's Requires-Python: pip refuses it elsewhere, even with --no-deps

    def installs_on(self, minor: int, tags: set) -> bool:
        return self.requires_python.contains(f"3.{minor}.0") and (self.kind == "sdist" or bool(self.tags & tags))


def distributions(name: str, version: str, hashes: set[str]) -> list[Dist]:
    """The release files of name==version whose sha256 the lock lists (the only ones --require-hashes accepts)."""
    found = []
    for f in index_files(name):
        if f.get("hashes", {}).get("sha256") not in hashes:
            continue
        filename, requires = f["filename"], SpecifierSet(f.get("requires-python") or "")
        if filename.endswith(".whl"):
            _, wheel_version, _, tags = parse_wheel_filename(filename)
            if str(wheel_version) == version:
                found.append(Dist("wheel", frozenset(tags), requires))
        else:
            try:
                _, sdist_version = parse_sdist_filename(filename)
            except ValueError:
                continue
            if str(sdist_version) == version:
                found.append(Dist("sdist", frozenset(), requires))
    return found


def main(argv: list[str]) -> int:
    lock = parse_lock(Path(argv[0]))
    resolved = {spec.split("=", 1)[0]: parse_lock(Path(spec.split("=", 1)[1])) for spec in argv[1:]}
    with ThreadPoolExecutor(8) as pool:
        dists = dict(zip(lock, pool.map(lambda n: distributions(n, *lock[n]), lock), strict=True))
    failures: list[str] = []
    print(f"{'python':<7} {'needed':>6} {'locked':>6} {'wheels':>6}  sdists (built at install)")
    for python, needed in resolved.items():
        minor = int(python.split(".")[1])
        tags = linux_tags(minor)
        needed = {n: v for n, v in needed.items() if not CUDA_ONLY.match(n)}
        for name, (version, _) in needed.items():
            if name not in lock:
                failures.append(f"{python}: {name}=={version} is needed but not in the lock")
            elif lock[name][0] != version:
                failures.append(f"{python}: {name} resolves to {version}, the lock has {lock[name][0]}")
        wheels, sdists = 0, []
        for name, found in dists.items():
            usable = [d for d in found if d.installs_on(minor, tags)]
            if any(d.kind == "wheel" for d in usable):
                wheels += 1
            elif usable and name in SDIST_OK:
                sdists.append(name)
            elif usable:
                failures.append(
                    f"{python}: {name}=={lock[name][0]}: no wheel for cp3{minor} linux x86_64 among the lock's hashes,"
                    " only its sdist (a source build there); relock, or add it to SDIST_OK if it builds without one"
                )
            else:
                failures.append(
                    f"{python}: {name}=={lock[name][0]}: none of the lock's {len(lock[name][1])} hashes is a wheel"
                    f" for cp3{minor} linux x86_64 or an sdist that allows Python {python}"
                )
        print(f"{python:<7} {len(needed):>6} {len(lock):>6} {wheels:>6}  {len(sdists)}: {', '.join(sdists)}")
    for failure in failures:
        print("FAIL", failure)
    print("lock check:", "FAILED" if failures else f"ok for {', '.join(resolved)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
