#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv, idempotently.
#   1. torch, pinned in requirements/torch-version.txt, in whatever build this machine's pip finds: the CUDA wheel
#      from PyPI on a Linux GPU box, a CPU wheel from a local wheel folder or the PyTorch CPU index
#      (set TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu for a CPU-only laptop), the macOS wheel on a Mac.
#   2. everything else from requirements/lock.txt, hash-checked (pip --require-hashes).
#   3. the project itself, editable, without touching the pinned set.
# A stamp records the hash of the inputs, so a second call costs nothing until pyproject or the lock changes.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${OPEN_R1_VENV:-.venv}
python=${PYTHON:-python3}
stamp="$venv/.open-r1-setup"
want=$(cat pyproject.toml requirements/lock.txt requirements/torch-version.txt | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setup: creating $venv (torch $(cat requirements/torch-version.txt) + hash-locked requirements)" >&2
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
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
