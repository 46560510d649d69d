"""Fixtures for the cluster tests: a real two-node SLURM cluster (started here, stopped at the end of the session).

CI installs Debian's slurm-wlm and munge (scripts/ci/slurm.sh); the tests start the daemons themselves under a temp
dir (tests/cluster/minicluster.py). A machine without SLURM (or without root, which slurmd needs to run jobs as
their user) skips these tests with the install hint — except in CI, where `require_system` turns the skip into a
failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.cluster.minicluster import MiniCluster, missing_tools


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory) -> Iterator[MiniCluster]:
    from tests.conftest import require_system

    missing = missing_tools()
    require_system(
        "SLURM",
        not missing,
        f"missing {missing}; install with scripts/ci/slurm.sh "
        "(Debian: apt-get install slurm-wlm slurmctld slurmd slurm-client munge)",
    )
    require_system("SLURM as root", os.geteuid() == 0, "slurmd must run as root to start jobs; run the tests as root")
    cluster = MiniCluster(tmp_path_factory.mktemp("slurm"))
    try:
        cluster.start()
    except Exception:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()
