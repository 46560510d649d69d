"""Every lab recipe goes through TRL's own config classes, with the world size and hardware its profile launches on.

`check_recipe_keys` only checks that each key is a field somewhere; TRL's cross-field rules live in the configs'
`__post_init__` (GRPO: the generation batch must divide by `num_generations`, which must be at least 2;
TrainingArguments: bf16 needs a GPU that has it, save/eval step multiples, ...). Here each recipe is parsed by
open_r1.core.configs.parse_recipe, which builds the GRPOConfig/SFTConfig, as the real launch would:

- world size: one process for the python launcher; for accelerate, the profile's `num_processes`, else one process
  per GPU on every node (what accelerate and the SLURM template start). TRL's batch rules depend on it: grpo-code's
  full recipe (16 prompts x 4 accumulation steps, 14 generations) is only valid on its 7 training GPUs.
- hardware: profiles that ask for GPUs are parsed as on a bf16-capable GPU host (this CI machine has none); nano
  profiles as they are, on this machine's CPU.
"""

from __future__ import annotations

import pytest
import transformers
import transformers.training_args
from trl import GRPOConfig, SFTConfig

from open_r1.core.configs import parse_recipe
from open_r1.core.errors import ConfigError
from open_r1.labs.manifest import list_labs, load_lab

TRAINERS = {"train grpo": GRPOConfig, "train sft": SFTConfig}


def training_recipes(name: str):
    """(profile, entrypoint, recipe, inputs) of a lab's training runs: its own, or its training stages' for a pipeline
    lab, whose runner hands a stage its model and data from earlier stages (placeholders here: nothing is loaded)."""
    lab = load_lab(name)
    stages = getattr(lab, "stages", None) or []
    for profile in lab.profiles:
        if stages:
            for stage in stages:
                if stage.entrypoint in TRAINERS:
                    inputs = ["--model_name_or_path", "/stage/model"] if stage.model_from else []
                    inputs += ["--dataset_name", "/stage/data.jsonl"] if stage.data_from else []
                    yield profile, stage.entrypoint, lab.stage_recipe(profile, stage.name), tuple(inputs)
        elif lab.entrypoint in TRAINERS:
            yield profile, lab.entrypoint, lab.recipe_path(profile), ()


CASES = [(name, *recipe) for name in list_labs() for recipe in training_recipes(name)]


def world_size(profile) -> int:
    if profile.launcher != "accelerate":
        return 1
    return profile.num_processes or max(profile.resources.gpus, 1) * max(profile.resources.nodes, 1)


@pytest.fixture
def launched_as(monkeypatch):
    """Make TrainingArguments see the launch's world size, and a bf16 GPU when the profile has GPUs."""

    def apply(profile) -> None:
        monkeypatch.setattr(transformers.TrainingArguments, "world_size", property(lambda self: world_size(profile)))
        if profile.resources.gpus > 0:
            monkeypatch.setattr(transformers.training_args, "is_torch_bf16_gpu_available", lambda: True)

    return apply


def test_the_training_labs_are_all_covered():
    assert {case[0] for case in CASES} >= {"grpo-math", "grpo-code", "distill", "fsdp-32b"}, CASES
    assert {case[1] for case in CASES} >= {"nano", "full"}


@pytest.mark.parametrize(
    "name, profile, entrypoint, recipe, inputs", CASES, ids=[f"{n}-{p}-{r.stem}" for n, p, _, r, _ in CASES]
)
def test_recipe_passes_trl_cross_field_rules(name, profile, entrypoint, recipe, inputs, launched_as, tmp_path):
    prof = load_lab(name).profile(profile)
    launched_as(prof)
    trainer_class = TRAINERS[entrypoint]
    _, args, model = parse_recipe(trainer_class, str(recipe), ["--output_dir", str(tmp_path), *inputs])
    assert type(args) is trainer_class and model.model_name_or_path
    assert args.world_size == world_size(prof)
    if trainer_class is GRPOConfig:  # the rule this test exists for: whole groups in every generation batch
        assert args.generation_batch_size % args.num_generations == 0


def test_a_recipe_that_breaks_a_trl_rule_is_refused(launched_as, tmp_path):
    """The check can fail: grpo-code's full recipe on one process instead of its seven."""
    lab = load_lab("grpo-code")
    prof = lab.profile("full").model_copy(update={"num_processes": 1})
    launched_as(prof)
    with pytest.raises(ConfigError, match="must be divisible by num_generations"):
        parse_recipe(GRPOConfig, str(lab.recipe_path("full")), ["--output_dir", str(tmp_path)])
