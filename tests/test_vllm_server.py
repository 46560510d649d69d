"""The generation server of GRPO's vLLM server mode on one machine (open_r1.labs.vllm_server).

There is no GPU and no vLLM on the CI machine, so the server here is a stand-in `trl` executable that parses the
same `vllm-serve` arguments and answers the two readiness calls TRL's VLLMClient makes (`GET /health`,
`GET /v1/models`) over real HTTP on loopback; the "trainer" is a child process that reads the arguments the runner
gives it and asks the server which model it serves. What is tested is the plumbing: which GPUs each side gets, the
command line built from the recipe, waiting, failing with the server's log, and stopping the server every time.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from open_r1.core.errors import ConfigError, OpenR1Error
from open_r1.labs import vllm_server
from open_r1.labs.vllm_server import effective_settings, run_training, serve_command, split_gpus

REPO = Path(__file__).resolve().parents[1]

FAKE_TRL = textwrap.dedent(
    """\
    #!{python}
    # Stand-in for `trl vllm-serve`: same arguments, vLLM's readiness endpoints, records what it was given.
    import argparse, http.server, json, os, sys, time
    if sys.argv[1] != "vllm-serve":
        sys.exit("usage: trl vllm-serve ...")
    parser = argparse.ArgumentParser()
    for name in ("--model", "--host", "--revision", "--gpu_memory_utilization", "--max_model_len"):
        parser.add_argument(name)
    for name in ("--port", "--tensor_parallel_size", "--data_parallel_size"):
        parser.add_argument(name, type=int)
    args = parser.parse_args(sys.argv[2:])
    record = {{"pid": os.getpid(), "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"), "args": vars(args)}}
    open(os.environ["FAKE_TRL_RECORD"], "w").write(json.dumps(record))
    mode = os.environ.get("FAKE_TRL_MODE", "serve")
    print("loading model", args.model, flush=True)
    if mode == "crash":
        print("torch.OutOfMemoryError: CUDA out of memory", flush=True)
        sys.exit(1)
    time.sleep(float(os.environ.get("FAKE_TRL_LOAD_S", "0.5")))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if mode == "never-ready" or self.path not in ("/health", "/v1/models"):
                self.send_response(503 if mode == "never-ready" else 404)
                self.end_headers()
                return
            body = b"" if self.path == "/health" else json.dumps(
                {{"object": "list", "data": [{{"id": args.model, "object": "model"}}]}}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    http.server.HTTPServer((args.host, args.port), Handler).serve_forever()
    """
)

# The "trainer": checks it was pointed at the server, asks it what it serves, records its GPUs.
TRAINER = textwrap.dedent(
    """\
    import json, os, sys, urllib.request
    argv = sys.argv[1:]
    host = argv[argv.index("--vllm_server_host") + 1]
    port = argv[argv.index("--vllm_server_port") + 1]
    models = json.load(urllib.request.urlopen(f"http://{host}:{port}/v1/models"))
    out = argv[argv.index("--output_dir") + 1]
    os.makedirs(out, exist_ok=True)
    json.dump({"served": models["data"][0]["id"], "cuda": os.environ.get("CUDA_VISIBLE_DEVICES")},
              open(os.path.join(out, "trainer.json"), "w"))
    sys.exit(int(os.environ.get("TRAINER_EXIT", "0")))
    """
)


@pytest.fixture
def fake_trl(tmp_path, monkeypatch):
    """A stand-in `trl` executable on disk, used by the plan instead of the venv's real one."""
    path = tmp_path / "bin" / "trl"
    path.parent.mkdir()
    path.write_text(FAKE_TRL.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(vllm_server, "trl_executable", lambda python: str(path))
    monkeypatch.setenv("FAKE_TRL_RECORD", str(tmp_path / "server.json"))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    return path


def _training_command(tmp_path: Path, **recipe) -> list[str]:
    config = tmp_path / "recipe.yaml"
    config.write_text(yaml.safe_dump({"model_name_or_path": "Qwen/Qwen2.5-Math-7B", **recipe}))
    trainer = tmp_path / "trainer.py"
    trainer.write_text(TRAINER)
    return [sys.executable, str(trainer), "--config", str(config), "--output_dir", str(tmp_path / "out")]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); its state in /proc says it is dead
    state = Path(f"/proc/{pid}/stat")
    return state.exists() and state.read_text().split(")")[-1].split()[0] != "Z"


def test_serve_command_carries_the_full_recipes_vllm_settings():
    recipe = yaml.safe_load((REPO / "labs/grpo-math/recipes/full.yaml").read_text())
    cmd = serve_command(
        {**recipe, "vllm_tensor_parallel_size": 2, "vllm_max_model_length": 4096}, trl="trl", gpus=4, port=8123
    )
    args = dict(zip(cmd[2::2], cmd[3::2], strict=True))
    assert cmd[:2] == ["trl", "vllm-serve"]
    assert args["--model"] == recipe["model_name_or_path"]
    assert args["--tensor_parallel_size"] == "2" and args["--data_parallel_size"] == "1"  # one engine (dense model)
    assert vllm_server.idle_serving_gpus({"vllm_tensor_parallel_size": 2}, 4) == 2
    assert args["--port"] == "8123" and args["--max_model_len"] == "4096"
    if recipe.get("vllm_gpu_memory_utilization") is not None:
        assert float(args["--gpu_memory_utilization"]) == recipe["vllm_gpu_memory_utilization"]


def test_a_tensor_parallel_size_beyond_the_serving_gpus_is_refused():
    with pytest.raises(ConfigError, match="vllm_tensor_parallel_size 2 needs 2 serving GPUs; 1 serve here"):
        serve_command({"model_name_or_path": "m", "vllm_tensor_parallel_size": 2}, trl="trl", gpus=1, port=8000)


def test_split_refuses_a_machine_with_no_gpu_left_for_the_server():
    assert split_gpus(8, 7) == (7, 1)
    with pytest.raises(ConfigError) as err:
        split_gpus(1, None, file="labs/grpo-math/lab.yaml", key="profiles.full.num_processes")
    assert (
        "labs/grpo-math/lab.yaml" in str(err.value)
        and "needs a GPU beyond the 1 training processes" in str(err.value)
        and "colocate" in str(err.value)
    )


def test_overrides_on_the_command_line_win_over_the_recipe(tmp_path):
    cmd = _training_command(tmp_path, use_vllm=False, vllm_mode="colocate")
    assert not vllm_server.uses_server_mode(effective_settings(cmd))
    settings = effective_settings([*cmd, "--use_vllm", "true", "--vllm_mode=server", "--model_name_or_path", "stage1"])
    assert vllm_server.uses_server_mode(settings) and settings["model_name_or_path"] == "stage1"


def test_colocate_mode_starts_no_server(tmp_path, fake_trl):
    cmd = _training_command(tmp_path, use_vllm=True, vllm_mode="colocate")
    assert vllm_server.plan_local_server(cmd, gpus=1, num_processes=1) is None


def test_training_runs_against_a_server_started_on_its_own_gpu_and_stopped_after(tmp_path, fake_trl, monkeypatch):
    cmd = _training_command(tmp_path, use_vllm=True, vllm_mode="server", vllm_gpu_memory_utilization=0.7)
    monkeypatch.setenv("FAKE_TRL_LOAD_S", "1.5")  # the server is not ready at once: the runner must wait
    code, record = run_training(cmd, gpus=4, num_processes=3, run_dir=tmp_path / "run")
    assert code == 0
    trainer = json.loads((tmp_path / "out" / "trainer.json").read_text())
    server = json.loads((tmp_path / "server.json").read_text())
    assert trainer == {"served": "Qwen/Qwen2.5-Math-7B", "cuda": "0,1,2"}  # training GPUs, told where the server is
    assert server["cuda"] == "3" and server["args"]["gpu_memory_utilization"] == "0.7"
    assert server["args"]["host"] == "127.0.0.1" and server["args"]["port"] == record["port"]
    assert record["ready_after_s"] >= 1.0 and record["serve_devices"] == ["3"]
    assert "loading model Qwen/Qwen2.5-Math-7B" in Path(record["log"]).read_text()
    assert not _alive(server["pid"])  # stopped once training ended


def test_a_scheduler_s_gpu_choice_is_kept(tmp_path, fake_trl, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,5")
    cmd = _training_command(tmp_path, use_vllm=True, vllm_mode="server")
    code, _ = run_training(cmd, gpus=2, num_processes=1, run_dir=tmp_path / "run")
    assert code == 0
    assert json.loads((tmp_path / "server.json").read_text())["cuda"] == "5"
    assert json.loads((tmp_path / "out" / "trainer.json").read_text())["cuda"] == "4"


def test_a_failed_training_still_stops_the_server(tmp_path, fake_trl, monkeypatch):
    monkeypatch.setenv("TRAINER_EXIT", "3")
    cmd = _training_command(tmp_path, use_vllm=True, vllm_mode="server")
    code, _ = run_training(cmd, gpus=2, num_processes=1, run_dir=tmp_path / "run")
    assert code == 3
    assert not _alive(json.loads((tmp_path / "server.json").read_text())["pid"])


def test_a_server_that_dies_stops_the_run_with_its_log_before_training(tmp_path, fake_trl, monkeypatch):
    monkeypatch.setenv("FAKE_TRL_MODE", "crash")
    cmd = _training_command(tmp_path, use_vllm=True, vllm_mode="server")
    with pytest.raises(OpenR1Error) as err:
        run_training(cmd, gpus=2, num_processes=1, run_dir=tmp_path / "run")
    assert "exited with code 1" in str(err.value) and "CUDA out of memory" in str(err.value)
    assert not (tmp_path / "out" / "trainer.json").exists()


def test_a_server_that_never_gets_ready_times_out_and_is_stopped(tmp_path, fake_trl, monkeypatch):
    monkeypatch.setenv("FAKE_TRL_MODE", "never-ready")
    monkeypatch.setenv(vllm_server.STARTUP_TIMEOUT_ENV, "3")
    cmd = _training_command(tmp_path, use_vllm=True, vllm_mode="server")
    with pytest.raises(OpenR1Error) as err:
        run_training(cmd, gpus=2, num_processes=1, run_dir=tmp_path / "run")
    assert "did not answer" in str(err.value) and "within 3 s" in str(err.value)
    assert not (tmp_path / "out" / "trainer.json").exists()
    assert not _alive(json.loads((tmp_path / "server.json").read_text())["pid"])


def test_the_full_grpo_math_lab_plans_its_server_on_an_8_gpu_box(monkeypatch, capsys):
    """`open-r1 lab run grpo-math --profile full` on 8 GPUs: 7 train, the 8th serves (as lab.yaml says)."""
    from open_r1.labs import runner

    monkeypatch.setenv("OPEN_R1_HARDWARE", "8x80")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(runner, "_precheck", lambda *a, **k: None)  # needs vllm installed; checked elsewhere
    plan = runner.run_lab("grpo-math", "full", dry_run=True)
    assert plan["train_devices"] == [str(i) for i in range(7)]
    serve = plan["vllm_server"].split()
    recipe = yaml.safe_load((REPO / "labs/grpo-math/recipes/full.yaml").read_text())
    assert serve[1] == "vllm-serve" and serve[serve.index("--model") + 1] == recipe["model_name_or_path"]
    assert serve[serve.index("--data_parallel_size") + 1] == "1"
    assert "vLLM server on GPU(s) 7 (training on 0,1,2,3,4,5,6)" in capsys.readouterr().err.replace("\n", " ")


def test_the_full_profile_on_one_gpu_is_refused_before_anything_starts(monkeypatch):
    from open_r1.labs import runner

    monkeypatch.setenv("OPEN_R1_HARDWARE", "1x80")
    monkeypatch.setattr(runner, "_precheck", lambda *a, **k: None)
    monkeypatch.setattr(runner, "resolve_profile", lambda lab, p, r: (p, None, None))  # past the memory check
    with pytest.raises(ConfigError) as err:
        runner.run_lab("grpo-math", "full", dry_run=True)
    assert "profiles.full.num_processes" in str(err.value) and "GPUs here: 1" in str(err.value)
