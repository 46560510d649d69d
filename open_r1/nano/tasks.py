"""Synthetic, verifiable reasoning problems and the programmatic teacher that solves them.

WHAT
    `make_problem(rng, level)` draws one multi-step arithmetic problem ("Compute 4 - 5 - 3."), and
    `Teacher.trace(problem)` writes the R1-style answer a strong model would give:

        <think>
        4 - 5 = -1
        -1 - 3 = -4
        </think>
        <answer>
        -4
        </answer>

    `make_split(seed, n, levels)` builds a list of row dicts ready for `datasets.Dataset.from_list`, with the columns
    every lab expects: `problem` (the prompt text), `solution` (the gold answer as LaTeX `$-4$`, the form
    math-verify parses best), `answer` (the plain string), `level`, and, for SFT data, `messages` (user + assistant).

WHY
    DeepSeek-R1 (arXiv 2501.12948, §2.2.2) trains with *rule-based* rewards: the answer can be checked exactly, so
    the reward cannot be gamed the way a learned reward model can. Exact integer arithmetic is the smallest task
    family with that property whose difficulty can be dialled (number of operands, operand range) so a model of
    under half a million parameters learns it on a laptop CPU in minutes.

    The teacher is *deliberately imperfect* (R1 §2.4 / §3.2: distilled students inherit their teacher's habits, and
    RL with a verifiable reward is what lets a model go beyond them). With probability `sign_slip` it writes the
    final answer of a problem whose result is negative without its minus sign, even though its own last think line
    shows the sign. A student distilled from it copies the slip; the accuracy reward punishes exactly that slip, so
    GRPO has a real, measurable thing to fix. Set `sign_slip=0` for a perfect teacher.

HOW
    Level k fixes the operand count and range (see `LEVELS`). Operations are + and - evaluated left to right, one
    think line per operation, so a trace is a chain of verifiable steps. Problems are drawn from a seeded
    `random.Random`; held-out splits exclude every question string seen in training (`exclude=`).

DATA FLOW
    open_r1.labs.nano_build (SFT corpus, tokenizer corpus, held-out eval set) and open_r1.nano.datasets (the prompt-only
    GRPO dataset written to disk) → `datasets.Dataset` → TRL trainers; `solution` → open_r1.rewards.accuracy.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# level → (min operands, max operands, max operand value). Operands are drawn from 0..max.
LEVELS: dict[int, tuple[int, int, int]] = {
    1: (2, 2, 9),
    2: (3, 3, 9),
    3: (2, 3, 20),
}


@dataclass(frozen=True)
class Problem:
    """One nano arithmetic problem: integer operands joined by + and -, evaluated left to right, at a difficulty
    `level` (more and larger operands).
    """
    operands: tuple[int, ...]
    operators: tuple[str, ...]  # len(operators) == len(operands) - 1, each "+" or "-"
    level: int

    @property
    def question(self) -> str:
        """The problem as the prompt states it, e.g. `Compute 12 - 7 + 3.`"""
        parts = [str(self.operands[0])]
        for op, value in zip(self.operators, self.operands[1:], strict=True):
            parts += [op, str(value)]
        return "Compute " + " ".join(parts) + "."

    def steps(self) -> list[tuple[int, str, int, int]]:
        """Left-to-right evaluation: one (left, op, right, result) per operation."""
        out, acc = [], self.operands[0]
        for op, value in zip(self.operators, self.operands[1:], strict=True):
            result = acc + value if op == "+" else acc - value
            out.append((acc, op, value, result))
            acc = result
        return out

    @property
    def answer(self) -> int:
        return self.steps()[-1][3]


def make_problem(rng: random.Random, level: int) -> Problem:
    """A random problem of `level`: the operand count and range come from LEVELS, the operators are + or - at random,
    all drawn from `rng` so a seed fixes the split.
    """
    lo, hi, top = LEVELS[level]
    count = rng.randint(lo, hi)
    operands = tuple(rng.randint(0, top) for _ in range(count))
    operators = tuple(rng.choice("+-") for _ in range(count - 1))
    return Problem(operands, operators, level)


@dataclass(frozen=True)
class Teacher:
    """Writes R1-style traces. `sign_slip` is the chance of dropping the minus sign of a negative final answer."""

    sign_slip: float = 0.0

    def think(self, problem: Problem) -> str:
        """The teacher's reasoning for a problem: one line per operation (`12 - 7 = 5`), the content of the think
        block.
        """
        return "\n".join(f"{a} {op} {b} = {r}" for a, op, b, r in problem.steps())

    def trace(self, problem: Problem, rng: random.Random) -> str:
        """The teacher's full completion in the R1 layout (think block, then answer); with probability `sign_slip` a
        negative answer loses its minus sign, the imperfection distillation copies and a verifiable reward removes.
        """
        answer = problem.answer
        written = answer
        # Draw the slip for every problem (not only negative ones) so that the random stream, and therefore the
        # whole corpus, does not depend on the slip rate: sign_slip=0 and 0.6 give the same problems.
        slipped = rng.random() < self.sign_slip
        if answer < 0 and slipped:
            written = -answer
        return f"<think>\n{self.think(problem)}\n</think>\n<answer>\n{written}\n</answer>"


def format_solution(answer: int) -> str:
    """Gold answers are wrapped in `$...$`: math-verify parses bare numbers only with its default extraction."""
    return f"${answer}$"


def make_split(
    seed: int,
    n: int,
    levels: tuple[int, ...] = (1, 2, 3),
    teacher: Teacher | None = None,
    exclude: set[str] | None = None,
    unique: bool = True,
) -> list[dict]:
    """Draw `n` problems spread evenly over `levels`; with a teacher, add the SFT `messages` column.

    `unique=True` (held-out sets) makes every question distinct; training sets may repeat a question (level 1 has only
    200 distinct problems) but never contain one from `exclude`.
    """
    def to_row(problem: Problem, level: int, rng: random.Random) -> dict:
        return {"problem": problem.question, "solution": format_solution(problem.answer),
                "answer": str(problem.answer), "level": level}

    return draw_split(seed, n, levels, make_problem, to_row, teacher, exclude, unique)


def draw_split(
    seed: int,
    n: int,
    levels: tuple[int, ...],
    draw_problem: Callable[[random.Random, int], Any],
    to_row: Callable[[Any, int, random.Random], dict],
    teacher: Any | None = None,
    exclude: set[str] | None = None,
    unique: bool = True,
) -> list[dict]:
    """`n` rows spread evenly over `levels`, drawn with one seeded RNG (the math and the code kits share this).

    `draw_problem(rng, level)` makes a problem (anything with a `.question`), `to_row(problem, level, rng)` its
    dataset row; with a teacher, `teacher.trace(problem, rng)` adds the SFT `messages` column. Questions in `exclude`
    never appear; `unique=True` also makes every question distinct. Gives up (ValueError) when a level has too
    few distinct problems for its share. Rows are shuffled with the same RNG at the end.
    """
    rng = random.Random(seed)
    seen = set(exclude or ())
    rows: list[dict] = []
    per_level = [n // len(levels) + (1 if i < n % len(levels) else 0) for i in range(len(levels))]
    for level, count in zip(levels, per_level, strict=True):
        made, attempts = 0, 0
        while made < count:
            attempts += 1
            if attempts > 200 * count + 1000:
                raise ValueError(f"level {level} has too few distinct problems for {count} rows")
            problem = draw_problem(rng, level)
            if problem.question in seen:
                continue
            if unique:
                seen.add(problem.question)
            row = to_row(problem, level, rng)
            if teacher is not None:
                row["messages"] = [
                    {"role": "user", "content": problem.question},
                    {"role": "assistant", "content": teacher.trace(problem, rng)},
                ]
            rows.append(row)
            made += 1
    rng.shuffle(rows)
    return rows
