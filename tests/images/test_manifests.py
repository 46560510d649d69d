"""Images, compose.yaml and Apptainer definitions agree with the lab manifests (labs/<lab>/lab.yaml), both ways.

One source of truth per fact: a lab's image tag lives in its lab.yaml; the CUDA version in images/base/Dockerfile;
torch's in requirements/torch-version.txt. These tests fail when any copy drifts.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml
from images_helpers import (
    IMAGES,
    REPO,
    UNITS,
    cuda_tag,
    lab_names,
    project_version,
    require_system,
    torch_version,
)

LABS = lab_names()
LABELS = (
    "org.opencontainers.image.source",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.version",
    "org.open-r1.lab",
    "org.open-r1.cuda",
    "org.open-r1.torch",
)
SECRET_NAMES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "WANDB_API_KEY", "E2B_API_KEY", "MORPH_API_KEY")


def manifest(lab: str) -> dict:
    return yaml.safe_load((REPO / "labs" / lab / "lab.yaml").read_text())


def expected_image(lab: str, version: str = "{version}") -> str:
    return f"ghcr.io/open-r1-labs/open-r1:{version}-{lab}-{cuda_tag()}-torch{torch_version()}"


def interpolate(value: str) -> str:
    """Compose's `${VAR:-default}` with an empty environment."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)


def compose() -> dict:
    return yaml.safe_load((REPO / "compose.yaml").read_text())


# ---------------------------------------------------------------------------------------------------------------
# tags


@pytest.mark.parametrize("lab", LABS)
def test_lab_image_tag_names_the_cuda_and_torch_the_image_has(lab):
    assert manifest(lab)["image"] == expected_image(lab), (
        f"labs/{lab}/lab.yaml image: must be {expected_image(lab)!r} (CUDA from images/base/Dockerfile, torch from "
        "requirements/torch-version.txt)"
    )


@pytest.mark.parametrize("lab", LABS)
def test_build_script_prints_the_manifest_tags(lab):
    out = subprocess.run(
        ["images/build.sh", "--print-tags", lab, "--flavour", "cpu"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] == expected_image(lab, project_version()).replace(f"-{cuda_tag()}-", "-cpu-")
    assert re.fullmatch(rf"ghcr\.io/open-r1-labs/open-r1:[0-9a-f]{{12}}-{lab}-cpu|.*unknown.*", out[1]), out[1]


def test_registry_comes_from_the_environment():
    env = {"PATH": "/usr/bin:/bin", "OPEN_R1_REGISTRY": "registry.example.org/me"}
    out = subprocess.run(
        ["images/build.sh", "--print-tags", "grpo-math", "--flavour", "cpu"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(tag.startswith("registry.example.org/me/open-r1:") for tag in out), out


# ---------------------------------------------------------------------------------------------------------------
# Dockerfiles


def dockerfiles() -> list:
    return sorted(IMAGES.glob("*/Dockerfile"))


def test_every_lab_has_an_image_and_every_image_is_a_lab_or_a_parent():
    folders = {p.parent.name for p in dockerfiles()}
    assert folders == set(LABS) | {"base", "core"}, folders


def test_base_is_pinned_by_digest_with_provenance():
    text = (IMAGES / "base" / "Dockerfile").read_text()
    for arg in ("BASE_IMAGE", "BUILD_IMAGE"):
        m = re.search(rf"^ARG {arg}=(\S+)$", text, re.M)
        assert m and re.search(r"nvidia/cuda:\d+\.\d+\.\d+-cudnn-\w+-ubuntu\d\d\.04@sha256:[0-9a-f]{64}$", m.group(1))
    assert "could NOT be verified" in text  # says where the digests came from and who checks them
    assert "AS build" in text and "COPY --from=build /opt/venv /opt/venv" in text  # multi-stage


@pytest.mark.parametrize("lab", LABS)
def test_lab_dockerfile_labels_user_and_image_json(lab):
    text = (IMAGES / lab / "Dockerfile").read_text()
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.M)
    for label in LABELS:
        assert f"{label}=" in text, f"images/{lab}/Dockerfile lacks the label {label}"
    assert f'org.open-r1.lab="{lab}"' in text
    assert "/etc/open-r1/image.json" in text
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] == "1000", "the last USER must be the numeric non-root user 1000"


def test_core_dockerfile_entrypoint_healthcheck_docs():
    text = (IMAGES / "core" / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["tini", "--", "open-r1"]' in text
    assert re.search(r'^HEALTHCHECK .*CMD \["open-r1", "doctor"\]$', text, re.M)
    assert "COPY docs /opt/open-r1/docs" in text and "OPEN_R1_DOCS=/opt/open-r1/docs" in text
    assert re.findall(r"^USER (\S+)$", text, re.M)[-1] == "1000"


@pytest.mark.parametrize("lab", ["grpo-code", "ioi-eval"])
def test_sandbox_labs_install_bubblewrap_and_gpp(lab):
    text = (IMAGES / lab / "Dockerfile").read_text()
    assert "bubblewrap" in text and "g++" in text


def test_lighteval_lives_in_its_own_venv():
    for lab in LABS:
        text = (IMAGES / lab / "Dockerfile").read_text()
        if "lighteval" in text:
            assert "uv venv" in text and "/opt/lighteval" in text
    assert "/opt/lighteval" not in (IMAGES / "base" / "Dockerfile").read_text()


@pytest.mark.parametrize("path", [p.relative_to(REPO) for p in sorted(IMAGES.glob("*/Dockerfile"))], ids=str)
def test_no_secret_enters_a_build(path):
    text = (REPO / path).read_text()
    for name in SECRET_NAMES:
        assert not re.search(rf"^(ARG|ENV)\b.*\b{name}\b", text, re.M), f"{path}: {name} in ARG/ENV"
    # the proxy CA only ever arrives as a build secret (a tmpfs mount, never a layer)
    for line in text.splitlines():
        if "pipcert" in line and "/run/secrets/pipcert" not in line:
            assert "--mount=type=secret,id=pipcert" in line, f"{path}: {line.strip()}"
    assert not re.search(r"^(COPY|ADD)\b.*(\.crt|\.pem|cert)", text, re.M | re.I)


# ---------------------------------------------------------------------------------------------------------------
# compose.yaml


def test_compose_has_a_service_per_lab_and_nothing_else_unexplained():
    services = compose()["services"]
    by_image = {}
    for name, service in services.items():
        by_image.setdefault(interpolate(service["image"]), []).append(name)
    for lab in LABS:
        image = manifest(lab)["image"].replace("{version}", project_version())
        assert lab in services, f"compose.yaml has no service '{lab}'"
        assert interpolate(services[lab]["image"]) == image, f"service {lab} runs another image than its lab.yaml"
    lab_images = {manifest(lab)["image"].replace("{version}", project_version()) for lab in LABS}
    for image, names in by_image.items():
        assert image in lab_images, f"compose services {names} use {image}, which no lab.yaml names"
    assert set(services) == set(LABS) | {"docs", "sandbox"}, sorted(services)


@pytest.mark.parametrize("lab", LABS)
def test_compose_lab_service_gpus_shm_volumes_secrets(lab):
    service = compose()["services"][lab]
    devices = service["deploy"]["resources"]["reservations"]["devices"]
    assert any(d["driver"] == "nvidia" and "gpu" in d["capabilities"] for d in devices)
    assert service["shm_size"]
    targets = [v.split(":")[1] for v in service["volumes"]]
    assert "/cache/huggingface" in targets and "/workspace/runs" in targets
    env = service["environment"]
    for name in ("HF_TOKEN", "WANDB_API_KEY"):
        assert name in env, f"{lab}: {name} is not passed through"  # by name: the value stays in your shell
    assert not any(str(e).split("=")[0] in SECRET_NAMES and "=" in str(e) for e in env), "a secret value in compose"
    assert service["command"][:3] == ["lab", "run", lab]


def test_compose_docs_and_sandbox_services():
    services = compose()["services"]
    assert services["docs"]["command"][:2] == ["docs", "serve"]
    assert services["sandbox"]["command"][:2] == ["sandbox", "serve"]
    assert "bubblewrap" in (IMAGES / "grpo-code" / "Dockerfile").read_text()  # the sandbox image can isolate
    assert "grpo-code" in services["sandbox"]["image"]
    from open_r1.runtimes.containers import SANDBOX_LABS, SANDBOX_SECURITY_OPTS

    for name in ("sandbox", *SANDBOX_LABS):  # what bubblewrap needs inside a container, as the runner passes it
        assert set(services[name]["security_opt"]) == set(SANDBOX_SECURITY_OPTS), name


def test_compose_config_validates():
    tool = shutil.which("podman-compose") or shutil.which("docker-compose")
    require_system("podman-compose", tool is not None, "pip install podman-compose, or run scripts/ci/containers.sh")
    result = subprocess.run(
        [tool, "-f", "compose.yaml", "config"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/home/someone"},
    )
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    assert set(rendered["services"]) == set(LABS) | {"docs", "sandbox"}
    assert rendered["services"]["grpo-math"]["image"] == manifest("grpo-math")["image"].replace(
        "{version}", project_version()
    )


# ---------------------------------------------------------------------------------------------------------------
# Apptainer definitions


@pytest.mark.parametrize("lab", LABS)
def test_apptainer_definition(lab):
    path = IMAGES / lab / "apptainer.def"
    text = path.read_text()
    header = dict(re.findall(r"^(Bootstrap|From): *(.+?) *$", text, re.M))
    assert header["Bootstrap"] == "docker"
    image = (
        manifest(lab)["image"].replace("ghcr.io/open-r1-labs", "{{ REGISTRY }}").replace("{version}", "{{ VERSION }}")
    )
    assert header["From"] == image, f"{path}: From must be the lab's image {image}"
    sections = re.findall(r"^%(\w+)", text, re.M)
    assert {"arguments", "labels", "help", "runscript", "test"} <= set(sections), sections
    assert 'exec open-r1 "$@"' in text and "open-r1 doctor" in text
    assert not re.search(r"^\s+VERSION=", text, re.M), (
        "VERSION must come from --build-arg (the .sif names its release)"
    )


@pytest.mark.parametrize("lab", LABS)
def test_apptainer_definition_parses_with_spython(lab):
    spython = shutil.which("spython")
    require_system("spython", spython is not None, "pip install spython, or run scripts/ci/containers.sh")
    result = subprocess.run(
        [spython, "recipe", "--parser", "singularity", "--writer", "docker", str(IMAGES / lab / "apptainer.def")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # spython lowercases template variables; the rest must survive the round trip
    assert re.search(
        rf"^FROM \{{\{{ registry \}}\}}/open-r1:\{{\{{ version \}}\}}-{lab}-cu\d+-torch", result.stdout, re.M | re.I
    ), result.stdout
    assert f"LABEL org.open-r1.lab {lab}" in result.stdout
    assert 'exec open-r1 "$@"' in result.stdout


# ---------------------------------------------------------------------------------------------------------------
# Justfile


def test_justfile_has_the_image_recipes():
    text = (REPO / "Justfile").read_text()
    for recipe in ("build", "push", "pull", "sif", "image-test"):
        m = re.search(rf"^(# .+)\n{re.escape(recipe)}\b.*:", text, re.M)
        assert m, f"Justfile: no commented recipe '{recipe}'"


@pytest.mark.parametrize("lab", LABS)
def test_every_lab_image_has_its_own_units(lab):
    """docker-stacks style: each image is tested from the inside by its own scripts (plus its ancestors')."""
    assert sorted((UNITS / lab).glob("unit_*.py")), f"tests/images/units/{lab}/ has no unit_*.py"
