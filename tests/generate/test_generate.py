"""`open-r1 generate` against a real OpenAI-compatible server (transformers serve, started here) serving the nano
model: the server is killed mid-run and restarted, the command rerun — every prompt ends with exactly n outputs,
none duplicated, none lost. Also: a client killed mid-run, a torn last line, a changed dataset, pass-rate end to end.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from open_r1.core.errors import ConfigError
from open_r1.eval.generate import GenerateConfig, LocalServer, OutputFile, run_generate
from open_r1.eval.generate_distilabel import run_generate_distilabel

ROWS, N = 12, 3  # 36 samples: enough to kill the server half-way, small enough for a 2-core CI machine
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(nano_model, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "server.log"
    srv = LocalServer(str(nano_model), log_path=log).start()
    yield srv
    srv.stop()


def generate_cmd(server: LocalServer, output: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "open_r1",
        "generate",
        "--dataset",
        "nano://math/heldout",
        "--limit",
        str(ROWS),
        "--n",
        str(N),
        "--max-tokens",
        "16",
        "--temperature",
        "1.0",
        "--concurrency",
        "4",
        "--retries",
        "2",
        "--retry-wait",
        "0.2",
        "--timeout",
        "60",
        "--base-url",
        server.base_url,
        "--model",
        server.model,
        "--output",
        str(output),
        *extra,
    ]


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def wait_for_lines(path: Path, count: int, proc: subprocess.Popen, timeout: float = 120) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        have = len(lines(path)) if path.exists() else 0
        if have >= count or proc.poll() is not None:
            return have
        time.sleep(0.1)
    raise AssertionError(f"only {len(lines(path))} lines after {timeout} s")


def assert_exactly_n(path: Path) -> None:
    records = lines(path)
    keys = [(r["row"], r["sample"]) for r in records]
    assert len(keys) == len(set(keys)), "duplicated samples"
    per_row = collections.Counter(r for r, _ in keys)
    assert per_row == {row: N for row in range(ROWS)}, per_row
    assert set(keys) == {(r, s) for r in range(ROWS) for s in range(N)}
    assert all(r["messages"][-1]["role"] == "assistant" and "generation" in r for r in records)


def test_server_killed_mid_run_then_rerun_completes_exactly(server, tmp_path, nano_cache):
    output = tmp_path / "gen.jsonl"
    env = {**os.environ, "OPEN_R1_CACHE": str(nano_cache)}
    proc = subprocess.Popen(
        generate_cmd(server, output), cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    have = wait_for_lines(output, 8, proc)
    if proc.poll() is not None:
        raise AssertionError(f"generation ended before the kill ({have} lines):\n{proc.communicate()[0][-3000:]}")
    server.stop(hard=True)  # SIGKILL: requests in flight are lost
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1, out
    assert "Rerun the same command to resume" in " ".join(out.split())  # rich wraps long lines
    partial = len(lines(output))
    assert 8 <= partial < ROWS * N

    server.start()
    rerun = subprocess.run(
        generate_cmd(server, output), cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert_exactly_n(output)
    summary = json.loads(next(line for line in rerun.stderr.splitlines() if line.startswith("{")))
    assert summary["done_before"] == partial and summary["written"] == ROWS * N - partial

    # A third run has nothing to do and writes nothing.
    again = subprocess.run(
        generate_cmd(server, output), cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0 and len(lines(output)) == ROWS * N


def test_client_killed_mid_run_then_rerun_completes_exactly(server, tmp_path, nano_cache):
    output = tmp_path / "gen.jsonl"
    env = {**os.environ, "OPEN_R1_CACHE": str(nano_cache)}
    proc = subprocess.Popen(
        generate_cmd(server, output), cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_lines(output, 6, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with open(output, "a") as fh:  # what a kill in the middle of a write leaves behind
        fh.write('{"row": 0, "sample": 99, "prom')
    cfg = GenerateConfig(
        dataset="nano://math/heldout",
        limit=ROWS,
        n=N,
        max_tokens=16,
        temperature=1.0,
        concurrency=4,
        base_url=server.base_url,
        model=server.model,
        output=str(output),
        quiet=True,
    )
    summary = run_generate(cfg)
    assert summary["complete"] and summary["repaired_bytes"] > 0
    assert_exactly_n(output)


def test_refuses_an_output_made_from_another_dataset(tmp_path, nano_cache):
    from open_r1.core.errors import ConfigError

    output = tmp_path / "gen.jsonl"
    output.write_text(json.dumps({"row": 0, "sample": 0, "prompt_hash": "not-this-prompt"}) + "\n")
    cfg = GenerateConfig(dataset="nano://math/heldout", limit=2, output=str(output), base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="different prompt"):
        run_generate(cfg)


def test_a_think_block_the_server_split_off_is_put_back():
    """transformers serve (and vLLM with --reasoning-parser) return the think block as `reasoning_content`; the
    sample keeps it in front of the answer in R1's layout, which the strict format check accepts."""
    from open_r1.eval.generate import parse_choice
    from open_r1.eval.heldout import check

    cfg = GenerateConfig(dataset="nano://math/heldout", output="unused.jsonl", base_url="http://x/v1", model="m")
    reply = {"choices": [{"finish_reason": "stop", "message": {"content": "<answer>\n-1\n</answer>",
                                                               "reasoning_content": "6 - 7 = -1"}}]}  # fmt: skip
    sample = parse_choice(cfg, reply)
    assert sample["generation"] == "<think>\n6 - 7 = -1\n</think>\n<answer>\n-1\n</answer>"
    assert sample["reasoning"] == "6 - 7 = -1" and check(sample["generation"], "-1") == (True, True)
    plain = parse_choice(cfg, {"choices": [{"message": {"content": "<answer>\n2\n</answer>"}}]})
    assert plain["generation"] == "<answer>\n2\n</answer>" and "reasoning" not in plain


def test_one_writer_per_output(tmp_path):
    from open_r1.core.errors import ConfigError

    first = OutputFile(tmp_path / "gen.jsonl")
    try:
        with pytest.raises(ConfigError, match="another"):
            OutputFile(tmp_path / "gen.jsonl")
    finally:
        first.close()


def test_pass_rate_samples_through_the_server(server, tmp_path, nano_cache):
    from open_r1.cli import main

    out = tmp_path / "kept.jsonl"
    code = main(
        [
            "data",
            "pass-rate",
            "--base-url",
            server.base_url,
            "--model",
            server.model,
            "--dataset",
            "nano://math/heldout",
            "--limit",
            "6",
            "--k",
            "4",
            "--temperature",
            "1.0",
            "--max-tokens",
            "64",
            "--lo",
            "0",
            "--hi",
            "1",
            "--reward-params",
            '{"workers": 1}',
            "--output",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads(out.with_suffix(".report.json").read_text())
    assert report["problems"] == 6 and report["kept"] + report["unscorable"] == 6
    samples = lines(out.with_suffix(".samples.jsonl"))
    assert len(samples) == 24
    # The nano model answers in the R1 format: the server returns what the model wrote, tags included.
    assert any("<answer>" in s["generation"] for s in samples)


# ----------------------------------------------------------------------------------------------------------------
# The distilabel backend: a distilabel pipeline (ChatGeneration + OpenAILLM) against the same local server, with the
# same contract. distilabel runs in the tool-managed `distilabel` environment unless the project's venv has it; the
# first use creates it (pip, a few minutes; CI pays it once).


def test_options_distilabel_cannot_honour_fail_first(tmp_path):
    base = {"dataset": "nano://math/heldout", "output": str(tmp_path / "x.jsonl"), "limit": 2}
    with pytest.raises(ConfigError, match="chat requests only"):
        run_generate_distilabel(GenerateConfig(**base, api="completions"))
    with pytest.raises(ConfigError, match="--extra-body"):
        run_generate_distilabel(GenerateConfig(**base, extra_body={"top_k": 20}))
    assert not (tmp_path / "x.jsonl").exists()


def test_distilabel_killed_mid_run_then_rerun_completes_exactly(server, tmp_path, nano_cache):
    output = tmp_path / "gen.jsonl"
    env = {**os.environ, "OPEN_R1_CACHE": str(nano_cache)}
    cmd = generate_cmd(server, output, "--backend", "distilabel", "--concurrency", "2")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 900  # the first call may create the distilabel environment
    while time.time() < deadline and len(lines(output)) < 4 and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, f"finished before the kill with {len(lines(output))} lines"
    proc.send_signal(signal.SIGKILL)  # no clean-up runs: the runner must notice and stop its pipeline
    proc.wait()
    time.sleep(3)
    partial = len(lines(output))
    time.sleep(2)
    assert len(lines(output)) == partial, "the pipeline kept writing after its command was killed"
    assert 4 <= partial < ROWS * N
    # The worst moment for the kill: distilabel cut mid-write of its scratch pipeline.yaml, which it reads back on
    # the next run even with use_cache=False (a rerun died on it in a fresh container). Make that moment certain.
    torn = list((tmp_path / "gen.jsonl.distilabel" / "cache").rglob("pipeline.yaml"))
    assert torn, "the killed run left no distilabel scratch to tear"
    for path in torn:
        path.write_text("")

    rerun = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-3000:]
    assert_exactly_n(output)
    summary = json.loads(next(line for line in rerun.stderr.splitlines() if line.startswith("{")))
    assert summary["backend"] == "distilabel" and summary["done_before"] == partial
    assert summary["written"] == ROWS * N - partial
    assert {r["backend"] for r in lines(output)} == {"distilabel"}
