#!/usr/bin/env bash
# Regenerate requirements/lock.txt: every dependency of the native environment (core + dev + docs + deepspeed + the
# e2b and morph sandbox SDKs, whose tests run against local servers) pinned with hashes, except torch,
# which each machine brings in the build that suits it (CUDA wheels from PyPI, CPU wheels from PyTorch's CPU index
# or a local wheel). Resolved against the CPU build so no CUDA-only packages (nvidia-*, triton) enter the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
torch_version=$(cat requirements/torch-version.txt)
uv pip compile pyproject.toml --extra dev --extra docs --extra deepspeed --extra e2b --extra morph --python-version 3.11.2 --python-platform x86_64-unknown-linux-gnu \
  --generate-hashes --no-emit-package torch --override <(echo "torch==${torch_version}+cpu") \
  ${PIP_FIND_LINKS:+--find-links "$PIP_FIND_LINKS"} --no-header -o requirements/lock.txt
echo "wrote requirements/lock.txt ($(grep -c '==' requirements/lock.txt) packages, torch excluded)"
