"""Code execution for code rewards: one provider interface, several backends, and a router service.

WHAT
    `get_provider(name, **kwargs)` returns a `Provider` -- `await provider.run_submissions([Submission]) ->
    [SubmissionResult]` -- by name:

    ========  =====================================================================================
    local     this machine, isolated with bubblewrap + rlimits (the default; no account needed)
    e2b       E2B cloud sandboxes (`pip install 'open-r1-labs[e2b]'`, E2B_API_KEY)
    morph     Morph Cloud instances (`pip install 'open-r1-labs[morph]'`, MORPH_API_KEY)
    piston    a Piston v2 server (`url=`, or PISTON_URL) -- including `open-r1 sandbox serve`
    router    an `open-r1 sandbox serve` router shared by many training ranks (`url=`)
    ========  =====================================================================================

WHY
    DeepSeek-R1 (arXiv 2501.12948, §2.2.2) rewards code by executing it against test cases. Where that execution
    happens is an operational choice (a laptop, a GPU node's spare cores, a cloud fleet), never a semantic one:
    every provider returns the same verdicts for the same program, judged by the same `outputs_match`.

HOW
    Providers are imported lazily, so the cloud SDKs stay optional extras.

DATA FLOW
    `open_r1.sandbox.rewards.make_code_reward` / `open-r1 sandbox run|serve` / the competitive scorers ->
    `get_provider` -> provider -> `SubmissionResult`s.
"""

from __future__ import annotations

import importlib
from typing import Any

from open_r1.sandbox.base import (
    COMPILE_LIMITS,
    ExecResult,
    ExecStatus,
    IsolationUnavailable,
    Limits,
    Provider,
    ProviderConfigError,
    SandboxError,
    Submission,
    SubmissionResult,
    TestCase,
    TestResult,
    Verdict,
    outputs_match,
    verdict_for,
)

PROVIDERS: dict[str, str] = {
    "local": "open_r1.sandbox.local:LocalProvider",
    "e2b": "open_r1.sandbox.e2b:E2BProvider",
    "morph": "open_r1.sandbox.morph:MorphProvider",
    "piston": "open_r1.sandbox.piston:PistonProvider",
    "router": "open_r1.sandbox.router:RouterProvider",
}


def get_provider(name: str = "local", **kwargs: Any) -> Provider:
    """Build a provider by name (see the module docstring). Configuration errors (unknown name, missing API
    key or optional package) raise `ProviderConfigError` here, before any work."""
    if name not in PROVIDERS:
        raise ProviderConfigError(f"unknown sandbox provider {name!r}; choose one of {sorted(PROVIDERS)}")
    module_name, cls_name = PROVIDERS[name].split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(**kwargs)


__all__ = [
    "COMPILE_LIMITS",
    "ExecResult",
    "ExecStatus",
    "IsolationUnavailable",
    "Limits",
    "PROVIDERS",
    "Provider",
    "ProviderConfigError",
    "SandboxError",
    "Submission",
    "SubmissionResult",
    "TestCase",
    "TestResult",
    "Verdict",
    "get_provider",
    "outputs_match",
    "verdict_for",
]
