"""Curriculum sampling (open_r1.train.curriculum) and reward routing for task mixtures (open_r1.rewards.routing)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from open_r1.core.errors import ConfigError
from open_r1.rewards.routing import check_reward_tasks, route_by_task, route_rewards
from open_r1.train.curriculum import (
    CurriculumConfig,
    apply_curriculum,
    check_curriculum,
    competence,
    plan_order,
    rows_per_step,
)

LEVELS = [1] * 40 + [2] * 40 + [3] * 40  # row i's difficulty


def test_competence_grows_from_start_to_one():
    values = [competence(t / 10, 0.3, 0.8) for t in range(11)]
    assert values[0] == pytest.approx(0.3) and values[-1] == 1.0
    assert all(a <= b for a, b in zip(values, values[1:], strict=False))
    assert competence(0.8, 0.3, 0.8) == 1.0  # every row is available from warmup_fraction on


def test_competence_schedule_starts_easy_and_ends_with_every_level():
    order = plan_order(LEVELS, 600, CurriculumConfig(schedule="competence", start=0.3, warmup_fraction=0.8), seed=0)
    first = [LEVELS[i] for i in order[:5]]
    last = [LEVELS[i] for i in order[-150:]]
    assert set(first) == {1}  # at the start only the easiest ~30 % of 120 rows (level 1) are drawn
    assert {1, 2, 3} <= set(last)
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    assert mean(last) > mean(first) + 0.5


def test_sorted_and_weights_schedules():
    order = plan_order(LEVELS, 10, CurriculumConfig(schedule="sorted"), seed=1)
    assert [LEVELS[i] for i in order] == sorted(LEVELS)  # every row once, easiest first
    cfg = check_curriculum(
        {"schedule": "weights", "start_weights": {"1": 1, "2": 0, "3": 0}, "end_weights": {"1": 0, "2": 0, "3": 1}}
    )
    order = plan_order(LEVELS, 200, cfg, seed=0)
    assert LEVELS[order[0]] == 1 and LEVELS[order[-1]] == 3
    assert 2 not in {LEVELS[i] for i in order}  # bucket 2 has weight 0 throughout


def test_the_plan_depends_only_on_the_seed():
    cfg = CurriculumConfig(schedule="competence")
    assert plan_order(LEVELS, 300, cfg, seed=3) == plan_order(LEVELS, 300, cfg, seed=3)
    assert plan_order(LEVELS, 300, cfg, seed=3) != plan_order(LEVELS, 300, cfg, seed=4)


@pytest.mark.parametrize(
    "raw, key",
    [
        ({"schedule": "easy_first"}, "curriculum.schedule"),
        ({"schedule": "competence", "start": 0}, "curriculum.start"),
        ({"colum": "level"}, "curriculum.colum"),
        ({"schedule": "weights"}, "curriculum.start_weights"),
        ({"schedule": "weights", "start_weights": {"1": 1}, "end_weights": {"2": 1}}, "curriculum.end_weights"),
    ],
)
def test_bad_curricula_are_refused_with_the_key(raw, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        check_curriculum(raw, "recipe.yaml")


def _args(**kw):
    base = dict(
        per_device_train_batch_size=64,
        gradient_accumulation_steps=1,
        world_size=1,
        num_generations=8,
        num_iterations=1,
        max_steps=10,
        seed=0,
        shuffle_dataset=True,
        train_sampling_strategy="random",
    )
    return SimpleNamespace(**{**base, **kw})


def test_apply_curriculum_reorders_and_turns_the_trainer_shuffle_off():
    import datasets

    ds = datasets.Dataset.from_list([{"problem": f"p{i}", "level": lv} for i, lv in enumerate(LEVELS)])
    grpo = _args()
    assert rows_per_step(grpo, "grpo") == 8  # 64 completions / 8 generations
    out = apply_curriculum(ds, SimpleNamespace(curriculum={"schedule": "competence"}), grpo, "grpo")
    assert len(out) == 80 and grpo.shuffle_dataset is False and out["level"][0] == 1
    sft = _args()
    out = apply_curriculum(ds, SimpleNamespace(curriculum={"schedule": "sorted"}), sft, "sft")
    assert sft.train_sampling_strategy == "sequential" and out["level"][:40] == [1] * 40
    untouched = _args()
    assert apply_curriculum(ds, SimpleNamespace(curriculum=None), untouched, "grpo") is ds
    assert untouched.shuffle_dataset is True


def test_pass_rate_columns_count_as_easier_when_higher():
    import datasets

    ds = datasets.Dataset.from_list([{"problem": str(i), "pass_rate": r} for i, r in enumerate([0.1, 0.9, 0.5])])
    out = apply_curriculum(
        ds,
        SimpleNamespace(curriculum={"schedule": "sorted", "column": "pass_rate", "higher_is": "easier"}),
        _args(max_steps=0),
        "sft",
    )
    assert out["pass_rate"] == [0.9, 0.5, 0.1]
    with pytest.raises(ConfigError, match="curriculum.column"):
        apply_curriculum(ds, SimpleNamespace(curriculum={"schedule": "sorted"}), _args(), "sft")  # no `level`


def test_routed_rewards_score_only_their_rows():
    calls = []

    def accuracy(completions, solution, **kw):
        calls.append(list(solution))
        return [1.0 if c == s else 0.0 for c, s in zip(completions, solution, strict=True)]

    routed = route_by_task(accuracy, ["math"])
    assert routed.__name__ == "accuracy"
    scores = routed(["4", "print(1)", "5"], solution=["4", None, "6"], task=["math", "code", "math"], trainer_state=7)
    assert scores == [1.0, None, 0.0]
    assert calls == [["4", "6"]]  # never called on the code row
    assert routed(["x"], solution=[None], task=["code"]) == [None] and len(calls) == 1
    with pytest.raises(ConfigError, match="task"):
        routed(["x"], solution=["x"])


def test_reward_tasks_are_checked_against_the_recipe():
    check_reward_tasks({"accuracy": ["math"]}, ["accuracy", "format"])
    with pytest.raises(ConfigError, match="reward_tasks.code"):
        check_reward_tasks({"code": ["code"]}, ["accuracy"])
    with pytest.raises(ConfigError, match="reward_tasks.accuracy"):
        check_reward_tasks({"accuracy": "math"}, ["accuracy"])
    with pytest.raises(ConfigError, match="no `task` column"):
        route_rewards([lambda completions, **kw: [0.0]], {"<lambda>": ["math"]}, ["problem"])


def test_recipes_with_curriculum_and_reward_tasks_fail_before_loading(tmp_path):
    from open_r1.train import parse_training_recipe

    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "model_name_or_path: nano://math\ndataset_name: nano://math/train\nuse_cpu: true\nbf16: false\n"
        "reward_funcs: [accuracy, format]\nreward_tasks: {accuracy: [math], code: [code]}\n"
    )
    with pytest.raises(ConfigError, match="reward_tasks.code"):
        parse_training_recipe("grpo", str(recipe), ["--output_dir", str(tmp_path / "o")])
    recipe.write_text(
        "model_name_or_path: nano://math\ndataset_name: nano://math/train\nuse_cpu: true\nbf16: false\n"
        "curriculum: {schedule: competence, start: 2}\n"
    )
    with pytest.raises(ConfigError, match="curriculum.start"):
        parse_training_recipe("sft", str(recipe), ["--output_dir", str(tmp_path / "o")])


def test_a_task_mixture_tags_rows_and_unions_columns(nano_cache):
    from open_r1.core.configs import ScriptArguments
    from open_r1.data import get_dataset

    args = ScriptArguments(
        dataset_mixture={
            "datasets": [
                {"id": "nano://math/train", "task": "math", "weight": 0.002},
                {"id": "nano://code/train", "task": "code", "weight": 0.002},
            ]
        }
    )
    train = get_dataset(args)["train"]
    assert sorted(set(train["task"])) == ["code", "math"]
    assert {"solution", "verification_info", "problem"} <= set(train.column_names)
    for row in train:
        assert (row["solution"] is None) == (row["task"] == "code")
