"""Recipe fidelity: each full recipe equals the public open-r1 recipe it mirrors, except where it says why not.

The table is tests/openr1_recipes/fidelity.yaml (source commit and date inside). Each reference recipe, written in
open-r1's format, is mapped to this project's keys by open_r1.core.openr1_recipes; then every setting is compared
with the full recipe, with unset keys taking the config classes' defaults (TRL's GRPOConfig/SFTConfig, ModelConfig,
ScriptArguments) and unset reward parameters the registry's. A difference passes only when the full recipe's line
for that key (for a reward parameter: the reward's line under reward_params) ends in `# open-r1: <reason>`.

Also here: every optimizer, reporter, attention implementation and optional kernel a recipe names is installable
from the lock of the image that runs it (GPU recipes: images/base/*.lock; nano recipes: requirements/lock.txt).

`python tests/test_recipe_fidelity.py` prints the whole table of differences and reasons.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from trl import GRPOConfig, ModelConfig, SFTConfig

from open_r1.core.configs import ScriptArguments, load_yaml, recipe_keys
from open_r1.core.openr1_recipes import guess_kind, map_open_r1_recipe
from open_r1.core.paths import project_root
from open_r1.rewards.registry import REWARD_REGISTRY

ROOT = project_root()
TABLE = yaml.safe_load((ROOT / "tests" / "openr1_recipes" / "fidelity.yaml").read_text())
TRAINERS = {"grpo": GRPOConfig, "sft": SFTConfig}
# Bookkeeping that does not change what is trained: logging, output and Hub identity, evaluation batch sizes.
NOT_HYPERPARAMETERS = {
    "output_dir", "hub_model_id", "hub_model_revision", "push_to_hub_revision", "push_checkpoints", "benchmarks",
    "log_level", "logging_strategy", "logging_first_step", "logging_steps", "log_completions", "do_eval",
    "eval_strategy", "per_device_eval_batch_size", "dataset_num_proc", "save_total_limit", "report_to", "env",
    "disable_tqdm", "model_revision", "num_completions_to_print", "heldout_dataset", "heldout_samples",
}  # fmt: skip
# The reference recipes hold stand-ins for these texts: any value on our side is a difference to explain.
TEXT_KEYS = {"system_prompt", "chat_template"}


def _defaults(kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for cls in (ScriptArguments, TRAINERS[kind], ModelConfig):
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                out.setdefault(f.name, f.default)
            elif f.default_factory is not dataclasses.MISSING:
                out.setdefault(f.name, f.default_factory())
    out["activation_checkpointing"] = out.get("activation_checkpointing", out.get("gradient_checkpointing"))
    return out


def _flatten(recipe: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Every compared setting of a recipe, defaults filled in; reward parameters as reward_params.<reward>.<param>."""
    flat = {k: v for k, v in recipe.items() if k not in NOT_HYPERPARAMETERS and k != "reward_params"}
    rewards = recipe.get("reward_funcs") or []
    given = recipe.get("reward_params") or {}
    for reward in rewards:
        spec = REWARD_REGISTRY.get(reward)
        params = {**(spec.params if spec else {}), **(given.get(reward) or {})}
        for param, value in params.items():
            flat[f"reward_params.{reward}.{param}"] = value
    return flat


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9)
    return a == b


def _reason(text: str, key: str) -> str | None:
    """The `# open-r1: <reason>` on the recipe line of `key` (a reward parameter: on its reward's line)."""
    name = key.split(".")[1] if key.startswith("reward_params.") else key
    indent = r"\s+" if key.startswith("reward_params.") else ""
    match = re.search(rf"^{indent}{re.escape(name)}:.*#\s*open-r1:\s*(\S.*)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def differences(pair: dict[str, str]) -> list[dict[str, Any]]:
    """The settings where `ours` differs from the reference, each with its stated reason (None when unexplained)."""
    reference = load_yaml(ROOT / "tests" / "openr1_recipes" / pair["reference"])
    kind = guess_kind(reference)
    upstream = map_open_r1_recipe(reference, kind, recipe_keys(TRAINERS[kind])).recipe
    ours_path = ROOT / pair["ours"]
    ours, text = load_yaml(ours_path), ours_path.read_text()
    defaults = _defaults(kind)
    theirs_flat, ours_flat = _flatten(upstream, defaults), _flatten(ours, defaults)
    rows = []
    # A reward only one side names is one difference, on reward_funcs; its parameters are not compared.
    shared = set(upstream.get("reward_funcs") or []) & set(ours.get("reward_funcs") or [])
    keys = {
        k for k in set(theirs_flat) | set(ours_flat) if not k.startswith("reward_params.") or k.split(".")[1] in shared
    }
    for key in sorted(keys):
        missing = object()
        theirs_value = theirs_flat.get(key, defaults.get(key, missing))
        ours_value = ours_flat.get(key, defaults.get(key, missing))
        if key in TEXT_KEYS:
            differs = key in ours or key in upstream
        else:
            differs = not _same(theirs_value, ours_value)
        if differs:
            rows.append(
                {
                    "recipe": pair["ours"],
                    "key": key,
                    "open-r1": "(text)"
                    if key in TEXT_KEYS
                    else ("(unset)" if theirs_value is missing else theirs_value),
                    "ours": "(text)" if key in TEXT_KEYS else ("(unset)" if ours_value is missing else ours_value),
                    "reason": _reason(text, key),
                }
            )
    return rows


PAIRS = TABLE["pairs"]


def test_table_names_its_source_and_date():
    assert re.search(r"open-r1.*@ [0-9a-f]{7,}.*20\d\d-\d\d-\d\d", TABLE["source"])
    assert re.fullmatch(r"20\d\d-\d\d-\d\d", TABLE["transcribed"])
    for pair in PAIRS:
        assert (ROOT / pair["ours"]).is_file() and (ROOT / "tests" / "openr1_recipes" / pair["reference"]).is_file()


def test_each_lab_cites_the_upstream_recipe_of_the_table():
    from open_r1.labs.manifest import load_lab

    for pair in PAIRS:
        parts = Path(pair["ours"]).parts
        if parts[0] == "labs" and parts[-1] == "full.yaml":
            assert load_lab(parts[1]).reproduces.open_r1_recipe == pair["upstream"], pair


@pytest.mark.parametrize("pair", PAIRS, ids=[p["ours"] for p in PAIRS])
def test_full_recipe_differs_from_open_r1_only_where_it_says_why(pair):
    unexplained = [row for row in differences(pair) if not row["reason"]]
    assert not unexplained, "\n".join(
        f"{r['recipe']}: {r['key']}: open-r1 {r['open-r1']!r}, ours {r['ours']!r} -- add `# open-r1: <reason>` "
        "on that line, or match open-r1"
        for r in unexplained
    )


def test_the_comparison_catches_a_drift(tmp_path, monkeypatch):
    """A full recipe that loses a setting (max_grad_norm falls back to 1.0) fails the comparison."""
    recipe = (ROOT / "labs/fsdp-32b/recipes/full.yaml").read_text()
    drifted = re.sub(r"^max_grad_norm:.*\n", "", recipe, flags=re.MULTILINE)
    assert drifted != recipe
    (tmp_path / "full.yaml").write_text(drifted)
    monkeypatch.setattr(f"{__name__}.ROOT", ROOT)
    pair = {"ours": str(tmp_path / "full.yaml"), "reference": "olympiccoder32b_sft.yaml"}
    rows = {r["key"]: r for r in differences(pair)}
    assert rows["max_grad_norm"]["open-r1"] == 0.2 and rows["max_grad_norm"]["ours"] == 1.0
    assert rows["max_grad_norm"]["reason"] is None


# ----------------------------------------------------------------------------------------------------------------
# What a recipe names must be installable in its image.

GPU_LOCKS = [ROOT / "images/base/requirements-gpu.lock", ROOT / "images/base/flash-attn.lock"]
CPU_LOCKS = [ROOT / "requirements/lock.txt"]
OPTIMIZER_PACKAGES = {"bnb": "bitsandbytes", "8bit": "bitsandbytes", "lomo": "lomo-optim", "galore": "galore-torch"}
REPORTER_PACKAGES = {"wandb": "wandb", "tensorboard": "tensorboard", "mlflow": "mlflow", "trackio": "trackio"}
ATTENTION_PACKAGES = {"flash_attention_2": "flash-attn", "flash_attention_3": "flash-attn-3", "sdpa": "torch",
                      "eager": "torch"}  # fmt: skip


def _locked(paths: list[Path]) -> set[str]:
    names = set()
    for path in paths:
        for line in path.read_text().splitlines():
            if m := re.match(r"^([A-Za-z0-9_.\-]+)==", line):
                names.add(m.group(1).lower().replace("_", "-"))
    return names


def named_packages(recipe: dict[str, Any]) -> dict[str, str]:
    """setting → the package it needs: optimizer, reporters, attention implementation, optional kernels."""
    needs: dict[str, str] = {}
    optim = str(recipe.get("optim") or "adamw_torch")
    needs[f"optim={optim}"] = next((p for k, p in OPTIMIZER_PACKAGES.items() if k in optim), "torch")
    report_to = recipe.get("report_to") or []
    for reporter in [report_to] if isinstance(report_to, str) else report_to:
        if reporter not in ("none", "all"):
            needs[f"report_to={reporter}"] = REPORTER_PACKAGES.get(reporter, reporter)
    attention = recipe.get("attn_implementation")
    if attention:
        needs[f"attn_implementation={attention}"] = ATTENTION_PACKAGES.get(attention, "kernels")
    for key, package in (("use_liger_kernel", "liger-kernel"), ("use_peft", "peft"), ("use_vllm", "vllm"),
                         ("load_in_4bit", "bitsandbytes"), ("load_in_8bit", "bitsandbytes")):  # fmt: skip
        if recipe.get(key):
            needs[f"{key}=true"] = package
    return needs


def _lab_recipes() -> list[Path]:
    return sorted(p for p in (ROOT / "labs").glob("*/recipes/*.yaml"))


@pytest.mark.parametrize("path", _lab_recipes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_everything_a_recipe_names_is_in_its_image_lock(path):
    recipe = load_yaml(path)
    on_cpu = bool(recipe.get("use_cpu")) or str(recipe.get("model_name_or_path", "")).startswith("nano://")
    # torch is pinned outside the CPU lock (requirements/torch-version.txt: the CPU wheel comes from its own index).
    locked = _locked(CPU_LOCKS if on_cpu else GPU_LOCKS) | {"torch"}
    missing = {setting: pkg for setting, pkg in named_packages(recipe).items() if pkg not in locked}
    lock_names = ", ".join(str(p.relative_to(ROOT)) for p in (CPU_LOCKS if on_cpu else GPU_LOCKS))
    assert not missing, f"{path.relative_to(ROOT)} needs {missing}, not in {lock_names}"


def test_the_lock_check_catches_a_missing_package():
    assert named_packages({"optim": "paged_adamw_8bit"}) == {"optim=paged_adamw_8bit": "bitsandbytes"}
    assert "bitsandbytes" not in _locked(CPU_LOCKS)  # the CPU lock has no bitsandbytes: a nano 8-bit optim fails


if __name__ == "__main__":
    for pair in PAIRS:
        print(f"\n{pair['ours']}  vs  open-r1 {pair['upstream']}")
        for row in differences(pair):
            print(
                f"  {row['key']}: open-r1 {row['open-r1']!r} -> ours {row['ours']!r}  [{row['reason'] or 'UNEXPLAINED'}]"
            )
