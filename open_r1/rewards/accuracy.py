"""Accuracy: 1.0 when the completion's final answer equals the gold answer, by symbolic math verification.

WHAT: `AccuracyReward()(completions, solution=[...]) -> list[float | None]`: 1.0 correct, 0.0 wrong, None when
there is no signal (the gold does not parse to a mathematical object, or the sample ran out of its time budget).

WHY: DeepSeek-R1 (arXiv 2501.12948 §2.2.2, "Reward Modeling") trains R1-Zero with rule-based rewards only:
an accuracy reward ("for math problems with deterministic results, the model is required to provide the final
answer in a specified format, enabling reliable rule-based verification of correctness") plus a format reward.
A learned reward model is avoided because it invites reward hacking. Two choices follow from GRPO itself:
  - an unparseable gold must give None, not 1.0 or 0.0: GRPO normalises rewards within a group, so a constant
    reward for the group adds nothing, while a wrong constant poisons the logged accuracy; TRL drops None
    (NaN) from the advantage;
  - each sample has a time budget: one answer that sends SymPy into a tower of exponents must not stall a step.

HOW: `verifier.MathVerifier` (memo + exact integer fast path + budgeted worker processes). Prediction:
the content of the last `<answer>` block if any (LaTeX or a bare number/expression), else the whole completion
(LaTeX, boxed first, anchored); gold: math-verify's default extraction, bare golds wrapped in `$...$`;
verification: `math_verify.verify(gold, prediction)`, gold first.

DATA FLOW: TRL's `GRPOTrainer._calculate_rewards` calls the reward with `completions`, every dataset column
(`solution` is the gold) and `prompts`, `completion_ids`, `log_extra`, `log_metric`; the list returned becomes one
column of the rewards matrix, weighted by `reward_weights` and normalised per group into advantages.
`length.py` (Kimi length penalty and cosine scaling) reuses the same verdicts through the shared memo.
"""

from __future__ import annotations

from typing import Any

from open_r1.rewards._common import Reward, column
from open_r1.rewards.verifier import MathVerifier, Verdict, shared_verifier


class AccuracyReward(Reward):
    r"""1.0 if the final answer is mathematically equal to the gold, 0.0 if not, None if there is no signal.

    Args:
        timeout_s: per-sample time budget in seconds (parsing and verification); a sample over it gets None.
        workers: worker processes for verification; 0 means one per available core.

    Call with `completions` (strings or conversational message lists) and the dataset column `solution`
    (gold answers such as `$-4$`, `$\frac{3}{4}$`, `\boxed{7}` or `42`). Extra kwargs are ignored.

    Returns:
        `list[float | None]`: one value per completion in {0.0, 1.0}, or None.

    >>> accuracy = AccuracyReward(timeout_s=5)
    >>> accuracy(
    ...     [
    ...         [{"role": "assistant", "content": "<think>\n3/4\n</think>\n<answer>\n$\\frac{6}{8}$\n</answer>"}],
    ...         [{"role": "assistant", "content": "<think>\nhmm\n</think>\n<answer>\n4\n</answer>"}],
    ...         [{"role": "assistant", "content": "The answer is $\\boxed{-4}$."}],
    ...     ],
    ...     solution=["$\\frac{3}{4}$", "$-4$", "$-4$"],
    ... )
    [1.0, 0.0, 1.0]
    >>> accuracy(["<answer>\n1\n</answer>"], solution=["$\\boxed{\\frac{1}{"])  # malformed gold: no signal
    [None]
    """

    name = "accuracy"

    def __init__(self, timeout_s: float = 5.0, workers: int = 0) -> None:
        super().__init__()
        if timeout_s <= 0:
            raise ValueError(f"accuracy: timeout_s must be > 0, got {timeout_s}")
        if workers < 0:
            raise ValueError(f"accuracy: workers must be >= 0, got {workers}")
        self.timeout_s, self.workers = float(timeout_s), int(workers)

    @property
    def verifier(self) -> MathVerifier:
        # Looked up on use, never stored: the reward pickles without a process pool inside it.
        return shared_verifier(self.timeout_s, self.workers)

    def warmup(self, wait: bool = False) -> None:
        """Start the verification workers ahead of the first call (by default without waiting for them)."""
        self.verifier.warmup(wait=wait)

    def verdicts(self, texts: list[str], kwargs: dict[str, Any]) -> list[Verdict]:
        """One math-verify verdict per completion against the `solution` column (score, status, what was parsed): the
        details `score` reduces to numbers, kept for logging and for callers that want the parse.
        """
        golds = column(kwargs, "solution", len(texts), reward=self.name)
        return self.verifier.check([("" if g is None else str(g)) for g in golds], texts)

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        """1.0 when the completion's answer equals the gold solution, 0.0 when not, None when the gold cannot be parsed
        (no signal rather than a false 0); logs the parsed answers and the no-signal fraction when the trainer
        passes its logging hooks.
        """
        verdicts = self.verdicts(texts, kwargs)
        log_extra, log_metric = kwargs.get("log_extra"), kwargs.get("log_metric")
        if callable(log_extra):
            log_extra("answer_parsed", [v.parsed if v.status == "ok" else f"[{v.status}]" for v in verdicts])
        if callable(log_metric) and verdicts:
            log_metric("accuracy/no_signal_frac", sum(v.score is None for v in verdicts) / len(verdicts))
        return [v.score for v in verdicts]
