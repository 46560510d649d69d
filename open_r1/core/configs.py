"""Typed configs for every entrypoint, and the recipe parser that checks them before anything heavy runs.

WHAT
    `ScriptArguments` (data, prompts, rewards), `DatasetSpec` / `MixtureSpec` (one dataset or a weighted mixture),
    and `parse_recipe(config_class, path, overrides)` which returns `(script_args, trainer_config, model_config)`
    — the trainer config is TRL's own `GRPOConfig` or `SFTConfig`, so every TRL field works in a recipe and on the
    command line.

WHY
    A recipe is the whole experiment (nanoGPT's "config as a plain file"), but a typo in it must not cost a GPU hour:
    TRL's parser silently accepts a YAML value of the wrong type and reports unknown YAML keys only as a generic
    list. Here every key of the YAML file is checked against the dataclass fields before parsing — unknown key
    (with a did-you-mean), wrong type, a mixture whose datasets disagree on columns, neither dataset nor mixture,
    an unknown reward — and the error names the file, the key, the value and the fix. All of it happens before
    any model or tokenizer is loaded (design principle: fail before loading a model).

HOW
    1. Read the YAML mapping; pull out `env` (environment variables) like TRL does.
    2. For each key, find the dataclass that owns it and check the value against the field's annotation
       (`_check_type`): int, float (ints accepted), bool, str, lists, dicts, Optional, enums (as strings).
    3. Hand the checked mapping to `trl.TrlParser` as defaults and parse the command-line overrides on top, so
       `--learning_rate 1e-5` wins over the file.
    4. Cross-field rules (`ScriptArguments.validate`) run on the parsed objects.

DATA FLOW
    CLI (`open-r1 train grpo|sft --config recipe.yaml [--key value ...]`, or the lab runner) → `parse_recipe` →
    open_r1.data.get_dataset (ScriptArguments), open_r1.models (ModelConfig), TRL trainer (GRPOConfig/SFTConfig),
    and open_r1.core.runcard (everything, resolved, into the run card).
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from open_r1.core.errors import ConfigError
from open_r1.core.openr1_recipes import is_open_r1_recipe, map_open_r1_recipe

ModelT = typing.TypeVar("ModelT", bound="BaseModel")


@dataclass
class DatasetSpec:
    """One member of a weighted mixture."""

    id: str = field(
        metadata={"help": "Hub id, local file (.jsonl/.json/.parquet), local folder, or nano://<task>/<split>."}
    )
    config: str | None = field(default=None, metadata={"help": "Dataset configuration (subset) name."})
    split: str = field(default="train", metadata={"help": "Split to read."})
    columns: list[str] | None = field(default=None, metadata={"help": "Columns to keep (all members must agree)."})
    weight: float = field(default=1.0, metadata={"help": "Fraction of this dataset's rows kept (0 < weight <= 1)."})
    task: str | None = field(
        default=None,
        metadata={"help": "Task name written to a `task` column for this member's rows (reward_tasks routes on it)."},
    )


@dataclass
class MixtureSpec:
    """A weighted mixture: each member keeps `weight` of its rows after a seeded shuffle, then all are concatenated."""

    datasets: list[DatasetSpec] = field(default_factory=list)
    seed: int = 0
    test_split_size: float | None = None


@dataclass
class ScriptArguments:
    """What to train on and how to score it. Shared by `train grpo` and `train sft`."""

    dataset_name: str | None = field(
        default=None, metadata={"help": "Dataset: hub id, local file or folder, or nano://math/train."}
    )
    dataset_config: str | None = field(default=None, metadata={"help": "Dataset configuration (subset) name."})
    dataset_train_split: str = field(default="train", metadata={"help": "Split used for training."})
    dataset_test_split: str | None = field(default=None, metadata={"help": "Split used for evaluation, if any."})
    dataset_mixture: dict[str, Any] | None = field(
        default=None,
        metadata={
            "help": "Weighted mixture: {datasets: [{id, config, split, columns, weight}], seed, test_split_size}."
        },
    )
    prompt_column: str = field(default="problem", metadata={"help": "Column holding the question (GRPO prompts)."})
    system_prompt: str | None = field(
        default=None, metadata={"help": "Optional system message put before each prompt."}
    )
    chat_template: str | None = field(
        default=None,
        metadata={"help": "Jinja chat template that replaces the tokenizer's (e.g. ChatML for base models)."},
    )
    reward_funcs: list[str] = field(
        default_factory=lambda: ["accuracy", "format", "tag_count"],
        metadata={"help": "Reward names from the registry (`open-r1 rewards list`)."},
    )
    reward_params: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "Per-reward parameters, e.g. {format: {prefill_think: true}}."}
    )
    reward_tasks: dict[str, list[str]] | None = field(
        default=None,
        metadata={
            "help": "Route rewards to rows by the `task` column: {reward name: [tasks]}; a reward gives None (no "
            "signal) on other rows, e.g. {accuracy: [math], code: [code]} for a math + code mixture."
        },
    )
    curriculum: dict[str, Any] | None = field(
        default=None,
        metadata={
            "help": "Curriculum over training rows: {schedule: none|sorted|competence|weights, column, higher_is, "
            "start, warmup_fraction, start_weights, end_weights} (open_r1.train.curriculum)."
        },
    )
    heldout_dataset: str | None = field(
        default=None, metadata={"help": "Held-out problems scored before and after training (nano labs)."}
    )
    heldout_samples: int = field(
        default=300, metadata={"help": "How many held-out problems to score (0 skips the held-out evaluation)."}
    )
    # Publishing (open_r1.train.hub): the repository is TrainingArguments.hub_model_id; the server is HF_ENDPOINT.
    push_to_hub_revision: bool = field(
        default=False,
        metadata={"help": "Push the final model to hub_model_id at branch hub_model_revision, in the background."},
    )
    hub_model_revision: str | None = field(
        default=None, metadata={"help": "Branch the run pushes to (default: the name of output_dir)."}
    )
    overwrite_hub_revision: bool = field(
        default=False, metadata={"help": "Allow pushing to a branch that already holds a model card."}
    )
    push_checkpoints: bool = field(
        default=False, metadata={"help": "Also push every saved checkpoint, to <revision>-step-<N>."}
    )
    benchmarks: list[str] = field(
        default_factory=list,
        metadata={"help": "Benchmarks launched on each pushed checkpoint (`open-r1 eval run --benchmarks`)."},
    )

    @property
    def heldout_enabled(self) -> bool:
        """Score held-out problems before and after training: a held-out set is named and the sample count is > 0."""
        return bool(self.heldout_dataset) and self.heldout_samples > 0

    def mixture(self, file: str | None = None) -> MixtureSpec | None:
        """Validate the raw `dataset_mixture` mapping into a MixtureSpec (known keys only, every member with an id and a
        weight in (0, 1], the same columns everywhere, a test size in (0, 1)), or None without one;
        open_r1.data.get_dataset mixes from it, and `file` names the recipe in the errors.
        """
        if self.dataset_mixture is None:
            return None
        raw = dict(self.dataset_mixture)
        unknown = set(raw) - {"datasets", "seed", "test_split_size"}
        if unknown:
            raise ConfigError(
                f"unknown field(s) {sorted(unknown)}",
                file=file,
                key="dataset_mixture",
                fix="use only datasets, seed and test_split_size.",
            )
        members = []
        for i, item in enumerate(raw.get("datasets") or []):
            key = f"dataset_mixture.datasets[{i}]"
            if not isinstance(item, dict):
                raise ConfigError(f"expected a mapping, got {item!r}", file=file, key=key)
            _check_mapping(DatasetSpec, item, file, key)
            if "id" not in item:
                raise ConfigError("missing 'id'", file=file, key=key, fix="give each dataset an id (hub id or path).")
            spec = DatasetSpec(**item)
            if not 0 < spec.weight <= 1:
                raise ConfigError(
                    f"weight {spec.weight} is out of range",
                    file=file,
                    key=f"{key}.weight",
                    fix="a weight is the fraction of rows kept: 0 < weight <= 1.",
                )
            members.append(spec)
        if not members:
            raise ConfigError(
                "has no datasets",
                file=file,
                key="dataset_mixture.datasets",
                fix="list at least one {id: ..., weight: ...}.",
            )
        column_sets = {tuple(m.columns) if m.columns is not None else None for m in members}
        if len(column_sets) > 1:
            raise ConfigError(
                f"members select different columns: {[m.columns for m in members]}",
                file=file,
                key="dataset_mixture.datasets[].columns",
                fix="give every member the same `columns` list so the datasets can be concatenated.",
            )
        test = raw.get("test_split_size")
        if test is not None and not 0 < float(test) < 1:
            raise ConfigError(
                f"{test} is out of range",
                file=file,
                key="dataset_mixture.test_split_size",
                fix="use a fraction between 0 and 1.",
            )
        return MixtureSpec(datasets=members, seed=int(raw.get("seed", 0)), test_split_size=test)

    def validate(self, file: str | None = None) -> None:
        """Check the data fields (one of dataset_name / dataset_mixture, a well-formed mixture); rewards are
        checked against the registry by open_r1.train.parse_training_recipe, a layer above this one."""
        if self.dataset_name is None and self.dataset_mixture is None:
            raise ConfigError(
                "neither `dataset_name` nor `dataset_mixture` is set",
                file=file,
                key="dataset_name",
                fix="set dataset_name: <hub id or path> or a dataset_mixture: {datasets: [...]}.",
            )
        if self.dataset_name is not None and self.dataset_mixture is not None:
            raise ConfigError(
                "both `dataset_name` and `dataset_mixture` are set",
                file=file,
                key="dataset_mixture",
                fix="keep one of them.",
            )
        self.mixture(file)


# ----------------------------------------------------------------------------------------------------------------
# Type checking of YAML values against dataclass annotations.


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _check_type(value: Any, tp: Any) -> bool:
    if tp is Any or tp is typing.Any:
        return True
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_check_type(value, arg) for arg in typing.get_args(tp))
    if tp is type(None):
        return value is None
    if origin is typing.Literal:
        return value in typing.get_args(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return isinstance(value, str) and value in {m.value for m in tp}
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin in (list, tuple) or tp in (list, tuple):
        if not isinstance(value, list | tuple):
            return False
        args = typing.get_args(tp)
        return not args or all(_check_type(v, args[0]) for v in value)
    if origin is dict or tp is dict:
        return isinstance(value, dict)
    return True  # anything exotic: let the parser decide


def _fields(cls: type) -> dict[str, dataclasses.Field]:
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        f.type = hints.get(f.name, f.type)
        out[f.name] = f
    return out


def _check_mapping(cls: type, mapping: dict[str, Any], file: str | None, prefix: str) -> None:
    known = _fields(cls)
    for key, value in mapping.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(sorted(known))}."
            raise ConfigError("unknown key", file=file, key=f"{prefix}.{key}", fix=hint)
        if not _check_type(value, known[key].type):
            raise ConfigError(
                f"value {value!r} is not of type {_type_name(known[key].type)}",
                file=file,
                key=f"{prefix}.{key}",
            )


def check_recipe_keys(config: dict[str, Any], classes: tuple[type, ...], file: str | None) -> None:
    """Every key must belong to one of `classes` and match that field's type."""
    owners: dict[str, dataclasses.Field] = {}
    for cls in classes:
        for name, f in _fields(cls).items():
            owners.setdefault(name, f)
    for key, value in config.items():
        if key not in owners:
            close = difflib.get_close_matches(key, list(owners), n=1, cutoff=0.75)
            fix = f"did you mean '{close[0]}'?" if close else "remove it, or check the spelling against `--help`."
            raise ConfigError("unknown key", file=file, key=key, fix=fix)
        tp = owners[key].type
        if not _check_type(value, tp):
            raise ConfigError(
                f"value {value!r} ({type(value).__name__}) is not a valid {_type_name(tp)}",
                file=file,
                key=key,
                fix=f"write a {_type_name(tp)} value.",
            )


def load_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a recipe or config file as a mapping, failing with a ConfigError that names the file and the fix when it is
    absent, not valid YAML or not a mapping: the one reader behind recipes, cluster profiles and data configs.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(
            "recipe file not found", file=str(p), fix="check the path (recipes live in labs/<lab>/recipes/)."
        )
    try:
        data = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"is not valid YAML: {err}", file=str(p)) from None
    if not isinstance(data, dict):
        raise ConfigError("must contain a YAML mapping of key: value", file=str(p))
    return data


# transformers 5.18 renamed `gradient_checkpointing*` to `activation_checkpointing*` (the old names stay as deprecated
# aliases). Recipes use the new names; the GPU images pin transformers 5.17 (vLLM caps it), where only the old
# names exist, so a recipe key or override is translated to whatever the installed TrainingArguments has.
RENAMED_TRAINING_FIELDS = {
    "activation_checkpointing": "gradient_checkpointing",
    "activation_checkpointing_kwargs": "gradient_checkpointing_kwargs",
}


def apply_overrides(raw: dict[str, Any], overrides: list[str], file: str = "command line") -> dict[str, Any]:
    """A recipe mapping with command-line `--key value` / `--key=value` pairs on top, each value read with the same
    YAML rules as the file (`4` → int, `true` → bool, `[a, b]` → list). For the configs that are not TRL dataclasses
    (rejection sampling, ioi-eval) and for reading a training command's effective settings; a stray word or a flag
    without its value is a ConfigError.

    >>> apply_overrides({"n": 2}, ["--n", "4", "--tag=x"])
    {'n': 4, 'tag': 'x'}
    """
    out = dict(raw)
    args = list(overrides)
    while args:
        flag = args.pop(0)
        if not flag.startswith("--"):
            raise ConfigError(f"expected --key value, got {flag!r}", file=file)
        key, equals, inline = flag[2:].partition("=")
        if not equals and not args:
            raise ConfigError(f"{flag} has no value", file=file)
        out[key] = yaml.safe_load(inline if equals else args.pop(0))
    return out


def training_field(config_class: type, name: str) -> str:
    """`name`, or its pre-5.18 spelling when `config_class` (a TrainingArguments subclass) only knows that one."""
    fields = {f.name for f in dataclasses.fields(config_class)}
    old = RENAMED_TRAINING_FIELDS.get(name)
    return old if name not in fields and old in fields else name


def adapt_renamed_fields(config_class: type, config: dict[str, Any], overrides: list[str]) -> list[str]:
    """Rename new-style keys in `config` (in place) and in `--key` overrides for an older `config_class`."""
    for name in RENAMED_TRAINING_FIELDS:
        target = training_field(config_class, name)
        if target != name and name in config:
            config[target] = config.pop(name)
    adapted = []
    for arg in overrides:
        key, sep, value = arg[2:].partition("=") if arg.startswith("--") else ("", "", "")
        if key in RENAMED_TRAINING_FIELDS:
            arg = f"--{training_field(config_class, key)}{sep}{value}"
        adapted.append(arg)
    return adapted


def parse_recipe(
    trainer_config_class: type,
    config_path: str | None,
    overrides: list[str] | None = None,
) -> tuple[ScriptArguments, Any, Any]:
    """Parse `config_path` (YAML) plus command-line `overrides` into (ScriptArguments, trainer config, ModelConfig)."""
    from trl import ModelConfig, TrlParser

    classes = (ScriptArguments, trainer_config_class, ModelConfig)
    config: dict[str, Any] = {}
    if config_path is not None:
        config = load_yaml(config_path)
        if is_open_r1_recipe(config):
            config = _map_open_r1(config, trainer_config_class, config_path)
        env = config.pop("env", {}) or {}
        if not isinstance(env, dict):
            raise ConfigError("must be a mapping of NAME: value", file=config_path, key="env")
        for name, value in env.items():
            os.environ[str(name)] = str(value)
    overrides = adapt_renamed_fields(trainer_config_class, config, list(overrides or []))
    if config_path is not None:
        check_recipe_keys(config, classes, config_path)
    parser = TrlParser(classes)
    parser.set_defaults_with_config(**config)
    try:
        script_args, trainer_args, model_args, extra = parser.parse_args_into_dataclasses(
            args=list(overrides or []), return_remaining_strings=True
        )
    except SystemExit as exit_:
        raise ConfigError("command-line override rejected (see the message above)", file="command line") from exit_
    except (ValueError, TypeError) as err:
        raise ConfigError(str(err), file=config_path or "command line") from None
    if extra:
        raise ConfigError(f"unknown override(s) {extra}", file="command line", fix="see `open-r1 train grpo --help`.")
    script_args.validate(config_path)
    if model_args.model_name_or_path is None:
        raise ConfigError(
            "no model given",
            file=config_path,
            key="model_name_or_path",
            fix="set model_name_or_path: <hub id, local folder, or nano://math>.",
        )
    return script_args, trainer_args, model_args


def recipe_keys(trainer_config_class: type) -> set[str]:
    """Every top-level key a recipe for `trainer_config_class` may hold (ScriptArguments, the TRL config,
    ModelConfig, and `env`)."""
    from trl import ModelConfig

    return {name for cls in (ScriptArguments, trainer_config_class, ModelConfig) for name in _fields(cls)} | {"env"}


class OpenR1RecipeWarning(UserWarning):
    """A key of an open-r1-format recipe that `open-r1 train` mapped or dropped (see `open-r1 recipe import`)."""


def _map_open_r1(config: dict[str, Any], trainer_config_class: type, config_path: str) -> dict[str, Any]:
    """An open-r1-format recipe read directly: map it (open_r1.core.openr1_recipes), one warning per changed key."""
    import warnings

    kind = "grpo" if "num_generations" in _fields(trainer_config_class) else "sft"
    mapping = map_open_r1_recipe(config, kind, recipe_keys(trainer_config_class))
    for entry in mapping.changed:
        warnings.warn(
            f"{config_path}: open-r1 recipe key {entry.describe()}; "
            "`open-r1 recipe import` writes the mapped recipe once",
            OpenR1RecipeWarning,
            stacklevel=3,
        )
    return mapping.recipe


def to_jsonable(obj: Any) -> Any:
    """A dataclass, a pydantic model (or anything nested) as plain JSON values, for run cards."""
    if isinstance(obj, BaseModel):
        return to_jsonable(obj.model_dump())
    if dataclasses.is_dataclass(obj):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    return str(obj)


# ----------------------------------------------------------------------------------------------------------------
# Typed command configs (pydantic): lab manifests, the ioi-eval recipe, the generator.


class StrictModel(BaseModel):
    """Base of the project's own config files: unknown keys are errors, values are not silently coerced
    (a `gpus: "eight"` is refused, not read as 0), and every field carries a description (the JSON Schema's and
    the command-line help's one source)."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True)


def validate_model(model: type[ModelT], raw: Any, file: str | None, prefix: str = "") -> ModelT:
    """`model.model_validate(raw)`, with a validation error turned into the project's ConfigError: the file, the
    dotted key, the value and a fix (the close spelling of an unknown key, or the field's description)."""
    from pydantic import ValidationError

    try:
        return model.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        loc = [str(part) for part in first["loc"]]
        key = ".".join([prefix, *loc] if prefix else loc) or None
        if first["type"] == "extra_forbidden":
            siblings = _fields_at(model, loc[:-1])
            close = difflib.get_close_matches(loc[-1], siblings, n=1)
            fix = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(sorted(siblings))}."
            raise ConfigError("unknown key", file=file, key=key, fix=fix) from None
        if first["type"] == "missing":
            raise ConfigError("missing", file=file, key=key, fix=_description_at(model, loc)) from None
        value = first.get("input")
        raise ConfigError(
            f"value {value!r}: {first['msg']}", file=file, key=key, fix=_description_at(model, loc)
        ) from None


def _model_at(model: type[BaseModel], loc: list[str]) -> type[BaseModel] | None:
    """The nested model that `loc` (a pydantic error location) points into, when there is one."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field_ = current.model_fields.get(part)
        if field_ is None:
            continue  # a dict key (e.g. a profile name): stay on the value type found below
        current = _inner_model(field_.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = [a for a in typing.get_args(arg) if isinstance(a, type) and issubclass(a, BaseModel)]
        if inner:
            return inner[0]
    return annotation


def _fields_at(model: type[BaseModel], loc: list[str]) -> list[str]:
    target = _model_at(model, loc)
    return list(target.model_fields) if target else []


def _description_at(model: type[BaseModel], loc: list[str]) -> str | None:
    target = _model_at(model, loc[:-1]) if loc else None
    field_ = target.model_fields.get(loc[-1]) if target else None
    return f"{loc[-1]}: {field_.description}" if field_ is not None and field_.description else None
