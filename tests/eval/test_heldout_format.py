"""The held-out format rate measures what the `format` reward rewards: one rule, checked on generated completions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from open_r1.eval.heldout import check
from open_r1.rewards.format import FormatReward

# Completions built from the pieces that decide the strict format: tags, the newlines around them, text, and
# stray tags inside blocks (a second think block was the case the old held-out regex got wrong).
PIECES = ["<think>", "</think>", "<answer>", "</answer>", "\n", "\n\n", " ", "12", "-7", "so", "x<think>y"]
completions = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)
well_formed = st.tuples(
    st.lists(st.sampled_from(PIECES), max_size=6).map("".join), st.sampled_from(["12", "-7", "", "12\n\n"])
).map(lambda p: f"<think>\n{p[0]}\n</think>\n<answer>\n{p[1]}\n</answer>")

FORMAT = FormatReward()


@settings(max_examples=400, deadline=None)
@given(st.one_of(completions, well_formed))
def test_heldout_format_equals_the_format_reward(completion):
    assert check(completion, "12")[0] == (FORMAT([completion])[0] == 1.0)


def test_two_think_blocks_fail_both():
    two = "<think>\na\n</think>\n<think>\nb\n</think>\n<answer>\n12\n</answer>"
    assert FORMAT([two]) == [0.0]
    assert check(two, "12") == (False, True)  # badly formatted, but the answer block is still read for accuracy
