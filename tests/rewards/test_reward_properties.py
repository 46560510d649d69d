"""Property tests: arbitrary unicode completions and golds never raise, never hang, and always return a float in the
documented range or None.

Timing here is not a speed test: on a shared 2-core CI runner a wall-clock bound of "budget + 1 s" fails whenever
another process holds the cores. So the batch tests only guard against a hang (HANG_GUARD_S, far above any budget
overrun a scheduler causes, far below a missing timeout on a pathological input), and the exact budget semantics
(a pathological answer times out to None within its budget; a hung worker is killed) are tested deterministically,
with a known slow input, in test_reward_accuracy.py. The regex-linearity test measures this thread's CPU time, which
other processes' load does not inflate: catastrophic backtracking burns CPU, waiting does not.
"""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from open_r1.rewards import get_reward_funcs
from open_r1.rewards.verifier import shared_pool

BUDGET_S = 1.0
HANG_GUARD_S = 30.0  # per call: a sample whose timeout never fires runs for minutes (test_reward_accuracy's TOWER)

# Fragments that steer generated text into the parsers' interesting corners.
FRAGMENTS = [
    "<think>\n",
    "\n</think>\n",
    "<answer>\n",
    "\n</answer>",
    "<answer>",
    "</answer>",
    "$",
    "$$",
    r"\boxed{",
    "}",
    "{",
    r"\frac{",
    r"\sqrt",
    "^{",
    r"\infty",
    "(",
    "]",
    ",",
    "-",
    "=",
    "x",
    "9",
    "1/2",
    "0.5",
    "%",
    r"\text{",
    "```python\n",
    "```",
    "Step 1:",
    "\n- ",
    "这个",
    "答案",
    "\x00",
    "\ud800",
]
mathy = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=12).map("".join)
texts = st.one_of(st.text(max_size=200), mathy)
conversational = st.booleans()

RANGES = {
    "accuracy": (0.0, 1.0),
    "format": (0.0, 1.0),
    "tag_count": (0.0, 1.0),
    "reasoning_steps": (0.0, 1.0),
    "length": (-0.5, 0.5),
    "cosine": (-1.0, 1.0),
    "repetition_penalty": (-1.0, 0.0),
    "soft_overlong_punishment": (-1.0, 0.0),
    "code_format": (0.0, 1.0),
}
MAY_BE_NONE = {"accuracy", "length", "cosine"}
PARAMS = {name: {"timeout_s": BUDGET_S} for name in MAY_BE_NONE}
FUNCS = dict(zip(RANGES, get_reward_funcs(list(RANGES), PARAMS), strict=True))


@pytest.fixture(scope="module", autouse=True)
def warm_up():
    """One-time start-up costs are not per-sample costs: start the workers, load jieba's dictionary (~1-2 s)."""
    from open_r1.rewards.repetition import words

    shared_pool(0).warmup()
    words("这个", "zh")


def _check(name: str, values: list, n: int) -> None:
    low, high = RANGES[name]
    assert len(values) == n
    for value in values:
        if value is None:
            assert name in MAY_BE_NONE, f"{name} returned None"
            continue
        assert isinstance(value, float) and math.isfinite(value), (name, value)
        assert low - 1e-9 <= value <= high + 1e-9, (name, value)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(completion=texts, gold=texts, chat=conversational)
def test_accuracy_any_input_within_budget(completion, gold, chat):
    sample = [{"role": "assistant", "content": completion}] if chat else completion
    start = time.monotonic()
    values = FUNCS["accuracy"]([sample], solution=[gold])
    elapsed = time.monotonic() - start
    _check("accuracy", values, 1)
    assert elapsed <= BUDGET_S + HANG_GUARD_S, elapsed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(st.tuples(texts, texts), min_size=1, max_size=6), chat=conversational)
def test_every_reward_any_batch(batch, chat):
    completions = [[{"role": "assistant", "content": c}] if chat else c for c, _ in batch]
    golds = [g for _, g in batch]
    ids = [[0] * len(c) for c, _ in batch]
    prompts = [f"p{i % 2}" for i in range(len(batch))]
    workers = shared_pool(0).size
    for name, func in FUNCS.items():
        start = time.monotonic()
        values = func(completions, solution=golds, completion_ids=ids, prompts=prompts)
        elapsed = time.monotonic() - start
        _check(name, values, len(batch))
        # Samples run `workers` at a time, each within its budget; the guard only catches a hang (see the docstring).
        assert elapsed <= math.ceil(len(batch) / workers) * BUDGET_S + HANG_GUARD_S, (name, elapsed)


@settings(max_examples=25, deadline=None)
@given(body=st.text(min_size=0, max_size=50), repeat=st.integers(1, 2000))
def test_text_rewards_are_fast_on_long_inputs(body, repeat):
    """Regexes stay linear: a long completion (up to ~100k chars) is scored in well under a second of CPU.

    These rewards run in this thread, so its CPU time is what they cost, whatever else the machine is doing."""
    completion = "<think>\n" + body * repeat + "\n</think>\n<answer>\n" + body * (repeat // 10)
    for name in ("format", "tag_count", "reasoning_steps", "code_format", "repetition_penalty"):
        start = time.thread_time()
        _check(name, FUNCS[name]([completion], completion_ids=[[0]]), 1)
        assert time.thread_time() - start < 1.0, name
