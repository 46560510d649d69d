"""Hub publishing against a local server that speaks the Hub HTTP API (tests/local_hub.py), through huggingface_hub.

Never the real Hub: HF_ENDPOINT points at 127.0.0.1. What is checked: checkpoints and the final model land on
per-run branches from a background thread; the model card carries the run card's essentials; the benchmark
launcher runs when a push lands and its job id is recorded; a resumed run on an empty output folder starts from the
newest pushed checkpoint; `from_pretrained(repo, revision=...)` loads the pushed model; the token reaches the server
only as the Authorization header and appears in no log, card or pushed file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import huggingface_hub.constants
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from local_hub import LocalHub  # noqa: E402

from open_r1.core.errors import ConfigError  # noqa: E402
from open_r1.core.paths import project_root  # noqa: E402
from open_r1.train.hub import (  # noqa: E402
    HubPublisher,
    PushCheckpointsCallback,
    check_revision,
    checkpoint_branch,
    download_checkpoint,
    find_pushed_checkpoint,
    model_card,
    run_revision,
)

TOKEN = "hf_localtestTOKEN0123456789"


@pytest.fixture
def hub(monkeypatch):
    server = LocalHub().start()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    yield server
    server.stop()


def _api(hub):
    from huggingface_hub import HfApi

    return HfApi(endpoint=hub.url, token=TOKEN)


def _checkpoint(root: Path, step: int) -> Path:
    folder = root / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    (folder / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    (folder / "model.safetensors").write_bytes(os.urandom(2048))
    (folder / "optimizer.pt").write_bytes(b"adam state")
    return folder


def test_checkpoint_pushes_land_on_their_branches_and_launch_benchmarks(hub, tmp_path):
    out = tmp_path / "my run"
    launched = []
    publisher = HubPublisher("tester/m", run_revision(out, None), api=_api(hub))
    assert publisher.revision == "my-run"
    callback = PushCheckpointsCallback(
        publisher, ["nano"], lambda pushed: launched.append(pushed) or f"job-{pushed.step}"
    )
    for step in (5, 10):
        _checkpoint(out, step)
        state = SimpleNamespace(is_world_process_zero=True, global_step=step)
        callback.on_save(SimpleNamespace(output_dir=str(out)), state, None)
    callback.on_train_end(None, SimpleNamespace(is_world_process_zero=True), None)
    branches = set(hub.repos["tester/m"].branches)
    assert branches == {"main", "my-run-step-000000005", "my-run-step-000000010"}
    files = hub.files("tester/m", checkpoint_branch("my-run", 10))
    assert set(files) == {"trainer_state.json", "model.safetensors", "optimizer.pt"}  # whole: exact resume
    records = [json.loads(line) for line in (out / "hub_pushes.jsonl").read_text().splitlines()]
    assert [r["benchmark_job"] for r in records] == ["job-5", "job-10"]
    assert [p.benchmarks for p in launched] == [("nano",), ("nano",)]
    assert all(r["commit"] == hub.repos["tester/m"].branches[r["branch"]] for r in records)
    assert set(hub.authorizations) == {f"Bearer {TOKEN}"}


def test_a_failed_push_is_recorded_and_training_goes_on(hub, tmp_path):
    publisher = HubPublisher("tester/m", "r", api=_api(hub))
    callback = PushCheckpointsCallback(publisher, ["nano"], lambda pushed: "never")
    state = SimpleNamespace(is_world_process_zero=True, global_step=3)
    callback.on_save(SimpleNamespace(output_dir=str(tmp_path)), state, None)  # no checkpoint-3 folder: push fails
    with pytest.raises(ValueError):
        publisher.wait()
    record = json.loads((tmp_path / "hub_pushes.jsonl").read_text())
    assert "error" in record and "benchmark_job" not in record


def test_resume_finds_the_newest_pushed_checkpoint(hub, tmp_path):
    api = _api(hub)
    publisher = HubPublisher("tester/r", "run", api=api)
    for step in (2, 12):
        publisher.push(_checkpoint(tmp_path / "first", step), checkpoint_branch("run", step), "ckpt")
    publisher.wait()
    assert find_pushed_checkpoint(api, "tester/r", "run") == (12, "run-step-000000012")
    assert find_pushed_checkpoint(api, "tester/r", "other") is None
    assert find_pushed_checkpoint(api, "tester/absent", "run") is None
    path = download_checkpoint(api, "tester/r", "run-step-000000012", 12, tmp_path / "fresh")
    assert json.loads((Path(path) / "trainer_state.json").read_text()) == {"global_step": 12}


def test_a_finished_revision_is_not_overwritten_by_accident(hub, tmp_path):
    api = _api(hub)
    (tmp_path / "README.md").write_text("card")
    HubPublisher("tester/c", "done", api=api).push(tmp_path, "done", "final").result()
    with pytest.raises(ConfigError, match="hub_model_revision"):
        check_revision(api, "tester/c", "done", overwrite=False, resuming=False)
    check_revision(api, "tester/c", "done", overwrite=True, resuming=False)
    check_revision(api, "tester/c", "done", overwrite=False, resuming=True)
    check_revision(api, "tester/c", "new", overwrite=False, resuming=False)


def test_model_card_carries_the_run_card_essentials():
    card = model_card({"repo_id": "t/m", "revision": "r1", "kind": "train grpo", "base_model": "nano://math",
                       "recipe": "labs/grpo-math/recipes/nano.yaml", "dataset": "nano://math/train",
                       "git_sha": "abc123", "image_digest": "sha256:feed", "metrics": {"train_loss": 0.5}})  # fmt: skip
    for fact in ("train grpo", "labs/grpo-math/recipes/nano.yaml", "nano://math/train", "abc123", "sha256:feed",
                 "train_loss", "0.5", "base_model: nano://math"):  # fmt: skip
        assert fact in card, fact


def _kill(records: list[dict]) -> None:
    """Stop the benchmark processes this test's run launched (by their recorded pid)."""
    for record in records:
        job = record.get("benchmark_job") or ""
        if job.startswith("pid:"):
            try:
                os.killpg(int(job[4:]), signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass


@pytest.mark.slow
def test_nano_run_pushes_benchmarks_resumes_and_loads_back(hub, nano_cache, tmp_path):
    """A nano GRPO run with checkpoint and final pushes; a second run on an empty folder resumes from the Hub."""
    env = {**os.environ, "HF_HUB_OFFLINE": "0", "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN,
           "OPEN_R1_BENCHMARK_RUNTIME": "local"}  # fmt: skip
    # From the untrained nano://math-init (built in seconds): publishing, not learning, is under test.
    common = ["--model_name_or_path", "nano://math-init", "--heldout_samples", "0", "--save_steps", "1",
              "--per_device_train_batch_size", "8", "--num_generations", "4", "--max_completion_length", "16", "--hub_model_id", "tester/nano-grpo", "--hub_model_revision", "nano-run",
              "--push_to_hub_revision", "true", "--push_checkpoints", "true", "--benchmarks", "nano"]  # fmt: skip

    def train(out: Path, steps: int) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "open_r1", "train", "grpo", "--config", "labs/grpo-math/recipes/nano.yaml",
               "--output_dir", str(out), "--max_steps", str(steps), *common]  # fmt: skip
        proc = subprocess.run(cmd, cwd=project_root(), env=env, capture_output=True, text=True, timeout=1200)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc

    first = train(tmp_path / "first", 2)
    records = [json.loads(line) for line in (tmp_path / "first" / "hub_pushes.jsonl").read_text().splitlines()]
    try:
        repo = hub.repos["tester/nano-grpo"]
        assert {"nano-run", "nano-run-step-000000001", "nano-run-step-000000002"} <= set(repo.branches)
        final = hub.files("tester/nano-grpo", "nano-run")
        assert {"README.md", "config.json", "model.safetensors", "run_card.json"} <= set(final)
        assert not any(name.startswith("checkpoint-") for name in final)
        readme = final["README.md"].decode()
        assert "labs/grpo-math/recipes/nano.yaml" in readme and "nano://math/train" in readme
        assert [r["step"] for r in records] == [1, 2, None]
        assert all(r["benchmark_job"].startswith("pid:") for r in records)
        logs = list((tmp_path / "first" / "benchmarks").glob("*.log"))
        assert len(logs) == 3
        # The token: only ever the Authorization header.
        assert set(hub.authorizations) == {f"Bearer {TOKEN}"}
        pushed_text = b"".join(b for rev in repo.branches for b in hub.files("tester/nano-grpo", rev).values())
        assert TOKEN.encode() not in pushed_text
        local_text = "".join(p.read_text(errors="ignore") for p in (tmp_path / "first").rglob("*") if p.is_file()
                             and p.suffix in (".json", ".jsonl", ".md", ".log"))  # fmt: skip
        assert TOKEN not in local_text + first.stdout + first.stderr

        # from_pretrained(..., revision=...) through the same server.
        load = subprocess.run(
            [sys.executable, "-c", "import sys; from transformers import AutoModelForCausalLM as M; "
             "m = M.from_pretrained('tester/nano-grpo', revision='nano-run'); print(type(m).__name__, m.num_parameters())"],
            env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert load.returncode == 0 and "Qwen2ForCausalLM" in load.stdout, load.stderr[-2000:]

        # Resume on an empty folder: the newest pushed checkpoint (step 2) is downloaded and training goes on.
        second = train(tmp_path / "second", 3)
        assert "resuming from the pushed checkpoint tester/nano-grpo@nano-run-step-000000002" in second.stdout
        card = json.loads((tmp_path / "second" / "run_card.json").read_text())
        assert card["metrics"]["global_step"] == 3
        assert card["metrics"]["resumed_from"].endswith("checkpoint-2")
    finally:
        _kill(records)
        if (tmp_path / "second" / "hub_pushes.jsonl").exists():
            _kill([json.loads(x) for x in (tmp_path / "second" / "hub_pushes.jsonl").read_text().splitlines()])
