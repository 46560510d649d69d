"""Shared plumbing for every reward: reading completions, lining up dataset columns, the callable base class.

WHAT
    Completion reading, column alignment and the callable reward base class.
WHY
    Every reward of arXiv 2501.12948 §2.2.2 sees TRL's call convention; one shared layer keeps them consistent.
HOW
    Callable objects (picklable, named) normalise completions and kwargs, then score per sample.
DATA FLOW
    open_r1.rewards.* subclass it → TRL GRPOTrainer calls the instances → rewards/<name>/mean metrics.

Rewards are callable *objects* rather than closures so that they pickle (TRL's async rollout worker and
`multiprocessing` both need that) and so that each one carries its registry name as `__name__`, which TRL uses as
the metric key (`rewards/<name>/mean`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

# Keyword arguments that TRL passes to every reward and that are not dataset columns.
TRAINER_KWARGS = frozenset({"prompts", "completion_ids", "trainer_state", "log_extra", "log_metric", "environments"})

# The R1 answer block. DOTALL because answers span lines; non-greedy so each block is matched on its own.
ANSWER_BLOCK_RE = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


def completion_text(completion: Any) -> str:
    """The text of one completion, in any of the shapes TRL and datasets produce.

    Args:
        completion: a plain string, a conversational list of messages (the last message is the model's turn),
            a single message dict, or `None`.

    Returns:
        The text; multimodal content parts are joined; anything unreadable becomes `""` (never raises).

    >>> completion_text([{"role": "assistant", "content": "hi"}])
    'hi'
    >>> completion_text("plain")
    'plain'
    """
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return _content_text(completion.get("content"))
    if isinstance(completion, Sequence) and len(completion) > 0:
        last = completion[-1]
        return _content_text(last.get("content")) if isinstance(last, dict) else completion_text(last)
    return ""


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multimodal: [{"type": "text", "text": ...}, ...]
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def completion_texts(completions: Sequence[Any]) -> list[str]:
    """The plain text of every completion, whatever shape TRL passed (strings, or conversational message lists), in
    order: what every reward scores.
    """
    return [completion_text(c) for c in completions]


def column(kwargs: dict[str, Any], name: str, n: int, *, reward: str, required: bool = True) -> list[Any] | None:
    """One dataset column from the reward's kwargs, checked to line up with the completions.

    A scalar (say `solution="42"` in a quick standalone call) is broadcast to every completion, so the same
    reward works in a trainer (lists) and at a prompt (one value).
    """
    if name not in kwargs or kwargs[name] is None:
        if required:
            raise ValueError(
                f"reward '{reward}' needs the dataset column '{name}' (one value per completion); "
                f"got columns: {sorted(k for k in kwargs if k not in TRAINER_KWARGS) or 'none'}"
            )
        return None
    values = kwargs[name]
    # Lists, tuples, arrays: one value per completion. Anything else (a string, a number, a dict) is one value for
    # all of them.
    if isinstance(values, str | bytes | dict) or not (hasattr(values, "__len__") and hasattr(values, "__iter__")):
        return [values] * n
    values = list(values)
    if len(values) != n:
        raise ValueError(f"reward '{reward}': column '{name}' has {len(values)} values for {n} completions")
    return values


def last_answer_block(text: str) -> str | None:
    """Content of the last closed `<answer>...</answer>` block, or None when there is none.

    The last block, because a model that revises its answer writes the final one last, and a think block may
    quote the tag while reasoning.

    >>> last_answer_block("<answer>1</answer> then <answer>\\n2\\n</answer>")
    '\\n2\\n'
    """
    if "</answer>" not in text:  # cheap pre-check: the regex scan is the cost on long completions
        return None
    last = None
    for match in ANSWER_BLOCK_RE.finditer(text):
        last = match
    return None if last is None else last.group(1)


class Reward:
    """Base of every reward callable.

    Subclasses set `name` (the registry name, also `__name__` for TRL) and implement `score(texts, n, kwargs)`.
    `__call__` accepts the TRL calling convention, `func(completions, **kwargs)`, and ignores extra kwargs.
    """

    name: ClassVar[str] = "reward"

    def __init__(self) -> None:
        self.__name__ = self.name

    def __call__(self, completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        texts = completion_texts(completions)
        return self.score(texts, kwargs)

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:  # pragma: no cover - abstract
        """The reward's rule: one value per completion text (None means "no signal", which TRL leaves out of the sum),
        given the dataset columns in `kwargs`. Every subclass implements it; `__call__` adapts TRL's call to it.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params().items()))
        return f"{type(self).__name__}({params})"

    def params(self) -> dict[str, Any]:
        """The reward's parameters as set (its public attributes): what `open-r1 rewards list`, the reward's repr and
        the run card show, so a run records exactly which rule scored it.
        """
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and k != "__name__"}
