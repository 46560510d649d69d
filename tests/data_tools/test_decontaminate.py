"""N-gram decontamination: a planted set is found exactly (precision = recall = 1.0), a clean set flags nothing."""

from __future__ import annotations

import json
import random

from open_r1.curate.tools import Decontaminator, decontaminate, tokens

# Benchmark-like problems of realistic length (MATH/AIME style), written for this test.
LONG_BENCHMARK = [
    "Let $x$ and $y$ be real numbers such that $x + y = 10$ and $xy = 21$. Find the value of $x^2 + y^2$.",
    "A bag contains 5 red marbles and 7 blue marbles. Two marbles are drawn without replacement. What is the "
    "probability that both marbles are red? Express your answer as a common fraction.",
    "Find the number of ordered pairs $(a, b)$ of positive integers such that $a + b = 1000$ and neither $a$ nor "
    "$b$ has a zero digit.",
    "The sum of the first $n$ positive odd integers is 169. What is the value of $n$?",
]


def nano_rows(split: str) -> list[dict]:
    from open_r1.nano.datasets import rows_for

    return rows_for("math", split)


def build(n: int = 8) -> Decontaminator:
    decon = Decontaminator(n=n)
    decon.add("nano_heldout", [r["problem"] for r in nano_rows("heldout")])
    decon.add("long", LONG_BENCHMARK)
    return decon


def test_normalisation_keeps_math_symbols_and_ignores_case_and_spacing():
    assert tokens("Compute  4 -\t5.") == tokens("compute 4 - 5 .")
    assert tokens("4 - 5") != tokens("4 + 5")  # stripping symbols would make distinct problems collide


def test_planted_set_precision_and_recall_are_one():
    rng = random.Random(0)
    clean = [{"problem": r["problem"]} for r in nano_rows("train")[:2000]]
    clean += [{"problem": "Prove that the sum of two even integers is even, using the definition of parity."}]
    heldout = [r["problem"] for r in nano_rows("heldout")]
    planted_texts = []
    # Verbatim, re-cased/re-spaced, and pasted inside a longer prompt — the ways a benchmark leaks in practice.
    for i, text in enumerate(rng.sample(heldout, 30) + LONG_BENCHMARK):
        variant = i % 3
        if variant == 1:
            text = "  ".join(text.upper().split(" "))
        elif variant == 2:
            text = f"Solve the following problem and box your answer.\n\n{text}\n\nShow your work."
        planted_texts.append(text)
    # A long problem's middle 10 words, without its beginning or end: the 8-gram rule still catches it.
    planted_texts.append(" ".join(LONG_BENCHMARK[1].split()[5:15]))
    rows = clean + [{"problem": t} for t in planted_texts]
    rng.shuffle(rows)
    planted = {i for i, r in enumerate(rows) if r["problem"] in planted_texts}

    kept, report = decontaminate(rows, build(), ["problem"])
    flagged = {f["row"] for f in report["flagged"]}
    true_positives = len(flagged & planted)
    precision = true_positives / len(flagged)
    recall = true_positives / len(planted)
    assert (precision, recall) == (1.0, 1.0), (sorted(flagged - planted), sorted(planted - flagged))
    assert len(kept) == len(clean) and report["contaminated"] == len(planted)


def test_clean_set_has_no_false_positives():
    # The nano training split shares every word and many prefixes with the held-out problems
    # ("Compute 12 + 3." vs "Compute 12 + 3 - 4."), yet none of its problems is a held-out one.
    rows = [{"problem": r["problem"]} for r in nano_rows("train")] + [
        {"problem": "Let $x$ be a real number. Find the value of $x^2 + 2x + 1$ when $x = 3$."},
        {"problem": "A bag contains red marbles. What is the probability of drawing a blue one?"},
    ]
    kept, report = decontaminate(rows, build(), ["problem"])
    assert report["contaminated"] == 0, report["flagged"][:5]
    assert len(kept) == len(rows)


def test_messages_column_checks_user_turns(tmp_path):
    decon = build()
    row = {"messages": [{"role": "user", "content": LONG_BENCHMARK[3]}, {"role": "assistant", "content": "13"}]}
    other = {"messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": LONG_BENCHMARK[3]}]}
    _, report = decontaminate([row, other], decon, ["messages"])
    assert [f["row"] for f in report["flagged"]] == [0]


def test_cli_writes_filtered_set_and_report(tmp_path):
    from open_r1.cli import main

    train = tmp_path / "train.jsonl"
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps({"question": t}) + "\n" for t in LONG_BENCHMARK))
    rows = [{"problem": "What is 2 + 2?"}, {"problem": "Hint: " + LONG_BENCHMARK[0]}]
    train.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "clean.jsonl"
    code = main(
        ["data", "decontaminate", "--dataset", str(train), "--benchmark", f"{bench}:question", "--output", str(out)]
    )
    assert code == 0
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    report = json.loads(out.with_suffix(".report.json").read_text())
    assert kept == rows[:1]
    assert report["contaminated"] == 1 and report["flagged"][0]["benchmark_row"] == 0


def test_the_reported_overlap_is_the_first_in_reading_order():
    """Two benchmark rows overlap one text in different places: the hit names the one whose n-gram comes first in the
    text, on every run (n-grams were a set, so the answer changed with Python's string hash seed)."""
    from open_r1.curate.tools import Decontaminator, ngrams, tokens

    assert ngrams(tokens("one two three four two three"), 2) == [
        ("one", "two"), ("two", "three"), ("three", "four"), ("four", "two"),
    ]  # fmt: skip
    decon = Decontaminator(n=4)
    decon.add("bench", ["zeta eta theta iota kappa", "alpha beta gamma delta epsilon"])
    hit = decon.check("alpha beta gamma delta and then zeta eta theta iota")
    assert hit is not None and hit.benchmark_row == 1 and hit.ngram == "alpha beta gamma delta"
