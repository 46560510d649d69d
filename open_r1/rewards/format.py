r"""Format rewards: the R1 template (`format`), a dense per-tag version (`tag_count`), step markers
(`reasoning_steps`) and the template with a fenced code answer (`code_format`).

WHAT: four rewards in [0, 1] that look only at the completion's text:
  - `format`: 1.0 iff the completion is exactly `<think>\n...\n</think>\n<answer>\n...\n</answer>` (then only
    whitespace), else 0.0;
  - `tag_count`: 0.25 for each of `<think>\n`, `\n</think>\n`, `\n<answer>\n`, `\n</answer>` present exactly once;
  - `reasoning_steps`: min(1, markers / 3), counting "Step N:", numbered and bulleted lines, "First," ...;
  - `code_format`: like `format`, and the answer holds a fenced block in the expected language.

WHY: DeepSeek-R1 (arXiv 2501.12948 §2.2.2) pairs the accuracy reward with a format reward that "enforces the
model to put its thinking process between '<think>' and '</think>' tags"; the template of §2.2.3 (Table 1) puts the
final answer in `<answer>` tags, which is what makes the accuracy reward's extraction reliable. From a random or
lightly distilled policy the all-or-nothing `format` reward is rarely non-zero, so open-r1 adds `tag_count`, a
partial-credit version that gives GRPO a gradient while the format is being learned. `reasoning_steps`
encourages explicit step-by-step reasoning (an open-r1 shaping reward, not in the paper). Two deliberate
tightenings of the public reference: text after `</answer>` fails `format` (the reference's MULTILINE `$` let
it through, so a model could append anything), and a second think section or a second answer block fails (the
reference's lazy `.*?` stretched one block over `...</answer>\n<answer>...`); the think block may still mention
the tags. Chat templates that already open `<think>\n` in the prompt (DeepSeek-R1's own
template does) are supported with `prefill_think=True`: the completion then starts inside the think block.

HOW: one compiled regex per variant, matched with `fullmatch` (DOTALL: reasoning spans lines). Tag counting is
`str.count`. Step markers are a single alternation regex with MULTILINE so that every numbered line counts.

DATA FLOW: called by TRL's GRPOTrainer (or `open-r1 rewards score`) with `completions`; `code_format` also reads a
per-row `language` column when the dataset has one. The scores go into the rewards matrix next to accuracy.
"""

from __future__ import annotations

import json
import re
from typing import Any

from open_r1.rewards._common import Reward, column

# Block contents: anything, newlines included, except the tags that would open or close a second block. The think
# block may mention <answer> (models announce where the answer will go); the answer block holds no tag at all.
_THINK = r"(?:(?!</?think>).)*?"
_ANSWER = r"(?:(?!</?(?:think|answer)>).)*?"

_FORMAT_RE = re.compile(rf"<think>\n{_THINK}\n</think>\n<answer>\n(?P<answer>{_ANSWER})\n</answer>\s*", re.DOTALL)
# With the prompt ending in "<think>\n" the completion starts inside the think block.
_FORMAT_PREFILLED_RE = re.compile(rf"{_THINK}\n</think>\n<answer>\n(?P<answer>{_ANSWER})\n</answer>\s*", re.DOTALL)


def match_strict_format(text: str, prefill_think: bool = False) -> re.Match[str] | None:
    r"""The match of the strict R1 template over the whole completion, or None; `group("answer")` is the answer.

    The one definition of "well formatted": the `format` reward scores it, and the held-out evaluation
    (open_r1.eval.heldout) counts it, so a held-out format rate and the training reward mean the same thing.

    >>> match_strict_format("<think>\nx\n</think>\n<answer>\n4\n</answer>").group("answer")
    '4'
    >>> match_strict_format("<think>\na\n</think>\n<think>\nb\n</think>\n<answer>\n4\n</answer>") is None
    True
    """
    return (_FORMAT_PREFILLED_RE if prefill_think else _FORMAT_RE).fullmatch(text)


def _check_prefill(prefill_think: Any, reward: str) -> bool:
    if not isinstance(prefill_think, bool):
        raise ValueError(f"{reward}: prefill_think must be true or false, got {prefill_think!r}")
    return prefill_think


class FormatReward(Reward):
    r"""1.0 if the completion follows the R1 template exactly, else 0.0.

    Args:
        prefill_think: the chat template already wrote `<think>\n` into the prompt; the completion must then be
            `...\n</think>\n<answer>\n...\n</answer>` without an opening `<think>`.

    Returns:
        `list[float]`: 1.0 or 0.0 per completion.

    >>> fmt = FormatReward()
    >>> fmt(["<think>\nx\n</think>\n<answer>\n4\n</answer>", "<think>\nx\n</think>\n<answer>\n4\n</answer> and more"])
    [1.0, 0.0]
    >>> FormatReward(prefill_think=True)(["x\n</think>\n<answer>\n4\n</answer>\n"])
    [1.0]
    """

    name = "format"

    def __init__(self, prefill_think: bool = False) -> None:
        super().__init__()
        self.prefill_think = _check_prefill(prefill_think, self.name)

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        """1.0 for a completion in the strict R1 layout (`match_strict_format`: one think block, then one answer block,
        nothing around them), else 0.0; the same rule the held-out evaluation counts as "format".
        """
        return [1.0 if match_strict_format(text, self.prefill_think) else 0.0 for text in texts]


class TagCountReward(Reward):
    r"""0.25 for each R1 tag (with its newlines) that appears exactly once: a dense version of `format`.

    Args:
        prefill_think: the prompt already holds `<think>\n`; its quarter is earned when the completion does not
            open another think block.

    Returns:
        `list[float]`: one of 0.0, 0.25, 0.5, 0.75, 1.0 per completion.

    >>> TagCountReward()(["<think>\nx\n</think>\n<answer>\n4\n</answer>", "<think>\nx\n</think>\n4", "nothing"])
    [1.0, 0.5, 0.0]
    """

    name = "tag_count"

    def __init__(self, prefill_think: bool = False) -> None:
        super().__init__()
        self.prefill_think = _check_prefill(prefill_think, self.name)

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        """0.25 per R1 tag found exactly once with its newlines (think open, think close, answer open, answer close),
        so a policy earns partial credit on its way to the strict format.
        """
        rewards: list[float | None] = []
        for text in texts:
            if self.prefill_think:
                opened = 0.25 if "<think>" not in text else 0.0
            else:
                opened = 0.25 if text.count("<think>\n") == 1 else 0.0
            rest = sum(0.25 for tag in ("\n</think>\n", "\n<answer>\n", "\n</answer>") if text.count(tag) == 1)
            rewards.append(opened + rest)
        return rewards


# "Step 1:", a number at the start of a line ("1."), a bullet line ("\n-", "\n*"), or an ordinal transition word.
_STEP_RE = re.compile(r"Step \d+:|^\d+\.|\n-|\n\*|First,|Second,|Next,|Finally,", re.MULTILINE)


class ReasoningStepsReward(Reward):
    r"""min(1, number of step markers / `steps`): rewards visibly step-by-step reasoning.

    Markers: `Step N:`, a line starting with `N.`, a line starting with `-` or `*`, and `First,` `Second,`
    `Next,` `Finally,`. Every numbered line counts (the reference anchored `N.` to the start of the whole text,
    so a numbered list scored as one step).

    Args:
        steps: the number of markers that earns the full reward (3 in open-r1).

    Returns:
        `list[float]`: values in [0, 1].

    >>> ReasoningStepsReward()(["Step 1: a\nStep 2: b\nStep 3: c", "Step 1: only", "no steps"])
    [1.0, 0.3333333333333333, 0.0]
    """

    name = "reasoning_steps"

    def __init__(self, steps: int = 3) -> None:
        super().__init__()
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"reasoning_steps: steps must be an integer >= 1, got {steps!r}")
        self.steps = steps

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        """min(1, step markers / `steps`) per completion: rewards visible step-by-step reasoning ("Step 1:", numbered
        or bulleted lines, "First," ...) up to the target count.
        """
        return [min(1.0, len(_STEP_RE.findall(text)) / self.steps) for text in texts]


_CODE_FORMAT_CACHE: dict[tuple[str, bool], re.Pattern[str]] = {}


def _info_language(info: Any) -> str | None:
    """The `language` of one `verification_info` value (a dict or its JSON string), if it names one."""
    if isinstance(info, str):
        try:
            info = json.loads(info)
        except ValueError:
            return None
    language = info.get("language") if isinstance(info, dict) else None
    return language if isinstance(language, str) and language.strip() else None


def _code_format_re(language: str, prefill_think: bool) -> re.Pattern[str]:
    key = (language.lower(), prefill_think)
    if key not in _CODE_FORMAT_CACHE:
        opening = "" if prefill_think else r"<think>\n"
        # A fence with exactly this language tag (```python, not ```pythonic or a bare ```), at least one code
        # line, a closing fence; anything else allowed around it inside the answer block.
        # The tag is case-insensitive (```Python is common); the R1 tags are not.
        fence = rf"```(?i:{re.escape(key[0])})[ \t]*\n(?:(?!```).)+?\n?```"
        _CODE_FORMAT_CACHE[key] = re.compile(
            rf"{opening}{_THINK}\n</think>\n<answer>\n{_ANSWER}{fence}{_ANSWER}\n</answer>\s*", re.DOTALL
        )
    return _CODE_FORMAT_CACHE[key]


class CodeFormatReward(Reward):
    r"""1.0 if the completion follows the R1 template and the answer holds a fenced code block in the language.

    Args:
        language: expected fence tag (```python ...```); a per-row `language` column (or the `language` key of a
            `verification_info` column) overrides it.
        prefill_think: as for `format`.

    Returns:
        `list[float]`: 1.0 or 0.0 per completion.

    >>> ok = "<think>\nplan\n</think>\n<answer>\n```python\nprint(1)\n```\n</answer>"
    >>> CodeFormatReward()([ok, ok.replace("python", "javascript")])
    [1.0, 0.0]
    >>> CodeFormatReward()([ok.replace("python", "javascript")], language=["javascript"])
    [1.0]
    """

    name = "code_format"

    def __init__(self, language: str = "python", prefill_think: bool = False) -> None:
        super().__init__()
        if not isinstance(language, str) or not language.strip():
            raise ValueError(f"code_format: language must be a non-empty string, got {language!r}")
        self.language = language.strip()
        self.prefill_think = _check_prefill(prefill_think, self.name)

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        """1.0 when the completion has the R1 layout and its answer holds one fenced block in the expected language
        (the row's `language` column, or `verification_info`'s, else the reward's default), else 0.0.
        """
        languages = column(kwargs, "language", len(texts), reward=self.name, required=False)
        if languages is None:  # open-r1's code datasets keep the language inside `verification_info`
            infos = column(kwargs, "verification_info", len(texts), reward=self.name, required=False)
            languages = None if infos is None else [_info_language(info) for info in infos]
        rewards: list[float | None] = []
        for i, text in enumerate(texts):
            language = languages[i] if languages is not None and languages[i] else self.language
            pattern = _code_format_re(str(language).strip(), self.prefill_think)
            rewards.append(1.0 if pattern.fullmatch(text) else 0.0)
        return rewards
