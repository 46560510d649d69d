r"""Length-aware rewards: Kimi 1.5's length penalty, the cosine-scaled correctness reward, DAPO's overlong penalty.

WHAT:
  - `length` (Kimi 1.5): within a group of answers to one prompt, shorter correct answers earn up to +0.5, longer
    ones down to -0.5; wrong answers earn min(0, lambda), never a bonus. Range [-0.5, 0.5], None without signal.
  - `cosine`: correctness scaled by length along a half cosine: short correct answers earn most, short wrong
    answers are punished most. Range [min(min_value_wrong, max_value_wrong), max_value_correct], None without
    signal.
  - `soft_overlong_punishment` (DAPO): 0 up to `max_completion_len - soft_punish_cache` tokens, then a linear ramp
    to -1 at `max_completion_len`, -1 beyond. Range [-1, 0].

WHY:
  - Kimi 1.5 (arXiv 2501.12599 §2.3.3, "Length Penalty") observes "overthinking": RL grows responses without
    better answers. Its penalty lambda = 0.5 - (len(i) - min_len) / (max_len - min_len) over the k responses to a
    problem rewards brevity among correct answers only; wrong answers get min(0, lambda) so a short wrong answer
    is never preferred to a long attempt. The reference reproduction computes it over the whole batch; here the
    group is the prompt (as in the paper) when TRL passes `prompts`, the batch otherwise.
  - "Demystifying Long Chain-of-Thought Reasoning in LLMs" (arXiv 2502.03373 §4.1 and Appendix C.1, the cosine
    reward) stabilises CoT length growth: for correct answers the reward falls from max_value_correct (short) to
    min_value_correct (at max_len); for wrong answers the bounds are swapped so short wrong answers get
    min_value_wrong (-1) and long ones max_value_wrong (-0.5), keeping exploration of longer reasoning cheap.
    Deliberate fixes of the reference: the length is clamped at max_len (cos is periodic: unclamped, 2 x max_len
    scores like an empty answer) and the default `min_value_wrong` is -1.0 in the config as in the function (the
    reference config's 0.0 made short wrong answers the best wrong answers).
  - DAPO (arXiv 2503.14476 §3.4, "Overlong Reward Shaping", Eq. 13): truncated samples carry a noisy reward (a
    good reasoning cut off by the limit scores as wrong); a soft ramp over the last `soft_punish_cache` tokens
    tells the policy the limit is near before it is hit. It works on token counts: TRL passes `completion_ids`.

HOW:
  - length: correctness from the shared math verifier (memo: free after `accuracy` in the same step);
    lambda_i = 0.5 - (L_i - L_min) / (L_max - L_min); r_i = lambda_i if correct else min(0, lambda_i); all lengths
    equal -> 0 for all (no preference to express).
  - cosine: p = min(L, max_len) / max_len; r = lo + (hi - lo) * (1 + cos(pi p)) / 2 with (lo, hi) =
    (min_value_correct, max_value_correct) if correct else (max_value_wrong, min_value_wrong).
  - soft overlong: r = 0 if L <= M - C; (M - C - L) / C if M - C < L <= M; -1 if L > M.
  Lengths: `unit="chars"` counts characters of the completion text (the reference), `unit="tokens"` counts
  `completion_ids` (the papers' unit; TRL provides them).

DATA FLOW: TRL's GRPOTrainer calls each with `completions`, `solution` (length, cosine), `prompts` (length's groups)
and `completion_ids`; the rewards join the rewards matrix, weighted by `reward_weights`.
"""

from __future__ import annotations

import math
from typing import Any

from open_r1.rewards._common import Reward, column
from open_r1.rewards.verifier import shared_verifier

UNITS = ("chars", "tokens")


def _check_unit(unit: Any, reward: str) -> str:
    if unit not in UNITS:
        raise ValueError(f"{reward}: unit must be one of {UNITS}, got {unit!r}")
    return unit


def completion_lengths(texts: list[str], kwargs: dict[str, Any], unit: str, reward: str) -> list[int]:
    """Lengths in characters of the text, or in tokens from TRL's `completion_ids`."""
    if unit == "chars":
        return [len(t) for t in texts]
    ids = kwargs.get("completion_ids")
    if ids is None:
        raise ValueError(
            f"reward '{reward}' counts tokens and needs `completion_ids` (TRL passes them); "
            f"pass completion_ids=... when calling it directly, or set unit='chars'"
        )
    if len(ids) != len(texts):
        raise ValueError(f"reward '{reward}': {len(ids)} completion_ids for {len(texts)} completions")
    return [len(x) for x in ids]


def _group_key(prompt: Any) -> str:
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list):
        return "\x00".join(
            f"{m.get('role', '')}\x01{m.get('content', '')}" if isinstance(m, dict) else str(m) for m in prompt
        )
    return repr(prompt)


class _CorrectnessMixin:
    timeout_s: float
    workers: int

    def correctness(self, texts: list[str], kwargs: dict[str, Any], reward: str) -> list[float | None]:
        golds = column(kwargs, "solution", len(texts), reward=reward)
        verifier = shared_verifier(self.timeout_s, self.workers)
        return [v.score for v in verifier.check([("" if g is None else str(g)) for g in golds], texts)]


def _check_verifier_params(timeout_s: float, workers: int, reward: str) -> None:
    if not timeout_s > 0:
        raise ValueError(f"{reward}: timeout_s must be > 0, got {timeout_s}")
    if workers < 0:
        raise ValueError(f"{reward}: workers must be >= 0, got {workers}")


class LengthReward(_CorrectnessMixin, Reward):
    r"""Kimi 1.5 length penalty: shorter correct answers within a group earn more; range [-0.5, 0.5] or None.

    Args:
        unit: "chars" (default, as the reference) or "tokens" (uses `completion_ids`).
        group_by: "prompt" (Kimi 1.5: compare the answers to one problem; falls back to the batch when no
            `prompts` are passed) or "batch" (the reference: compare everything in the call).
        timeout_s, workers: as for `accuracy` (correctness comes from the same verifier).

    Returns:
        `list[float | None]`: lambda for correct answers, min(0, lambda) for wrong ones, None when the gold
        does not parse or the sample timed out.

    >>> length = LengthReward()
    >>> length(["<answer>\n4\n</answer>", "<answer>\n4\n</answer>   (long)", "<answer>\n5\n</answer>"],
    ...        solution=["4", "4", "4"])
    [0.5, -0.5, 0.0]
    """

    name = "length"

    def __init__(self, unit: str = "chars", group_by: str = "prompt", timeout_s: float = 5.0, workers: int = 0):
        super().__init__()
        self.unit = _check_unit(unit, self.name)
        if group_by not in ("prompt", "batch"):
            raise ValueError(f"length: group_by must be 'prompt' or 'batch', got {group_by!r}")
        _check_verifier_params(timeout_s, workers, self.name)
        self.group_by, self.timeout_s, self.workers = group_by, float(timeout_s), int(workers)

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        """Kimi 1.5's length reward: within each prompt's group, lengths are scaled to [-0.5, 0.5] (shortest best); a
        wrong answer's reward is capped at 0, so brevity never pays for being wrong. None where correctness is
        unknown.
        """
        correct = self.correctness(texts, kwargs, self.name)
        lengths = completion_lengths(texts, kwargs, self.unit, self.name)
        prompts = kwargs.get("prompts")
        groups: dict[str, list[int]] = {}
        for i in range(len(texts)):
            key = _group_key(prompts[i]) if self.group_by == "prompt" and prompts is not None else ""
            groups.setdefault(key, []).append(i)
        rewards: list[float | None] = [None] * len(texts)
        for members in groups.values():
            shortest = min(lengths[i] for i in members)
            longest = max(lengths[i] for i in members)
            for i in members:
                if correct[i] is None:
                    continue
                if longest == shortest:
                    rewards[i] = 0.0
                    continue
                lam = 0.5 - (lengths[i] - shortest) / (longest - shortest)
                rewards[i] = lam if correct[i] == 1.0 else min(0.0, lam)
        return rewards


class CosineScaledReward(_CorrectnessMixin, Reward):
    r"""Correctness scaled by length along a half cosine (Demystifying Long CoT, arXiv 2502.03373).

    Args:
        max_len: length at which the schedule reaches its end values; longer completions are clamped to it.
        min_value_wrong: reward of the shortest wrong answer (the most punished).
        max_value_wrong: reward of a wrong answer at max_len.
        min_value_correct: reward of a correct answer at max_len.
        max_value_correct: reward of the shortest correct answer.
        unit: "chars" (default, as the reference) or "tokens" (uses `completion_ids`).
        timeout_s, workers: as for `accuracy`.

    Returns:
        `list[float | None]`: the scaled reward; None when the gold does not parse or the sample timed out.

    >>> cosine = CosineScaledReward(max_len=100, unit="tokens")
    >>> [round(r, 3) for r in cosine(["\\boxed{1}", "\\boxed{2}"], solution=["1", "1"], completion_ids=[[0] * 50] * 2)]
    [0.75, -0.75]
    """

    name = "cosine"

    def __init__(
        self,
        max_len: int = 1000,
        min_value_wrong: float = -1.0,
        max_value_wrong: float = -0.5,
        min_value_correct: float = 0.5,
        max_value_correct: float = 1.0,
        unit: str = "chars",
        timeout_s: float = 5.0,
        workers: int = 0,
    ) -> None:
        super().__init__()
        if not isinstance(max_len, int) or max_len <= 0:
            raise ValueError(f"cosine: max_len must be a positive integer, got {max_len!r}")
        self.max_len = max_len
        self.min_value_wrong, self.max_value_wrong = float(min_value_wrong), float(max_value_wrong)
        self.min_value_correct, self.max_value_correct = float(min_value_correct), float(max_value_correct)
        self.unit = _check_unit(unit, self.name)
        _check_verifier_params(timeout_s, workers, self.name)
        self.timeout_s, self.workers = float(timeout_s), int(workers)

    def value(self, length: int, correct: bool) -> float:
        """The schedule itself, for one length and one correctness."""
        progress = min(length, self.max_len) / self.max_len
        cosine = math.cos(progress * math.pi)
        lo, hi = (
            (self.min_value_correct, self.max_value_correct)
            if correct
            else (self.max_value_wrong, self.min_value_wrong)
        )
        return lo + 0.5 * (hi - lo) * (1.0 + cosine)

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        """The cosine length-scaled reward per completion: correct answers earn more when shorter, wrong answers lose
        less when longer (the cosine schedule of `value`); None where correctness is unknown.
        """
        correct = self.correctness(texts, kwargs, self.name)
        lengths = completion_lengths(texts, kwargs, self.unit, self.name)
        return [None if c is None else self.value(n, c == 1.0) for c, n in zip(correct, lengths, strict=True)]


class SoftOverlongPunishment(Reward):
    r"""DAPO's soft overlong punishment on completion token counts; range [-1, 0].

    Args:
        max_completion_len: the generation limit M (tokens).
        soft_punish_cache: the length C of the ramp before M; 0 makes it a hard step at M.

    Needs `completion_ids` (TRL passes them).

    Returns:
        `list[float]`: 0 up to M - C tokens, (M - C - L) / C on the ramp, -1 past M.

    >>> overlong = SoftOverlongPunishment(max_completion_len=100, soft_punish_cache=20)
    >>> overlong(["a", "b", "c"], completion_ids=[[0] * 50, [0] * 90, [0] * 110])
    [0.0, -0.5, -1.0]
    """

    name = "soft_overlong_punishment"

    def __init__(self, max_completion_len: int = 16384, soft_punish_cache: int = 4096) -> None:
        super().__init__()
        if not isinstance(max_completion_len, int) or max_completion_len <= 0:
            raise ValueError(f"soft_overlong_punishment: max_completion_len must be > 0, got {max_completion_len!r}")
        if not isinstance(soft_punish_cache, int) or not 0 <= soft_punish_cache <= max_completion_len:
            raise ValueError(
                f"soft_overlong_punishment: soft_punish_cache must be in [0, max_completion_len={max_completion_len}]"
                f", got {soft_punish_cache!r}"
            )
        self.max_completion_len, self.soft_punish_cache = max_completion_len, soft_punish_cache

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        """DAPO's soft overlong punishment per completion token count: 0 up to `max_completion_len -
        soft_punish_cache`, then a linear ramp to -1 at the limit, -1 beyond it.
        """
        limit, cache = self.max_completion_len, self.soft_punish_cache
        rewards: list[float | None] = []
        for length in completion_lengths(texts, kwargs, "tokens", self.name):
            if length <= limit - cache:
                rewards.append(0.0)
            elif length <= limit:
                rewards.append((limit - cache - length) / cache)
            else:
                rewards.append(-1.0)
        return rewards
