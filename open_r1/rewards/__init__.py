"""The reward library: every DeepSeek-R1 / open-r1 reward with exact semantics, behind one registry.

WHAT: `get_reward_funcs(names, params)` builds reward callables for TRL's `GRPOTrainer(reward_funcs=...)`;
`validate_reward_config(...)` checks a recipe's `reward_funcs` / `reward_params` / `reward_weights` before any model
loads; `REWARD_REGISTRY` and `list_rewards()` describe what exists (`open-r1 rewards list`).

WHY: GRPO (DeepSeekMath arXiv 2402.03300 §4) needs only a scalar per completion; DeepSeek-R1 (arXiv 2501.12948
§2.2.2) shows that rule-based rewards (accuracy + format) suffice and resist reward hacking better than a learned
reward model. The follow-up literature adds shaping terms: length (Kimi 1.5 arXiv 2501.12599 §2.3.3), cosine
length scaling and repetition penalty (arXiv 2502.03373), overlong shaping (DAPO arXiv 2503.14476 §3.4), and code
execution. Each lives in its own module with its paper section.

HOW: modules
  - accuracy.py          math answer checking (verifier.py: memo, fast path, budgeted worker processes)
  - format.py            format, tag_count, reasoning_steps, code_format
  - length.py            length (Kimi 1.5), cosine, soft_overlong_punishment (DAPO)
  - repetition.py        repetition_penalty (n-grams; jieba for Chinese)
  - code_exec.py         code, binary_code, ioi_code, cf_code: scoring rules + lazy execution backends
  - registry.py          names, parameters, validation
  - cli.py               `open-r1 rewards list | score`

DATA FLOW: recipe -> `validate_reward_config` -> `get_reward_funcs` -> TRL calls each callable with `completions`,
the dataset columns and `prompts`/`completion_ids`/`log_extra`/`log_metric`; TRL weights the columns with
`reward_weights`, sums them and normalises per group into advantages.
"""

from open_r1.rewards.registry import (
    REWARD_REGISTRY,
    RewardSpec,
    get_reward_funcs,
    list_rewards,
    validate_reward_config,
)

__all__ = ["REWARD_REGISTRY", "RewardSpec", "get_reward_funcs", "list_rewards", "validate_reward_config"]
