"""Code-execution rewards: `code` (fraction of tests passed) and `binary_code` (all or nothing).

WHAT
    `make_code_reward(provider="local", language="python", num_parallel=4, binary=False, router_url=None,
    enforce_same_language=False, **provider_kwargs)` returns a TRL-style reward function `func(completions, **kwargs) -> list[float | None]`
    named "code" or "binary_code". For each completion it extracts the program, runs it on the sample's test
    cases with a sandbox provider and scores the stdout.

    Dataset schema (a column named `verification_info`, one dict -- or its JSON string -- per sample), as in
    open-r1's verifiable-coding-problems datasets::

        verification_info = {
            "language": "python",                  # or "cpp"; optional: else a per-row `language` column,
                                                   # else the factory's `language`
            "test_cases": [                        # stdin -> expected stdout, judged line by line
                {"input": "1 2\\n", "output": "3\\n"},
                ...
            ],
        }

WHY
    DeepSeek-R1 (arXiv 2501.12948, §2.2.2) uses rule-based rewards only; for code, "a compiler can be used to
    evaluate ... against predefined test cases". Running the program is the verifier -- no reward model to hack.
    That only holds if the comparison is strict and a broken sandbox is not mistaken for a wrong program:
      * extra or missing output lines fail (a `zip`-based comparison ignores them and rewards partial output);
      * an execution/provider failure (`Verdict.IE`: the sandbox died, the cloud timed out) gives `None` --
        "no signal", which TRL ignores -- never 0.0, which would push the policy away from correct code;
      * isolation matters: the policy writes arbitrary programs, thousands per step (see `open_r1.sandbox.local`).

HOW
    code        = passed / total, where a test passes when the program exits 0 within its limits and
                  `outputs_match(stdout, expected)` (trailing whitespace per line and trailing blank lines ignored)
    binary_code = 1.0 if code > 0.99 else 0.0
    No fenced block of the expected language -> 0.0 (the model produced no program: its fault, a real signal).
    No test cases -> None. The code is the *last* fenced block of the expected language (```python / ```py /
    ```python3; ```cpp / ```c++ / ```cc / ```cxx): models often sketch first and give the final answer last.
    Each row is judged in its own language (`verification_info.language`, else the row's `language` column,
    else the factory's `language`). `enforce_same_language=True` (open-r1's option of that name) asserts that a
    batch is single-language: a batch whose rows name different languages raises `ValueError` naming them,
    instead of being judged -- a guard for datasets meant to be one language, where a stray row is a data bug.

DATA FLOW
    TRL's GRPOTrainer calls the reward with `completions` and every dataset column as kwargs ->
    `extract_code` -> `Submission`s -> provider (`open_r1.sandbox.get_provider`, or the router at `router_url`)
    -> `SubmissionResult`s -> floats / None -> TRL's advantage computation. The reward registry in
    `open_r1.rewards` imports `make_code_reward` from here.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from open_r1.core.aio import LoopThread
from open_r1.sandbox.base import (
    LANGUAGE_ALIASES,
    LANGUAGES,
    Limits,
    Provider,
    Submission,
    SubmissionResult,
    TestCase,
    Verdict,
    normalize_language,
)

T = TypeVar("T")

# the code-fence tags that mark a block in each language: every accepted spelling of it
FENCE_TAGS: dict[str, tuple[str, ...]] = {
    lang: tuple(alias for alias, name in LANGUAGE_ALIASES.items() if name == lang) for lang in LANGUAGES
}


def completion_text(completion: Any) -> str:
    """The text of a completion: a plain string, or the content of the last message of a conversation."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        last = completion[-1]
        if isinstance(last, dict):
            return str(last.get("content") or "")
    if isinstance(completion, dict):
        return str(completion.get("content") or "")
    return ""


def extract_code(text: str, language: str = "python") -> str | None:
    """The last fenced code block tagged with `language` (or one of its aliases), or None.

    >>> extract_code("draft:\\n```python\\nprint(1)\\n```\\nfinal:\\n```python\\nprint(2)\\n```")
    'print(2)\\n'
    >>> extract_code("```javascript\\nconsole.log(1)\\n```") is None
    True
    """
    tags = FENCE_TAGS.get(language, (language,))
    alternatives = "|".join(re.escape(t) for t in sorted(tags, key=len, reverse=True))
    pattern = re.compile(rf"```(?:{alternatives})[ \t]*\r?\n(.*?)```", re.DOTALL | re.IGNORECASE)
    blocks = pattern.findall(text)
    return blocks[-1] if blocks else None


def parse_verification_info(info: Any, default_language: str) -> tuple[str, list[TestCase]] | None:
    """(language, tests) from one `verification_info` value (a dict or its JSON string); None if unusable."""
    if isinstance(info, str):
        try:
            info = json.loads(info)
        except json.JSONDecodeError:
            return None
    if not isinstance(info, dict):
        return None
    language = str(info.get("language") or default_language).lower()
    language = normalize_language(language)
    if language is None:
        return None
    raw_tests = info.get("test_cases") or []
    tests = [TestCase(input=str(t.get("input", "") or ""), output=str(t.get("output", "") or ""),
                      name=str(t.get("name", "") or i))
             for i, t in enumerate(raw_tests) if isinstance(t, dict)]
    return (language, tests) if tests else None


def check_same_language(rows: list[tuple[str, list[TestCase]] | None]) -> None:
    """Raise `ValueError` when parsed rows (language, tests) name more than one language (rows without usable
    tests are ignored): the check behind `enforce_same_language`.

    >>> check_same_language([("python", []), None, ("python", [])])
    >>> check_same_language([("python", []), ("cpp", [])])
    Traceback (most recent call last):
    ...
    ValueError: code reward (enforce_same_language=True): this batch mixes languages: python (rows 0), cpp (rows 1). Filter the dataset to one language, or set enforce_same_language: false to judge each row in its own language.
    """
    rows_by_language: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if row is not None:
            rows_by_language.setdefault(row[0], []).append(i)
    if len(rows_by_language) > 1:
        found = ", ".join(f"{lang} (rows {', '.join(map(str, idx[:5]))}{', ...' if len(idx) > 5 else ''})"
                          for lang, idx in rows_by_language.items())
        raise ValueError(f"code reward (enforce_same_language=True): this batch mixes languages: {found}. Filter "
                         f"the dataset to one language, or set enforce_same_language: false to judge each row in "
                         f"its own language.")


def score(result: SubmissionResult, binary: bool) -> float | None:
    """A submission's reward: None for a provider failure, else the fraction passed (or all-or-nothing)."""
    if result.verdict == Verdict.IE or result.total == 0:
        return None
    fraction = result.passed / result.total
    if binary:
        return 1.0 if fraction > 0.99 else 0.0
    return fraction


def make_code_reward(provider: str = "local", language: str = "python", num_parallel: int = 4,
                     binary: bool = False, router_url: str | None = None,
                     limits: Limits | None = None, enforce_same_language: bool = False,
                     **provider_kwargs: Any) -> Callable[..., list[float | None]]:
    """Build the `code` (or, with `binary=True`, `binary_code`) reward.

    Args:
        provider (`str`, *optional*, defaults to `"local"`): sandbox provider name (see `open_r1.sandbox`).
        language (`str`, *optional*, defaults to `"python"`): language expected when a sample's
            `verification_info` does not say ("python" or "cpp").
        num_parallel (`int`, *optional*, defaults to 4): submissions judged at once (and the local sandbox's
            worker count).
        binary (`bool`, *optional*, defaults to `False`): all-or-nothing (`binary_code`) instead of the fraction.
        router_url (`str`, *optional*): judge through an `open-r1 sandbox serve` router at this URL instead.
        limits ([`Limits`], *optional*): per-test limits; defaults to `Limits()` (2 s CPU, 256 MiB, 64 processes
            and threads, ...).
        enforce_same_language (`bool`, *optional*, defaults to `False`): raise `ValueError` when the rows of one
            call name different languages (open-r1's option; by default each row runs in its own language).
        provider_kwargs: passed to the provider (e.g. `api_key=`, `url=`, `allow_unisolated=`).

    Returns:
        `func(completions, verification_info, **kwargs) -> list[float | None]` with `__name__` "code" or
        "binary_code".

    Example:
        >>> reward = make_code_reward()  # doctest: +SKIP
        >>> reward(["```python\\nprint(int(input()) * 2)\\n```"],
        ...        verification_info=[{"test_cases": [{"input": "2", "output": "4"}]}])  # doctest: +SKIP
        [1.0]
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    if num_parallel < 1:
        raise ValueError(f"num_parallel must be >= 1, got {num_parallel}")
    from open_r1.sandbox import get_provider

    if router_url:
        backend: Provider = get_provider("router", url=router_url, **provider_kwargs)
    elif provider == "local":
        backend = get_provider("local", workers=provider_kwargs.pop("workers", num_parallel), **provider_kwargs)
    else:
        backend = get_provider(provider, **provider_kwargs)
    limits = limits or Limits()
    runner = LoopThread("open-r1-code-reward")

    async def judge(submissions: list[Submission]) -> list[SubmissionResult]:
        # bounded concurrency: at most `num_parallel` submissions in flight at the provider
        semaphore = asyncio.Semaphore(num_parallel)

        async def one(sub: Submission) -> SubmissionResult:
            async with semaphore:
                try:
                    (res,) = await backend.run_submissions([sub])
                    return res
                except Exception as err:  # noqa: BLE001 -- a provider failure is "no signal", not a zero
                    return SubmissionResult.internal_error(sub, f"{type(err).__name__}: {err}")

        return list(await asyncio.gather(*(one(s) for s in submissions)))

    def reward(completions: list[Any], verification_info: list[Any] | None = None,
               **kwargs: Any) -> list[float | None]:
        if verification_info is None:
            return [None] * len(completions)
        rewards: list[float | None] = [None] * len(completions)
        pending: list[tuple[int, Submission]] = []
        row_languages = kwargs.get("language")  # an optional per-row `language` dataset column
        parsed_rows: list[tuple[str, list[TestCase]] | None] = []
        for i, info in enumerate(verification_info):
            default = language
            if isinstance(row_languages, list | tuple) and i < len(row_languages) and row_languages[i]:
                default = str(row_languages[i])
            parsed_rows.append(parse_verification_info(info, default))
        if enforce_same_language:
            check_same_language(parsed_rows)
        for i, (completion, parsed) in enumerate(zip(completions, parsed_rows, strict=True)):
            if parsed is None:
                continue  # no usable tests: no signal
            lang, tests = parsed
            code = extract_code(completion_text(completion), lang)
            if code is None:
                rewards[i] = 0.0  # no program at all: the model's failure
                continue
            pending.append((i, Submission(code=code, language=lang, tests=tests, limits=limits, id=str(i))))
        if pending:
            results = runner.run(judge([s for _, s in pending]))
            for (i, _), result in zip(pending, results, strict=True):
                rewards[i] = score(result, binary)
        return rewards

    reward.__name__ = "binary_code" if binary else "code"
    reward.__qualname__ = reward.__name__
    reward.provider = backend  # type: ignore[attr-defined]  # for tests and for closing the local sandbox
    return reward
