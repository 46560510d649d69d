#!/usr/bin/env bash
# Make an Apptainer image (build/sif/<lab>.sif) of a lab's image, for clusters without Docker:
#   images/sif.sh <lab>                 from the registry, through images/<lab>/apptainer.def
#   images/sif.sh <lab> --local [--flavour cpu]   from a local build (podman/docker save → docker-archive)
# Then: open-r1 lab run <lab> --runtime apptainer --image build/sif/<lab>.sif
set -euo pipefail
cd "$(dirname "$0")/.."
lab=${1:-}
[ -n "$lab" ] || { echo "usage: images/sif.sh <lab> [--local] [--flavour cuda|cpu]" >&2; exit 2; }
shift
local_build=0 args=()
for arg in "$@"; do
  if [ "$arg" = --local ]; then local_build=1; else args+=("$arg"); fi
done
command -v apptainer >/dev/null || { echo "sif.sh: needs apptainer (https://apptainer.org/docs/admin/main/installation.html)" >&2; exit 1; }
mkdir -p build/sif
out="build/sif/$lab.sif"
if [ "$local_build" = 1 ]; then
  engine=${ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}
  tag=$(images/build.sh --print-tags "$lab" "${args[@]}" | head -1)
  archive=$(mktemp "${TMPDIR:-/tmp}/open-r1-sif.XXXXXX.tar")
  trap 'rm -f "$archive"' EXIT
  "$engine" save --format docker-archive -o "$archive" "$tag" 2>/dev/null || "$engine" save -o "$archive" "$tag"
  apptainer build --force "$out" "docker-archive:$archive"
else
  version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' open_r1/__init__.py)
  apptainer build --force --build-arg "VERSION=$version" \
    --build-arg "REGISTRY=${OPEN_R1_REGISTRY:-ghcr.io/open-r1-labs}" "$out" "images/$lab/apptainer.def"
fi
echo "$out"
