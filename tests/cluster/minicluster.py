"""A real two-node SLURM cluster on one machine, for the tests: munged, slurmctld and two slurmd, all in a temp dir.

Debian's slurm-wlm runs several slurmd on one host (`NodeName=n[1-2] NodeHostname=<host> NodeAddr=127.0.0.1
Port=[a-b]`, one `slurmd -N n1`, one `slurmd -N n2`), so a `--nodes=2` job really gets SLURM_NODEID 0 and 1 and two
job steps. Every path and port is private to one `MiniCluster` (ports are picked free), so two test sessions on one
machine never meet. munge is used when munged is installed (as on a real cluster), auth/none otherwise.

    with MiniCluster(tmp_path) as cluster:      # exports SLURM_CONF while open
        subprocess.run(["sbatch", "--wait", script])
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

TOOLS = ("slurmctld", "slurmd", "sbatch", "scontrol", "squeue", "scancel")


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


def _free_ports(n: int, consecutive: bool = False) -> list[int]:
    """Ports nobody listens on now (SLURM binds them a moment later; a collision fails loudly, not silently)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        ports = list(range(base, base + n)) if consecutive else [base]
        if all(_is_free(p) for p in ports):
            return ports
    raise RuntimeError("no free ports")


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class MiniCluster:
    def __init__(self, root: Path, nodes: int = 2, cpus: int = 2, memory_mb: int = 8000):
        self.root = Path(root)
        self.nodes = [f"n{i}" for i in range(1, nodes + 1)]
        self.cpus, self.memory_mb = cpus, memory_mb
        self.conf = self.root / "slurm.conf"
        self.pids: list[int] = []
        self._old_conf = None
        self.munge_dir: Path | None = None

    # -- set-up ------------------------------------------------------------------------------------------------
    def _start_munge(self) -> str | None:
        munged = shutil.which("munged") or ("/usr/sbin/munged" if Path("/usr/sbin/munged").exists() else None)
        if munged is None:
            return None
        # munged insists that every directory above its socket is searchable by all; a pytest temp dir
        # (/tmp/pytest-of-<user>, mode 0700) is not, so munge gets its own folder directly under the temp root.
        self.munge_dir = Path(tempfile.mkdtemp(prefix="open-r1-munge-"))
        os.chmod(self.munge_dir, 0o755)
        etc, run = self.munge_dir / "etc", self.munge_dir / "run"
        etc.mkdir()
        run.mkdir()
        (etc / "munge.key").write_bytes(os.urandom(1024))
        user = "munge" if _user_exists("munge") else None
        if user:
            info = pwd.getpwnam(user)
            for p in (self.munge_dir, etc, run, etc / "munge.key"):
                os.chown(p, info.pw_uid, info.pw_gid)
        os.chmod(etc, 0o700)
        os.chmod(run, 0o755)
        os.chmod(etc / "munge.key", 0o400)
        socket_path = run / "munge.socket"
        cmd = [
            munged,
            f"--key-file={etc / 'munge.key'}",
            f"--socket={socket_path}",
            f"--pid-file={run / 'munged.pid'}",
            f"--log-file={etc / 'munged.log'}",
            f"--seed-file={etc / 'seed'}",
        ]
        if user and os.geteuid() == 0:
            cmd = ["runuser", "-u", user, "--", *cmd]
        elif os.geteuid() == 0:
            cmd.append("--force")
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise RuntimeError(f"munged did not start: {out.stderr.strip()} {out.stdout.strip()}")
        self.pids.append(int(_wait_for_file(run / "munged.pid").read_text().strip()))
        return str(socket_path)

    def _write_conf(self, munge_socket: str | None) -> None:
        ctld_port, slurmd_port = _free_ports(1)[0], _free_ports(1)[0]
        node_ports = _free_ports(len(self.nodes), consecutive=True)
        host = socket.gethostname()
        for node in self.nodes:
            (self.root / "spool" / node).mkdir(parents=True)
        (self.root / "state").mkdir()
        (self.root / "log").mkdir()
        # cred_expire: a requeued job becomes eligible again only after the job credentials of its previous run
        # expire (default 120 s, so that a late step cannot start on the new run); 10 s keeps the preemption test
        # short while keeping SLURM's own protection.
        auth = (
            ["AuthType=auth/munge", "CredType=cred/munge", f"AuthInfo=socket={munge_socket},cred_expire=10"]
            if munge_socket
            else ["AuthType=auth/none", "CredType=cred/none", "AuthInfo=cred_expire=10"]
        )
        r = self.root
        lines = [
            f"ClusterName=openr1test{os.getpid()}",
            f"SlurmctldHost={host}(127.0.0.1)",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={slurmd_port}",
            *auth,
            "SlurmUser=root",
            "SlurmdUser=root",
            f"StateSaveLocation={r}/state",
            f"SlurmdSpoolDir={r}/spool/%n",
            f"SlurmctldPidFile={r}/slurmctld.pid",
            f"SlurmdPidFile={r}/slurmd-%n.pid",
            f"SlurmctldLogFile={r}/log/slurmctld.log",
            f"SlurmdLogFile={r}/log/slurmd-%n.log",
            # Plugins that need no cgroups, no accounting daemon, no MPI: what a container or CI VM allows.
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "MpiDefault=none",
            "ReturnToService=2",
            # Ended jobs stay visible to `scontrol show job` for 4 s (the launcher reads their exit code).
            "MinJobAge=4",
            "SchedulerType=sched/backfill",
            f"NodeName={self._nodespec()} NodeHostname={host} NodeAddr=127.0.0.1 "
            f"Port=[{node_ports[0]}-{node_ports[-1]}] CPUs={self.cpus} RealMemory={self.memory_mb} State=UNKNOWN",
            f"PartitionName=debug Nodes={self._nodespec()} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES",
        ]
        self.conf.write_text("\n".join(lines) + "\n")

    def _nodespec(self) -> str:
        return f"n[1-{len(self.nodes)}]" if len(self.nodes) > 1 else self.nodes[0]

    def start(self, timeout: float = 60) -> MiniCluster:
        self.root.mkdir(parents=True, exist_ok=True)
        munge_socket = self._start_munge()
        self._write_conf(munge_socket)
        self._old_conf = os.environ.get("SLURM_CONF")
        os.environ["SLURM_CONF"] = str(self.conf)
        subprocess.run(["slurmctld", "-f", str(self.conf), "-i"], check=True, capture_output=True, timeout=30)
        self.pids.append(int(_wait_for_file(self.root / "slurmctld.pid").read_text().strip()))
        for node in self.nodes:
            subprocess.run(["slurmd", "-f", str(self.conf), "-N", node], check=True, capture_output=True, timeout=30)
            self.pids.append(int(_wait_for_file(self.root / f"slurmd-{node}.pid").read_text().strip()))
        deadline = time.time() + timeout
        while time.time() < deadline:
            out = subprocess.run(["sinfo", "-h", "-o", "%T %D"], capture_output=True, text=True).stdout.split()
            if out[:1] == ["idle"] and out[1:2] == [str(len(self.nodes))]:
                return self
            time.sleep(0.5)
        raise RuntimeError(f"the SLURM test cluster did not come up: {self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        out = []
        for log in sorted((self.root / "log").glob("*.log")):
            out.append(f"== {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(out)

    def stop(self) -> None:
        # Only the daemons this object started, by their pids; then wait for them to exit.
        for pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        deadline = time.time() + 20
        for pid in self.pids:
            while time.time() < deadline and _alive(pid):
                time.sleep(0.2)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.pids.clear()
        if self.munge_dir is not None:
            shutil.rmtree(self.munge_dir, ignore_errors=True)
            self.munge_dir = None
        if self._old_conf is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = self._old_conf

    def __enter__(self) -> MiniCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie of ours still "exists": reap it if it is our child
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return Path(f"/proc/{pid}").exists()


def _wait_for_file(path: Path, timeout: float = 20) -> Path:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and path.read_text().strip():
            return path
        time.sleep(0.1)
    raise RuntimeError(f"{path} did not appear")
