"""Lab manifests: every lab.yaml validates; the schema rejects bad manifests with the key named; runner basics."""

from __future__ import annotations

import shutil

import pytest
import yaml

from open_r1.core.errors import ConfigError
from open_r1.labs.manifest import list_labs, load_lab, resources
from open_r1.labs.runner import run_lab, train_command

LABS = ["distill", "fsdp-32b", "grpo-code", "grpo-math", "ioi-eval", "pipeline"]


def test_all_five_labs_exist_and_validate():
    assert list_labs() == LABS
    for name in LABS:
        lab = load_lab(name)
        assert lab.name == name
        assert set(lab.profiles) == {"nano", "gpu", "full"}
        assert lab.reproduces.paper and lab.reproduces.open_r1_recipe
        assert resources(lab, "full").gpus >= 8  # full profiles are the public recipes' scale
        assert resources(lab, "nano").gpus == 0  # nano profiles run on a CPU
        for profile in ("nano", "full"):
            if lab.is_pipeline:  # a folder of stage recipes (tests/test_pipeline.py)
                assert all(lab.stage_recipe(profile, s.name).is_file() for s in lab.stages)
            else:
                assert lab.recipe_path(profile).is_file()


def test_full_recipes_mirror_reference_hyperparameters():
    math = yaml.safe_load(load_lab("grpo-math").recipe_path("full").read_text())
    assert (math["model_name_or_path"], math["learning_rate"], math["num_generations"]) == (
        "Qwen/Qwen2.5-1.5B-Instruct", 2e-5, 16)
    assert (math["max_completion_length"], math["per_device_train_batch_size"], math["gradient_accumulation_steps"]) \
        == (1024, 16, 4)
    assert math["reward_funcs"] == ["accuracy", "format", "tag_count"] and math["reward_weights"] == [1.0, 1.0, 1.0]
    distill = yaml.safe_load(load_lab("distill").recipe_path("full").read_text())
    assert (distill["learning_rate"], distill["max_length"], distill["num_train_epochs"], distill["max_grad_norm"]) \
        == (4e-5, 32768, 5, 0.2)
    big = yaml.safe_load(load_lab("fsdp-32b").recipe_path("full").read_text())
    assert (big["max_length"], big["optim"], big["learning_rate"]) == (22528, "paged_adamw_8bit", 4e-5)
    assert resources(load_lab("fsdp-32b"), "full").nodes == 16


def test_full_grpo_and_sft_recipes_parse_with_trl(tmp_path):
    from trl import GRPOConfig, ModelConfig, SFTConfig

    from open_r1.core.configs import ScriptArguments, check_recipe_keys, load_yaml

    for name, cls in [("grpo-math", GRPOConfig), ("distill", SFTConfig), ("fsdp-32b", SFTConfig),
                      ("grpo-code", GRPOConfig)]:
        for profile in ("nano", "full"):
            path = load_lab(name).recipe_path(profile)
            check_recipe_keys(load_yaml(path), (ScriptArguments, cls, ModelConfig), str(path))
    pipeline = load_lab("pipeline")
    for profile in pipeline.profiles:
        for stage in pipeline.stages:
            if stage.entrypoint.startswith("train"):
                cls = GRPOConfig if stage.entrypoint == "train grpo" else SFTConfig
                path = pipeline.stage_recipe(profile, stage.name)
                check_recipe_keys(load_yaml(path), (ScriptArguments, cls, ModelConfig), str(path))


@pytest.fixture()
def labs_copy(tmp_path, monkeypatch):
    from open_r1.core.paths import project_root

    root = tmp_path / "labs"
    shutil.copytree(project_root() / "labs", root)
    monkeypatch.setenv("OPEN_R1_LABS", str(root))
    return root


@pytest.mark.parametrize("edit, key", [
    (lambda m: m.pop("entrypoint"), "entrypoint"),
    (lambda m: m.update(status="maybe"), "status"),
    (lambda m: m.update(colour="blue"), "key 'colour'"),
    (lambda m: m["profiles"]["nano"].update(recipe="recipes/missing.yaml"), "profiles.nano.recipe"),
    (lambda m: m["profiles"]["full"].update(launcher="torchrun"), "profiles.full.launcher"),
    (lambda m: m["profiles"]["full"]["resources"].update(gpus="eight"), "profiles.full.resources.gpus"),
    (lambda m: m["reproduces"].pop("paper"), "reproduces.paper"),
    (lambda m: m.update(image_extras="sandbox"), "key 'image_extras'"),
    (lambda m: m.update(image_extras=["sandbox", "jupyter"]), "image_extras"),
    (lambda m: m.update(image_extras=["sandbox", "sandbox"]), "image_extras"),
])
def test_schema_rejects_bad_manifests(labs_copy, edit, key):
    path = labs_copy / "grpo-math" / "lab.yaml"
    manifest = yaml.safe_load(path.read_text())
    edit(manifest)
    path.write_text(yaml.safe_dump(manifest))
    with pytest.raises(ConfigError) as err:
        load_lab("grpo-math")
    assert str(path) in str(err.value)
    assert key in str(err.value) or f"'{key}'" in str(err.value) or key in str(err.value).replace("'", "")


def test_image_extras_default_to_none_and_name_what_the_image_adds():
    from open_r1.labs.manifest import IMAGE_EXTRAS

    assert IMAGE_EXTRAS == ("sandbox", "lighteval")  # images/lab/Dockerfile has a stage for each (tests/images)
    extras = {name: load_lab(name).image_extras for name in LABS}
    assert extras == {"distill": ["lighteval"], "fsdp-32b": [], "grpo-code": ["sandbox"], "grpo-math": [],
                      "ioi-eval": ["sandbox", "lighteval"], "pipeline": ["sandbox"]}


def test_planned_lab_says_where_it_is_tracked(labs_copy):
    path = labs_copy / "grpo-math" / "lab.yaml"
    manifest = yaml.safe_load(path.read_text())
    manifest.update(status="planned", issue=42)
    path.write_text(yaml.safe_dump(manifest))
    with pytest.raises(ConfigError, match=r"not runnable yet: see issue #42"):
        run_lab("grpo-math", profile="nano")
    manifest.pop("issue")
    path.write_text(yaml.safe_dump(manifest))
    with pytest.raises(ConfigError, match="must name the issue"):
        load_lab("grpo-math")


def test_unknown_lab_lists_the_real_ones():
    with pytest.raises(ConfigError, match="grpo-math"):
        load_lab("grpo-maths")


def test_commands_per_launcher(tmp_path):
    nano = train_command(load_lab("grpo-math"), "nano", tmp_path, ["--max_steps", "3"])
    assert nano[1:5] == ["-m", "open_r1", "train", "grpo"] and nano[-2:] == ["--max_steps", "3"]
    full = train_command(load_lab("grpo-math"), "full", tmp_path, [])
    assert full[1:3] == ["-m", "accelerate.commands.launch"] and "--config_file" in full
    assert full[full.index("--config_file") + 1].endswith("recipes/accelerate/zero2.yaml")


def test_auto_profile_without_gpu_picks_nano_with_banner(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPEN_R1_HARDWARE", "none")  # declared: the same answer on a GPU host
    out = run_lab("grpo-math", profile="auto", runs_root=str(tmp_path), dry_run=True)
    assert out["profile"] == "nano"
    assert "no GPU (declared) → profile NANO" in capsys.readouterr().err


def test_bad_override_fails_before_anything_runs(tmp_path):
    with pytest.raises(ConfigError, match="no_such_field"):
        run_lab("grpo-math", profile="nano", overrides=["--no_such_field", "1"], runs_root=str(tmp_path))
    assert not (tmp_path / "grpo-math").exists()


def summary_text(kind: str, before: dict, after: dict) -> str:
    """What `_print_summary` shows for a run card of `kind` with these held-out scores."""
    from rich.console import Console

    from open_r1.labs.runner import _print_summary

    console = Console(record=True, width=100)
    _print_summary(console, {"kind": kind, "metrics": {"heldout_before": before, "heldout_after": after}})
    return console.export_text()


@pytest.mark.parametrize(("kind", "columns"), [("train grpo", ("SFT base", "after GRPO")),
                                               ("train sft", ("before SFT", "after SFT"))])
def test_summary_table_names_the_stage_that_ran(kind, columns):
    scores = {"n": 200, "format": 0.5, "accuracy": 0.25}
    text = summary_text(kind, scores, {**scores, "format": 0.95})
    assert all(column in text for column in columns), text
    assert "95.0%" in text and "50.0%" in text


def test_summary_table_names_the_code_reward_for_code_tasks():
    scores = {"n": 200, "task": "code", "format": 1.0, "accuracy": 0.69, "sampled_accuracy": 0.63}
    text = summary_text("train grpo", scores, {**scores, "accuracy": 0.97})
    assert "code reward (binary_code)" in text and "69.0%" in text and "97.0%" in text, text


def test_environment_tools_are_found_without_activating_the_venv():
    """`just` runs .venv/bin/python without activating the venv; DeepSpeed still needs the venv's `ninja` by name
    (seen in a fresh container, where no system ninja exists: the ZeRO-3 run failed)."""
    import os
    import subprocess
    import sys

    code = ("import os, sys; from open_r1.cli import put_environment_tools_on_path as f; f(); "
            "print(os.environ['PATH'].split(os.pathsep)[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == os.path.dirname(sys.executable)
