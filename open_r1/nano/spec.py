"""The nano-R1 kit's one knob file: every size, seed and rate that defines a nano model and its data.

WHAT
    `NanoSpec` (frozen dataclass) and `NANO_KITS` (name → spec; `nano://math` resolves to `NANO_KITS["math"]`).
    `spec.digest()` is a content hash of the spec plus `KIT_VERSION`: the cache folder name.

WHY
    Determinism: the same spec always yields the same tokenizer, weights and data (seeded everything), so a cached
    build is valid exactly when its hash matches. Bump `KIT_VERSION` whenever the code that builds the kit changes
    behaviour, so stale caches are never reused.

HOW
    Sizes, measured on a 2-core CPU: 2 layers × hidden 128 (head_dim 32, as vLLM's CPU backend needs), 0.43 M
    parameters, SFT 600 steps × 64 sequences × ~45 tokens in ~95 s → ~29 % greedy held-out accuracy with the
    sign-slipping teacher. (4 layers × 300 steps: 10 % in 52 s — depth did not buy accuracy per second.)

DATA FLOW
    open_r1.labs.nano_build / datasets → cache under `cache_root()/nano/<digest>/` → open_r1.models (nano://) and
    open_r1.data (nano://<kit>/<split>).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from open_r1.core.paths import cache_root

KIT_VERSION = "1"


@dataclass(frozen=True)
class NanoSpec:
    """Everything that defines a nano kit: its task, seed, difficulty levels, the teacher's slip rate and the split
    sizes. Its digest names the cache folder, so changing any field rebuilds the data and models instead of reusing
    stale ones.
    """
    task: str = "math"  # "math" (nano.tasks: arithmetic) or "code" (nano.code_tasks: programs with tests)
    seed: int = 0
    levels: tuple[int, ...] = (1, 2, 3)
    # How often the teacher slips: math drops the minus sign of a negative answer, code swaps the operands of a
    # leading subtraction. The student inherits the slip; GRPO's verifiable reward is what removes it.
    teacher_slip: float = 0.6
    n_sft: int = 20_000  # SFT rows (problems may repeat; none is held out)
    n_grpo: int = 20_000  # GRPO prompt rows
    n_heldout: int = 300  # held-out problems, 100 per level, disjoint from training by question string
    vocab_size: int = 400
    hidden_size: int = 128
    intermediate_size: int = 384
    num_layers: int = 2
    num_heads: int = 4  # head_dim = hidden / heads = 32
    num_kv_heads: int = 2
    sft_steps: int = 600
    sft_batch_size: int = 64
    sft_learning_rate: float = 3e-3

    def digest(self) -> str:
        """16 hex digits of the spec's SHA-256 (with the kit version): the suffix of the kit's cache folder, unique per
        spec.
        """
        blob = json.dumps({"kit_version": KIT_VERSION, **dataclasses.asdict(self)}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


NANO_KITS: dict[str, NanoSpec] = {
    "math": NanoSpec(),
    # Programs copy the question's expression; the same 600 SFT steps as math (300 gave 15 % held-out pass rate).
    "code": NanoSpec(task="code", levels=(1, 2), n_heldout=200),
}


INIT_SUFFIX = "-init"  # nano://<kit>-init: the kit's tokenizer and seeded, untrained weights (the distill student)
MODEL_SUBDIR = "model"  # nano://<kit>: the built model (tokenizer + weights after the kit's distillation SFT)


def model_dir(uri: str) -> Path:
    """Where the model named by `nano://<kit>` or `nano://<kit>-init` lives in the cache (built or not)."""
    name, _ = parse_uri(uri)
    if name.endswith(INIT_SUFFIX):
        return kit_dir(name.removesuffix(INIT_SUFFIX)) / "init"
    return kit_dir(name) / MODEL_SUBDIR


def is_built(uri: str) -> bool:
    """True when `model_dir(uri)` is complete: both are moved into place atomically, the marker file comes last."""
    marker = "config.json" if parse_uri(uri)[0].endswith(INIT_SUFFIX) else "nano_card.json"
    return (model_dir(uri) / marker).exists()


def kit_dir(name: str) -> Path:
    """The cache folder of a kit (`<cache root>/nano/<name>-<digest>`) where its data, tokenizer and models live; where
    `nano://` names resolve.
    """
    spec = get_spec(name)
    return cache_root() / "nano" / f"{name}-{spec.digest()}"


def get_spec(name: str) -> NanoSpec:
    """The spec of a named kit (`math`, `code`), or a ConfigError naming the known kits: the one place a `nano://` kit
    name is checked.
    """
    from open_r1.core.errors import ConfigError

    if name not in NANO_KITS:
        raise ConfigError(f"unknown nano kit '{name}'", key="model_name_or_path",
                          fix=f"use one of {[f'nano://{k}' for k in NANO_KITS]}.")
    return NANO_KITS[name]


def parse_uri(uri: str) -> tuple[str, str | None]:
    """nano://math → ("math", None); nano://math/train → ("math", "train")."""
    rest = uri.removeprefix("nano://").strip("/")
    name, _, split = rest.partition("/")
    return name, split or None
