"""Which profile of a lab fits this machine: GPUs counted, memory asked of the planner, a choice with its reasons.

WHAT
    `Hardware(gpus, gpu_memory_gb, source)`; `detect_hardware()` reads `$OPEN_R1_HARDWARE` (declared: `none`,
    `1x24`, `8x80` = count × GiB per GPU) or else asks torch for the visible CUDA devices. `profile_fit(lab,
    profile, hw)` → `ProfileFit` (fits?, the planner's GiB per GPU, GPUs needed, the reason in one line).
    `choose_profile(lab, hw)` tries `full`, then `gpu`, then `nano`, and returns the first that fits with every
    fit it tried (the banner and the run card show them). `check_profile_fits(lab, profile, hw)` refuses an
    explicit profile that cannot fit, naming the planner's figures and the profile that would.
WHY
    `auto` used to mean "full whenever CUDA is visible": on the one 24 GB card most learners own, the main command
    started an 8-GPU recipe that failed deep inside training. The ZeRO arithmetic (arXiv 1910.02054 §3, in
    open_r1.labs.plan) can say before any download whether a recipe fits a GPU, so the choice is made with it.
    Declared hardware lets a login node (no GPU) plan for a compute node, and lets tests cover the choice in CI.
HOW
    A training profile fits when it needs one node, the machine has at least its `resources.gpus` GPUs, and the
    planner's per-GPU total for its recipe (strategy from its accelerate config, micro-batch, checkpointing, vLLM
    share, recomputed for this card's memory) is at most the card's memory. An inference profile (ioi-eval) fits
    when vLLM's weights plus the KV cache for one `max_new_tokens` sequence fit in 90 % of a card. `nano` needs no
    GPU and always fits.
DATA FLOW
    open_r1.labs.runner.run_lab (profile `auto`, or an explicit one under a local runtime) → here →
    open_r1.labs.plan.lab_plan / estimate → banner, run card `profile_choice`, or a ConfigError before any model.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from open_r1.core.errors import ConfigError

HARDWARE_ENV = "OPEN_R1_HARDWARE"
AUTO_ORDER = ("full", "gpu", "nano")  # the biggest profile that fits wins


@dataclass(frozen=True)
class Hardware:
    """The GPUs a run may use on this machine: count, memory of the smallest one (GiB), and where that came from."""

    gpus: int = 0
    gpu_memory_gb: float = 0.0
    source: str = "detected"  # detected | declared ($OPEN_R1_HARDWARE)

    def describe(self) -> str:
        """'no GPU' or '1 × 24 GiB GPU' (with '(declared)' when it came from the environment)."""
        what = "no GPU" if self.gpus == 0 else f"{self.gpus} × {self.gpu_memory_gb:g} GiB GPU"
        return what + (" (declared)" if self.source == "declared" else "")


def parse_hardware(text: str) -> Hardware:
    """`none` / `0` → no GPU; `<count>x<GiB>` (e.g. `1x24`, `8x80`) → that many GPUs of that size.

    >>> parse_hardware("2x24")
    Hardware(gpus=2, gpu_memory_gb=24.0, source='declared')
    """
    text = text.strip().lower()
    if text in ("none", "0", "cpu", ""):
        return Hardware(0, 0.0, "declared")
    match = re.fullmatch(r"(\d+)\s*x\s*(\d+(?:\.\d+)?)", text)
    if not match or int(match.group(1)) < 1:
        raise ConfigError(f"cannot read '{text}'", key=HARDWARE_ENV,
                          fix="write none, or <GPUs>x<GiB per GPU> such as 1x24 or 8x80.")
    return Hardware(int(match.group(1)), float(match.group(2)), "declared")


def has_gpu() -> bool:
    """Whether torch imports and sees a CUDA device on this machine (declared hardware aside). The recipe prechecks
    switch bf16 off for themselves when it does not: TRL refuses bf16 without a GPU, and a precheck only parses."""
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def detect_hardware() -> Hardware:
    """Declared hardware (`$OPEN_R1_HARDWARE`) if set, else the visible CUDA devices (none without torch/CUDA)."""
    if os.environ.get(HARDWARE_ENV):
        return parse_hardware(os.environ[HARDWARE_ENV])
    try:
        import torch

        if not torch.cuda.is_available():
            return Hardware()
        count = torch.cuda.device_count()
        smallest = min(torch.cuda.get_device_properties(i).total_memory for i in range(count))
        return Hardware(count, round(smallest / 2**30, 1))
    except ImportError:
        return Hardware()


@dataclass
class ProfileFit:
    """Whether one profile of a lab fits the hardware, with the planner's figures behind the answer."""

    profile: str
    fits: bool
    gpus_needed: int
    nodes_needed: int
    gib_per_gpu: float | None  # the planner's estimate on this card (None: no GPU involved)
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


def profile_fit(lab: Any, profile: str, hw: Hardware) -> ProfileFit:
    """Ask the planner whether `profile` of `lab` (a LabManifest) runs on `hw` (see the module docstring)."""
    from open_r1.labs.plan import GiB, estimate, lab_plan, vllm_kv_tokens

    res = lab.profile(profile).resources
    if res.gpus == 0:
        return ProfileFit(profile, True, 0, res.nodes, None, "runs on the CPU")
    if res.nodes > 1:
        return ProfileFit(profile, False, res.gpus, res.nodes, None,
                          f"needs {res.nodes} nodes × {res.gpus} GPUs (a cluster: use --runtime slurm)")
    if hw.gpus < res.gpus:
        return ProfileFit(profile, False, res.gpus, 1, None, f"needs {res.gpus} GPU(s), this machine has {hw.gpus}")
    plan = lab_plan(lab.name, profile)
    if plan.kind == "inference":
        kv_tokens = vllm_kv_tokens(plan.shape, 0.9 * hw.gpu_memory_gb * GiB)
        need = plan.setup.seq_len
        weights = 2 * plan.shape.params() / GiB
        ok = kv_tokens >= need
        reason = (f"vLLM: {weights:.1f} GiB of weights leave KV cache for {kv_tokens:,} tokens per GPU "
                  f"({'≥' if ok else '<'} {need:,} for one sequence)")
        return ProfileFit(profile, ok, res.gpus, 1, round(weights, 1), reason, {"kv_tokens": kv_tokens})
    setup = replace(plan.setup, gpu_memory_gb=hw.gpu_memory_gb)
    total = estimate(plan.shape, setup).total / GiB
    ok = total <= hw.gpu_memory_gb
    reason = (f"{plan.model} {plan.kind.upper()} with {setup.strategy} on {setup.ranks} GPU(s): "
              f"{total:.1f} GiB per GPU {'≤' if ok else '>'} {hw.gpu_memory_gb:g} GiB")
    return ProfileFit(profile, ok, res.gpus, 1, round(total, 1), reason)


def choose_profile(lab: Any, hw: Hardware) -> tuple[str, list[ProfileFit]]:
    """The first of full → gpu → nano (those the lab has) that fits `hw`, and every fit tried on the way."""
    tried = []
    for name in AUTO_ORDER:
        if name not in lab.profiles:
            continue
        fit = profile_fit(lab, name, hw)
        tried.append(fit)
        if fit.fits:
            return name, tried
    raise ConfigError(f"no profile of lab '{lab.name}' fits {hw.describe()}", key="--profile",
                      fix="; ".join(f"{f.profile}: {f.reason}" for f in tried))


def check_profile_fits(lab: Any, profile: str, hw: Hardware) -> ProfileFit:
    """`profile_fit`, raising a ConfigError (with the planner's figures and the profile that would fit) if not."""
    fit = profile_fit(lab, profile, hw)
    if fit.fits:
        return fit
    would, _ = choose_profile(lab, hw)
    raise ConfigError(
        f"profile '{profile}' of lab '{lab.name}' does not fit {hw.describe()}: {fit.reason}",
        key="--profile",
        fix=f"use --profile {would} (fits here), run it where it fits (--runtime slurm), or declare the target "
        f"machine with {HARDWARE_ENV}=<GPUs>x<GiB> when planning from another one.",
    )


def choice_record(hw: Hardware, chosen: str, tried: list[ProfileFit]) -> dict[str, Any]:
    """The run card's `profile_choice` block: the hardware, the profile picked and each fit behind the choice."""
    return {"hardware": asdict(hw), "chosen": chosen, "fits": [asdict(f) for f in tried]}
