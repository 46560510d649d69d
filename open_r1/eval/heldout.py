"""Score a model on held-out nano problems: strict-format adherence and exact accuracy, greedy and sampled.

WHAT
    `evaluate_model(model_or_path, tokenizer, dataset_id, n)` → {"n", "format", "accuracy", "sampled_accuracy",
    "by_level": {level: accuracy}} on the first `n` rows of a held-out nano split. Math answers are compared
    exactly; code answers are run against their tests in the local sandbox (all must pass).

WHY
    The R1 paper reports pass@1 on held-out benchmarks (arXiv 2501.12948 §3); the nano equivalent is a fixed set of
    problems never seen in SFT or GRPO. Greedy accuracy shows what the policy's mode knows; sampled (temperature 1)
    accuracy shows what RL first changes — GRPO sharpens the sampling distribution before it moves the mode.
    Checks are exact (an integer answer must equal the gold string) and the format check *is* the `format`
    reward's rule (open_r1.rewards.format.match_strict_format), so a held-out score and a training reward mean the
    same thing (a property test holds them equal on generated completions).

HOW
    Prompts go through the tokenizer's chat template, are left-padded, and decoded in batches with
    `model.generate` (greedy, then one sample each at temperature 1 under a fixed seed); completions are decoded
    with special tokens skipped, as GRPO does.

DATA FLOW
    open_r1.train.grpo (before/after training), open_r1.labs.nano_build (after SFT), `open-r1 nano eval` → here →
    eval_results.json → run card.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from open_r1.rewards.format import match_strict_format


def check(completion: str, gold: str) -> tuple[bool, bool]:
    """(format ok, answer correct) for one completion.

    Format is the `format` reward's own rule (`match_strict_format`); the answer is the answer block's content,
    or, for a badly formatted completion, the last `<answer>` block anywhere (accuracy and format are separate).
    """
    m = match_strict_format(completion)
    if m is None:
        return False, _answer(completion) == gold != ""
    return True, m.group("answer").strip() == gold


def _answer(completion: str) -> str:
    answers = re.findall(r"<answer>\s*(.*?)\s*</answer>", completion, re.DOTALL)
    return answers[-1].strip() if answers else ""


def generate(model: Any, tokenizer: Any, prompts: list[list[dict]], max_new_tokens: int, sample: bool,
             batch_size: int = 150, seed: int = 0) -> list[str]:
    """Complete chat prompts with a transformers model in left-padded batches, sampled at temperature 1 or greedy, under
    a fixed seed; the global RNG state, padding side and train/eval mode are restored afterwards, so scoring during
    training leaves the run unchanged.
    """
    import torch

    old_side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    outputs: list[str] = []
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(prompts), batch_size):
            texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
                     for p in prompts[start:start + batch_size]]
            enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
            with torch.no_grad():
                out = model.generate(
                    **enc, max_new_tokens=max_new_tokens, do_sample=sample, temperature=1.0 if sample else None,
                    top_p=None, top_k=None, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                )
            outputs += tokenizer.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    finally:
        tokenizer.padding_side = old_side
        torch.random.set_rng_state(generator_state)
        model.train(was_training)
    return outputs


ACCURACY_MEANS = {
    "math": "exact final answer in <answer> (the accuracy reward's check)",
    "code": "binary_code reward: the program passes every test in the local sandbox",
}


def evaluate_model(model_or_path: Any, tokenizer: Any, dataset_id: str, n: int = 300, seed: int = 0,
                   max_new_tokens: int = 64, sampled: bool = True) -> dict[str, Any]:
    """Score held-out problems. Math rows: exact answer; code rows (`verification_info`): the program passes every
    test when run in the local sandbox (the `binary_code` reward)."""
    from open_r1.data import load_one

    model = model_or_path
    if isinstance(model_or_path, str):
        from open_r1.models import get_model

        model = get_model(model_or_path)
    rows = load_one(dataset_id, split="heldout")
    rows = rows.select(range(min(n, len(rows)))) if n else rows
    prompts = [[{"role": "user", "content": r["problem"]}] for r in rows]
    levels = [r["level"] for r in rows]
    is_code = "verification_info" in rows.column_names
    if is_code:
        from open_r1.sandbox.rewards import make_code_reward

        run_tests = make_code_reward(provider="local", language="python", binary=True)
        infos = list(rows["verification_info"])

        def score(completions: list[str]) -> list[tuple[bool, bool]]:
            passed = run_tests(completions, verification_info=infos)
            return [(match_strict_format(c) is not None, bool(p)) for c, p in zip(completions, passed, strict=True)]
    else:
        golds = [r["answer"] for r in rows]

        def score(completions: list[str]) -> list[tuple[bool, bool]]:
            return [check(c, g) for c, g in zip(completions, golds, strict=True)]

    # `accuracy` is the reward that decides correctness for the task, named in the card so nobody has to guess.
    result: dict[str, Any] = {"n": len(rows), "task": "code" if is_code else "math",
                              "accuracy_means": ACCURACY_MEANS["code" if is_code else "math"]}
    modes = [("", False)] + ([("sampled_", True)] if sampled else [])
    for prefix, sample in modes:
        completions = generate(model, tokenizer, prompts, max_new_tokens, sample=sample, seed=seed)
        checks = score(completions)
        result[f"{prefix}format"] = round(sum(f for f, _ in checks) / len(checks), 4)
        result[f"{prefix}accuracy"] = round(sum(a for _, a in checks) / len(checks), 4)
        if not sample:
            if not is_code:
                # Diagnostic: accuracy up to the sign. The gap to `accuracy` is the teacher's sign slip the
                # student inherited (nano.tasks); GRPO with the accuracy reward should close it.
                result["unsigned_accuracy"] = round(
                    sum(_answer(c).lstrip("-") == g.lstrip("-") for c, g in zip(completions, golds, strict=True))
                    / len(golds), 4)
            by_level: dict[int, list[bool]] = defaultdict(list)
            for level, (_, ok) in zip(levels, checks, strict=True):
                by_level[level].append(ok)
            result["by_level"] = {str(k): round(sum(v) / len(v), 4) for k, v in sorted(by_level.items())}
            result["examples"] = completions[:3]
    return result
