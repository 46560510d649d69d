"""Every case of /work/shared/notes/rewards-cases.md, table-driven, including the marked improvements.

Each table row is (completion or input, expected, why). Rewards are built through the registry, as a recipe would.
"""

from __future__ import annotations

import math

import pytest

from open_r1.competitive.scoring import cf_score, ioi_best_of, ioi_problem_score, ioi_subtask_score
from open_r1.rewards import REWARD_REGISTRY, get_reward_funcs


def reward(name: str, **params):
    (func,) = get_reward_funcs([name], {name: params} if params else None)
    return func


def chat(text: str) -> list[dict[str, str]]:
    """Completions arrive conversational; rewards read the last message."""
    return [{"role": "assistant", "content": text}]


# -- accuracy ------------------------------------------------------------------------------------------------------

ACCURACY_CASES = [
    (r"\boxed{\frac{63}{400}}", r"\frac{63}{400}", 1.0, "reference: equal fraction"),
    (r"\boxed{\frac{64}{400}}", r"\frac{63}{400}", 0.0, "reference: different fraction"),
    (r"\boxed{3}", "6", 0.0, "reference: wrong integer"),
    (r"\boxed{3}", "no number here", None, "gold that does not parse: no signal, never 1.0"),
    (r"\boxed{3}", "", None, "empty gold: no signal"),
    (r"\boxed{1}", r"$\boxed{\frac{1}{", None, "improvement: malformed gold leaves a string: no signal"),
    ("<think>\nx\n</think>\n<answer>\n$(1,2)$\n</answer>", "$1<x<2$", 1.0, "gold first: relation gold, set answer"),
    ("<think>\nx\n</think>\n<answer>\n$1<x<2$\n</answer>", "$(1,2)$", 0.0, "gold first: the reverse fails"),
    ("<think>\nmaybe -4\n</think>\n<answer>\n4\n</answer>", "$-4$", 0.0, "contract: 4 is not -4"),
    ("<think>\nok\n</think>\n<answer>\n-4\n</answer>", "$-4$", 1.0, "contract: bare negative integer parses"),
    ("<think>\nok\n</think>\n<answer>\n7\n</answer>", "7", 1.0, "contract: bare integer parses"),
    ("<think>\nthe answer is 5\n</think>\n<answer>\n7\n</answer>", "5", 0.0, "numbers in the think block are ignored"),
    ("<answer>\n3\n</answer> wait <answer>\n7\n</answer>", "7", 1.0, "the last answer block counts"),
    ("<answer>\n3\n</answer> wait <answer>\n7\n</answer>", "3", 0.0, "an earlier answer block does not"),
    ("<answer>\n$\\frac{6}{8}$\n</answer>", r"$\frac{3}{4}$", 1.0, "equivalent form"),
    ("<answer>\n0.75\n</answer>", r"$\frac{3}{4}$", 1.0, "decimal form"),
    ("<answer>\n(-\\infty, 3]\n</answer>", r"(-\infty, 3]", 1.0, "bare interval gold and answer read as LaTeX"),
    ("<answer>\n(-\\infty, 3)\n</answer>", r"$(-\infty, 3]$", 0.0, "open vs closed interval"),
    ("<answer>\n2\\sqrt{3}\n</answer>", r"$\sqrt{12}$", 1.0, "bare LaTeX answer is not cut to its first number"),
    ("The final answer is $\\boxed{42}$.", "42", 1.0, "no answer block: boxed in the whole completion"),
    ("I think it is 42", "42", 0.0, "no answer block: a stray number is not an answer"),
    ("", "42", 0.0, "empty completion"),
]


@pytest.mark.parametrize(("completion", "gold", "expected", "why"), ACCURACY_CASES, ids=[c[3] for c in ACCURACY_CASES])
def test_accuracy_cases(completion, gold, expected, why):
    assert reward("accuracy")([chat(completion)], solution=[gold]) == [expected], why


def test_accuracy_batch_matches_single_calls():
    completions = [chat(c) for c, _, _, _ in ACCURACY_CASES]
    golds = [g for _, g, _, _ in ACCURACY_CASES]
    assert reward("accuracy")(completions, solution=golds) == [e for _, _, e, _ in ACCURACY_CASES]


# -- format --------------------------------------------------------------------------------------------------------

FORMAT_CASES = [
    ("<think>\nSome reasoning\n</think>\n<answer>\nThe answer\n</answer>", 1.0, "the R1 template"),
    ("<think>\nline 1\nline 2\n</think>\n<answer>\na\nb\n</answer>", 1.0, "dot matches newlines"),
    ("<think>\nx\n</think>\n<answer>\ny\n</answer>\n  \n", 1.0, "trailing whitespace is fine"),
    ("<think>Only thinking</think>", 0.0, "reference: think only"),
    ("<answer>Only answer</answer>", 0.0, "reference: answer only"),
    ("No tags at all", 0.0, "reference: no tags"),
    ("<think>Missing closing</think><answer>Missing closing", 0.0, "reference: unclosed answer"),
    ("<think>Wrong order</answer><answer>Wrong order</think>", 0.0, "reference: wrong order"),
    ("<think>\nx\n</think>\n<answer>\ny\n</answer>\nextra text", 0.0, "improvement: text after </answer>"),
    ("<think>\nx\n</think>\n<answer>\ny\n</answer>\n<answer>\nz\n</answer>", 0.0, "improvement: two answer blocks"),
    ("<think>\na\n</think>\nb\n</think>\n<answer>\ny\n</answer>", 0.0, "improvement: two think closings"),
    ("<think>\nI will put it in <answer> tags\n</think>\n<answer>\n4\n</answer>", 1.0, "think may mention tags"),
    ("preamble <think>\nx\n</think>\n<answer>\ny\n</answer>", 0.0, "text before <think>"),
    ("<think>\nx</think>\n<answer>\ny\n</answer>", 0.0, "newline before </think> required"),
]


@pytest.mark.parametrize(("text", "expected", "why"), FORMAT_CASES, ids=[c[2] for c in FORMAT_CASES])
def test_format_cases(text, expected, why):
    assert reward("format")([chat(text)]) == [expected], why


PREFILL_CASES = [
    ("Some reasoning\n</think>\n<answer>\n42\n</answer>", 1.0, "completion starts inside the think block"),
    ("\n</think>\n<answer>\n42\n</answer>", 1.0, "empty reasoning"),
    ("<think>\nagain\n</think>\n<answer>\n42\n</answer>", 0.0, "re-opening <think> fails"),
    ("reasoning\n</think>\n<answer>\n42\n</answer> more", 0.0, "text after </answer> fails"),
    ("reasoning without closing", 0.0, "never closes the think block"),
]


@pytest.mark.parametrize(("text", "expected", "why"), PREFILL_CASES, ids=[c[2] for c in PREFILL_CASES])
def test_format_prefilled_think(text, expected, why):
    assert reward("format", prefill_think=True)([chat(text)]) == [expected], why


def test_format_prefilled_completion_fails_the_plain_template():
    assert reward("format")([chat("x\n</think>\n<answer>\n42\n</answer>")]) == [0.0]


# -- tag_count -----------------------------------------------------------------------------------------------------

FULL = "<think>\nx\n</think>\n<answer>\ny\n</answer>"
TAG_COUNT_CASES = [
    (FULL, 1.0, "all four tags"),
    ("x\n</think>\n<answer>\ny\n</answer>", 0.75, "missing <think>"),
    ("<think>\nx\n<answer>\ny\n</answer>", 0.75, "missing </think>"),
    ("<think>\nx\n</think>\ny\n</answer>", 0.75, "missing <answer>"),
    ("<think>\nx\n</think>\n<answer>\ny", 0.75, "missing </answer>"),
    ("nothing", 0.0, "no tags"),
    (FULL + FULL, 0.0, "every tag twice"),
]


@pytest.mark.parametrize(("text", "expected", "why"), TAG_COUNT_CASES, ids=[c[2] for c in TAG_COUNT_CASES])
def test_tag_count_cases(text, expected, why):
    assert reward("tag_count")([chat(text)]) == [expected], why


def test_tag_count_prefilled():
    assert reward("tag_count", prefill_think=True)([chat("x\n</think>\n<answer>\ny\n</answer>")]) == [1.0]
    assert reward("tag_count", prefill_think=True)([chat(FULL)]) == [0.75]


# -- reasoning_steps -----------------------------------------------------------------------------------------------

STEPS_CASES = [
    ("Step 1: First step\nStep 2: Second step\nStep 3: Third step", 1.0, "three Step N: markers"),
    ("First, we do this.\nSecond, we do that.\nFinally, we conclude.", 1.0, "ordinal words"),
    ("Step 1: Only step", 1 / 3, "one marker"),
    ("First, we do this.\nSecond, we do that.", 2 / 3, "two markers"),
    ("Step 1: a\nNext, b", 2 / 3, "mixed markers"),
    ("No steps here", 0.0, "no markers"),
    ("Plan:\n- a\n- b\n* c", 1.0, "bullet lines"),
    ("1. a\n2. b\n3. c", 1.0, "improvement: every numbered line counts"),
    ("Step 1: a Step 2: b Step 3: c Step 4: d", 1.0, "capped at 1"),
]


@pytest.mark.parametrize(("text", "expected", "why"), STEPS_CASES, ids=[c[2] for c in STEPS_CASES])
def test_reasoning_steps_cases(text, expected, why):
    assert reward("reasoning_steps")([chat(text)]) == [pytest.approx(expected)], why


# -- length (Kimi 1.5) ---------------------------------------------------------------------------------------------

CORRECT, WRONG, GOLD = r"\boxed{\frac{63}{400}}", r"\boxed{\frac{64}{400}}", r"\frac{63}{400}"


def test_length_two_correct_shorter_gets_half():
    rewards = reward("length")([chat(CORRECT), chat(CORRECT + " " + "x" * 10)], solution=[GOLD, GOLD])
    assert rewards[0] == 0.5
    assert rewards[0] > rewards[1]


def test_length_wrong_answers_not_positive_shorter_higher():
    rewards = reward("length")([chat(WRONG), chat(WRONG + " " + "x" * 10)], solution=[GOLD, GOLD])
    assert all(r <= 0.0 for r in rewards)
    assert rewards[0] >= rewards[1]
    assert rewards == [0.0, -0.5]


def test_length_mixed_formula():
    texts = [CORRECT, WRONG + "x" * 10, CORRECT + "x" * 20]  # lengths 22, 32, 42
    rewards = reward("length")([chat(t) for t in texts], solution=[GOLD] * 3)
    assert rewards == [pytest.approx(0.5), pytest.approx(0.0), pytest.approx(-0.5)]


def test_length_all_equal_lengths_give_zero():
    assert reward("length")([chat(CORRECT), chat(WRONG)], solution=[GOLD, GOLD]) == [0.0, 0.0]


def test_length_unparseable_gold_is_no_signal():
    # The reference treats an unparseable gold as correct (+0.5 for the shortest); no signal is right.
    rewards = reward("length")([chat(CORRECT), chat(CORRECT + "xx")], solution=["not math", "not math"])
    assert rewards == [None, None]


def test_length_groups_by_prompt_when_prompts_given():
    texts = [CORRECT, CORRECT + "x" * 10, CORRECT + "x" * 100, CORRECT + "x" * 110]
    prompts = ["p1", "p1", "p2", "p2"]
    rewards = reward("length")([chat(t) for t in texts], solution=[GOLD] * 4, prompts=prompts)
    assert rewards == [0.5, -0.5, 0.5, -0.5]
    batch = reward("length", group_by="batch")([chat(t) for t in texts], solution=[GOLD] * 4, prompts=prompts)
    assert batch[0] == 0.5 and batch[3] == -0.5 and 0 < batch[1] < 0.5


# -- cosine --------------------------------------------------------------------------------------------------------


def _cosine_expected(length: int, correct: bool, max_len: int = 100) -> float:
    lo, hi = (0.5, 1.0) if correct else (-0.5, -1.0)
    return lo + 0.5 * (hi - lo) * (1 + math.cos(math.pi * min(length, max_len) / max_len))


def test_cosine_reference_values():
    # The reference's "short" completions are the 22-character strings below (the case list calls them len 20);
    # the "long" ones are padded to 80 characters. Values as the reference, to two decimals.
    cosine = reward("cosine", max_len=100)
    texts = [CORRECT, CORRECT.ljust(80, "x"), WRONG, WRONG.ljust(80, "x")]
    assert [len(t) for t in texts] == [22, 80, 22, 80]
    rewards = cosine([chat(t) for t in texts], solution=[GOLD] * 4)
    assert rewards == [pytest.approx(v, abs=5e-3) for v in (0.943, 0.547, -0.942, -0.547)]
    assert rewards == [pytest.approx(_cosine_expected(n, c)) for n, c in ((22, 1), (80, 1), (22, 0), (80, 0))]


@pytest.mark.parametrize(("length", "correct"), [(0, True), (20, True), (50, True), (100, True), (20, False)])
def test_cosine_on_token_lengths(length, correct):
    cosine = reward("cosine", max_len=100, unit="tokens")
    text = CORRECT if correct else WRONG
    (value,) = cosine([chat(text)], solution=[GOLD], completion_ids=[[0] * length])
    assert value == pytest.approx(_cosine_expected(length, correct))


def test_cosine_clamps_past_max_len():
    # Improvement: unclamped, cos wraps around and 2 x max_len scores like an empty answer (1.0).
    cosine = reward("cosine", max_len=100, unit="tokens")
    rewards = cosine([chat(CORRECT), chat(WRONG)], solution=[GOLD, GOLD], completion_ids=[[0] * 200, [0] * 200])
    assert rewards == [pytest.approx(0.5), pytest.approx(-0.5)]


def test_cosine_config_default_matches_function_default():
    # Improvement: the reference config defaulted min_value_wrong to 0.0, inverting the wrong-answer schedule.
    from open_r1.rewards.length import CosineScaledReward

    assert REWARD_REGISTRY["cosine"].params["min_value_wrong"] == -1.0
    assert CosineScaledReward().min_value_wrong == -1.0
    short_wrong, long_wrong = reward("cosine", max_len=100)([chat(WRONG), chat(WRONG.ljust(90))], solution=[GOLD] * 2)
    assert short_wrong < long_wrong < 0


def test_cosine_unparseable_gold_is_no_signal():
    assert reward("cosine")([chat(CORRECT)], solution=[r"$\boxed{\frac{1}{"]) == [None]


# -- repetition penalty --------------------------------------------------------------------------------------------

REPETITION_CASES = [
    (2, -1.0, "this is a test sentence", 0.0),
    (2, -1.0, "this this this this this", -0.75),
    (2, -1.0, "this is a this is a test", -1 / 3),
    (2, -1.0, "", 0.0),
    (2, -1.0, "single", 0.0),
    (3, -1.0, "word word word word", -0.5),
    (3, -1.0, "A B C A B C", -0.25),
    (3, -1.0, "A B C A B C E F G A B C A B C", -0.3846),
    (3, -1.0, "one two one two", 0.0),
    (3, -0.5, "test test test test", -0.25),
    (3, -2.0, "this is a this is a test", -0.4),
    (2, -1.0, "这个这个这个这个这个", -0.75),
]


@pytest.mark.parametrize(("n", "max_penalty", "text", "expected"), REPETITION_CASES)
def test_repetition_cases(n, max_penalty, text, expected):
    func = reward("repetition_penalty", ngram_size=n, max_penalty=max_penalty)
    assert func([chat(text)]) == [pytest.approx(expected, abs=1e-4)]


def test_repetition_case_insensitive():
    func = reward("repetition_penalty", ngram_size=2)
    assert func([chat("This is A Test")]) == func([chat("this IS a test")])


def test_repetition_positive_max_penalty_raises():
    from open_r1.rewards.repetition import RepetitionPenaltyReward

    with pytest.raises(ValueError, match="should not be positive"):
        RepetitionPenaltyReward(max_penalty=0.5)


def test_repetition_language_zh_forced_and_en_forced():
    assert reward("repetition_penalty", ngram_size=2, language="zh")([chat("这个这个这个这个这个")]) == [-0.75]
    # Without segmentation the whole run is one "word": no n-gram at all.
    assert reward("repetition_penalty", ngram_size=2, language="en")([chat("这个这个这个这个这个")]) == [0.0]


# -- soft overlong punishment (DAPO) -------------------------------------------------------------------------------

OVERLONG_CASES = [(50, 0.0), (80, 0.0), (90, -0.5), (100, -1.0), (110, -1.0)]


@pytest.mark.parametrize(("length", "expected"), OVERLONG_CASES)
def test_soft_overlong_cases(length, expected):
    func = reward("soft_overlong_punishment", max_completion_len=100, soft_punish_cache=20)
    assert func([chat("x")], completion_ids=[[1] * length]) == [pytest.approx(expected)]


def test_soft_overlong_needs_token_ids():
    func = reward("soft_overlong_punishment", max_completion_len=100, soft_punish_cache=20)
    with pytest.raises(ValueError, match="completion_ids"):
        func([chat("x")])


def test_soft_overlong_zero_cache_is_a_hard_step():
    func = reward("soft_overlong_punishment", max_completion_len=100, soft_punish_cache=0)
    assert func(["a", "b"], completion_ids=[[1] * 100, [1] * 101]) == [0.0, -1.0]


# -- code_format ---------------------------------------------------------------------------------------------------


def _code_answer(body: str) -> str:
    return f"<think>\nplan\n</think>\n<answer>\n{body}\n</answer>"


CODE_FORMAT_CASES = [
    (_code_answer("```python\nprint('hi')\n```"), 1.0, "python block"),
    (_code_answer("```python\nx = 1\ny = 2\nprint(x + y)\n```"), 1.0, "multiline code"),
    (_code_answer("Here:\n```python\na = 1\n```\nand\n```python\nprint(a)\n```"), 1.0, "several blocks"),
    (_code_answer("```javascript\nconsole.log(1)\n```"), 0.0, "javascript when python is expected"),
    (_code_answer("```\nprint(1)\n```"), 0.0, "bare fence"),
    (_code_answer("print(1)"), 0.0, "no fence"),
    ("```python\nprint(1)\n```", 0.0, "no R1 template"),
    (_code_answer("```python\nprint(1)\n```") + "\ntrailing", 0.0, "text after </answer>"),
]


@pytest.mark.parametrize(("text", "expected", "why"), CODE_FORMAT_CASES, ids=[c[2] for c in CODE_FORMAT_CASES])
def test_code_format_cases(text, expected, why):
    assert reward("code_format")([chat(text)]) == [expected], why


def test_code_format_language_param_and_per_row_column():
    js = _code_answer("```javascript\nconsole.log(1)\n```")
    py = _code_answer("```python\nprint(1)\n```")
    assert reward("code_format", language="javascript")([chat(js), chat(py)]) == [1.0, 0.0]
    assert reward("code_format")([chat(js), chat(py)], language=["javascript", None]) == [1.0, 1.0]
    assert reward("code_format")([chat(js), chat(py)], language=["javascript", "cpp"]) == [1.0, 0.0]
    infos = [{"language": "javascript", "test_cases": []}, '{"language": "python"}']
    assert reward("code_format")([chat(js), chat(py)], verification_info=infos) == [1.0, 1.0]


# -- code / binary_code: the rules live with the sandbox backend; check it holds them ------------------------------


def test_code_output_comparison_is_strict_line_by_line():
    base = pytest.importorskip("open_r1.sandbox.base")
    assert base.outputs_match("1\n2\n", "1\n2")
    assert not base.outputs_match("1\n2\n3", "1\n2"), "an extra line must fail (the reference's zip ignored it)"
    assert not base.outputs_match("1", "1\n2"), "a missing line must fail"


# -- IOI -----------------------------------------------------------------------------------------------------------

IOI_SUBTASK_CASES = [
    ([(1.0, "AC"), (1.0, "AC")], 30, 30.0, "AC", "all accepted"),
    ([(1.0, "AC"), (0.5, "PA")], 30, 15.0, "PA", "min of the test scores x points"),
    ([(1.0, "AC"), (0.0, "WA"), (1.0, "AC")], 30, 0.0, "WA", "any zero zeroes the subtask"),
    ([(1.0, "AC"), (0.0, "TLE"), (0.0, "SKIPPED")], 30, 0.0, "TLE", "stops at the first zero; rest skipped"),
    ([(0.0, "CE")], 30, 0.0, "CE", "compile error"),
    ([(1.0, "AC"), (0.0, "MLE"), (0.0, "RE")], 10, 0.0, "RE", "worst status wins"),
    ([(1.0, None), (0.4, None)], 10, 4.0, "PA", "status inferred from scores"),
]


@pytest.mark.parametrize(("tests", "points", "score", "status", "why"), IOI_SUBTASK_CASES)
def test_ioi_subtask(tests, points, score, status, why):
    assert ioi_subtask_score(tests, points) == (pytest.approx(score), status), why


def test_ioi_problem_and_best_of_submissions():
    assert ioi_problem_score([10.0, 0.0, 30.0]) == 40.0
    assert ioi_best_of([[10, 0, 30], [0, 20, 10], [5, 5, 5]]) == 60.0
    assert ioi_best_of([]) == 0.0


# -- Codeforces ----------------------------------------------------------------------------------------------------

CF_CASES = [
    ("pass_fail", 5, 5, {}, 1.0),
    ("pass_fail", 4, 5, {}, 0.0),
    ("partial", 4, 5, {}, 0.8),
    ("weighted_sum", 5, 5, {}, 1.1),
    ("weighted_sum", 4, 5, {}, 0.08),
    ("partial", 0, 5, {"has_code": False}, -1.0),
    ("weighted_sum", 0, 5, {"compile_error": True}, -0.1),
    ("partial", 0, 0, {}, None),
]


@pytest.mark.parametrize(("mode", "passed", "total", "flags", "expected"), CF_CASES)
def test_cf_score(mode, passed, total, flags, expected):
    value = cf_score(mode, passed, total, **flags)
    assert value == (None if expected is None else pytest.approx(expected))


def test_cf_unknown_mode():
    with pytest.raises(ValueError, match="scoring_mode"):
        cf_score("best", 1, 1)
