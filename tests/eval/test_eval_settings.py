"""`open-r1 eval`: the R1 protocol in code (sampling, per-benchmark sample counts), the published figures, and the
results table — all without the lighteval environment."""

from __future__ import annotations

import pytest

from open_r1.core.errors import ConfigError
from open_r1.eval.benchmarks import BENCHMARKS, R1_GENERATION, build_spec, model_size, parse_benchmarks, results_table


def test_r1_sampling_and_sample_counts():
    assert R1_GENERATION == {"temperature": 0.6, "top_p": 0.95, "max_new_tokens": 32768}
    counts = {b.key: b.samples for b in parse_benchmarks("r1")}
    assert counts == {"aime24": 64, "aime25": 64, "math_500": 4, "gpqa": 8, "lcb": 16}


def test_task_strings_ask_lighteval_for_n_samples(tmp_path):
    spec = build_spec("m", BENCHMARKS["aime24"], tmp_path, "vllm", None, None, dict(R1_GENERATION), {})
    assert spec["tasks"] == "aime24@k=1@n=64|0" and spec["vllm"]["max_model_length"] == 32768
    spec = build_spec("m", BENCHMARKS["gpqa"], tmp_path, "vllm", None, None, dict(R1_GENERATION), {})
    assert spec["tasks"] == "gpqa:diamond@k=1@n=8|0"
    spec = build_spec("m", BENCHMARKS["lcb"], tmp_path, "vllm", None, None, dict(R1_GENERATION), {})
    assert spec["tasks"] == "lcb_r1|0" and spec["env"]["OPEN_R1_LCB_SAMPLES"] == "16"
    assert spec["custom_tasks"].endswith("recipes/tasks/r1_lcb.py")


def test_unknown_benchmark_is_named():
    with pytest.raises(ConfigError, match="aime2024"):
        parse_benchmarks("aime2024")


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "1.5B"),
        ("open-r1/OpenR1-Distill-7B", "7B"),
        ("/runs/nano/model", None),
    ],
)
def test_model_size_from_name(name, size):
    assert model_size(name) == size


def test_table_puts_our_scores_beside_the_paper():
    from rich.console import Console

    report = {
        "model": "OpenR1-Distill-7B",
        "size": "7B",
        "benchmarks": [
            {"benchmark": "aime24", "title": "AIME 2024", "samples": 64, "problems": 30, "pass@1": 0.5},
            {"benchmark": "math_500", "title": "MATH-500", "samples": 4, "problems": 500, "pass@1": 0.9},
        ],
    }
    console = Console(record=True, width=200)
    console.print(results_table(report))
    text = console.export_text()
    assert "DeepSeek-R1 paper 7B" in text and "55.5" in text and "92.8" in text  # the paper's 7B figures
    assert "50.0" in text and "90.0" in text  # ours
    assert "52.7" in text  # OpenR1-Distill-7B's published AIME 2024


def test_parallelism_rule():
    from open_r1.eval.benchmarks import parallelism

    assert parallelism("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", gpus=8) == {
        "data_parallel_size": 8,
        "tensor_parallel_size": 1,
    }
    assert parallelism("/nowhere/DeepSeek-R1-Distill-Qwen-32B", gpus=6) == {
        "data_parallel_size": 1,
        "tensor_parallel_size": 4,
    }
