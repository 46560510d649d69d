#!/usr/bin/env bash
# Make an Apptainer image (build/sif/<lab>.sif) of a lab's image, for clusters without Docker:
#   images/sif.sh <lab>                 from the registry, through images/lab/apptainer.def (one definition for all
#                                       labs: the image, lab and title it needs come from labs/<lab>/lab.yaml, read
#                                       by images/build.sh as for the image builds)
#   images/sif.sh <lab> --local [--flavour cpu]   from a local build (podman/docker save → docker-archive)
#   --dry-run                           print the commands instead of running them (needs no apptainer)
# Then: open-r1 lab run <lab> --runtime apptainer --image build/sif/<lab>.sif
set -euo pipefail
cd "$(dirname "$0")/.."
lab=${1:-}
[ -n "$lab" ] || { echo "usage: images/sif.sh <lab> [--local] [--flavour cuda|cpu] [--dry-run]" >&2; exit 2; }
shift
local_build=0 dry_run=0 args=()
for arg in "$@"; do
  case "$arg" in
    --local) local_build=1 ;;
    --dry-run) dry_run=1 ;;
    *) args+=("$arg") ;;
  esac
done
# the image: the tag `just build` makes and `just push` publishes (with $OPEN_R1_REGISTRY when set)
tags=$(images/build.sh --print-tags "$lab" "${args[@]}")
tag=${tags%%$'\n'*}   # the version tag (not `| head`: with pipefail, build.sh could die of SIGPIPE)
out="build/sif/$lab.sif"
run() {
  if [ "$dry_run" = 1 ]; then
    printf '%q ' "$@"
    echo
  else
    "$@"
  fi
}
if [ "$dry_run" = 0 ]; then
  command -v apptainer >/dev/null || { echo "sif.sh: needs apptainer (https://apptainer.org/docs/admin/main/installation.html)" >&2; exit 1; }
  mkdir -p build/sif
fi

if [ "$local_build" = 1 ]; then
  engine=${ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}
  archive="build/sif/$lab.tar"
  if [ "$dry_run" = 0 ]; then
    archive=$(mktemp "${TMPDIR:-/tmp}/open-r1-sif.XXXXXX.tar")
    trap 'rm -f "$archive"' EXIT
  fi
  # both engines write a docker-archive by default
  run "$engine" save -o "$archive" "$tag"
  run apptainer build --force "$out" "docker-archive:$archive"
else
  # exactly the build args the definition uses: Apptainer refuses one it does not use
  lab_args=$(images/build.sh --print-build-args "$lab")
  build_args=(--build-arg "IMAGE=$tag")
  while IFS= read -r line; do
    case "$line" in LAB=*|TITLE=*) build_args+=(--build-arg "$line") ;; esac
  done <<<"$lab_args"
  run apptainer build --force "${build_args[@]}" "$out" images/lab/apptainer.def
fi
[ "$dry_run" = 1 ] || echo "$out"
