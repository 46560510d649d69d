#!/usr/bin/env bash
# Install the system tools the test suite uses for real (Debian packages), only those missing. Run as root.
# Sections are owned by the subsystem that needs them; keep each list commented.
#
# WHY: Tests that need a system tool must really run in CI: this script installs the tools (only those missing), and CI
# sets OPEN_R1_REQUIRE_SYSTEM_TESTS=1 so a missing tool fails its test instead of skipping it.
#
# HOW: One commented section per subsystem (sandbox, docs, ...), each adding Debian packages to one apt-get install.
#
# DATA FLOW: .ci/run → this → the system tests (tests/sandbox, tests/competitive, tests/docs/test_docs_browser.py).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=()
want() { dpkg -s "$1" >/dev/null 2>&1 || pkgs+=("$1"); }

# --- code sandbox (open_r1/sandbox): namespaces + C++ submissions
want bubblewrap
want g++

# --- containers (images/, open_r1/labs/runtimes/containers.py): see scripts/ci/containers.sh

# --- cluster (open_r1/labs/runtimes/slurm_templates, open_r1/labs/runtimes/slurm.py): see scripts/ci/slurm.sh

# --- docs (tests/docs/test_docs_browser.py): headless Chromium renders the built site and takes the screenshots
want chromium

if [ ${#pkgs[@]} -gt 0 ]; then
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
  echo "installed: ${pkgs[*]}"
fi
