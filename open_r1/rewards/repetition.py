r"""Repetition penalty: a negative reward proportional to the share of repeated word n-grams in a completion.

WHAT: `RepetitionPenaltyReward(ngram_size, max_penalty, language)(completions) -> list[float]` in
[max_penalty, 0]: 0 when no n-gram repeats, approaching `max_penalty` for a completion that repeats one phrase.

WHY: "Demystifying Long Chain-of-Thought Reasoning in LLMs" (arXiv 2502.03373 §4.1 and Appendix C.2) finds that
length-shaping rewards (the cosine reward) invite reward hacking by repetition: a model pads wrong answers with
repeated text to collect the long-wrong-answer bonus. An n-gram repetition penalty removes that exit. Words, not
tokens, are counted so the reward does not depend on the tokenizer; Chinese has no spaces between words, so it is
segmented with jieba first (otherwise a whole Chinese sentence is one "word" and never repeats).

HOW: words = lowercase text split on whitespace (English) or jieba's segmentation without whitespace tokens
(Chinese; `language="auto"` picks it when the text holds CJK ideographs). With the n-grams of the word sequence,
r = (1 - |unique n-grams| / |n-grams|) * max_penalty; fewer than n words -> 0. jieba loads its dictionary on
first use (about a second, once per process).

DATA FLOW: TRL's GRPOTrainer calls it with `completions`; the penalty joins the rewards matrix, usually next to
`cosine` with a weight that makes a fully repetitive answer as bad as a wrong one.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from open_r1.rewards._common import Reward

LANGUAGES = ("auto", "en", "zh")
# CJK Unified Ideographs (+ extension A and compatibility ideographs): where whitespace does not separate words.
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_jieba = None


def _segment_zh(text: str) -> list[str]:
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)  # it announces loading its dictionary on stderr otherwise
        _jieba = jieba
    return [w for w in _jieba.lcut(text) if w.strip()]


def words(text: str, language: str = "auto") -> list[str]:
    """Lowercased words of `text`: whitespace-split, or jieba-segmented for Chinese.

    >>> words("This is A Test")
    ['this', 'is', 'a', 'test']
    >>> words("这个这个这个")
    ['这个', '这个', '这个']
    """
    text = text.lower()
    if language == "zh" or (language == "auto" and _CJK_RE.search(text)):
        return _segment_zh(text)
    return text.split()


def repetition_penalty(text: str, ngram_size: int, max_penalty: float, language: str = "auto") -> float:
    """The penalty for one text (see the module docstring)."""
    tokens = words(text, language)
    if len(tokens) < ngram_size:
        return 0.0
    ngrams = [tuple(tokens[i : i + ngram_size]) for i in range(len(tokens) - ngram_size + 1)]
    repeated_share = 1.0 - len(set(ngrams)) / len(ngrams)
    return repeated_share * max_penalty if repeated_share else 0.0


class RepetitionPenaltyReward(Reward):
    r"""Penalty for repeated word n-grams, in [max_penalty, 0].

    Args:
        ngram_size: n, the length of the word sequences compared.
        max_penalty: the penalty of a completion made of one repeated n-gram; must be <= 0.
        language: "auto" (Chinese segmentation when the text holds CJK ideographs), "en" or "zh".

    Returns:
        `list[float]`: one penalty per completion.

    >>> penalty = RepetitionPenaltyReward(ngram_size=2, max_penalty=-1.0)
    >>> penalty(["this is a test sentence", "this this this this this", "这个这个这个这个这个"])
    [0.0, -0.75, -0.75]
    """

    name = "repetition_penalty"

    def __init__(self, ngram_size: int = 3, max_penalty: float = -1.0, language: str = "auto") -> None:
        super().__init__()
        if max_penalty > 0:
            raise ValueError(f"repetition_penalty: max_penalty {max_penalty} should not be positive")
        if not isinstance(ngram_size, int) or ngram_size < 1:
            raise ValueError(f"repetition_penalty: ngram_size must be an integer >= 1, got {ngram_size!r}")
        if language not in LANGUAGES:
            raise ValueError(f"repetition_penalty: language must be one of {LANGUAGES}, got {language!r}")
        self.ngram_size, self.max_penalty, self.language = ngram_size, float(max_penalty), language

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        """The n-gram repetition penalty of each completion, between `max_penalty` (every n-gram repeated) and 0 (none
        repeated): discourages the degenerate loops long-CoT RL can drift into.
        """
        return [repetition_penalty(t, self.ngram_size, self.max_penalty, self.language) for t in texts]
