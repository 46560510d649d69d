#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv, idempotently.
#   1. torch, pinned in requirements/torch-version.txt, in whatever build this machine's pip finds: the CUDA wheel
#      from PyPI on a Linux GPU box, a CPU wheel from a local wheel folder or the PyTorch CPU index
#      (set TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu for a CPU-only laptop), the macOS wheel on a Mac.
#   2. everything else from requirements/lock.txt, hash-checked (pip --require-hashes).
#   3. the project itself, editable, without touching the pinned set.
# The venv also holds `just` (rust-just, in the lock): ./just runs it where the system Python refuses pip (PEP 668).
# A stamp records the hash of the inputs, so a second call costs nothing until pyproject or the lock changes.
#
# WHY: Installs must be reproducible: torch is machine-specific (CUDA, CPU, macOS) and cannot sit in a hashed lock,
# everything else can. The script separates the two.
#
# HOW: torch pinned by version from whatever index suits the machine, then `pip install --require-hashes --no-deps`
# from requirements/lock.txt, then the project editable; a stamp of the inputs' hash makes a second call free.
#
# DATA FLOW: `just setup` (and every recipe that depends on it) → .venv → every command the Justfile runs.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${OPEN_R1_VENV:-.venv}
stamp="$venv/.open-r1-setup"
want=$(cat pyproject.toml requirements/lock.txt requirements/torch-version.txt | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
# The interpreter: $PYTHON, else the first of python3, python3.13, python3.12, python3.11 that is 3.11-3.13, the
# versions the lock is checked for (scripts/lock.sh --check resolves it, with hashes, for each). A machine whose
# python3 is older or newer (macOS's /usr/bin/python3 is 3.9) still finds a versioned one beside it.
supported() { "$1" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; }
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null && supported "$candidate"; then python=$candidate; break; fi
  done
  [ -n "$python" ] || { echo "setup: needs Python 3.11, 3.12 or 3.13 (python3 is $(python3 -V 2>&1)); set PYTHON=/path/to/python3.X" >&2; exit 1; }
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating $venv with $("$python" -V 2>&1) (torch $(cat requirements/torch-version.txt) + hash-locked requirements)" >&2
  # Debian and Ubuntu split venv (ensurepip) out of python3: without it this fails with apt's fix in the message
  "$python" -m venv "$venv"
else
  echo "setup: refreshing $venv (pyproject.toml or a lock changed)" >&2
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install --upgrade pip >/dev/null
"${pip[@]}" install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "torch==$(cat requirements/torch-version.txt)"
# No build isolation: the few sdists in the lock (deepspeed, jieba) build against the torch installed above, never
# against a second torch that pip would otherwise fetch into a temporary build environment. DS_BUILD_OPS=0: DeepSpeed
# compiles its ops just in time, on first use, instead of at install.
"${pip[@]}" install setuptools wheel >/dev/null
DS_BUILD_OPS=0 "${pip[@]}" install --require-hashes --no-deps --no-build-isolation -r requirements/lock.txt
"${pip[@]}" install --no-deps --no-build-isolation -e . 2>/dev/null || "${pip[@]}" install --no-deps -e .
"$venv/bin/python" -c "import open_r1, torch, trl; print(f'setup: open-r1 ready (torch {torch.__version__}, trl {trl.__version__})')" >&2
echo "$want" > "$stamp"
