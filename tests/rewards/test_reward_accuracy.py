"""The accuracy machinery: extraction, memo, exact fast path, per-sample budgets, worker pool, threads, pickling."""

from __future__ import annotations

import pickle
import re
import threading
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from open_r1.rewards._pool import BudgetedPool, PoolError
from open_r1.rewards.accuracy import AccuracyReward
from open_r1.rewards.verifier import (
    MEMO,
    MODE_ANSWER,
    MODE_FULL,
    answer_region,
    fast_verdict,
    nothing_to_extract,
    shared_pool,
)

FAKE_WORKER = str(Path(__file__).with_name("_fake_worker.py"))
TOWER = r"<answer>$\boxed{9^{9^{9^{9}}}}$</answer>"  # SymPy tries to evaluate this against an integer gold


@pytest.fixture(scope="module")
def warm():
    shared_pool(0).warmup()


# -- extraction ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completion", "mode", "text"),
    [
        ("<think>\n1\n</think>\n<answer>\n 7 \n</answer>", MODE_ANSWER, "7"),
        ("<answer>1</answer><answer>2</answer>", MODE_ANSWER, "2"),
        ("<answer>unclosed 7", MODE_FULL, "<answer>unclosed 7"),
        ("plain", MODE_FULL, "plain"),
    ],
)
def test_answer_region(completion, mode, text):
    assert answer_region(completion) == (mode, text)


# -- fast path -----------------------------------------------------------------------------------------------------


# Spellings of a rational that the fast path reads, and wrappers around them.
GOLD_WRAPPERS = ["{}", "${}$", r"\boxed{{{}}}", r"$\boxed{{{}}}$"]
ANSWER_WRAPPERS = GOLD_WRAPPERS + [
    r"\({}\)",
    r"\[\boxed{{{}}}\]",
    r"The final answer is $\boxed{{{}}}$.",
    r"The final answer is ${}$",
]


@st.composite
def rational_spelling(draw, value=None):
    if value is None:
        value = Fraction(draw(st.integers(-(10**9) + 1, 10**9 - 1)), draw(st.integers(1, 10**9 - 1)))
    if value.denominator == 1 and draw(st.booleans()):
        return str(value.numerator)
    scale = draw(st.sampled_from([1, 1, 2, 3, 7]))
    p, q = value.numerator * scale, value.denominator * scale
    if abs(p) >= 10**9 or q >= 10**9:
        p, q = value.numerator, value.denominator
    form = draw(
        st.sampled_from([r"\frac{{{}}}{{{}}}", r"\dfrac{{{}}}{{{}}}", r"\tfrac{{ {} }}{{ {} }}", "{}/{}", "neg"])
    )
    if form == "neg":
        return rf"-\frac{{{-p}}}{{{q}}}" if p > 0 else rf"\frac{{{p}}}{{{q}}}"
    return form.format(p, q)


@st.composite
def gold_and_answer(draw):
    gold_value = Fraction(draw(st.integers(-(10**6), 10**6)), draw(st.sampled_from([1, 1, 2, 3, 4, 7, 1000, 999999])))
    relation = draw(st.sampled_from(["same", "near", "negated", "random", "scaled-decimal"]))
    if relation == "same":
        answer_value = gold_value
    elif relation == "near":
        answer_value = gold_value + Fraction(1, draw(st.sampled_from([1, 10**6, 10**7, 3 * 10**8])))
    elif relation == "negated":
        answer_value = -gold_value
    elif relation == "scaled-decimal":  # e.g. 1/3 against 333333/1000000: math-verify's float rounding must not apply
        answer_value = Fraction(round(gold_value * 10**6), 10**6)
    else:
        answer_value = None
    gold = draw(st.sampled_from(GOLD_WRAPPERS)).format(draw(rational_spelling(gold_value)))
    answer = draw(st.sampled_from(ANSWER_WRAPPERS)).format(draw(rational_spelling(answer_value)))
    return gold, answer


@settings(max_examples=300, deadline=None)
@given(gold_and_answer())
def test_fast_path_agrees_with_math_verify(pair):
    """Wherever the fast path decides, math-verify (what the workers run) decides the same."""
    from open_r1.rewards._mathworker import score_one

    gold, answer = pair
    fast = fast_verdict(gold, MODE_ANSWER, answer)
    if fast is None:  # only numbers past the fast path's digit limits may fall through to math-verify
        assert any(len(digits) > 9 for digits in re.findall(r"\d+", answer + gold)), pair
        return
    status, score, _ = score_one(gold, answer, MODE_ANSWER)
    assert status == "ok" and score == fast.score, (gold, answer, fast.score, score)


BOXED_PREFIXES = [
    "",
    "Let me compute $3 + 4 = 7$ first.\n",
    "The answer: maybe 12, or $\\frac{1}{2}$? Let me check.\n",
    "Step 1: 5 apples.\n1. then 6\n",
    "<think>\nx = 3, and the final answer is probably 9\n</think>\n",
]
BOXED_SUFFIXES = [
    "Therefore, the answer is $\\boxed{{{}}}$.",
    "\\boxed{{{}}}",
    "So $x = \\boxed{{{}}}$.",
    "The answer: \\[\\boxed{{{}}}\\]",
    "$\\boxed{{{}}}$ is my final answer. {{ok}}",
    "Final: \\boxed{{ {} }} done",
]


@st.composite
def single_boxed_case(draw):
    gold_value = Fraction(draw(st.integers(-(10**6), 10**6)), draw(st.sampled_from([1, 1, 2, 3, 4, 7, 1000])))
    gold = draw(st.sampled_from(GOLD_WRAPPERS)).format(draw(rational_spelling(gold_value)))
    boxed_value = draw(st.sampled_from([gold_value, -gold_value, gold_value + 1, None]))  # None: any rational
    number = draw(rational_spelling(boxed_value))
    text = draw(st.sampled_from(BOXED_PREFIXES)) + draw(st.sampled_from(BOXED_SUFFIXES)).format(number)
    return gold, text, draw(st.sampled_from([MODE_FULL, MODE_ANSWER]))


@settings(max_examples=300, deadline=None)
@given(single_boxed_case())
def test_single_boxed_fast_path_agrees_with_math_verify(case):
    from open_r1.rewards._mathworker import score_one

    gold, text, mode = case
    fast = fast_verdict(gold, mode, text)
    if fast is None:
        assert any(len(digits) > 9 for digits in re.findall(r"\d+", text + gold)), case
        return
    status, score, _ = score_one(gold, text, mode)
    assert status == "ok" and score == fast.score, (case, fast.score, score)


def test_single_boxed_fast_path_hits_and_misses():
    full = "I think about it.\nTherefore, the answer is $\\boxed{\\frac{6}{8}}$."
    assert fast_verdict("$\\frac{3}{4}$", MODE_FULL, full).score == 1.0
    assert fast_verdict("$\\frac{3}{4}$", MODE_FULL, full.replace("6}{8", "5}{8")).score == 0.0
    for other in ("\\boxed{1} or \\boxed{2}", "\\fbox{1} \\boxed{2}", "\\boxed{2} I hope", "\\boxed{2", "\\boxed {2}"):
        assert fast_verdict("2", MODE_FULL, other) is None, other


@pytest.mark.parametrize(
    "text",
    [
        "007",
        "-0",
        "1,000",
        "$7",
        "7$",
        r"\boxed{7",
        "3.0",
        "+3",
        r"\frac34",
        r"\frac{1}{0}",
        "1 1/2",
        r"\frac{1}{2}x",
        "The final answer is 7",
        r"The final answer is \dfrac{1}{2}",
        r"\boxed{1} and \boxed{2}",
        "$1$ and $2$",
    ],
)
def test_fast_path_declines_other_spellings(text):
    assert fast_verdict("7", MODE_ANSWER, text) is None


NO_ANSWER_FRAGMENTS = ["answer", "ANSWER", "anſwer", "Answer:", r"\boxed{", "$", "\\", "[", "]", "7", "٣", " ", "\n"]
no_answer_texts = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(NO_ANSWER_FRAGMENTS), st.text(max_size=5)), max_size=10).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(text=no_answer_texts, mode=st.sampled_from([MODE_FULL, MODE_ANSWER]))
def test_nothing_to_extract_agrees_with_math_verify(text, mode):
    """When the regex pre-check says a text holds no answer, math-verify's extraction indeed finds nothing."""
    from open_r1.rewards._mathworker import _configs, _parse_wrapped

    if not nothing_to_extract(mode, text):
        return
    kwargs = {"extraction_config": _configs()[mode], "extraction_mode": "first_match"}
    if mode == MODE_ANSWER:
        assert _parse_wrapped(text, **kwargs) == [], text
    else:
        from math_verify import parse

        assert parse(text, parsing_timeout=None, **kwargs) == [], text


def test_nothing_to_extract_still_respects_the_gold(warm):
    MEMO.clear()
    truncated = "<think>\nLet me compute 3 + 4 and then"
    reward = AccuracyReward()
    assert reward([truncated, "<answer>\nno idea\n</answer>"], solution=["$7$", "$7$"]) == [0.0, 0.0]
    assert reward([truncated], solution=[r"$\boxed{\frac{1}{"]) == [None]  # malformed gold: no signal, not 0


def test_fast_path_only_for_answer_blocks():
    assert fast_verdict("7", MODE_FULL, "7") is None  # whole completions need LaTeX: "7" alone is no answer
    assert fast_verdict("7", MODE_ANSWER, "7").score == 1.0
    assert fast_verdict("$-4$", MODE_ANSWER, "4").score == 0.0


def test_integer_batch_never_touches_the_pool():
    MEMO.clear()
    pool = shared_pool(0)
    before = pool.stats["tasks"]
    rewards = AccuracyReward()([f"<answer>\n{i % 5}\n</answer>" for i in range(64)], solution=["$3$"] * 64)
    assert rewards == [1.0 if i % 5 == 3 else 0.0 for i in range(64)]
    assert pool.stats["tasks"] == before


# -- memo ----------------------------------------------------------------------------------------------------------


def test_memo_dedupes_within_a_group_and_across_rewards(warm):
    MEMO.clear()
    pool = shared_pool(0)
    before = pool.stats["tasks"]
    completions = [r"<answer>$\frac{1}{2}$</answer>", r"<answer>$\frac{2}{4}$</answer>", "<answer>0.3</answer>"] * 6
    rewards = AccuracyReward()(completions, solution=[r"$\frac12$"] * len(completions))
    assert rewards == [1.0, 1.0, 0.0] * 6
    assert pool.stats["tasks"] - before == 3, "16 completions of a group share a gold: parse each answer once"
    from open_r1.rewards.length import CosineScaledReward

    CosineScaledReward()(completions, solution=[r"$\frac12$"] * len(completions))
    assert pool.stats["tasks"] - before == 3, "cosine reuses accuracy's verdicts"


def test_bad_gold_is_remembered(warm):
    MEMO.clear()
    reward = AccuracyReward()
    assert reward(["<answer>1</answer>"], solution=["$$"]) == [None]
    pool = shared_pool(0)
    before = pool.stats["tasks"]
    assert reward(["<answer>2</answer>", "<answer>x</answer>"], solution=["$$", "$$"]) == [None, None]
    assert pool.stats["tasks"] == before


# -- budgets -------------------------------------------------------------------------------------------------------


def test_pathological_answer_times_out_to_none(warm):
    MEMO.clear()
    start = time.monotonic()
    rewards = AccuracyReward(timeout_s=1.0)([TOWER, "<answer>5</answer>"], solution=["$5$", "$5$"])
    elapsed = time.monotonic() - start
    assert rewards == [None, 1.0]
    assert elapsed < 1.0 + 1.0


def test_timeouts_are_memoised_per_budget(warm):
    MEMO.clear()
    reward = AccuracyReward(timeout_s=0.5)
    assert reward([TOWER], solution=["$5$"]) == [None]
    start = time.monotonic()
    assert reward([TOWER], solution=["$5$"]) == [None]
    assert time.monotonic() - start < 0.1, "a sample that timed out is not retried under the same budget"


def test_called_from_a_background_thread(warm):
    """TRL runs async rewards off the main thread, where math-verify's signal timeouts would raise."""
    MEMO.clear()
    out: dict[str, object] = {}

    def work():
        try:
            out["rewards"] = AccuracyReward(timeout_s=1.0)(
                [r"<answer>$\frac{3}{4}$</answer>", TOWER], solution=[r"$\frac{3}{4}$", "$5$"]
            )
        except BaseException as err:  # pragma: no cover - reported below
            out["error"] = err

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=30)
    assert "error" not in out, out.get("error")
    assert out["rewards"] == [1.0, None]


# -- the pool itself -----------------------------------------------------------------------------------------------


def test_pool_kills_a_worker_that_ignores_its_budget():
    pool = BudgetedPool(FAKE_WORKER, 2, grace_s=0.3)
    try:
        pool.warmup()
        start = time.monotonic()
        results = pool.run([("echo", 1), ("hang", 0), ("echo", 2), ("echo", 3)], budget_s=0.5)
        elapsed = time.monotonic() - start
        assert [r[:2] for r in results] == [("ok", 1), ("timeout", None), ("ok", 2), ("ok", 3)]
        assert elapsed < 0.5 + 1.0
        assert pool.stats["kills"] == 1
        assert pool.run([("echo", 4)], budget_s=0.5)[0][:2] == ("ok", 4), "a replacement worker serves on"
    finally:
        pool.close()


def test_pool_worker_budget_without_kill():
    pool = BudgetedPool(FAKE_WORKER, 1, grace_s=0.5)
    try:
        results = pool.run([("sleep", 5), ("echo", "after")], budget_s=0.3)
        assert [r[:2] for r in results] == [("timeout", None), ("ok", "after")]
        assert pool.stats["kills"] == 0
    finally:
        pool.close()


def test_pool_crash_gives_crash_status_and_requeues_the_rest():
    pool = BudgetedPool(FAKE_WORKER, 1)
    try:
        results = pool.run([("crash", 0), ("echo", 1), ("echo", 2)], budget_s=1.0)
        assert [r[:2] for r in results] == [("crash", None), ("ok", 1), ("ok", 2)]
    finally:
        pool.close()


def test_pool_reports_a_worker_that_cannot_start(monkeypatch):
    monkeypatch.setenv("FAKE_WORKER_FAIL_START", "1")
    pool = BudgetedPool(FAKE_WORKER, 1)
    try:
        with pytest.raises(PoolError, match="no math here"):
            pool.run([("echo", 1)], budget_s=1.0)
    finally:
        pool.close()


def test_pool_close_stops_workers():
    pool = BudgetedPool(FAKE_WORKER, 2)
    pool.warmup()
    procs = [w.proc for w in pool._workers]
    pool.close()
    assert all(p.poll() is not None for p in procs)


# -- TRL integration details ---------------------------------------------------------------------------------------


def test_trl_kwargs_are_accepted_and_logged(warm):
    logged: dict[str, list] = {}
    metrics: dict[str, float] = {}
    reward = AccuracyReward()
    rewards = reward(
        prompts=[[{"role": "user", "content": "q"}]] * 2,
        completions=[[{"role": "assistant", "content": "<answer>\n4\n</answer>"}]] * 2,
        completion_ids=[[1, 2], [3]],
        solution=["$4$", "$$"],
        trainer_state=object(),
        log_extra=lambda column, values: logged.__setitem__(column, values),
        log_metric=lambda name, value: metrics.__setitem__(name, value),
        some_other_column=["a", "b"],
    )
    assert rewards == [1.0, None]
    assert logged["answer_parsed"] == ["4", "[bad_gold]"]
    assert metrics["accuracy/no_signal_frac"] == 0.5


def test_reward_pickles_without_its_pool(warm):
    reward = AccuracyReward(timeout_s=2.0)
    clone = pickle.loads(pickle.dumps(reward))
    assert clone.__name__ == "accuracy"
    assert clone(["<answer>\n2\n</answer>"], solution=["2"]) == [1.0]


def test_missing_solution_column_is_a_clear_error():
    with pytest.raises(ValueError, match="needs the dataset column 'solution'"):
        AccuracyReward()(["<answer>1</answer>"])


def test_nano_step_budget(warm):
    """A nano GRPO step: 256 short completions (16 per prompt), integer and fraction answers, warm pool."""
    MEMO.clear()
    completions, golds = [], []
    for prompt in range(16):
        gold = f"${prompt}$" if prompt % 2 else rf"$\frac{{{prompt}}}{{7}}$"
        for sample in range(16):
            answer = str(prompt + sample % 3) if prompt % 2 else rf"\frac{{{prompt + sample % 3}}}{{7}}"
            completions.append(f"<think>\nwork {sample}\n</think>\n<answer>\n{answer}\n</answer>")
            golds.append(gold)
    start = time.perf_counter()
    rewards = AccuracyReward()(completions, solution=golds)
    elapsed = time.perf_counter() - start
    assert rewards.count(1.0) == 16 * 6
    # Measured ~0.02 s on 2 shared cores; the bound is loose so a busy CI machine does not flake.
    assert elapsed < 1.0, elapsed
