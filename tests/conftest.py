"""Shared fixtures. Tests never reach a hub: HF_HUB_OFFLINE is forced, and the nano kit builds its own model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def nano_cache(tmp_path_factory) -> Path:
    """One nano cache for the whole session, shared by every test that needs it.

    `OPEN_R1_TEST_CACHE` lets a developer reuse a cache across sessions. Otherwise the cache is a fresh folder, seeded
    with the finished nano kits of the user's own cache (the one `just lab grpo-math` just filled in CI): a kit's
    folder name carries the digest of everything its build reads, so a finished kit with the same name is exactly
    what a build here would make, and CI does not pay for the same ~6-minute build twice.
    """
    if os.environ.get("OPEN_R1_TEST_CACHE"):
        root = Path(os.environ["OPEN_R1_TEST_CACHE"])
    else:
        root = tmp_path_factory.mktemp("open-r1-cache")
        from open_r1.core.paths import cache_root  # the user's cache: OPEN_R1_CACHE is not moved yet

        seed_finished_kits(cache_root() / "nano", root / "nano")
    os.environ["OPEN_R1_CACHE"] = str(root)
    return root


def seed_finished_kits(source: Path, target: Path) -> None:
    """Copy every kit folder under `source` whose model is finished (plain copies, ~20 MB a kit: a test that wrote
    into its cache must never reach the user's)."""
    from open_r1.nano.spec import MODEL_SUBDIR

    for kit in sorted(source.glob("*-*")) if source.is_dir() else []:
        if not (kit / MODEL_SUBDIR / "nano_card.json").exists():
            continue  # not finished (or only the -init model): let the test session build it
        shutil.copytree(kit, target / kit.name, ignore=shutil.ignore_patterns(".build*"))


@pytest.fixture(scope="session")
def nano_model(nano_cache) -> Path:
    from open_r1.labs.nano_build import ensure_nano_model

    # The untrained start point too (seconds): library calls such as train_sft take `nano://math-init` as built,
    # and a kit seeded from an older cache may lack it.
    ensure_nano_model("nano://math-init")
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
