"""The runner's container runtimes (open_r1/labs/runtimes/containers.py): the command lines they build, without engines.

The real runs (podman, the CPU image, no network) are in test_image_build.py; here every runtime's command is checked,
docker and apptainer included, which this machine cannot run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from open_r1.core.errors import ConfigError
from open_r1.labs.manifest import load_lab
from open_r1.labs.runner import run_lab
from open_r1.labs.runtimes import containers

PLANTED = "hf_PLANTED-runtime-secret-0123456789"


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in (
        *containers.PASSTHROUGH_ENV,
        "OPEN_R1_IMAGE",
        "OPEN_R1_REGISTRY",
        "OPEN_R1_CONTAINER_NETWORK",
        "OPEN_R1_CONTAINER_ARGS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPEN_R1_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_TOKEN", PLANTED)
    return tmp_path


def command(runtime, profile="nano", overrides=(), options=None, digest=None, run_dir=None, lab="grpo-math"):
    manifest = load_lab(lab)
    return containers.container_command(
        runtime, manifest, profile, list(overrides), run_dir or Path("/tmp/r"), options or {}, digest
    )


def pairs(cmd):
    return list(zip(cmd, cmd[1:], strict=False))


@pytest.mark.parametrize("runtime", ["docker", "podman"])
def test_nano_command_line(env, runtime):
    cmd, child_env = command(runtime, overrides=["--max_steps", "10"], digest="sha256:abc", run_dir=env / "run")
    image = load_lab("grpo-math").image.replace("{version}", containers.__version__)
    assert cmd[:4] == [runtime, "run", "--rm", "--no-healthcheck"]
    assert ("--network", "none") in pairs(cmd)  # the nano profile is offline by design: prove it
    assert ("--shm-size", "1g") in pairs(cmd)
    assert ("-v", f"{env / 'run'}:/workspace/run") in pairs(cmd)
    assert ("-v", f"{env / 'cache'}:/cache/open-r1") in pairs(cmd)
    assert ("-v", f"{env / 'hf'}:/cache/huggingface") in pairs(cmd)
    assert ("-e", "OPEN_R1_IMAGE_DIGEST=sha256:abc") in pairs(cmd)
    tail = cmd[cmd.index(image) :]
    assert tail == [
        image,
        "lab",
        "run",
        "grpo-math",
        "--profile",
        "nano",
        "--runtime",
        "native",
        "--run-dir",
        "/workspace/run",
        "--",
        "--max_steps",
        "10",
    ]
    assert not any(flag in cmd for flag in ("--gpus", "--device"))
    assert child_env == {}


def test_secrets_pass_by_name_only(env):
    for runtime in ("docker", "podman", "apptainer"):
        cmd, child_env = command(runtime)
        assert PLANTED not in " ".join(cmd), f"{runtime}: the token's value is on the command line"
        if runtime == "apptainer":
            assert child_env == {"APPTAINERENV_HF_TOKEN": PLANTED}
        else:
            assert ("-e", "HF_TOKEN") in pairs(cmd)


def test_user_mapping(env, monkeypatch):
    monkeypatch.setattr(os, "getuid", lambda: 1234)
    monkeypatch.setattr(os, "getgid", lambda: 1234)
    assert ("--user", "1234:1234") in pairs(command("docker")[0])
    assert ("--userns", "keep-id") in pairs(command("podman")[0])  # rootless podman maps your uid through
    monkeypatch.setattr(os, "getuid", lambda: 0)
    monkeypatch.setattr(os, "getgid", lambda: 0)
    assert ("--user", "0:0") in pairs(command("podman")[0])


def test_full_profile_asks_for_gpus(env):
    docker = command("docker", profile="full")[0]
    assert ("--gpus", "all") in pairs(docker) and "--network" not in docker and ("--shm-size", "16g") in pairs(docker)
    podman = command("podman", profile="full")[0]
    assert ("--device", "nvidia.com/gpu=all") in pairs(podman)
    apptainer = command("apptainer", profile="full")[0]
    assert "--nv" in apptainer


def test_apptainer_command_line(env):
    cmd, _ = command("apptainer", options={"image": "build/sif/grpo-math.sif"}, run_dir=env / "run", digest="sif:x")
    assert cmd[:3] == ["apptainer", "exec", "--cleanenv"]
    binds = cmd[cmd.index("--bind") + 1].split(",")
    assert binds == [
        f"{env / 'run'}:/workspace/run",
        f"{env / 'cache'}:/cache/open-r1",
        f"{env / 'hf'}:/cache/huggingface",
    ]
    assert ("--env", "OPEN_R1_IMAGE_DIGEST=sif:x") in pairs(cmd)
    assert "--nv" not in cmd
    i = cmd.index("build/sif/grpo-math.sif")
    assert cmd[i + 1 : i + 4] == ["open-r1", "lab", "run"]
    # without --image, the registry image through docker://
    cmd, _ = command("apptainer")
    assert any(part.startswith("docker://ghcr.io/open-r1-labs/open-r1:") for part in cmd)


def test_image_choice(env, monkeypatch):
    def image_of(cmd):
        return next(part for part in cmd if "open-r1:" in part or part.startswith("local/"))

    assert image_of(command("podman", options={"image": "local/x:1"})[0]) == "local/x:1"
    monkeypatch.setenv("OPEN_R1_REGISTRY", "registry.example.org/me/")
    assert image_of(command("podman")[0]).startswith("registry.example.org/me/open-r1:")
    monkeypatch.setenv("OPEN_R1_IMAGE", "local/y:2")
    assert image_of(command("podman")[0]) == "local/y:2"


def test_network_and_extra_args_overrides(env, monkeypatch):
    monkeypatch.setenv("OPEN_R1_CONTAINER_NETWORK", "host")
    monkeypatch.setenv("OPEN_R1_CONTAINER_ARGS", "--security-opt seccomp=unconfined")
    cmd = command("docker")[0]
    assert ("--network", "host") in pairs(cmd) and ("--security-opt", "seccomp=unconfined") in pairs(cmd)


def test_run_lab_dry_run_goes_through_the_runtime(env, monkeypatch, capsys):
    import open_r1.labs.runner

    monkeypatch.setattr(open_r1.labs.runner, "_precheck", lambda *a, **k: None)  # the recipe check is tested elsewhere
    result = run_lab("grpo-math", "nano", "docker", ["--max_steps", "10"], run_dir=str(env / "run"), dry_run=True)
    assert result["command"][:2] == ["docker", "run"]
    assert "$ docker run --rm" in capsys.readouterr().err  # --dry-run prints the command it would run
    assert not (env / "run").exists()  # a dry run creates nothing


def test_missing_engine_is_a_clear_error(env, monkeypatch):
    monkeypatch.setenv("PATH", str(env / "empty"))
    with pytest.raises(ConfigError, match="'apptainer' is not installed here"):
        containers.launch("apptainer", load_lab("grpo-math"), "nano", [], env / "run", {}, dry_run=False)


def test_sandbox_labs_get_the_security_options_bubblewrap_needs(env):
    code = command("podman", lab="grpo-code")[0]
    for opt in containers.SANDBOX_SECURITY_OPTS:
        assert ("--security-opt", opt) in pairs(code)
    assert "--security-opt" not in command("podman")[0]  # grpo-math runs no untrusted code


def test_sandbox_labs_are_the_images_with_bubblewrap(env):
    """One fact, one place: a lab's `image_extras: [sandbox]` both installs bubblewrap and relaxes the engine for it."""
    from images_helpers import lab_names

    relaxed = {lab for lab in lab_names() if "--security-opt" in command("podman", lab=lab)[0]}
    assert relaxed == {lab for lab in lab_names() if "sandbox" in load_lab(lab).image_extras}
    # the labs whose rewards run model-written programs (the pipeline lab's RL stages include code problems)
    assert relaxed == {"grpo-code", "ioi-eval", "pipeline"}
