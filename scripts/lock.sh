#!/usr/bin/env bash
# Regenerate requirements/lock.txt: every dependency of the native environment (core + dev + docs + deepspeed +
# tracking (wandb, tensorboard) + the e2b and morph sandbox SDKs, whose tests run against local servers) pinned with hashes, except torch,
# which each machine brings in the build that suits it (CUDA wheels from PyPI, CPU wheels from PyTorch's CPU index
# or a local wheel). Resolved against the CPU build so no CUDA-only packages (nvidia-*, triton) enter the lock.
#   scripts/lock.sh            rewrite the lock (`just lock`)
#   scripts/lock.sh --check    change nothing: re-resolve for Python 3.11, 3.12 and 3.13 with the lock's pins as
#                              constraints and check, with scripts/lock_check.py, that each needs nothing the lock
#                              lacks and has a hash-listed wheel or sdist for every package (`just lock-check`, CI)
#
# WHY: A lock with hashes is what makes "the same versions on every machine" checkable; torch is left out because each
# machine brings its own build.
#
# HOW: `uv pip compile` of pyproject.toml with the dev and sandbox-SDK extras, for Linux x86_64, with hashes, checked
# for Python 3.11, 3.12 and 3.13 (`--check`), resolved against the CPU torch so no CUDA-only packages enter.
#
# DATA FLOW: `just lock` → requirements/lock.txt → scripts/setup.sh and the CPU image flavour.
set -euo pipefail
cd "$(dirname "$0")/.."
torch_version=$(cat requirements/torch-version.txt)
pythons=(3.11 3.12 3.13)   # the versions scripts/setup.sh accepts; the README names them too
compile() {
  uv pip compile pyproject.toml --extra dev --extra docs --extra deepspeed --extra tracking --extra e2b --extra morph \
    --python-platform x86_64-unknown-linux-gnu --generate-hashes --no-emit-package torch --no-header "$@"
}
if [ "${1:-}" = --check ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  grep -E '^[A-Za-z0-9_.-]+==' requirements/lock.txt | cut -d' ' -f1 >"$tmp/pins.txt"
  echo "torch==${torch_version}" >"$tmp/torch.txt"
  results=()
  for py in "${pythons[@]}"; do
    # torch from the index (its CPU build is a local wheel for one Python only): same dependencies as the CPU build,
    # plus CUDA-only ones, which lock_check.py leaves out
    compile --python-version "$py" --override "$tmp/torch.txt" -c "$tmp/pins.txt" --quiet -o "$tmp/$py.txt" \
      || { echo "lock check: the lock's pins do not resolve for Python $py (above)" >&2; exit 1; }
    results+=("$py=$tmp/$py.txt")
  done
  python scripts/lock_check.py requirements/lock.txt "${results[@]}"
  exit
fi
compile --python-version 3.11.2 --override <(echo "torch==${torch_version}+cpu") \
  ${PIP_FIND_LINKS:+--find-links "$PIP_FIND_LINKS"} -o requirements/lock.txt
echo "wrote requirements/lock.txt ($(grep -c '==' requirements/lock.txt) packages, torch excluded)"
