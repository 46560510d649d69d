"""Rootless mode: the local sandbox started by an unprivileged user (bubblewrap in a user namespace).

The suite runs as root, so this test runs a small script as `nobody` (with setpriv) against a copy of the package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

import open_r1

SCRIPT = textwrap.dedent("""
    import json, os
    from open_r1.sandbox.base import Limits, SandboxError
    from open_r1.sandbox.local import LocalSandbox, check_isolation

    report = check_isolation()
    out = {"uid": os.geteuid(), "available": report.available, "mode": report.mode, "reason": report.reason}
    if report.available:
        with LocalSandbox(2) as sb:
            out["double"] = sb.run_python("print(int(input()) * 2)", "21").stdout
            out["tle"] = str(sb.run_python("while True: pass", limits=Limits(cpu_time_s=0.5)).status)
            fork3 = "import os\\nn = 0\\nfor i in range(10):\\n    try:\\n        os.fork() or os._exit(0)\\n" \\
                    "        n += 1\\n    except OSError:\\n        break\\nprint(n)"
            out["forks_with_3"] = sb.run_python(fork3, limits=Limits(max_processes=3)).stdout
            out["forks_with_1"] = sb.run_python(fork3, limits=Limits(max_processes=1)).stdout
            out["env"] = sb.run_python("import os\\nprint(sorted(os.environ))").stdout
            out["net"] = sb.run_python("import socket\\ns = socket.socket()\\ns.settimeout(1)\\n"
                                       "s.connect(('192.0.2.1', 80))").stderr.strip().splitlines()[-1]
            out["secret_file"] = sb.run_python("print(open('{SECRET_FILE}').read())").stderr.strip().splitlines()[-1]
            try:
                sb.run_python("import os\\nos.kill(os.getppid(), 9)")
                out["kill_parent"] = "survived"
            except SandboxError:
                out["kill_parent"] = "IE"
            out["after_kill"] = sb.run_python("print('alive')").stdout
    print(json.dumps(out))
""")


@pytest.mark.system
def test_rootless_sandbox(secret, secret_file):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.fail("this test needs root and setpriv (util-linux) to start a process as nobody")
    package = Path(open_r1.__file__).parent
    root = Path(tempfile.mkdtemp(prefix="open-r1-rootless-test-", dir="/tmp"))
    try:
        dest = root / "open_r1"
        # the sandbox package and the core layer below it (the only layer it imports): standard library only
        dest.mkdir()
        shutil.copy(package / "__init__.py", dest / "__init__.py")
        for sub in ("core", "sandbox"):
            (dest / sub).mkdir()
            for src in (package / sub).glob("*.py"):
                shutil.copy(src, dest / sub / src.name)
        script = root / "script.py"
        script.write_text(SCRIPT.replace("{SECRET_FILE}", str(secret_file)))
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        proc = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", str(script)],
            capture_output=True, text=True, timeout=120, cwd=root,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "OPEN_R1_TEST_SECRET": secret})
        assert proc.returncode == 0, proc.stderr[-2000:]
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert out["uid"] == 65534
    if not out["available"]:
        pytest.skip(f"unprivileged user namespaces are disabled on this kernel: {out['reason']}")
    assert out["mode"] == "rootless"
    assert out["double"] == "42\n" and out["tle"] == "TLE"
    assert out["forks_with_3"] == "2\n" and out["forks_with_1"] == "0\n"  # RLIMIT_NPROC exact per namespace
    assert "OPEN_R1_TEST_SECRET" not in out["env"] and secret not in json.dumps(out)
    assert "Network is unreachable" in out["net"]
    assert "No such file" in out["secret_file"]
    # the documented limit of rootless mode: a test can kill its own worker -> an internal error, then a new worker
    assert out["kill_parent"] == "IE" and out["after_kill"] == "alive\n"
