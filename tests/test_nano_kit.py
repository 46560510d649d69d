"""The nano kit: verifiable problems, the (deliberately imperfect) teacher, the tokenizer, determinism."""

from __future__ import annotations

import random

from open_r1.eval.heldout import check
from open_r1.nano.tasks import Teacher, make_problem, make_split
from open_r1.nano.tokenizer import REASONING_TAGS, train_tokenizer


def test_teacher_trace_is_correct_and_strictly_formatted():
    rng = random.Random(0)
    for _ in range(200):
        problem = make_problem(rng, rng.choice([1, 2, 3]))
        trace = Teacher(0.0).trace(problem, rng)
        assert check(trace, str(problem.answer)) == (True, True)
        # every think line is a true equation
        for line in trace.split("</think>")[0].splitlines()[1:]:
            left, right = line.split(" = ")
            a, op, b = left.split(" ")
            assert (int(a) + int(b) if op == "+" else int(a) - int(b)) == int(right)


def test_sign_slip_only_hits_negative_answers_at_the_set_rate():
    rows = make_split(3, 3000, teacher=Teacher(0.6), unique=False)
    neg = [r for r in rows if int(r["answer"]) < 0]
    slipped = [r for r in neg if not check(r["messages"][1]["content"], r["answer"])[1]]
    assert 0.5 < len(slipped) / len(neg) < 0.7
    pos = [r for r in rows if int(r["answer"]) >= 0]
    assert all(check(r["messages"][1]["content"], r["answer"]) == (True, True) for r in pos)


def test_heldout_is_disjoint_and_deterministic():
    held = make_split(0, 300)
    assert len({r["problem"] for r in held}) == 300
    train = make_split(1, 2000, exclude={r["problem"] for r in held}, unique=False)
    assert not {r["problem"] for r in held} & {r["problem"] for r in train}
    assert make_split(0, 300) == held


def test_tokenizer_roundtrip_tags_nonspecial_and_digits_split(tmp_path):
    from transformers import AutoTokenizer

    corpus = [Teacher().trace(make_problem(random.Random(i), 2), random.Random(i)) for i in range(300)]
    tok = train_tokenizer(corpus, vocab_size=300)
    tok.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    text = "<think>\n12 - 30 = -18\n</think>\n<answer>\n-18\n</answer>"
    ids = again(text)["input_ids"]
    assert ids == tok(text)["input_ids"]  # same ids after a reload (Qwen2 pipeline rebuilt from code)
    assert again.decode(ids, skip_special_tokens=True) == text  # tags survive skip_special_tokens
    pieces = again.convert_ids_to_tokens(ids)
    for tag in REASONING_TAGS:
        assert tag in pieces
    assert "12" not in pieces and "30" not in pieces  # every digit is its own token
    assert again.eos_token == "<|im_end|>" and again.pad_token == "<|endoftext|>"
    # unseen unicode still encodes (byte-level alphabet)
    assert again.decode(again("héllo 世界")["input_ids"]) == "héllo 世界"


def test_chat_template_marks_assistant_tokens_and_thinking_switch():
    tok = train_tokenizer(["Compute 1 + 2.", "<think>\n1 + 2 = 3\n</think>"], vocab_size=300)
    msgs = [{"role": "user", "content": "Compute 1 + 2."}, {"role": "assistant", "content": "<answer>\n3\n</answer>"}]
    out = tok.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    masked = [i for i, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    assert tok.decode(masked) == "<answer>\n3\n</answer><|im_end|>"
    off = tok.apply_chat_template(msgs[:1], tokenize=False, add_generation_prompt=True, enable_thinking=False)
    assert off.endswith("<|im_start|>assistant\n<think>\n\n</think>\n")


def test_code_teacher_programs_pass_their_tests_except_slips(isolation):
    from open_r1.nano.code_tasks import CodeTeacher, make_code_split
    from open_r1.sandbox.rewards import make_code_reward

    rows = make_code_split(5, 60, teacher=CodeTeacher(1.0))  # slip whenever it can: every leading subtraction
    code = make_code_reward(provider="local", language="python")
    scores = code([r["messages"][1]["content"] for r in rows], verification_info=[r["verification_info"] for r in rows])
    for row, score in zip(rows, scores, strict=True):
        text = row["messages"][1]["content"]
        think = text.split("</think>")[0]
        assert "print " + row["problem"].split(" and print ")[1].rstrip(".") in think  # the reasoning is right
        leading_subtraction = row["problem"].split(" and print ")[1].split(" ")[1] == "-"
        if not leading_subtraction:
            assert score == 1.0  # only a swapped subtraction may fail its tests
    assert any(s < 1.0 for s in scores) and any(s == 1.0 for s in scores)
    perfect = CodeTeacher(0.0)
    import random

    from open_r1.nano.code_tasks import make_code_problem

    rng = random.Random(1)
    problems = [make_code_problem(rng, 2) for _ in range(20)]
    texts = [perfect.trace(p, rng) for p in problems]
    infos = [{"language": "python", "test_cases": p.tests(rng)} for p in problems]
    assert code(texts, verification_info=infos) == [1.0] * 20
