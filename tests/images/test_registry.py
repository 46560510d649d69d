"""A lab image through a real registry: `just push`, remove, `just pull`, run, and the run card names what was pushed.

The registry is Debian's `docker-registry` (the CNCF distribution server that Docker Hub and GHCR descend from),
started on loopback for this module with what real registries have: TLS, with a certificate from a CA generated
here (podman trusts it only through `--cert-dir`, never system-wide), and HTTP basic auth (htpasswd, bcrypt) with
a random password. The steps, each what a user types:

1. the CPU-flavour lab image: images/build.sh (cached layers when test_image_build.py built it in this session),
   then tagged with the registry's names, which is all a build with OPEN_R1_REGISTRY set does differently;
2. without the CA, or without logging in, a push fails (so TLS and auth are really on); `podman login` with the
   password on stdin; `just push <lab> --flavour cpu` prints each tag with the manifest digest the registry stored,
   and the registry's API answers the same digest for the tag;
3. the image is removed here, `just pull <lab> --flavour cpu` fetches it again (same digest);
4. the nano lab runs from the pulled image (`open-r1 lab run --runtime podman --image <registry tag>`, offline,
   a small budget) and its run card's image digest is the pushed manifest digest;
5. `just sif <lab> --flavour cpu --dry-run` renders the Apptainer build from that registry (Apptainer itself cannot
   be installed here: no package in Debian 12 or PyPI);
6. the password (plain, and base64 as auth files store it) appears in no command output, registry log, run card,
   manifest, image config or layer in the registry's storage.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import ipaddress
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from images_helpers import REPO, podman, require_podman, require_system, torch_version

pytestmark = [pytest.mark.system, pytest.mark.slow]

LAB = os.environ.get("OPEN_R1_IMAGE_TEST_LAB", "grpo-math")
JUST = [str(REPO / "just")]  # the README's way in: the venv's just, set up first when needed
NAMESPACE = "open-r1-labs"
USER = "open-r1-ci"
# the smallest run that still trains and scores (the full nano run is test_image_build.py's)
NANO_OVERRIDES = ["--max_steps", "2", "--heldout_samples", "8"] if LAB == "grpo-math" else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tls(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate it signs for localhost / 127.0.0.1: (ca.crt, server.crt, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "open-r1 test registry CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = folder / "ca.crt", folder / "server.crt", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    paths[2].chmod(0o600)
    return paths


@dataclass
class Registry:
    host: str  # localhost:<port>
    password: str
    root: Path  # the registry's storage
    log: Path
    ca: Path
    cert_dir: Path  # holds ca.crt only: podman --cert-dir (OPEN_R1_REGISTRY_CERT_DIR)
    auth_file: Path  # written by `podman login`, outside the repository and the run folders

    def api(self, path: str, accept: str = "") -> urllib.request.Request:
        request = urllib.request.Request(f"https://{self.host}{path}")
        token = base64.b64encode(f"{USER}:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        if accept:
            request.add_header("Accept", accept)
        return request

    def open(self, request: urllib.request.Request):
        return urllib.request.urlopen(request, timeout=30, context=ssl.create_default_context(cafile=self.ca))


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    require_podman()
    server = shutil.which("docker-registry")
    require_system(
        "docker-registry", server is not None, "apt-get install docker-registry, or scripts/ci/containers.sh"
    )
    import bcrypt

    folder = tmp_path_factory.mktemp("registry")
    ca, cert, key = make_tls(folder)
    cert_dir = folder / "certs"
    cert_dir.mkdir()
    shutil.copy(ca, cert_dir / "ca.crt")
    password = "pw-" + secrets.token_urlsafe(24)
    (folder / "htpasswd").write_text(
        f"{USER}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()}\n"
    )
    port = free_port()
    config = {
        "version": 0.1,
        "log": {"level": "info", "formatter": "text"},
        "storage": {"filesystem": {"rootdirectory": str(folder / "storage")}, "delete": {"enabled": True}},
        "http": {"addr": f"127.0.0.1:{port}", "tls": {"certificate": str(cert), "key": str(key)}},
        "auth": {"htpasswd": {"realm": "open-r1-test", "path": str(folder / "htpasswd")}},
    }
    (folder / "config.yml").write_text(json.dumps(config))  # YAML is a superset of JSON
    log = folder / "registry.log"
    with open(log, "w") as out:
        process = subprocess.Popen([server, "serve", str(folder / "config.yml")], stdout=out, stderr=subprocess.STDOUT)
    reg = Registry(f"localhost:{port}", password, folder / "storage", log, ca, cert_dir, folder / "auth.json")
    # an auth file with no logins yet (podman refuses a REGISTRY_AUTH_FILE that does not exist); `podman login` fills it
    reg.auth_file.write_text('{"auths": {}}')
    reg.auth_file.chmod(0o600)
    try:
        deadline = time.time() + 30
        while True:  # up when /v2/ answers over TLS (401 without credentials, 200 with them)
            try:
                with reg.open(reg.api("/v2/")) as response:
                    assert response.status == 200
                break
            except (urllib.error.URLError, ConnectionError) as exc:
                if process.poll() is not None or time.time() > deadline:
                    pytest.fail(f"docker-registry did not start ({exc}):\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield reg
    finally:
        process.terminate()
        process.wait(timeout=30)
        podman("logout", "--authfile", str(reg.auth_file), reg.host, check=False)


def registry_env(reg: Registry) -> dict[str, str]:
    return {
        **os.environ,
        "ENGINE": "podman",
        "OPEN_R1_REGISTRY": f"{reg.host}/{NAMESPACE}",
        "OPEN_R1_REGISTRY_CERT_DIR": str(reg.cert_dir),
        "REGISTRY_AUTH_FILE": str(reg.auth_file),
    }


def run(cmd: list[str], env: dict[str, str], log: list[str], timeout: float = 1800, **kwargs):
    """Run a step, keep its whole output for the secret scan, fail with its tail."""
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, **kwargs)
    log.append(result.stdout + result.stderr)
    return result


@dataclass
class RoundTrip:
    pushed: dict[str, str]  # tag -> manifest digest, as `just push` printed them
    pulled: tuple[str, str]  # (tag, digest) as `just pull` printed them
    card: dict
    card_text: str
    outputs: list[str]


@pytest.fixture(scope="module")
def round_trip(registry, tmp_path_factory, request) -> RoundTrip:
    outputs: list[str] = []
    env = registry_env(registry)
    build = run(
        ["nice", "-n", "19", "images/build.sh", LAB, "--flavour", "cpu"],
        {**os.environ, "ENGINE": "podman"},
        outputs,
        3000,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    local_tags = build.stdout.split()[-2:]

    def tag_for_registry() -> list[str]:
        """The registry's names for the built image, as `just push` will compute them: right before each push, since
        the SHA tag follows HEAD (a shared working tree may get a commit while the image builds)."""
        tags = run(["images/build.sh", "--print-tags", LAB, "--flavour", "cpu"], env, outputs).stdout.split()
        assert all(t.startswith(f"{registry.host}/{NAMESPACE}/") for t in tags), tags
        for remote in tags:
            podman("tag", local_tags[0], remote)
        return tags

    tags = tag_for_registry()

    # TLS and auth are really on: no CA, or no login, and the push is refused
    no_ca = run([*JUST, "push", LAB, "--flavour", "cpu"], {**env, "OPEN_R1_REGISTRY_CERT_DIR": ""}, outputs)
    assert no_ca.returncode != 0 and "certificate" in no_ca.stderr.lower(), no_ca.stderr[-2000:]
    no_login = run([*JUST, "push", LAB, "--flavour", "cpu"], env, outputs)
    assert no_login.returncode != 0 and (
        "unauthorized" in no_login.stderr.lower() or "authentication required" in no_login.stderr.lower()
    ), no_login.stderr[-2000:]
    login = run(
        ["podman", "login", "--authfile", str(registry.auth_file), "--cert-dir", str(registry.cert_dir),
         "--username", USER, "--password-stdin", registry.host],
        env, outputs, input=registry.password,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr

    tags = tag_for_registry()
    push = run([*JUST, "push", LAB, "--flavour", "cpu"], env, outputs)
    assert push.returncode == 0, push.stderr[-3000:]
    pushed = dict(line.rsplit("@", 1) for line in push.stdout.split() if "@sha256:" in line)
    assert set(pushed) == set(tags), push.stdout

    # remove the image itself, under every name it has: while any name keeps it, `pull` only re-tags it and its
    # digest stays the local one (podman lists both), which is not what the registry serves
    image_id = podman("image", "inspect", "--format", "{{.Id}}", tags[0]).stdout.strip()
    podman("rmi", "--force", image_id)
    assert podman("image", "exists", image_id, check=False).returncode == 1, "the image is still here"

    pull = run([*JUST, "pull", LAB, "--flavour", "cpu"], env, outputs)
    assert pull.returncode == 0, pull.stderr[-3000:]
    pulled_tag, pulled_digest = pull.stdout.split()[-1].rsplit("@", 1)

    request.getfixturevalue("nano_model")  # the session's nano cache ($OPEN_R1_CACHE), mounted, as in test_image_build
    root = tmp_path_factory.mktemp("pulled-run")
    name = f"open-r1-registry-test-{os.getpid()}"
    lab_env = {**registry_env(registry), "HF_HOME": str(root / "hf"), "OPEN_R1_CONTAINER_ARGS": f"--name {name}"}
    try:
        lab = run(
            ["nice", "-n", "19", sys.executable, "-m", "open_r1", "lab", "run", LAB, "--runtime", "podman",
             "--profile", "nano", "--image", pulled_tag, "--run-dir", str(root / "run"), "--", *NANO_OVERRIDES],
            lab_env, outputs,
        )  # fmt: skip
    finally:
        podman("rm", "-f", "-t", "0", name, check=False)
    assert lab.returncode == 0, f"nano lab from the pulled image failed:\n{lab.stdout[-2000:]}\n{lab.stderr[-4000:]}"
    card_text = (root / "run" / "run_card.json").read_text()
    # the local (ghcr.io) tags come back for the rest of the session: same image, other names
    for local in local_tags:
        podman("tag", pulled_tag, local)
    return RoundTrip(pushed, (pulled_tag, pulled_digest), json.loads(card_text), card_text, outputs)


def test_push_prints_the_digest_the_registry_serves(registry, round_trip):
    for tag, digest in round_trip.pushed.items():
        repo, reference = tag.split("/", 1)[1].rsplit(":", 1)
        accept = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"
        with registry.open(registry.api(f"/v2/{repo}/manifests/{reference}", accept)) as response:
            assert response.headers["Docker-Content-Digest"] == digest, tag


def test_pulled_image_has_the_pushed_digest(round_trip):
    tag, digest = round_trip.pulled
    assert digest == round_trip.pushed[tag]
    assert podman("image", "inspect", "--format", "{{.Digest}}", tag).stdout.strip() == digest


def test_run_card_records_the_pushed_digest(round_trip):
    tag, _ = round_trip.pulled
    card = round_trip.card
    assert card["image"]["digest"] == round_trip.pushed[tag], (card["image"], round_trip.pushed)
    assert card["image"]["lab"] == LAB and card["image"]["torch"] == torch_version()
    assert tag in card["lab"]["command"], "the run card's command names the registry image it ran"
    assert card["rerun"]["runtime"] == "podman"
    print(f"pushed {tag}@{round_trip.pushed[tag]}; pulled run's card image.digest {card['image']['digest']}")
    if LAB == "grpo-math":
        assert card["metrics"]["heldout_after"]["n"] == 8


def test_sif_renders_the_apptainer_build_from_the_registry(registry, round_trip):
    outputs: list[str] = []
    dry = run([*JUST, "sif", LAB, "--flavour", "cpu", "--dry-run"], registry_env(registry), outputs)
    round_trip.outputs.extend(outputs)
    assert dry.returncode == 0, dry.stderr
    command = dry.stdout.strip().splitlines()[-1]
    tag, _ = round_trip.pulled
    assert command.startswith("apptainer build --force") and f"IMAGE={tag}" in command, command
    assert "images/lab/apptainer.def" in command
    print(f"just sif --dry-run: {command}")
    if shutil.which("apptainer") is None:  # as here: a user without Apptainer gets the fix, not a stack trace
        without = run([*JUST, "sif", LAB, "--flavour", "cpu"], registry_env(registry), [])
        assert without.returncode != 0 and "needs apptainer" in without.stderr, without.stderr


def _blobs_text(root: Path):
    """Every blob the registry stores, decompressed when gzip (layers): manifests, image configs, layer files."""
    for blob in root.rglob("blobs/sha256/*/*/data"):
        with open(blob, "rb") as f:
            magic = f.read(2)
        if magic == b"\x1f\x8b":
            with gzip.open(blob) as stream, tarfile.open(fileobj=stream, mode="r|") as layer:
                for entry in layer:
                    if entry.isfile():
                        yield f"{blob.parent.name[:12]}:{entry.name}", layer.extractfile(entry).read()
        else:
            yield blob.parent.name[:12], blob.read_bytes()


def test_the_password_reaches_no_log_card_or_layer(registry, round_trip):
    needles = [registry.password.encode(), base64.b64encode(f"{USER}:{registry.password}".encode())]
    places = {f"output of step {i}": text.encode() for i, text in enumerate(round_trip.outputs)}
    places["registry log"] = registry.log.read_bytes()
    places["run card"] = round_trip.card_text.encode()
    hits = [where for where, data in places.items() if any(n in data for n in needles)]
    for where, data in _blobs_text(registry.root):
        if any(n in data for n in needles):
            hits.append(where)
    assert not hits, f"the registry password leaked into {hits[:5]}"
    # the login did happen and is stored where podman keeps it, not in the repository
    assert registry.host in json.loads(registry.auth_file.read_text())["auths"]
    assert not str(registry.auth_file).startswith(str(REPO))
