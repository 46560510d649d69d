"""Images, compose.yaml and Apptainer definitions agree with the lab manifests (labs/<lab>/lab.yaml), both ways.

One source of truth per fact: a lab's image tag, title and what its image adds to core (`image_extras`) live in its
lab.yaml, read by images/build.sh and images/sif.sh for the one shared lab Dockerfile and Apptainer definition
(images/lab/); the CUDA version in images/base/Dockerfile; torch's in requirements/torch-version.txt. These tests fail
when any copy drifts.
"""

from __future__ import annotations

import re
import shlex
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
    unit_dirs,
)

from open_r1.labs.manifest import IMAGE_EXTRAS, load_lab

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


LAB_DOCKERFILE = IMAGES / "lab" / "Dockerfile"


def lab_stages() -> dict[str, str]:
    """images/lab/Dockerfile cut into its stages: name → the stage's instructions (FROM included, comments not)."""
    lines = [line for line in LAB_DOCKERFILE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    parts = re.split(r"^(?=FROM )", "\n".join(lines) + "\n", flags=re.M)[1:]
    return {re.match(r"FROM \S+ AS (\S+)", part).group(1): part for part in parts}


def extra_switches() -> dict[str, str]:
    """The extras images/lab/Dockerfile can add: switch build arg (declared before the first FROM) → extra name."""
    preamble = LAB_DOCKERFILE.read_text().split("\nFROM ", 1)[0]
    return {arg: arg.lower().replace("_", "-") for arg in re.findall(r"^ARG ([A-Z_]+)=0$", preamble, re.M)}


def test_images_are_base_core_and_one_shared_lab_image():
    """No per-lab image folder: what a lab's image adds is in its manifest (image_extras), not in a Dockerfile."""
    assert {p.parent.name for p in dockerfiles()} == {"base", "core", "lab"}
    assert not [lab for lab in LABS if (IMAGES / lab).exists()], "images/<lab>/ is back: use images/lab/ + lab.yaml"


def test_base_is_pinned_by_digest_with_provenance():
    text = (IMAGES / "base" / "Dockerfile").read_text()
    for arg in ("BASE_IMAGE", "BUILD_IMAGE"):
        m = re.search(rf"^ARG {arg}=(\S+)$", text, re.M)
        assert m and re.search(r"nvidia/cuda:\d+\.\d+\.\d+-cudnn-\w+-ubuntu\d\d\.04@sha256:[0-9a-f]{64}$", m.group(1))
    assert "could NOT be verified" in text  # says where the digests came from and who checks them
    assert "AS build" in text and "COPY --from=build /opt/venv /opt/venv" in text  # multi-stage


def test_lab_dockerfile_labels_user_and_image_json():
    text = LAB_DOCKERFILE.read_text()
    stages = lab_stages()
    assert re.search(r"^FROM \$\{BASE_IMAGE\} AS core$", text, re.M)
    final = list(stages)[-1]
    assert final == "lab", "the stamping stage comes last: it is what gets tagged"
    stamp = stages[final]
    for label in LABELS:
        assert f"{label}=" in stamp, f"images/lab/Dockerfile lacks the label {label}"
    assert 'org.open-r1.lab="${LAB}"' in stamp and 'org.opencontainers.image.title="open-r1 ${LAB}"' in stamp
    assert 'org.opencontainers.image.description="${TITLE}"' in stamp
    assert re.search(r"^ARG LAB$", stamp, re.M) and re.search(r"^ARG TITLE$", stamp, re.M), "no default lab"
    assert "/etc/open-r1/image.json" in stamp and "OPEN_R1_GIT_SHA=${REVISION}" in stamp
    for name, stage in stages.items():  # every stage hands the next one the run-time user, as core does
        users = re.findall(r"^USER (\S+)$", stage, re.M)
        assert not users or users[-1] == "1000", f"stage {name} ends as USER {users[-1]}"
    assert re.findall(r"^USER (\S+)$", text, re.M)[-1] == "1000", "the last USER must be the numeric user 1000"


def test_image_extras_are_the_lab_dockerfile_stages():
    """open_r1.labs.IMAGE_EXTRAS (what lab.yaml may ask for) and the Dockerfile's switchable stages agree, both ways."""
    switches = extra_switches()
    assert set(switches.values()) == set(IMAGE_EXTRAS), (switches, IMAGE_EXTRAS)
    stages = lab_stages()
    for switch, extra in switches.items():
        assert {f"{extra}-0", f"{extra}-1"} <= set(stages), f"extra {extra}: no stages {extra}-0 / {extra}-1"
        assert stages[f"{extra}-0"].count("\n") == 1, f"{extra}-0 must add nothing (it is the extra switched off)"
        # the switch picks one of the pair, and each extra builds on the one before it: a chain, core → … → lab
        assert re.search(rf"^FROM {re.escape(extra)}-\$\{{{switch}\}} AS ", LAB_DOCKERFILE.read_text(), re.M), extra


@pytest.mark.parametrize("lab", LABS)
def test_build_script_derives_the_lab_build_args_from_the_manifest(lab):
    """images/build.sh reads lab.yaml without a YAML parser: its reading must equal open_r1.labs.load_lab's."""
    out = subprocess.run(
        ["images/build.sh", "--print-build-args", lab], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    loaded = load_lab(lab)
    # every switch, on or off (buildah < 1.29 would skip the stage that a switch's default picks)
    switches = [f"{switch}={int(extra in loaded.image_extras)}" for switch, extra in extra_switches().items()]
    assert out == [f"LAB={lab}", f"TITLE={loaded.title}", *switches]


def test_build_script_refuses_an_extra_the_dockerfile_lacks(tmp_path):
    labs = tmp_path / "repo"
    shutil.copytree(REPO / "images", labs / "images")
    shutil.copytree(REPO / "labs" / "grpo-math", labs / "labs" / "grpo-math")
    manifest_file = labs / "labs" / "grpo-math" / "lab.yaml"
    manifest_file.write_text(manifest_file.read_text() + "image_extras: [sandbox, jupyter]\n")
    result = subprocess.run(
        ["images/build.sh", "--print-build-args", "grpo-math"], cwd=labs, capture_output=True, text=True
    )
    assert result.returncode != 0 and "jupyter" in result.stderr, result.stderr


@pytest.mark.parametrize("lab", ["grpo-code", "ioi-eval"])
def test_code_labs_have_the_sandbox(lab):
    """Their rewards run model-written programs: the image needs bubblewrap (isolation) and g++ (C++ submissions)."""
    assert "sandbox" in load_lab(lab).image_extras
    stage = lab_stages()["sandbox-1"]
    assert "bubblewrap" in stage and "g++" in stage


def test_lighteval_lives_in_its_own_venv():
    stage = lab_stages()["lighteval-1"]
    assert "uv venv" in stage and "/opt/lighteval" in stage and "OPEN_R1_LIGHTEVAL=" in stage
    for name, other in lab_stages().items():
        assert name == "lighteval-1" or "lighteval/" not in other, f"stage {name} installs lighteval"
    assert "/opt/lighteval" not in (IMAGES / "base" / "Dockerfile").read_text()
    assert "/opt/lighteval" not in (IMAGES / "core" / "Dockerfile").read_text()


def test_core_dockerfile_entrypoint_healthcheck_docs():
    text = (IMAGES / "core" / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["tini", "--", "open-r1"]' in text
    assert re.search(r'^HEALTHCHECK .*CMD \["open-r1", "doctor"\]$', text, re.M)
    assert "COPY docs /opt/open-r1/docs" in text and "OPEN_R1_DOCS=/opt/open-r1/docs" in text
    assert re.findall(r"^USER (\S+)$", text, re.M)[-1] == "1000"


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
    assert "sandbox" in load_lab("grpo-code").image_extras  # the sandbox service's image can isolate (bubblewrap)
    assert "grpo-code" in services["sandbox"]["image"]
    from open_r1.labs.runtimes.containers import SANDBOX_SECURITY_OPTS

    sandbox_labs = [lab for lab in LABS if "sandbox" in load_lab(lab).image_extras]
    for name in ("sandbox", *sandbox_labs):  # what bubblewrap needs inside a container, as the runner passes it
        assert set(services[name]["security_opt"]) == set(SANDBOX_SECURITY_OPTS), name
    for name in set(LABS) - set(sandbox_labs):  # and only there: the others keep the engine's confinement
        assert "security_opt" not in services[name], name


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


APPTAINER_DEF = IMAGES / "lab" / "apptainer.def"
TEMPLATE_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")  # Apptainer's build-arg syntax (>= 1.2)


def sif_command(lab: str, *args: str, env: dict | None = None) -> list[str]:
    """The command images/sif.sh would run (its --dry-run prints it, shell-quoted)."""
    out = subprocess.run(
        ["images/sif.sh", lab, "--dry-run", *args], cwd=REPO, capture_output=True, text=True, check=True, env=env
    ).stdout
    return shlex.split(out)


def build_args(cmd: list[str]) -> dict[str, str]:
    return dict(cmd[i + 1].split("=", 1) for i, part in enumerate(cmd) if part == "--build-arg")


def render(text: str, args: dict[str, str]) -> str:
    """The definition as Apptainer sees it: every variable from --build-arg, else from the %arguments defaults."""
    defaults = {}
    if m := re.search(r"^%arguments\n((?:[ \t].*\n|\n)*)", text, re.M):
        defaults = dict(line.strip().split("=", 1) for line in m.group(1).splitlines() if "=" in line)
    return TEMPLATE_VAR.sub(lambda v: {**defaults, **args}[v.group(1)], text)


def test_apptainer_definition_is_one_template():
    text = APPTAINER_DEF.read_text()
    header = dict(re.findall(r"^(Bootstrap|From): *(.+?) *$", text, re.M))
    assert header == {"Bootstrap": "docker", "From": "{{ IMAGE }}"}
    sections = re.findall(r"^%(\w+)", text, re.M)
    assert {"labels", "help", "runscript", "test"} <= set(sections), sections
    assert 'exec open-r1 "$@"' in text and "open-r1 doctor" in text
    assert "%arguments" not in text, "no defaults: the .sif must name the release (IMAGE) and the lab it holds"
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))  # the header shows an example
    assert not [lab for lab in LABS if lab in body], "the definition names a lab: it must come from a build arg"


@pytest.mark.parametrize("lab", LABS)
def test_sif_script_fills_the_definition_from_the_manifest(lab):
    cmd = sif_command(lab)
    assert cmd[:3] == ["apptainer", "build", "--force"]
    assert cmd[-2:] == [f"build/sif/{lab}.sif", "images/lab/apptainer.def"]
    args = build_args(cmd)
    used = set(TEMPLATE_VAR.findall(APPTAINER_DEF.read_text()))
    # Apptainer stops on a build arg the definition does not use, and on a variable nothing defines
    assert set(args) == used, (sorted(args), sorted(used))
    text = render(APPTAINER_DEF.read_text(), args)
    assert re.search(rf"^From: {re.escape(expected_image(lab, project_version()))}$", text, re.M), text
    assert re.search(rf"^    org\.open-r1\.lab {lab}$", text, re.M)
    assert f"open-r1 {lab} lab: {load_lab(lab).title}." in text


def test_sif_script_uses_the_registry_from_the_environment():
    env = {"PATH": "/usr/bin:/bin", "OPEN_R1_REGISTRY": "registry.example.org/me"}
    assert build_args(sif_command("grpo-math", env=env))["IMAGE"].startswith("registry.example.org/me/open-r1:")
    local = sif_command("grpo-math", "--local", "--flavour", "cpu", env=env)
    assert local[-1] == "docker-archive:build/sif/grpo-math.tar" and "--build-arg" not in local


@pytest.mark.parametrize("lab", LABS)
def test_apptainer_definition_parses_with_spython(lab, tmp_path):
    spython = shutil.which("spython")
    require_system("spython", spython is not None, "pip install spython, or run scripts/ci/containers.sh")
    rendered = tmp_path / f"{lab}.def"
    rendered.write_text(render(APPTAINER_DEF.read_text(), build_args(sif_command(lab))))
    result = subprocess.run(
        [spython, "recipe", "--parser", "singularity", "--writer", "docker", str(rendered)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(rf"^FROM {re.escape(expected_image(lab, project_version()))}( AS \S+)?$", result.stdout, re.M), (
        result.stdout
    )
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
    """docker-stacks style: each image is tested from the inside by its own scripts (plus its ancestors'); a lab's
    own are those in units/<lab>/ and those of its image extras (units/extra-<name>/)."""
    own = [d for d in unit_dirs(lab) if d.name == lab or d.name.startswith("extra-")]
    assert [f for d in own for f in d.glob("unit_*.py")], f"no unit_*.py in tests/images/units/{lab}/ or its extras'"


@pytest.mark.parametrize("extra", IMAGE_EXTRAS)
def test_every_image_extra_has_its_units(extra):
    assert sorted((UNITS / f"extra-{extra}").glob("unit_*.py")), f"tests/images/units/extra-{extra}/ has no unit_*.py"
