"""The SLURM templates, rendered without a cluster: layouts, rendezvous, vLLM node, containers, cluster profiles.

Every rendered script must be valid bash (`bash -n`, and shellcheck's errors when it is installed), and read its
sizes from lab.yaml — the single source of truth — so a test fails when the two drift.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from open_r1.core.errors import ConfigError
from open_r1.core.paths import project_root
from open_r1.labs.manifest import load_lab, resources
from open_r1.labs.runtimes import slurm


def render_lab(lab: str, profile: str, tmp_path: Path, overrides=None, **options) -> tuple[str, dict]:
    cluster = slurm.load_cluster_profile(options.pop("cluster_profile", None))
    plan = slurm.plan_train_job(load_lab(lab), profile, overrides or [], tmp_path / "run", options, cluster)
    return slurm.render("train.sbatch.j2", **plan), plan


def assert_valid_bash(text: str, tmp_path: Path) -> None:
    script = tmp_path / "check.sbatch"
    script.write_text(text)
    out = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    if shutil.which("shellcheck"):
        out = subprocess.run(["shellcheck", "-S", "error", "-s", "bash", str(script)], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout


@pytest.fixture(autouse=True)
def no_user_profile(monkeypatch, tmp_path):
    # A developer's own ~/.config/open-r1/cluster.yaml must not leak into these tests.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(slurm.PROFILE_ENV, raising=False)


@pytest.mark.parametrize("lab", ["distill", "fsdp-32b", "grpo-code", "grpo-math", "ioi-eval"])
@pytest.mark.parametrize("profile", ["nano", "full"])
def test_every_lab_renders_valid_bash_from_its_manifest(lab, profile, tmp_path):
    text, plan = render_lab(lab, profile, tmp_path)
    assert_valid_bash(text, tmp_path)
    res = resources(load_lab(lab), profile)
    assert f"#SBATCH --nodes={res.nodes}" in text  # lab.yaml is the source of the size
    if res.gpus:
        assert f"#SBATCH --gpus-per-node={res.gpus}" in text
    else:
        assert "--gpus-per-node" not in text
    assert "#SBATCH --requeue" in text and "#SBATCH --signal=B:USR1@300" in text
    assert "trap on_usr1 USR1" in text and 'scontrol requeue "$SLURM_JOB_ID"' in text
    # every rank runs the lab's own `open-r1` command (`open-r1 train` installs the preemption hook and rank records)
    assert f"-m open_r1 {load_lab(lab).entrypoint}" in text
    assert str(load_lab(lab).recipe_path(profile).relative_to(project_root())) in text


def test_fsdp_32b_full_is_16_nodes_of_8_with_a_c10d_rendezvous(tmp_path):
    text, plan = render_lab("fsdp-32b", "full", tmp_path)
    assert (plan["train"]["nodes"], plan["train"]["procs_per_node"], plan["train"]["world_size"]) == (16, 8, 128)
    cmd = plan["train"]["command"]
    assert "accelerate.commands.launch" in cmd and "--num_machines 16 --num_processes 128" in cmd
    assert '--machine_rank "$SLURM_NODEID"' in cmd and "--rdzv_backend c10d" in cmd
    assert '--main_process_ip "$HEAD_ADDR"' in cmd and "is_host=$(( SLURM_NODEID == 0 ))" in cmd
    assert 'HEAD_ADDR=$(node_addr "${TRAIN_NODES[0]}")' in text
    assert "srun --nodes=16 --ntasks=16 --ntasks-per-node=1" in text
    assert "#SBATCH --time=48:00:00" in text and "vllm" not in cmd


def test_fsdp_32b_nano_is_one_process_per_node_on_two_nodes(tmp_path):
    _, plan = render_lab("fsdp-32b", "nano", tmp_path)
    assert (plan["train"]["nodes"], plan["train"]["procs_per_node"], plan["train"]["world_size"]) == (2, 1, 2)
    assert plan["job"]["gpus_per_node"] == 0


def test_derived_accelerate_config_keeps_the_lab_strategy(tmp_path):
    _, plan = render_lab("fsdp-32b", "full", tmp_path)
    out = tmp_path / "accelerate.yaml"
    slurm._derived_accelerate_config(Path(plan["train"]["accelerate_source"]), out, 16, 128)
    cfg = yaml.safe_load(out.read_text())
    source = yaml.safe_load(Path(plan["train"]["accelerate_source"]).read_text())
    assert cfg["fsdp_config"] == source["fsdp_config"] and cfg["distributed_type"] == "FSDP"
    assert (cfg["num_machines"], cfg["num_processes"], cfg["rdzv_backend"], cfg["same_network"]) == (
        16,
        128,
        "c10d",
        False,
    )
    assert "machine_rank" not in cfg


def test_grpo_on_one_node_splits_gpus_between_training_and_vllm(tmp_path):
    text, plan = render_lab("grpo-math", "full", tmp_path)
    assert plan["vllm"]["mode"] == "split" and plan["vllm"]["gpus"] == "7"
    assert plan["train"]["world_size"] == 7
    assert "CUDA_VISIBLE_DEVICES=7" in text and "vllm-serve" in text and "--model Qwen/Qwen2.5-1.5B-Instruct" in text
    assert "${OPEN_R1_VLLM_ARGS:-}" in plan["train"]["command"]
    assert 'wait_http "http://${VLLM_ADDR}:8000/health"' in text
    assert_valid_bash(text, tmp_path)


def test_grpo_on_several_nodes_puts_vllm_on_the_last_node(tmp_path):
    text, plan = render_lab("grpo-math", "full", tmp_path, nodes=3)
    assert plan["vllm"]["mode"] == "node" and plan["vllm"]["nodes"] == 1
    assert (plan["train"]["nodes"], plan["train"]["world_size"]) == (2, 16)
    assert 'VLLM_NODES=("${NODES[@]:2:1}")' in text and "--data_parallel_size 1" in text
    # one engine (vLLM refuses data parallelism for dense models): 7 of the node's 8 GPUs idle, said in a warning
    assert any("uses 1 of its 8 GPUs" in w for w in plan["vllm"]["warnings"])
    assert_valid_bash(text, tmp_path)


def test_python_launcher_cannot_span_nodes(tmp_path):
    with pytest.raises(ConfigError, match="cannot span 2 nodes"):
        render_lab("grpo-math", "nano", tmp_path, nodes=2)


def test_apptainer_and_pyxis_wrap_every_task(tmp_path):
    text, plan = render_lab("fsdp-32b", "full", tmp_path, container="apptainer", image="/images/fsdp-32b.sif")
    assert "apptainer exec --nv" in text and "/images/fsdp-32b.sif" in text and "--pwd /opt/open-r1" in text
    assert f"--bind {tmp_path / 'run'}:{tmp_path / 'run'}" in text and ":/cache/huggingface" in text
    assert "python -m accelerate.commands.launch" in plan["train"]["command"]  # the image's python
    assert_valid_bash(text, tmp_path)
    text, _ = render_lab("fsdp-32b", "full", tmp_path, container="pyxis")
    # the lab's image, with enroot's registry separator
    assert "--container-image='ghcr.io#open-r1-labs/open-r1:" in text and "--container-workdir=/opt/open-r1" in text
    assert_valid_bash(text, tmp_path)


def test_a_container_needs_an_image(tmp_path, monkeypatch):
    cluster = slurm.ClusterProfile(container="apptainer")
    with pytest.raises(ConfigError, match="needs an image"):
        slurm.job_context(
            cluster,
            name="x",
            title="x",
            source="x",
            run_dir=tmp_path,
            nodes=1,
            gpus_per_node=0,
            cpus=1,
            memory_gb=None,
            time_limit=None,
            image=None,
            requeue=False,
            generated_by="x",
        )


def test_cluster_profile_fills_in_and_flags_win(tmp_path, monkeypatch):
    profile = tmp_path / "cluster.yaml"
    profile.write_text(
        yaml.safe_dump(
            {
                "partition": "hopper",
                "account": "r1",
                "qos": "high",
                "time_limit": "02:00:00",
                "signal_seconds": 600,
                "setup": ["module load cuda/12.8"],
                "env": {"NCCL_SOCKET_IFNAME": "ib0"},
                "sbatch": ["--constraint=h100"],
                "rendezvous_port": 29500,
                "mem": "0",
            }
        )
    )
    text, _ = render_lab("fsdp-32b", "full", tmp_path, cluster_profile=str(profile), account="other")
    for line in (
        "#SBATCH --partition=hopper",
        "#SBATCH --account=other",
        "#SBATCH --qos=high",
        "#SBATCH --time=02:00:00",
        "#SBATCH --signal=B:USR1@600",
        "#SBATCH --constraint=h100",
        "#SBATCH --mem=0",
        "module load cuda/12.8",
        "export NCCL_SOCKET_IFNAME=ib0",
        "RDZV_PORT=$(( 29500 + SLURM_JOB_ID % 1000 ))",
    ):
        assert line in text, line
    # the default location is read too
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "open-r1").mkdir()
    (tmp_path / "open-r1" / "cluster.yaml").write_text("partition: default-one\n")
    assert slurm.load_cluster_profile().partition == "default-one"


def test_cluster_profile_errors_name_file_key_and_fix(tmp_path):
    bad = tmp_path / "cluster.yaml"
    bad.write_text("partiton: gpu\n")
    with pytest.raises(ConfigError) as err:
        slurm.load_cluster_profile(bad)
    assert str(bad) in str(err.value) and "partiton" in str(err.value) and "partition" in str(err.value)
    bad.write_text("container: docker\n")
    with pytest.raises(ConfigError, match="container"):
        slurm.load_cluster_profile(bad)
    with pytest.raises(ConfigError, match="not found"):
        slurm.load_cluster_profile(tmp_path / "missing.yaml")


def test_dry_run_through_the_lab_runner_writes_nothing(tmp_path, capsys):
    from open_r1.labs.runner import run_lab

    out = run_lab(
        "fsdp-32b",
        profile="nano",
        runtime="slurm",
        run_dir=str(tmp_path / "run"),
        dry_run=True,
        options={"nodes": None, "container": None, "cluster_profile": None},
    )
    assert out["command"][0] == "sbatch" and not (tmp_path / "run").exists()
    assert "#SBATCH --nodes=2" in capsys.readouterr().out


def test_save_only_model_recipes_are_warned_about(tmp_path):
    _, plan = render_lab("fsdp-32b", "full", tmp_path)
    assert any("save_only_model" in w for w in plan["vllm"].get("warnings", []))


def _service_args(**kw) -> argparse.Namespace:
    base = dict(
        run_dir="/shared/runs/x",
        model="open-r1/OlympicCoder-7B",
        benchmarks="r1",
        dataset=None,
        output=None,
        port=8000,
        nodes=None,
        gpus_per_node=8,
        cpus=16,
        time="04:00:00",
        partition=None,
        account=None,
        container=None,
        image=None,
        extra=[],
    )
    return argparse.Namespace(**{**base, **kw})


@pytest.mark.parametrize(
    "kind, expect",
    [
        ("evaluate", ["eval run --model open-r1/OlympicCoder-7B --benchmarks r1 --backend vllm"]),
        (
            "generate",
            [
                "vllm.entrypoints.openai.api_server",
                "--data-parallel-size 8",
                "generate --base-url",
                "--dataset open-r1/codeforces",
                'wait_http "http://${ADDR}:8000/health"',
                "#SBATCH --requeue",
            ],
        ),
        ("sandbox-router", ["sandbox serve --host 0.0.0.0 --port 8000", "router.url"]),
        (
            "piston-workers",
            [
                "sandbox serve --provider local --host 0.0.0.0 --port 8000",
                "endpoints.txt",
                "srun --nodes=4 --ntasks=4",
            ],
        ),
    ],
)
def test_service_templates(kind, expect, tmp_path):
    args = _service_args(
        dataset="open-r1/codeforces" if kind == "generate" else None, nodes=4 if kind == "piston-workers" else None
    )
    text, path = slurm.render_service(kind, args, slurm.ClusterProfile())
    for needle in expect:
        assert needle in text, needle
    assert path.name == f"{kind}.sbatch"
    assert_valid_bash(text, tmp_path)


def test_service_cli_prints_the_script(capsys):
    assert slurm.main(["sandbox-router", "--run-dir", "/tmp/router", "--port", "9000"]) == 0
    assert "--port 9000" in capsys.readouterr().out
    assert slurm.main(["generate", "--run-dir", "/tmp/g", "--model", "m"]) == 2  # no --dataset: a clear error
