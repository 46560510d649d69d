#!/usr/bin/env bash
# Build a lab's image and the two it stands on: base (CUDA + the locked Python stack) → core (open-r1, docs, user,
# entrypoint) → lab (images/lab/Dockerfile, shared by every lab). Everything lab-specific comes from the lab's
# manifest (labs/<lab>/lab.yaml), the single source of truth: the tags (`image:`), and the lab image's build args
# (`name`, `title`, and one switch per entry of `image_extras`). No file under images/ belongs to one lab.
#
#   images/build.sh <lab> [--flavour cuda|cpu] [--no-cache] [--print-tags] [--print-build-args]
#
#   --flavour cuda   (default) the CUDA images, torch/vLLM/flash-attn from images/base/*.lock; needs a registry
#   --flavour cpu    the same Dockerfiles on a local Debian base (images/debian-base.sh), requirements/lock.txt and
#                    the CPU torch wheel from the host's wheel folder ($PIP_FIND_LINKS or /opt/wheels)
#   --print-tags     print the lab image's tags and stop
#   --print-build-args  print the lab's own build args (NAME=value, one a line) and stop (images/sif.sh, tests)
#   env: ENGINE (podman, else docker), OPEN_R1_REGISTRY (default ghcr.io/open-r1-labs), PIP_CERT (a CA bundle for
#        the build's HTTPS: passed as a build secret, never written into a layer)
#
# Prints the lab image's tags on stdout (version tag first, then the git-SHA tag); progress goes to stderr.
#
# WHY: The image tags come from the lab manifest, the single source of truth; building base → core → lab in one script
# keeps parents and children consistent.
#
# HOW: Reads the tags, title and image extras from labs/<lab>/lab.yaml, makes a clean build context from the files git
# knows (core's docs stage builds the site from it), and builds the three images with the flavour's build args.
#
# DATA FLOW: `just build <lab>` → this → podman/docker build → local images → images/publish.sh or tests/images.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

lab="" flavour=cuda print_only="" extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --flavour) flavour=$2; shift 2 ;;
    --flavour=*) flavour=${1#*=}; shift ;;
    --print-tags) print_only=tags; shift ;;
    --print-build-args) print_only=args; shift ;;
    --no-cache) extra+=(--no-cache); shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "build.sh: unknown option $1" >&2; exit 2 ;;
    *) lab=$1; shift ;;
  esac
done
[ -n "$lab" ] || { echo "build.sh: which lab? one of: $(cd labs && echo *)" >&2; exit 2; }
[ -f "labs/$lab/lab.yaml" ] || { echo "build.sh: no lab '$lab' (labs/$lab/lab.yaml)" >&2; exit 2; }
case "$flavour" in cuda|cpu) ;; *) echo "build.sh: --flavour is cuda or cpu, not '$flavour'" >&2; exit 2 ;; esac

# --- the lab's manifest. No YAML parser here (the host may have only git and an engine): the keys read are
# top-level and on one line, plain or double-quoted, as every lab.yaml writes them; tests/images/test_manifests.py
# compares this reading with open_r1.labs.load_lab for every lab, so a manifest it would misread fails there.
manifest_value() {
  local value
  value=$(sed -n "/^$1:/{s/^$1: *//p;q;}" "labs/$lab/lab.yaml")   # the first one
  case "$value" in
    \"*) value=${value#\"}; value=${value%%\"*} ;;                   # "quoted" [# comment]
    *) value=${value%% #*}; value=${value%"${value##*[! ]}"} ;;      # plain [# comment], without trailing blanks
  esac
  printf '%s\n' "$value"
}
title=$(manifest_value title)
[ -n "$title" ] || { echo "build.sh: labs/$lab/lab.yaml has no one-line title" >&2; exit 1; }
# image_extras: what the lab image adds to core, as a one-line list ([sandbox, lighteval]); none when absent. Each
# extra has a switch in images/lab/Dockerfile, a build arg of its name in capitals (`ARG SANDBOX=0` before the first
# FROM). Every switch is passed, 0 or 1, never left to its default: buildah before 1.29 ignores ARG defaults when it
# works out which stages a FROM needs (containers/buildah#4312), and then skips the one it needs.
extras=()
if grep -q '^image_extras:' "labs/$lab/lab.yaml"; then
  extras_line=$(manifest_value image_extras)
  case "$extras_line" in
    \[*\]) ;;
    *) echo "build.sh: labs/$lab/lab.yaml: write image_extras on one line, as [a, b]" >&2; exit 1 ;;
  esac
  IFS=', ' read -r -a extras <<<"${extras_line//[\[\]]/ }"
fi
switch_of() { printf '%s' "$1" | tr 'a-z-' 'A-Z_'; }
switches=" $(sed -n '/^FROM /q; s/^ARG \([A-Z_]*\)=0$/\1/p' images/lab/Dockerfile | tr '\n' ' ')"
wanted=" "
for one in "${extras[@]}"; do
  case "$switches" in
    *" $(switch_of "$one") "*) wanted+="$(switch_of "$one") " ;;
    *) echo "build.sh: labs/$lab/lab.yaml: images/lab/Dockerfile has no image extra '$one'" >&2; exit 1 ;;
  esac
done
lab_args=("LAB=$lab" "TITLE=$title")
for switch in $switches; do
  case "$wanted" in *" $switch "*) lab_args+=("$switch=1") ;; *) lab_args+=("$switch=0") ;; esac
done
if [ "$print_only" = args ]; then
  printf '%s\n' "${lab_args[@]}"
  exit 0
fi

# --- tags: <registry>/open-r1:<version>-<lab>-cu<cuda>-torch<torch> and <registry>/open-r1:<sha12>-<lab>-cu<cuda>
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' open_r1/__init__.py)
torch=$(cat requirements/torch-version.txt)
cuda=$(sed -n 's/^ARG BASE_IMAGE=.*cuda:\([0-9.]*\)-.*/\1/p' images/base/Dockerfile)
manifest_image=$(manifest_value image)
manifest_image=${manifest_image//\{version\}/$version}
registry=${OPEN_R1_REGISTRY:-${manifest_image%/*}}
repo=${manifest_image##*/}          # open-r1:<tag>
name=${repo%%:*}
lab_tag=${repo#*:}
cuda_tag=$(echo "$lab_tag" | sed -n 's/.*-\(cu[0-9]*\)-torch.*/\1/p')
flavour_tag=$cuda_tag
[ "$flavour" = cpu ] && flavour_tag=cpu
if [ "$flavour" = cuda ] && [ "$cuda_tag" != "cu$(echo "$cuda" | cut -d. -f1-2 | tr -d .)" ]; then
  echo "build.sh: labs/$lab/lab.yaml names $cuda_tag but images/base/Dockerfile is CUDA $cuda" >&2
  exit 1
fi
sha=$(git rev-parse --verify -q HEAD 2>/dev/null) || sha=unknown
tag_for() { echo "$registry/$name:${version}-$1-${flavour_tag}-torch${torch}"; }
lab_image=$(tag_for "$lab")
sha_image="$registry/$name:${sha:0:12}-$lab-$flavour_tag"
if [ "$print_only" = tags ]; then
  echo "$lab_image"
  echo "$sha_image"
  exit 0
fi

# --- engine
engine=${ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}
build=("$engine" build "${extra[@]}")
if [ "$engine" = podman ]; then
  build+=(--format docker --layers)   # docker format keeps HEALTHCHECK (OCI image config has no field for it)
else
  export DOCKER_BUILDKIT=1             # RUN --mount (bind, cache, secret) needs BuildKit
fi
[ -n "${OPEN_R1_BUILD_NETWORK:-}" ] && build+=(--network "$OPEN_R1_BUILD_NETWORK")
# pip's own settings name the CA bundle and the wheel folder where the environment does not (as on this project's CI)
pip_config() { python3 -m pip config get "$1" 2>/dev/null || true; }
cafile=${PIP_CERT:-$(pip_config global.cert)}
[ -n "$cafile" ] || cafile=$(python3 -c 'import ssl; print(ssl.get_default_verify_paths().cafile or "")' 2>/dev/null || true)
[ -n "$cafile" ] && [ -f "$cafile" ] && build+=(--secret "id=pipcert,src=$cafile")

# --- a clean build context: the files git knows (tracked or not ignored), never .venv, runs/, caches or a built
# site (core's docs stage builds the site from this context); executed tutorial notebooks go in when there are
# some (the docs build uses only those still up to date with their source); the torch wheel is hard-linked in for
# the CPU flavour (bind-mounted by the build).
ctx=$(mktemp -d "${TMPDIR:-/tmp}/open-r1-context.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
# compose.yaml, Justfile and .ci/ have annotated pages in the site that core's docs stage builds
paths=(pyproject.toml README.md mkdocs.yml .importlinter compose.yaml Justfile .ci open_r1 labs recipes requirements images docs
  scripts)
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard -- "${paths[@]}" \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -xf - -C "$ctx"
else
  tar --exclude=__pycache__ --exclude='*.egg-info' -cf - "${paths[@]}" 2>/dev/null | tar -xf - -C "$ctx"
fi
mkdir -p "$ctx/docs" "$ctx/wheels" "$ctx/build/docs"
rm -rf "$ctx/docs/site"
if [ -d build/docs/notebooks ]; then cp -r build/docs/notebooks "$ctx/build/docs/"; fi

base_args=()
if [ "$flavour" = cpu ]; then
  debian=$(ENGINE=$engine images/debian-base.sh)
  wheels=${OPEN_R1_WHEELS:-${PIP_FIND_LINKS:-$(pip_config global.find-links)}}
  wheels=${wheels:-/opt/wheels}
  found=0
  for whl in "$wheels"/torch-"${torch}"*cp311*.whl; do
    [ -f "$whl" ] || continue
    ln "$whl" "$ctx/wheels/" 2>/dev/null || cp "$whl" "$ctx/wheels/"
    found=1
  done
  [ "$found" = 1 ] || { echo "build.sh: no torch-${torch} cp311 wheel in $wheels (set OPEN_R1_WHEELS)" >&2; exit 1; }
  base_args=(--build-arg "BASE_IMAGE=$debian" --build-arg "BUILD_IMAGE=$debian" --build-arg PYTHON=python3.11
    --build-arg LOCK=requirements/lock.txt --build-arg TORCH_SOURCE=wheels --build-arg FLASH_ATTN=0
    --build-arg CUDA_VERSION=none)
  cuda_label=none python_tag=cp311
else
  cuda_label=$cuda python_tag=cp312
fi

step() {
  local what=$1; shift
  echo "build.sh: [$what] $*" >&2
  local start=$SECONDS
  "${build[@]}" "$@" >&2
  echo "build.sh: [$what] done in $((SECONDS - start)) s" >&2
}
base_image=$(tag_for base)
core_image=$(tag_for core)
step base -f "$ctx/images/base/Dockerfile" -t "$base_image" --build-arg "TORCH_VERSION=$torch" "${base_args[@]}" "$ctx"
step core -f "$ctx/images/core/Dockerfile" -t "$core_image" --build-arg "BASE_IMAGE=$base_image" "$ctx"
created=$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
source_url=${OPEN_R1_SOURCE_URL:-https://github.com/open-r1-labs/open-r1-labs}
build_args=()
for arg in "${lab_args[@]}"; do build_args+=(--build-arg "$arg"); done
step "$lab" -f "$ctx/images/lab/Dockerfile" -t "$lab_image" -t "$sha_image" "${build_args[@]}" \
  --build-arg "BASE_IMAGE=$core_image" --build-arg "VERSION=$version" --build-arg "REVISION=$sha" \
  --build-arg "SOURCE=$source_url" --build-arg "CREATED=$created" --build-arg "CUDA=$cuda_label" \
  --build-arg "TORCH=$torch" --build-arg "PYTHON_TAG=$python_tag" "$ctx"
echo "$lab_image"
echo "$sha_image"
