"""Code-execution rewards: the registry's lazy link to the execution backends.

WHAT: the reward callables `code`, `binary_code`, `ioi_code`, `cf_code` (`ExecutionReward`), which import their
backend (`open_r1.sandbox.rewards` for code / binary_code, `open_r1.competitive.rewards` for ioi_code / cf_code)
only when built and fail with a clear error when it is not there. The scoring rules the backends apply live with
them: `open_r1.sandbox.base.outputs_match` / `open_r1.sandbox.rewards.score` (code, binary_code) and
`open_r1.competitive.scoring` (IOI subtasks, Codeforces modes).

WHY: DeepSeek-R1 (arXiv 2501.12948 §2.2.2) uses "a compiler to generate feedback based on predefined test cases"
for code, the code analogue of the math accuracy reward. The reward library sits below the sandbox and the judges
in the layer map, yet the registry must name these rewards; this module is the one declared upward hook (see
`.importlinter`): it names its backends by module path and imports them only when a reward is built.

HOW: `ExecutionReward.__init__` imports the backend module and builds the reward through the first entry point
it defines: `build_reward(name, **params)`, else (code, binary_code) `make_code_reward(binary=..., **params)`,
else `make_<name>_reward(**params)`. The result is called with the TRL arguments (`completions`,
dataset columns such as `verification_info`, extra kwargs) and must return one value per completion.

DATA FLOW: recipe `reward_funcs: [code]` -> registry -> `ExecutionReward` -> backend factory -> sandbox runs the
extracted program on each test -> backend scores outcomes (open_r1.competitive.scoring for IOI / Codeforces) ->
TRL rewards matrix.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from open_r1.core.errors import OpenR1Error
from open_r1.rewards._common import Reward


class RewardBackendMissing(OpenR1Error):
    """A code-execution reward was requested but its execution backend is not available."""


# -- lazy link to the execution backends -----------------------------------------------------------------------------


def _import_backend(module_name: str) -> Any:
    """Import an execution backend. The project's two are imported by literal statements, so the layer contract
    (`.importlinter`, `ignore_imports`) sees and declares them: the one place a lower layer reaches upward, only
    when a code reward is built. Any other name (a user's own backend) goes through importlib."""
    if module_name == "open_r1.sandbox.rewards":
        import open_r1.sandbox.rewards  # noqa: F401
    elif module_name == "open_r1.competitive.rewards":
        import open_r1.competitive.rewards  # noqa: F401
    return importlib.import_module(module_name)


def load_backend(module_name: str, reward: str, params: dict[str, Any]) -> Callable[..., list[float | None]]:
    """Import a backend module and build the reward through its entry point (see the module docstring)."""
    try:
        module = _import_backend(module_name)
    except ModuleNotFoundError as err:
        if err.name and (module_name == err.name or module_name.startswith(err.name + ".")):
            raise RewardBackendMissing(
                f"reward '{reward}' executes code through the module {module_name}, which is not available in "
                f"this installation ({err}). Use it once that backend is installed, or drop '{reward}' from "
                f"reward_funcs."
            ) from None
        raise
    builder = getattr(module, "build_reward", None)
    if callable(builder):
        return builder(reward, **params)
    if reward in ("code", "binary_code") and callable(getattr(module, "make_code_reward", None)):
        return module.make_code_reward(binary=reward == "binary_code", **params)
    builder = getattr(module, f"make_{reward}_reward", None)
    if callable(builder):
        return builder(**params)
    raise RewardBackendMissing(
        f"reward '{reward}': {module_name} defines neither build_reward(name, **params) nor make_{reward}_reward"
        f"(**params), the entry points this library looks for"
    )


class ExecutionReward(Reward):
    """A code-execution reward whose work is done by a backend module (see the module docstring).

    Built through the registry: `get_reward_funcs(["code"])`. The backend is imported when the reward is built,
    so a missing backend fails before any model loads.
    """

    def __init__(self, name: str, backend_module: str, **params: Any) -> None:
        self.name = name  # instance attribute: one class serves the four registry names
        super().__init__()
        self.backend_module, self._params = backend_module, params
        self._impl: Callable[..., list[float | None]] | None = load_backend(backend_module, name, params)

    def params(self) -> dict[str, Any]:
        """The parameters this execution reward was built with (provider, parallelism, limits), as recorded in the run
        card and shown by `open-r1 rewards list`.
        """
        return dict(self._params)

    def __getstate__(self) -> dict[str, Any]:
        # The backend may hold clients or pools; the pickled reward rebuilds it where it is unpickled.
        state = dict(self.__dict__)
        state["_impl"] = None
        return state

    def __call__(self, completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        if self._impl is None:
            self._impl = load_backend(self.backend_module, self.name, self._params)
        rewards = list(self._impl(completions, **kwargs))
        if len(rewards) != len(completions):
            raise RuntimeError(
                f"backend {self.backend_module} returned {len(rewards)} rewards for {len(completions)} completions"
            )
        return [None if r is None else float(r) for r in rewards]

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        """The shared Reward interface for execution rewards: runs the completions' programs through the backend
        exactly as a TRL call would (`__call__`), so tests and tools can score texts directly.
        """
        return self(texts, **kwargs)


__all__ = ["ExecutionReward", "RewardBackendMissing", "load_backend"]
