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


def test_lcb_v4_is_the_v4_subset_with_sixteen_samples(tmp_path):
    spec = build_spec("m", BENCHMARKS["lcb_v4"], tmp_path, "vllm", None, None, dict(R1_GENERATION), {})
    assert spec["tasks"] == "lcb_r1_v4|0" and spec["env"]["OPEN_R1_LCB_SAMPLES"] == "16"
    task_file = (tmp_path / "x").parent / spec["custom_tasks"]
    assert 'r1_variant("lcb:codegeneration_v4", "lcb_r1_v4")' in task_file.read_text()


def test_revision_system_prompt_and_parallel_overrides_reach_the_spec(tmp_path):
    spec = build_spec(
        "org/Model-32B",
        BENCHMARKS["math_500"],
        tmp_path,
        "vllm",
        None,
        None,
        dict(R1_GENERATION),
        {},
        revision="abc123",
        system_prompt="Think first.",
        data_parallel=2,
        tensor_parallel=4,
    )
    assert spec["revision"] == "abc123" and spec["system_prompt"] == "Think first."
    assert spec["vllm"]["data_parallel_size"] == 2 and spec["vllm"]["tensor_parallel_size"] == 4
    plain = build_spec("org/Model-7B", BENCHMARKS["math_500"], tmp_path, "vllm", None, None, dict(R1_GENERATION), {})
    assert plain["revision"] is None and plain["system_prompt"] is None


def test_bad_options_fail_before_any_model_loads(tmp_path, monkeypatch):
    from open_r1.eval.benchmarks import check_parallelism, check_revision

    with pytest.raises(ConfigError, match="local folder"):
        check_revision(str(tmp_path), "v1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ConfigError, match="not in the local Hugging Face cache"):
        check_revision("org/absent-model", "v1")
    with pytest.raises(ConfigError, match="vLLM backend"):
        check_parallelism("transformers", 2, None, "m")
    (tmp_path / "config.json").write_text('{"num_attention_heads": 12}')
    with pytest.raises(ConfigError, match="does not divide the model's 12 attention heads"):
        check_parallelism("vllm", None, 8, str(tmp_path))
    check_parallelism("vllm", None, 4, str(tmp_path))  # 4 divides 12: accepted


def test_details_report_and_plot_from_a_run(tmp_path):
    """write_details turns the runner's per-sample rows into details.jsonl with nano verdicts; the HTML report holds
    the table, the plot, the sources and every completion."""
    import json

    from open_r1.eval.benchmarks import read_details, write_details, write_html_report

    good = "<think>\n1 + 2 = 3\n</think>\n<answer>\n3\n</answer>"
    summary = {
        "per_sample": {
            "nano_math|0": [
                {
                    "metrics": {"pass@1": 0.5},
                    "prompt": "user: Compute 1 + 2.",
                    "gold": ["3"],
                    "completions": [good, "<answer>4</answer>"],
                },
            ]
        }
    }
    path = write_details(BENCHMARKS["nano"], summary, tmp_path / "nano" / "details.jsonl")
    [line] = read_details(path)
    assert line["prompt"] == "user: Compute 1 + 2." and line["gold"] == ["3"]
    assert line["verdicts"] == [{"format": True, "correct": True}, {"format": False, "correct": False}]
    report = {
        "model": "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
        "revision": "r1",
        "system_prompt": None,
        "size": "1.5B",
        "backend": "vllm",
        "generation": R1_GENERATION,
        "benchmarks": [
            {"benchmark": "math_500", "title": "MATH-500", "samples": 4, "problems": 500, "pass@1": 0.8},
            {"benchmark": "nano", "title": "nano", "samples": 2, "problems": 1, "pass@1": 0.5, "details": str(path)},
        ],
    }
    html = write_html_report(report, tmp_path).read_text()
    assert "83.9" in html and "83.1" in html and "80.0" in html  # R1 paper, open-r1 re-measure, ours
    assert "arXiv 2501.12948, Table 5" in html and "data:image/png;base64," in html
    assert "Compute 1 + 2." in html and "correct=True" in html and "correct=False" in html
    assert (tmp_path / "comparison.png").stat().st_size > 1000
    assert json.loads(path.read_text().splitlines()[0])["benchmark"] == "nano"


def test_report_command_prints_the_details_of_wrong_problems(tmp_path, capsys):
    import json

    from open_r1.cli import main
    from open_r1.eval.benchmarks import write_details

    good = "<think>\n1 + 2 = 3\n</think>\n<answer>\n3\n</answer>"
    rows = [
        {"metrics": {}, "prompt": "user: Compute 1 + 2.", "gold": ["3"], "completions": [good, good]},
        {"metrics": {}, "prompt": "user: Compute 5 - 9.", "gold": ["-4"], "completions": ["<answer>4</answer>", good]},
    ]
    path = write_details(
        BENCHMARKS["nano"], {"per_sample": {"nano_math|0": rows}}, tmp_path / "nano" / "details.jsonl"
    )
    report = {"model": "m", "size": None, "backend": "transformers", "generation": R1_GENERATION,
              "benchmarks": [{"benchmark": "nano", "title": "nano", "samples": 2, "problems": 2, "pass@1": 0.5,
                              "details": str(path)}]}  # fmt: skip
    (tmp_path / "open_r1_eval.json").write_text(json.dumps(report))
    assert main(["eval", "report", str(tmp_path), "--details", "nano", "--show", "wrong", "--html"]) == 0
    out = capsys.readouterr().out
    assert "Compute 5 - 9." in out and "Compute 1 + 2." not in out
    assert (tmp_path / "report.html").is_file()
    assert main(["eval", "report", str(tmp_path), "--details", "aime24"]) != 0
    assert "no details for benchmark 'aime24'" in capsys.readouterr().err
