#!/usr/bin/env bash
# Push or pull a lab's image: both tags (<version>-<lab>-cu<cuda>-torch<torch> and <sha12>-<lab>-cu<cuda>) in the
# registry named by OPEN_R1_REGISTRY (default ghcr.io/open-r1-labs).
#   images/publish.sh push|pull <lab> [--flavour cuda|cpu]
# Prints <tag>@<manifest digest> for each tag pushed or pulled: the digest a run card records for a run of it.
#
# Credentials are the engine's own: log in first (`podman login ghcr.io`, password on stdin), or point
# REGISTRY_AUTH_FILE (podman) / DOCKER_CONFIG (docker) at an auth file. Nothing here reads, prints or passes a
# password. A registry whose TLS certificate comes from a private CA: OPEN_R1_REGISTRY_CERT_DIR names a folder
# with its ca.crt (podman --cert-dir); Docker reads /etc/docker/certs.d/<host:port>/ca.crt instead.
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:-}
shift || true
case "$action" in push|pull) ;; *) echo "usage: images/publish.sh push|pull <lab> [--flavour cuda|cpu]" >&2; exit 2 ;; esac
engine=${ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}
mapfile -t tags < <(images/build.sh --print-tags "$@")
tls=()
if [ -n "${OPEN_R1_REGISTRY_CERT_DIR:-}" ]; then
  [ "$engine" = podman ] || { echo "publish.sh: OPEN_R1_REGISTRY_CERT_DIR is for podman; docker reads /etc/docker/certs.d/<host:port>/ca.crt" >&2; exit 2; }
  tls=(--cert-dir "$OPEN_R1_REGISTRY_CERT_DIR")
fi
# the manifest digest of a tag here: podman knows the one it pushed or pulled; docker lists it in RepoDigests
digest_of() {
  if [ "$engine" = podman ]; then
    "$engine" image inspect --format '{{.Digest}}' "$1"
  else
    "$engine" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$1" | sed -n 's/.*@//p' | head -n1
  fi
}
if [ "$action" = push ]; then
  digests=$(mktemp)
  trap 'rm -f "$digests"' EXIT
  for tag in "${tags[@]}"; do
    "$engine" image inspect "$tag" >/dev/null 2>&1 || { echo "publish.sh: $tag is not built here (just build $*)" >&2; exit 1; }
    if [ "$engine" = podman ]; then
      # the digest of the manifest as the registry stored it (podman may recompress layers on the way)
      "$engine" push "${tls[@]}" --digestfile "$digests" "$tag" >&2
      echo "$tag@$(cat "$digests")"
    else
      "$engine" push "$tag" >&2
      echo "$tag@$(digest_of "$tag")"
    fi
  done
else
  # the version tag is the release; the SHA tag exists only for builds of this exact commit
  "$engine" pull "${tls[@]}" "${tags[0]}" >&2
  echo "${tags[0]}@$(digest_of "${tags[0]}")"
fi
