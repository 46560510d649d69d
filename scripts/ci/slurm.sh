#!/usr/bin/env bash
# Install what the cluster tests (tests/cluster) use for real: Debian's SLURM (controller, node daemon, client) and
# munge, only what is missing. Run as root. The services are NOT started here: the tests start munged, slurmctld
# and two slurmd under a temp dir of their own and stop them at the end (tests/cluster/minicluster.py).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=()
want() { dpkg -s "$1" >/dev/null 2>&1 || pkgs+=("$1"); }

want slurm-wlm    # metapackage: the SLURM 22.05 plugins (select/cons_tres, proctrack/linuxproc, auth/munge ...)
want slurmctld    # the controller
want slurmd       # the node daemon (the tests run two, n1 and n2, on this one machine)
want slurm-client # sbatch, srun, scontrol, squeue, scancel, sinfo
want munge        # authentication between them, as on a real cluster (the tests fall back to auth/none without it)
want curl         # the job scripts wait for servers (vLLM, sandbox) with it; python3 is the fallback

if [ ${#pkgs[@]} -gt 0 ]; then
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
  echo "installed: ${pkgs[*]}"
fi
# The Debian packages enable the services; on a CI machine with systemd they would start with the default config
# (and hold the default ports). The tests need none of that.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl disable --now slurmctld slurmd >/dev/null 2>&1 || true
fi
