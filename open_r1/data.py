"""Datasets and weighted mixtures, and the conversational prompts GRPO samples from.

WHAT
    `load_one(id, config, split)` reads a hub dataset, a local file (.jsonl/.json/.parquet), a local folder of such
    files, or a `nano://<task>/<split>` dataset built on the fly. `get_dataset(script_args)` returns a
    `datasets.DatasetDict` (train, and test when asked) from either `dataset_name` or `dataset_mixture`.
    `make_conversation(row, prompt_column, system_prompt)` turns a row into the chat `prompt` GRPO expects.

WHY
    The R1 recipes (arXiv 2501.12948 §2.3, §2.4) train on mixtures (math, code, science) whose proportions matter,
    and open-r1's distillation data is a weighted mixture. A weight here means "keep this fraction of the dataset's
    rows after a seeded shuffle": simple, reproducible, and never oversamples. Nano datasets go through the very
    same loader as a local jsonl file, so the nano profile exercises the code path the full profile runs.

HOW
    mixture: for each member → load → select `columns` → shuffle(seed) → keep round(weight × rows) →
    concatenate → shuffle(seed) → optional train_test_split(test_split_size, seed).
    prompts: [{system}, {user: row[prompt_column]}]; a `messages` column from SFT data is dropped so TRL does not
    mistake the dataset for a conversational SFT set.

DATA FLOW
    open_r1.core.configs.ScriptArguments → here → open_r1.train.grpo / sft → TRL trainers. Nano ids resolve through
    open_r1.nano.datasets, which writes jsonl files into the nano cache first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from open_r1.core.configs import MixtureSpec, ScriptArguments
from open_r1.core.errors import ConfigError

LOCAL_FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}


def load_one(dataset_id: str, config: str | None = None, split: str = "train", file: str | None = None):
    """Load one split from a hub id, a local file or folder, or a nano:// dataset."""
    import datasets

    if dataset_id.startswith("nano://"):
        from open_r1.nano.datasets import materialize

        dataset_id = str(materialize(dataset_id))
    path = Path(dataset_id).expanduser()
    if path.is_file():
        fmt = LOCAL_FORMATS.get(path.suffix)
        if fmt is None:
            raise ConfigError(f"unsupported file type '{path.suffix}'", file=file, key="dataset_name",
                              fix=f"use one of {sorted(LOCAL_FORMATS)}.")
        return datasets.load_dataset(fmt, data_files=str(path), split="train")
    if path.is_dir():
        files = {s: sorted(str(p) for p in path.glob(f"{s}*") if p.suffix in LOCAL_FORMATS) for s in (split,)}
        if files[split]:
            fmt = LOCAL_FORMATS[Path(files[split][0]).suffix]
            return datasets.load_dataset(fmt, data_files=files[split], split="train")
        # A folder written by `Dataset.save_to_disk` or a hub-style repository checkout.
        if (path / "dataset_info.json").exists() or (path / "state.json").exists():
            return datasets.load_from_disk(str(path))
        return datasets.load_dataset(str(path), config, split=split)
    if dataset_id.startswith((".", "/", "~")):
        raise ConfigError(f"local dataset '{dataset_id}' does not exist", file=file, key="dataset_name",
                          fix="check the path, or give a hub id.")
    return datasets.load_dataset(dataset_id, config, split=split)


def mix(spec: MixtureSpec, file: str | None = None):
    """Build one dataset from a MixtureSpec: each member loaded, cut to its `columns`, shuffled with the seed and cut to
    round(weight × rows), tagged with its `task`, then concatenated and shuffled again; members of different tasks keep
    the union of their columns (null where absent).
    """
    import datasets

    parts = []
    for member in spec.datasets:
        ds = load_one(member.id, member.config, member.split, file)
        if member.columns is not None:
            missing = [c for c in member.columns if c not in ds.column_names]
            if missing:
                raise ConfigError(
                    f"dataset '{member.id}' has no column(s) {missing} (it has {ds.column_names})", file=file,
                    key="dataset_mixture.datasets[].columns",
                )
            ds = ds.select_columns(member.columns)
        keep = round(member.weight * len(ds))
        part = ds.shuffle(seed=spec.seed).select(range(keep))
        if member.task is not None:
            part = part.add_column("task", [member.task] * len(part))
        parts.append(part)
    names = {tuple(sorted(p.column_names)) for p in parts}
    if len(names) > 1 and any(m.task is None for m in spec.datasets):
        raise ConfigError(f"mixture members have different columns: {sorted(names)}", file=file,
                          key="dataset_mixture", fix="select the same `columns` in every member, or give every "
                          "member a `task` (a task mixture: missing columns are filled with null).")
    if len(names) > 1:
        # A mixture of tasks (math rows have `solution`, code rows `verification_info`): the union of the columns,
        # null where a task has none; rewards routed by `task` (ScriptArguments.reward_tasks) never read those.
        rows = [dict(r) for p in parts for r in p]
        union = sorted({c for p in parts for c in p.column_names})
        return datasets.Dataset.from_list([{c: r.get(c) for c in union} for r in rows]).shuffle(seed=spec.seed)
    return datasets.concatenate_datasets(parts).shuffle(seed=spec.seed)


def get_dataset(args: ScriptArguments, file: str | None = None, required_columns: tuple[str, ...] = ()):
    """Return a DatasetDict with `train` (and `test` when a test split or size is configured)."""
    import datasets

    spec = args.mixture(file)
    if spec is not None:
        full = mix(spec, file)
        out = (
            full.train_test_split(test_size=spec.test_split_size, seed=spec.seed)
            if spec.test_split_size
            else datasets.DatasetDict({"train": full})
        )
    else:
        assert args.dataset_name is not None
        out = datasets.DatasetDict({"train": load_one(args.dataset_name, args.dataset_config, args.dataset_train_split, file)})
        if args.dataset_test_split:
            out["test"] = load_one(args.dataset_name, args.dataset_config, args.dataset_test_split, file)
    for column in required_columns:
        if column not in out["train"].column_names:
            raise ConfigError(
                f"column '{column}' is not in the dataset (columns: {out['train'].column_names})", file=file,
                key="prompt_column" if column == args.prompt_column else "dataset_name",
                fix="point prompt_column at the question column, or pick a dataset that has it.",
            )
    return out


def make_conversation(row: dict[str, Any], prompt_column: str, system_prompt: str | None) -> dict[str, Any]:
    """One row as GRPO's chat `prompt`: the optional system message, then the row's `prompt_column` as the user turn;
    `to_prompts` maps it over a dataset.
    """
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages.append({"role": "user", "content": row[prompt_column]})
    return {"prompt": messages}


def to_prompts(ds, prompt_column: str, system_prompt: str | None):
    """Map a dataset to GRPO prompts, keeping every other column (rewards read them as keyword arguments)."""
    drop = [c for c in ("messages",) if c in ds.column_names]
    return ds.map(make_conversation, fn_kwargs={"prompt_column": prompt_column, "system_prompt": system_prompt},
                  remove_columns=drop)
