"""Nano datasets written to disk as jsonl, so they load through the same path as any local dataset.

WHAT
    `materialize("nano://math/<split>")` → path of `<kit dir>/data/<split>.jsonl`, writing it first if needed.
    Splits: `sft` (prompts + teacher traces in a `messages` column), `train` (GRPO prompts + gold), `heldout`.

WHY
    Same code path at every scale: GRPO and SFT read nano data with `datasets.load_dataset("json", ...)`, exactly as
    they would read a user's file. The held-out split is drawn first and excluded from the others by question
    string, so held-out scores measure generalisation (arXiv 2501.12948 §3 evaluates on unseen benchmarks).

HOW
    Deterministic from the kit's seed: heldout uses seed, sft seed+1, train seed+2. Files are written to a temp
    name and renamed (atomic), so concurrent runs never read half a file.

DATA FLOW
    open_r1.data.load_one (nano:// ids) → here → jsonl → datasets → trainers and open_r1.eval.heldout.
"""

from __future__ import annotations

from pathlib import Path

from open_r1.core.errors import ConfigError
from open_r1.core.io import write_jsonl_atomic
from open_r1.nano.code_tasks import CodeTeacher, make_code_split
from open_r1.nano.spec import get_spec, kit_dir, parse_uri
from open_r1.nano.tasks import Teacher, make_split

SPLITS = ("sft", "train", "heldout")


def rows_for(name: str, split: str) -> list[dict]:
    """The rows of one split of a nano kit (sft, train or heldout), drawn from the kit's seed: the held-out problems
    first, then the other splits with every held-out question excluded, so training never sees a test problem.
    """
    spec = get_spec(name)
    if spec.task == "code":
        draw, teacher = make_code_split, CodeTeacher(spec.teacher_slip)
    else:
        draw, teacher = make_split, Teacher(spec.teacher_slip)
    heldout = draw(spec.seed, spec.n_heldout, spec.levels)
    if split == "heldout":
        return heldout
    exclude = {r["problem"] for r in heldout}
    if split == "sft":
        return draw(spec.seed + 1, spec.n_sft, spec.levels, teacher, exclude, unique=False)
    if split == "train":
        return draw(spec.seed + 2, spec.n_grpo, spec.levels, None, exclude, unique=False)
    raise ConfigError(f"unknown nano split '{split}'", key="dataset_name", fix=f"use one of {SPLITS}.")


def materialize(uri: str) -> Path:
    """The JSONL file behind a `nano://<kit>/<split>` URI, written atomically into the kit's cache folder the first
    time it is asked for: the path any loader (datasets, TRL) can read offline.
    """
    name, split = parse_uri(uri)
    if split is None:
        raise ConfigError(f"'{uri}' names no split", key="dataset_name", fix=f"use nano://{name}/<{'|'.join(SPLITS)}>.")
    path = kit_dir(name) / "data" / f"{split}.jsonl"
    if not path.exists():
        write_jsonl_atomic(path, rows_for(name, split))
    return path
