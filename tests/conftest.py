"""Shared fixtures. Tests never reach a hub: HF_HUB_OFFLINE is forced, and the nano kit builds its own model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def nano_cache(tmp_path_factory) -> Path:
    """One nano cache for the whole session (the build takes about a minute), shared by every test that needs it.

    `OPEN_R1_TEST_CACHE` lets a developer reuse a cache across sessions; CI starts empty.
    """
    root = Path(os.environ.get("OPEN_R1_TEST_CACHE") or tmp_path_factory.mktemp("open-r1-cache"))
    os.environ["OPEN_R1_CACHE"] = str(root)
    return root


@pytest.fixture(scope="session")
def nano_model(nano_cache) -> Path:
    from open_r1.labs.nano_build import ensure_nano_model

    return ensure_nano_model("nano://math")


def require_system(what: str, available: bool, how: str) -> None:
    """Gate a test on a system tool (bubblewrap, podman, slurm) that .ci/run installs.

    On a developer's laptop without the tool the test is skipped with the install hint; CI sets
    OPEN_R1_REQUIRE_SYSTEM_TESTS=1 after installing everything, which turns any such skip into a failure — so in CI
    every system test really runs.
    """
    if available:
        return
    message = f"{what} is not available here ({how})"
    if os.environ.get("OPEN_R1_REQUIRE_SYSTEM_TESTS") == "1":
        pytest.fail(message + " but OPEN_R1_REQUIRE_SYSTEM_TESTS=1 demands it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def isolation() -> None:
    """The local code sandbox can isolate here (bubblewrap); see require_system for the skip/fail policy."""
    from open_r1.sandbox.local import check_isolation

    report = check_isolation()
    require_system("the isolated local sandbox", report.available,
                   f"{report.reason}; install bubblewrap: `apt-get install -y bubblewrap`")


@pytest.fixture(autouse=True)
def _isolation_for_sandbox_users(request) -> None:
    """Tests under tests/sandbox and tests/competitive run untrusted programs: they need the isolated sandbox."""
    parts = request.node.path.parts
    if "competitive" in parts or "sandbox" in parts or request.node.get_closest_marker("sandbox"):
        request.getfixturevalue("isolation")
