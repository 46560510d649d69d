"""Every class of bad recipe fails with one clear line naming the file and the key, before any model loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from trl import GRPOConfig, SFTConfig

from open_r1.core.configs import parse_recipe
from open_r1.core.errors import ConfigError

# A model path that cannot load: if any check ran *after* model loading, the test would see an OSError instead.
NO_MODEL = "/nonexistent/model-that-must-never-load"


def write(tmp_path: Path, text: str, name: str = "recipe.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def rows_file(tmp_path: Path, rows: list[dict], name: str = "data.jsonl") -> str:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


BASE = f"model_name_or_path: {NO_MODEL}\noutput_dir: /tmp/x\nuse_cpu: true\nbf16: false\n"


def test_good_recipe_parses_and_overrides_win(tmp_path):
    data = rows_file(tmp_path, [{"problem": "1+1", "solution": "$2$"}])
    path = write(tmp_path, BASE + f"dataset_name: {data}\nlearning_rate: 1.0e-5\nnum_generations: 4\n"
                 "per_device_train_batch_size: 4\n")
    script, training, model = parse_recipe(GRPOConfig, path, ["--learning_rate", "3e-4"])
    assert training.learning_rate == pytest.approx(3e-4)
    assert training.num_generations == 4
    assert script.dataset_name == data
    assert model.model_name_or_path == NO_MODEL


def test_unknown_key_names_file_key_and_suggestion(tmp_path):
    path = write(tmp_path, BASE + "dataset_name: x\nlerning_rate: 1.0e-5\n")
    with pytest.raises(ConfigError) as err:
        parse_recipe(GRPOConfig, path)
    msg = str(err.value)
    assert path in msg and "'lerning_rate'" in msg and "learning_rate" in msg


@pytest.mark.parametrize(
    "line, key",
    [("learning_rate: fast", "learning_rate"), ("num_generations: 2.5", "num_generations"),
     ("bf16: 'no'", "bf16"), ("reward_funcs: accuracy", "reward_funcs")],
)
def test_wrong_type_names_key_and_value(tmp_path, line, key):
    path = write(tmp_path, BASE + "dataset_name: x\n" + line + "\n")
    with pytest.raises(ConfigError) as err:
        parse_recipe(GRPOConfig, path)
    msg = str(err.value)
    assert path in msg and f"'{key}'" in msg and "is not a valid" in msg


def test_neither_dataset_nor_mixture(tmp_path):
    path = write(tmp_path, BASE)
    with pytest.raises(ConfigError) as err:
        parse_recipe(GRPOConfig, path)
    assert "'dataset_name'" in str(err.value) and "dataset_mixture" in str(err.value) and path in str(err.value)


def test_unknown_reward_name(tmp_path):
    from open_r1.train import parse_training_recipe  # the core parser checks types; the train layer checks rewards

    path = write(tmp_path, BASE + "dataset_name: x\nreward_funcs: [accuracy, formatt]\n")
    assert parse_recipe(GRPOConfig, path)[0].reward_funcs == ["accuracy", "formatt"]
    with pytest.raises(ConfigError) as err:
        parse_training_recipe("grpo", path)
    msg = str(err.value)
    assert path in msg and "formatt" in msg and "reward_funcs" in msg


def test_inconsistent_mixture_columns(tmp_path):
    path = write(tmp_path, BASE + "dataset_mixture:\n  datasets:\n    - {id: a.jsonl, columns: [problem, solution]}\n"
                 "    - {id: b.jsonl, columns: [question]}\n")
    with pytest.raises(ConfigError) as err:
        parse_recipe(GRPOConfig, path)
    assert "dataset_mixture.datasets[].columns" in str(err.value) and path in str(err.value)


def test_mixture_weight_out_of_range(tmp_path):
    path = write(tmp_path, BASE + "dataset_mixture:\n  datasets:\n    - {id: a.jsonl, weight: 1.5}\n")
    with pytest.raises(ConfigError) as err:
        parse_recipe(GRPOConfig, path)
    assert "dataset_mixture.datasets[0].weight" in str(err.value)


def test_missing_prompt_column_fails_before_model_load(tmp_path):
    from open_r1.train.grpo import train_grpo

    data = rows_file(tmp_path, [{"question": "1+1", "solution": "$2$"}])
    path = write(tmp_path, BASE + f"dataset_name: {data}\nprompt_column: problem\n")
    script, training, model = parse_recipe(GRPOConfig, path)
    with pytest.raises(ConfigError) as err:
        train_grpo(script, training, model, recipe_path=path)
    msg = str(err.value)
    assert "'prompt_column'" in msg and "'problem'" in msg and "question" in msg and path in msg


def test_sft_missing_messages_column_fails_before_model_load(tmp_path):
    from open_r1.train.sft import train_sft

    data = rows_file(tmp_path, [{"text": "hello"}])
    path = write(tmp_path, BASE + f"dataset_name: {data}\n")
    script, training, model = parse_recipe(SFTConfig, path)
    with pytest.raises(ConfigError) as err:
        train_sft(script, training, model, recipe_path=path)
    assert "'messages'" in str(err.value)


def test_bad_override_on_command_line(tmp_path):
    path = write(tmp_path, BASE + "dataset_name: x\n")
    with pytest.raises(ConfigError) as err:
        parse_recipe(GRPOConfig, path, ["--no_such_flag", "1"])
    assert "no_such_flag" in str(err.value)


def test_missing_recipe_file(tmp_path):
    with pytest.raises(ConfigError) as err:
        parse_recipe(GRPOConfig, str(tmp_path / "nope.yaml"))
    assert "nope.yaml" in str(err.value) and "not found" in str(err.value)


def test_cli_prints_one_clean_line(tmp_path, capsys):
    from open_r1.cli import main

    path = write(tmp_path, BASE + "dataset_name: x\nlerning_rate: 1\n")
    assert main(["train", "grpo", "--config", path]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "lerning_rate" in err[0]


def test_heldout_samples_zero_skips_the_heldout_evaluation(tmp_path):
    data = rows_file(tmp_path, [{"problem": "1+1", "solution": "$2$"}])
    recipe = BASE + f"dataset_name: {data}\nheldout_dataset: nano://math/heldout\n"
    script, _, _ = parse_recipe(GRPOConfig, write(tmp_path, recipe), [])
    assert script.heldout_enabled
    script, _, _ = parse_recipe(GRPOConfig, write(tmp_path, recipe), ["--heldout_samples", "0"])
    assert not script.heldout_enabled


def test_checkpointing_keys_follow_the_installed_transformers():
    """The GPU images pin transformers 5.17 (vLLM caps it), whose TrainingArguments only knows the pre-5.18 names."""
    import dataclasses

    from open_r1.core.configs import adapt_renamed_fields, training_field

    @dataclasses.dataclass
    class OldTrainingArguments:
        gradient_checkpointing: bool = False
        gradient_checkpointing_kwargs: dict | None = None

    config = {"activation_checkpointing": True, "activation_checkpointing_kwargs": {"use_reentrant": False}}
    overrides = adapt_renamed_fields(OldTrainingArguments, config, ["--activation_checkpointing", "false",
                                                                    "--activation_checkpointing_kwargs={}"])
    assert config == {"gradient_checkpointing": True, "gradient_checkpointing_kwargs": {"use_reentrant": False}}
    assert overrides == ["--gradient_checkpointing", "false", "--gradient_checkpointing_kwargs={}"]
    # With today's names present (transformers >= 5.18, this environment) nothing is renamed.
    assert training_field(GRPOConfig, "activation_checkpointing") == "activation_checkpointing"
    config = {"activation_checkpointing": True}
    assert adapt_renamed_fields(GRPOConfig, config, ["--activation_checkpointing", "true"]) == [
        "--activation_checkpointing", "true"]
    assert config == {"activation_checkpointing": True}
