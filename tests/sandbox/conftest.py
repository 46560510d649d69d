"""Fixtures for the sandbox tests: one shared isolated sandbox, a planted secret, leak checks (a /proc scan).

The sandbox tests need bubblewrap (CI installs it with apt). In CI they fail -- loudly, with the fix -- rather than
skip when isolation is missing (tests.conftest.require_system): a silently skipped security suite is worse than a
red one. On a machine without bubblewrap they skip with the install hint.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# planted before any sandbox starts: the trainer's environment holds a secret that no program may ever see
SECRET = "OPENR1-SECRET-" + secrets.token_hex(12)
os.environ["OPEN_R1_TEST_SECRET"] = SECRET


def require_isolation() -> None:
    from open_r1.sandbox.local import check_isolation
    from tests.conftest import require_system

    report = check_isolation()
    # CI (OPEN_R1_REQUIRE_SYSTEM_TESTS=1, bubblewrap installed by .ci/run) fails here rather than skip: a skipped
    # security suite must never pass unnoticed. A laptop without bubblewrap skips with the install hint.
    require_system("the isolated local sandbox", report.available,
                   f"{report.reason}; these tests need bubblewrap: `apt-get install -y bubblewrap`")


@pytest.fixture(scope="session")
def secret() -> str:
    return SECRET


@pytest.fixture(scope="session")
def secret_file(tmp_path_factory) -> Path:
    """A host file outside any sandbox, holding the secret (like ~/.netrc or a token file)."""
    path = tmp_path_factory.mktemp("host-secrets") / "token.txt"
    path.write_text(SECRET + "\n")
    path.chmod(0o644)  # world-readable on purpose: the sandbox must not even see the path
    return path


@pytest.fixture(scope="session")
def sandbox() -> Iterator:
    from open_r1.sandbox.local import LocalSandbox

    require_isolation()
    host_tmp = Path(tempfile.gettempdir())
    pattern = f"open-r1-sandbox-{os.getpid()}-*"  # ours only: other processes on this host may run sandboxes
    before = set(host_tmp.glob(pattern))
    sb = LocalSandbox(workers=2)
    yield sb
    root = sb.root
    pids = sb.worker_pids
    sb.close()
    assert not root.exists(), "the sandbox left its host directory behind"
    # every sandbox the tests made (the CLI's, the unisolated one, ...) removed its directory
    left = set(host_tmp.glob(pattern)) - before
    assert not left, f"sandbox directories left on the host: {left}"
    time.sleep(0.2)
    alive = [p for p in pids if (info := _proc_state(p)) and info[1] != "Z"]
    assert not alive, f"sandbox workers survived close(): {alive}"


def _proc_state(pid: int | str) -> tuple[int, str] | None:
    """(real uid, state letter) of a live process from /proc, or None if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["Uid"].split()[0]), fields["State"].split()[0]


def test_uid_processes(sandbox) -> list[int]:
    """Pids of live processes running as any of the sandbox's test uids (there must be none between tests)."""
    uids = {w.uid for w in sandbox._all if w.uid is not None}
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            info = _proc_state(name)
            if info and info[0] in uids and info[1] != "Z":
                found.append(int(name))
    return found


test_uid_processes.__test__ = False  # a helper, not a test


@pytest.fixture
def no_leftovers(sandbox) -> Iterator[None]:
    """After the test: no process of a test uid survives, the workers are the same (nobody killed them), and the
    host test process is alive (it is, if this runs)."""
    before = set(sandbox.worker_pids)
    yield
    deadline = time.time() + 2
    while test_uid_processes(sandbox) and time.time() < deadline:
        time.sleep(0.05)
    assert not test_uid_processes(sandbox), "a sandboxed process outlived its test"
    assert before <= set(sandbox.worker_pids), "a sandbox worker died during the test"
