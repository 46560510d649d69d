#!/usr/bin/env bash
# Make the CPU flavour's base image locally: a minimal Debian 12 root filesystem (debootstrap --variant=minbase)
# imported into podman (or docker) under a fixed tag. It stands in for the CUDA runtime image where no image
# registry is reachable (this project's CI). Cached by tag: a second call costs nothing.
#   usage: images/debian-base.sh            (prints the tag)
#   env:   ENGINE=podman|docker  DEBIAN_MIRROR=http://deb.debian.org/debian  OPEN_R1_DEBIAN_BASE=<tag>
set -euo pipefail
engine=${ENGINE:-podman}
# bump the suffix when this script changes what goes into the root filesystem
tag=${OPEN_R1_DEBIAN_BASE:-localhost/open-r1-debian:bookworm-v1}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if "$engine" image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debian-base.sh: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "debian-base.sh: debootstrap bookworm into $work (~1 min)" >&2
# minbase: dpkg, apt and essentials only; the Dockerfiles install what they need with apt, as on the CUDA base
nice -n 19 debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -5 "$work/debootstrap.log" >&2
  exit 1
}
# a base image carries no package lists or caches (the Dockerfiles run apt-get update themselves)
rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/"*.bin "$work/rootfs/var/log/"*
tar -C "$work/rootfs" --numeric-owner -c . | "$engine" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
echo "$tag"
