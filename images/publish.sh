#!/usr/bin/env bash
# Push or pull a lab's image: both tags (<version>-<lab>-cu<cuda>-torch<torch> and <sha12>-<lab>-cu<cuda>) in the
# registry named by OPEN_R1_REGISTRY (default ghcr.io/open-r1-labs). Log in first (`podman login ghcr.io`).
#   images/publish.sh push|pull <lab> [--flavour cuda|cpu]
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:-}
shift || true
case "$action" in push|pull) ;; *) echo "usage: images/publish.sh push|pull <lab> [--flavour cuda|cpu]" >&2; exit 2 ;; esac
engine=${ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}
mapfile -t tags < <(images/build.sh --print-tags "$@")
if [ "$action" = push ]; then
  for tag in "${tags[@]}"; do
    "$engine" image inspect "$tag" >/dev/null 2>&1 || { echo "publish.sh: $tag is not built here (just build $*)" >&2; exit 1; }
    "$engine" push "$tag"
  done
else
  # the version tag is the release; the SHA tag exists only for builds of this exact commit
  "$engine" pull "${tags[0]}"
fi
