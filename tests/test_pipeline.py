"""The pipeline lab: stage declarations in lab.yaml, the stage runner's commands, SLURM chaining, a shrunk nano run
(every stage for real, tiny sizes), a rerun that skips finished stages, and rejection sampling's bookkeeping."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml

from open_r1.core.errors import ConfigError
from open_r1.labs.manifest import load_lab
from open_r1.labs.pipeline import (
    DONE_MARKER,
    apply_evaluate_overrides,
    split_overrides,
    stage_commands,
)

STAGES = ["cold_start", "reasoning_rl", "rejection_sampling", "rejection_sft", "all_scenarios_rl"]

# Every stage shrunk to seconds: the same five entrypoints, the same hand-over, a few steps each.
# Shrunk so CI can afford it. The cold start begins from the distilled nano://code model instead of untrained
# weights (30 steps cannot teach untrained weights the answer format, and then rejection sampling keeps nothing);
# R1's cold start, too, begins from a pretrained base (DeepSeek-V3-Base, arXiv 2501.12948 §2.3.1).
SHRUNK = [
    "--cold_start.model_name_or_path",
    "nano://code",
    "--cold_start.max_steps",
    "30",
    "--reasoning_rl.max_steps",
    "2",
    "--rejection_sampling.n",
    "4",
    "--rejection_sampling.datasets",
    "[{id: nano://math/train, task: math, limit: 8}, {id: nano://code/train, task: code, limit: 8}]",
    "--rejection_sampling.chunk_prompts",
    "8",
    "--rejection_sft.max_steps",
    "2",
    "--all_scenarios_rl.max_steps",
    "2",
    "--evaluate.n",
    "8",
]


def test_the_pipeline_lab_declares_the_four_r1_stages():
    lab = load_lab("pipeline")
    assert lab.is_pipeline and lab.entrypoint == "pipeline"
    assert [s.name for s in lab.stages] == STAGES
    assert [s.entrypoint for s in lab.stages] == [
        "train sft",
        "train grpo",
        "data rejection-sample",
        "train sft",
        "train grpo",
    ]
    for profile in lab.profiles:
        for stage in STAGES:
            assert lab.stage_recipe(profile, stage).is_file()


def test_stage_commands_hand_each_stage_its_inputs_and_overrides(tmp_path):
    lab = load_lab("pipeline")
    cmds = dict(
        (s.name, c) for s, c in stage_commands(lab, "nano", tmp_path, ["--seed", "3", "--cold_start.max_steps", "7"])
    )

    def value(name, flag):
        return cmds[name][cmds[name].index(flag) + 1]

    assert value("reasoning_rl", "--model_name_or_path") == str(tmp_path / "cold_start")
    assert value("rejection_sampling", "--model_name_or_path") == str(tmp_path / "reasoning_rl")
    assert value("rejection_sft", "--dataset_name") == str(tmp_path / "rejection_sampling" / "data.jsonl")
    assert value("all_scenarios_rl", "--model_name_or_path") == str(tmp_path / "rejection_sft")
    assert value("cold_start", "--max_steps") == "7" and "--max_steps" not in cmds["reasoning_rl"]
    assert all(value(name, "--seed") == "3" for name in STAGES)
    with pytest.raises(ConfigError, match="names no stage"):
        split_overrides(lab, ["--cold_star.max_steps", "1"])
    assert apply_evaluate_overrides({"n": 200}, ["--n", "5"])["n"] == 5
    with pytest.raises(ConfigError, match="evaluate"):
        apply_evaluate_overrides({"n": 200}, ["--datasets", "x"])


@pytest.fixture()
def labs_copy(tmp_path, monkeypatch):
    from open_r1.core.paths import project_root

    root = tmp_path / "labs"
    shutil.copytree(project_root() / "labs", root)
    monkeypatch.setenv("OPEN_R1_LABS", str(root))
    return root


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: m["stages"][1].update(model_from="rejection_sft"), r"stages\[1\]\.model_from"),
        (lambda m: m["stages"][2].update(name="cold_start"), r"stages\[2\]\.name"),
        (lambda m: m["stages"][3].update(data_from="reasoning_rl"), r"stages\[3\]\.data_from"),
        (lambda m: m["stages"][0].update(entrypoint="train dpo"), r"stages\.0\.entrypoint"),
        (lambda m: m.update(entrypoint="train sft"), "entrypoint"),
        (
            lambda m: m["stages"].append({"name": "extra", "title": "t", "paper": "p", "entrypoint": "train sft"}),
            r"extra\.yaml",
        ),
    ],
)
def test_bad_stage_declarations_name_the_key(labs_copy, edit, message):
    path = labs_copy / "pipeline" / "lab.yaml"
    manifest = yaml.safe_load(path.read_text())
    edit(manifest)
    path.write_text(yaml.safe_dump(manifest))
    with pytest.raises(ConfigError, match=message):
        load_lab("pipeline")


def test_slurm_runs_one_job_per_stage_chained_by_dependencies(tmp_path, monkeypatch, capsys):
    from open_r1.labs.runner import run_lab
    from open_r1.labs.runtimes import slurm

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(slurm.PROFILE_ENV, raising=False)
    out = run_lab(
        "pipeline",
        profile="full",
        runtime="slurm",
        run_dir=str(tmp_path / "run"),
        dry_run=True,
        options={"nodes": None, "container": None, "cluster_profile": None},
    )
    assert [j["stage"] for j in out["jobs"]] == STAGES and not (tmp_path / "run").exists()
    scripts = capsys.readouterr().out.split("# ---- stage ")[1:]
    assert len(scripts) == 5
    assert "--dependency" not in scripts[0]
    for text in scripts[1:]:
        assert "#SBATCH --dependency=afterok:" in text
    assert "accelerate.commands.launch" in scripts[0] and "accelerate.commands.launch" not in scripts[2]
    assert "-m open_r1 data rejection-sample" in scripts[2]
    for text in scripts:
        body = tmp_path / "job.sbatch"
        body.write_text(text.split("\n", 1)[1])
        assert subprocess.run(["bash", "-n", str(body)]).returncode == 0


def test_rejection_sampling_keeps_verified_answers_once(tmp_path):
    from open_r1.core.io import write_jsonl_atomic
    from open_r1.curate.rejection import RejectionConfig, _collect

    rows = [{"problem": "Compute 1 + 1.", "task": "math"}, {"problem": "Read a b ...", "task": "code"}]
    samples = [
        {
            "row": 0,
            "sample": 0,
            "task": "math",
            "generation": "<think>\n1 + 1 = 2\n</think>\n<answer>\n2\n</answer>",
            "verified": True,
        },
        {
            "row": 0,
            "sample": 1,
            "task": "math",
            "generation": "<think>\n1 + 1 = 2\n</think>\n<answer>\n2\n</answer> ",
            "verified": True,
        },  # the same answer again (trailing space): kept once
        {"row": 0, "sample": 2, "task": "math", "generation": "<answer>3</answer>", "verified": False},
        {
            "row": 1,
            "sample": 0,
            "task": "code",
            "generation": "<think>\nx\n</think>\n<answer>\ny\n</answer>",
            "verified": True,
        },
    ]
    write_jsonl_atomic(tmp_path / "samples" / "chunk-00000.jsonl", samples)
    config = RejectionConfig(datasets=[{"id": "x", "task": "math"}], verifiers={"math": {"reward": "accuracy"}})
    kept, report = _collect(rows, tmp_path, config, 1)
    assert len(kept) == 2 and report["samples"] == 4 and report["verified"] == 3 and report["kept"] == 2
    assert report["by_task"]["math"]["prompts_solved"] == 1
    assert kept[0]["messages"][1]["content"].startswith("<think>") and kept[0]["task"] == "math"


def test_rejection_sampling_that_keeps_nothing_fails_with_the_counts(nano_cache, tmp_path):
    """Untrained weights never write a verified answer: the stage fails (so the pipeline stops and a rerun redoes it)
    with the counts and a fix, instead of handing the SFT stage an empty file; report.json stays to read."""
    from open_r1.core.errors import OpenR1Error
    from open_r1.curate.rejection import RejectionConfig, run_rejection_sampling
    from open_r1.labs.nano_build import ensure_nano_model

    config = RejectionConfig(
        model_name_or_path=str(ensure_nano_model("nano://math-init")), output_dir=str(tmp_path / "out"),
        datasets=[{"id": "nano://math/train", "task": "math", "limit": 4}], verifiers={"math": {"reward": "accuracy"}},
        n=2, max_new_tokens=8,
    )  # fmt: skip
    with pytest.raises(OpenR1Error, match=r"kept 0 of 8 samples .*Fix: train the model that samples longer"):
        run_rejection_sampling(config)
    assert json.loads((tmp_path / "out" / "report.json").read_text())["samples"] == 8


def test_shrunk_nano_pipeline_runs_every_stage_and_a_rerun_skips_them(nano_cache, isolation, tmp_path, capsys):
    from open_r1.labs.runner import run_lab

    run = tmp_path / "run"
    card = run_lab("pipeline", profile="nano", run_dir=str(run), overrides=SHRUNK)
    stages = card["stages"]
    assert list(stages) == ["start", *STAGES]
    for name in STAGES:
        assert (run / name / DONE_MARKER).exists() and stages[name]["skipped"] is False
        assert stages[name]["wall_s"] > 0 and stages[name]["cpu_s"] >= 0
    assert stages["reasoning_rl"]["inputs"]["model"] == str(run / "cold_start")
    assert stages["reasoning_rl"]["metrics"]["global_step"] == 2
    sampled = stages["rejection_sampling"]["metrics"]
    assert sampled["samples"] == 64 and 0 < sampled["kept"] <= sampled["verified"] <= 64
    for name in ("cold_start", "reasoning_rl", "rejection_sft", "all_scenarios_rl"):
        assert set(stages[name]["heldout"]) == {"nano://math/heldout", "nano://code/heldout"}
    # nano://code never wrote a math answer; the cold start's math traces teach it the format
    math_format = {name: stages[name]["heldout"]["nano://math/heldout"]["format"] for name in ("start", "cold_start")}
    assert math_format["cold_start"] > math_format["start"], math_format
    assert card["metrics"]["heldout_after"] == stages["all_scenarios_rl"]["heldout"]
    assert card["rerun"]["lab"] == "pipeline" and card["lab"]["stages"] == STAGES
    # The same run folder again: every stage is finished, so every stage is skipped and nothing changes.
    again = run_lab("pipeline", profile="nano", run_dir=str(run), overrides=SHRUNK)
    assert all(again["stages"][name]["skipped"] for name in STAGES)
    assert again["metrics"] == card["metrics"]
    # A stage whose marker is gone (killed before it finished) runs again; the ones before it stay skipped.
    (run / "all_scenarios_rl" / DONE_MARKER).unlink()
    third = run_lab("pipeline", profile="nano", run_dir=str(run), overrides=SHRUNK)
    assert third["stages"]["rejection_sft"]["skipped"] and not third["stages"]["all_scenarios_rl"]["skipped"]
    assert json.loads((run / "run_card.json").read_text())["failed_stage"] is None
