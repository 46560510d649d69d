"""`--profile auto` asks the planner what fits the GPUs at hand; an explicit profile that cannot fit is refused.

Hardware is declared ($OPEN_R1_HARDWARE = none | <GPUs>x<GiB>), so the choice is tested in CI without a GPU and gives
the same answers on a GPU host.
"""

from __future__ import annotations

import pytest
from trl import GRPOConfig, ModelConfig, SFTConfig

from open_r1.core.configs import ScriptArguments, check_recipe_keys, load_yaml
from open_r1.core.errors import ConfigError
from open_r1.labs.hardware import Hardware, choose_profile, parse_hardware, profile_fit
from open_r1.labs.manifest import PROFILES, list_labs, load_lab
from open_r1.labs.runner import run_lab

LABS = list_labs()


@pytest.mark.parametrize(
    "declared, expected",
    [
        ("none", {"distill": "nano", "fsdp-32b": "nano", "grpo-code": "nano", "grpo-math": "nano", "ioi-eval": "nano"}),
        ("1x24", {"distill": "gpu", "fsdp-32b": "gpu", "grpo-code": "gpu", "grpo-math": "gpu", "ioi-eval": "gpu"}),
        ("1x80", {"distill": "gpu", "fsdp-32b": "gpu", "grpo-code": "gpu", "grpo-math": "gpu", "ioi-eval": "gpu"}),
        # fsdp-32b's full profile is 16 nodes: one 8-GPU box still runs its one-GPU profile
        ("8x80", {"distill": "full", "fsdp-32b": "gpu", "grpo-code": "full", "grpo-math": "full", "ioi-eval": "full"}),
        ("1x12", {"distill": "nano", "fsdp-32b": "nano", "grpo-code": "nano", "grpo-math": "nano", "ioi-eval": "gpu"}),
    ],
)
def test_auto_picks_the_biggest_profile_that_fits(declared, expected):
    hw = parse_hardware(declared)
    chosen = {name: choose_profile(load_lab(name), hw)[0] for name in expected}
    assert chosen == expected


def test_auto_banner_shows_the_numbers_behind_the_choice(tmp_path, capsys, monkeypatch):
    # (the run card's profile_choice block of a real run: tests/test_grpo_lab.py::test_run_card_is_complete)
    # Planning a one-GPU job from a login node: the hardware is declared, the job runs under SLURM (so this
    # machine's missing vLLM is not held against a recipe that runs in the GPU image).
    monkeypatch.setenv("OPEN_R1_HARDWARE", "1x24")
    out = run_lab("grpo-math", profile="auto", runtime="slurm", run_dir=str(tmp_path / "run"), dry_run=True,
                  options={"nodes": None, "container": None, "cluster_profile": None})
    err = capsys.readouterr().err
    assert out["profile"] == "gpu"
    assert "1 × 24 GiB GPU (declared) → profile GPU" in err and "GiB per GPU ≤ 24 GiB" in err
    assert "full: needs 8 GPU(s), this machine has 1" in err


def test_a_native_gpu_run_checks_this_machine_before_anything_starts(tmp_path, monkeypatch):
    import importlib.util

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vLLM is installed here: the recipe's use_vllm is servable")
    monkeypatch.setenv("OPEN_R1_HARDWARE", "1x24")
    with pytest.raises(ConfigError, match="use_vllm is true but vllm is not installed here"):
        run_lab("grpo-math", profile="auto", runs_root=str(tmp_path))
    assert not (tmp_path / "grpo-math").exists()


def test_a_native_dry_run_plans_for_the_declared_machine_without_its_packages(tmp_path, monkeypatch, capsys):
    """Planning from a laptop for the 24 GB card: the banner and the command, not this laptop's missing vLLM."""
    monkeypatch.setenv("OPEN_R1_HARDWARE", "1x24")
    plan = run_lab("grpo-math", profile="auto", runs_root=str(tmp_path), dry_run=True)
    assert plan["profile"] == "gpu" and "labs/grpo-math/recipes/gpu.yaml" in " ".join(plan["command"])
    assert "1 × 24 GiB GPU (declared) → profile GPU" in capsys.readouterr().err.replace("\n", " ")
    assert not (tmp_path / "grpo-math").exists()


def test_full_profile_on_one_small_gpu_is_refused_with_the_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("OPEN_R1_HARDWARE", "1x24")
    with pytest.raises(ConfigError) as err:
        run_lab("grpo-math", profile="full", runs_root=str(tmp_path), dry_run=True)
    message = str(err.value)
    assert "profile 'full' of lab 'grpo-math' does not fit 1 × 24 GiB GPU (declared)" in message
    assert "needs 8 GPU(s)" in message and "use --profile gpu" in message
    assert not (tmp_path / "grpo-math").exists()  # nothing created before the refusal


def test_a_recipe_that_outgrows_the_card_is_refused(tmp_path, monkeypatch):
    # 8 GPUs, but each one too small for the full recipe's states + activations: the planner's total decides.
    fit = profile_fit(load_lab("grpo-code"), "full", Hardware(8, 16.0, "declared"))
    assert not fit.fits and "GiB per GPU >" in fit.reason and fit.gib_per_gpu > 16


def test_cluster_runtimes_are_not_checked_against_this_machine(monkeypatch, tmp_path):
    monkeypatch.setenv("OPEN_R1_HARDWARE", "none")
    out = run_lab("grpo-math", profile="full", runtime="slurm", run_dir=str(tmp_path / "run"), dry_run=True,
                  options={"nodes": None, "container": None, "cluster_profile": None})
    assert out["command"][0] == "sbatch"


@pytest.mark.parametrize("declared", ["2", "ax24", "0x24"])
def test_unreadable_hardware_declaration(declared):
    with pytest.raises(ConfigError, match="OPEN_R1_HARDWARE"):
        parse_hardware(declared)


@pytest.mark.parametrize("lab", LABS)
def test_every_lab_has_every_profile_and_its_gpu_recipe_passes_trl(lab):
    manifest = load_lab(lab)
    assert set(manifest.profiles) == set(PROFILES)
    assert manifest.profile("gpu").resources.gpus == 1 and manifest.profile("gpu").expected
    # A pipeline lab's gpu recipe is a folder with one recipe per stage (tests/test_pipeline.py): check each.
    recipes = [(manifest.stage_recipe("gpu", s.name), s.entrypoint) for s in manifest.stages] or [
        (manifest.recipe_path("gpu"), manifest.entrypoint)
    ]
    for path, entrypoint in recipes:
        kind = entrypoint.split()[-1]
        if kind in ("grpo", "sft"):
            cls = GRPOConfig if kind == "grpo" else SFTConfig
            check_recipe_keys(load_yaml(path), (ScriptArguments, cls, ModelConfig), str(path))
    for card in (24.0, 80.0):  # the planner's fit check for a 24 GB and an 80 GB card
        assert profile_fit(manifest, "gpu", Hardware(1, card, "declared")).fits, (lab, card)


def test_the_run_card_block_of_an_auto_choice_lists_every_fit_tried():
    from open_r1.labs.hardware import choice_record

    hw = parse_hardware("1x24")
    chosen, tried = choose_profile(load_lab("grpo-math"), hw)
    block = choice_record(hw, chosen, tried)
    assert block["hardware"] == {"gpus": 1, "gpu_memory_gb": 24.0, "source": "declared"}
    assert block["chosen"] == "gpu" and [f["profile"] for f in block["fits"]] == ["full", "gpu"]
    full, gpu = block["fits"]
    assert not full["fits"] and full["gpus_needed"] == 8
    assert gpu["fits"] and 0 < gpu["gib_per_gpu"] <= 24


def test_a_pipeline_lab_asks_the_planner_too(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPEN_R1_HARDWARE", "1x24")
    plan = run_lab("pipeline", profile="auto", runs_root=str(tmp_path), dry_run=True)
    assert plan["profile"] == "gpu"
    err = capsys.readouterr().err.replace("\n", " ")
    assert "1 × 24 GiB GPU (declared) → profile GPU" in err and "GiB per GPU ≤ 24 GiB" in err
    monkeypatch.setenv("OPEN_R1_HARDWARE", "none")
    assert run_lab("pipeline", profile="auto", runs_root=str(tmp_path), dry_run=True)["profile"] == "nano"
