"""Synthetic programming problems with test cases, and a teacher that writes R1-style answers with code.

WHAT
    `make_code_problem(rng, level)` draws a problem such as

        Read integers x y z from one line and print x - y * z.

    and `CodeTeacher.trace(problem, rng)` writes the answer the model should learn:

        <think>
        read x y z
        print x - y * z
        </think>
        <answer>
        ```python
        x, y, z = map(int, input().split())
        print(x - y * z)
        ```
        </answer>

    `make_code_split(...)` returns rows with `problem`, `verification_info` ({"language": "python", "test_cases":
    [{"input", "output"}]} — the schema open_r1.sandbox.rewards reads), `level`, and for SFT a `messages` column.

WHY
    The grpo-code lab trains with the reward DeepSeek-R1 uses for code (arXiv 2501.12948 §2.2.2): run the program
    against test cases. A model of half a million parameters cannot learn general programming in minutes, but it
    can learn to turn a specification into a program, and every answer is checked by really executing it in the
    sandbox — the same path a 7B model's programs take. As in the math kit, the teacher is deliberately imperfect:
    with probability `swap_slip` it swaps the first two operands of a subtraction in the program (its think block
    is right), so the distilled student inherits a bug that only execution reveals and GRPO can remove.

HOW
    Level 1: two variables, one operator (+, -, *). Level 2: three variables, two operators, Python precedence.
    Variable names come from a pool, so held-out problems are new expressions, not new wordings of seen ones.
    Test cases: 4 random inputs per problem in -9..9, expected output computed by Python itself.

DATA FLOW
    open_r1.nano.datasets (kit `code`) → jsonl → GRPO prompts / SFT messages → open_r1.sandbox.rewards (`code`)
    and open_r1.eval.heldout (held-out pass rate).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from open_r1.nano.tasks import draw_split

NAMES = "abcdefghkmnpqrstuvwxyz"
OPERATORS = "+-*"
CODE_LEVELS = {1: 2, 2: 3}  # level → number of variables


@dataclass(frozen=True)
class CodeProblem:
    """One nano code problem: read integers named `names` from stdin and print the expression they form with
    `operators`, at a difficulty `level` (the number of names).
    """
    names: tuple[str, ...]
    operators: tuple[str, ...]
    level: int

    def expression(self, swap_first: bool = False) -> str:
        """The expression as Python source (`a - b + c`); `swap_first` exchanges the first two names, which is the
        teacher's deliberate slip (wrong whenever the first operator is a subtraction).
        """
        names = list(self.names)
        if swap_first:
            names[0], names[1] = names[1], names[0]
        parts = [names[0]]
        for op, name in zip(self.operators, names[1:], strict=True):
            parts += [op, name]
        return " ".join(parts)

    @property
    def question(self) -> str:
        return f"Read integers {' '.join(self.names)} from one line and print {self.expression()}."

    def tests(self, rng: random.Random, count: int = 4) -> list[dict[str, str]]:
        """`count` test cases (stdin line of random integers in [-9, 9], expected stdout) computed by evaluating the
        problem's own expression: what the sandboxed code reward runs a program against.
        """
        cases = []
        for _ in range(count):
            values = {n: rng.randint(-9, 9) for n in self.names}
            result = eval(self.expression(), {}, dict(values))  # our own expression over integers: safe
            cases.append({"input": " ".join(str(values[n]) for n in self.names) + "\n", "output": f"{result}\n"})
        return cases


def make_code_problem(rng: random.Random, level: int) -> CodeProblem:
    """A random problem of `level`: distinct variable names and random + / - operators, drawn from `rng` so a seed
    fixes the whole split.
    """
    names = tuple(rng.sample(NAMES, CODE_LEVELS[level]))
    operators = tuple(rng.choice(OPERATORS) for _ in range(len(names) - 1))
    return CodeProblem(names, operators, level)


@dataclass(frozen=True)
class CodeTeacher:
    """The nano code kit's imperfect teacher: writes a correct R1-style trace (think block, then a fenced Python
    program) except that, with probability `swap_slip`, it swaps the operands of a leading subtraction.
    """
    swap_slip: float = 0.0

    def trace(self, problem: CodeProblem, rng: random.Random) -> str:
        """The teacher's completion for one problem: `<think>` restating the computation, `<answer>` holding a
        ```python``` program; the slip is drawn for every problem so the corpus does not depend on the slip rate.
        """
        slipped = rng.random() < self.swap_slip  # drawn for every problem: the corpus does not depend on the rate
        swap = slipped and problem.operators[0] == "-"
        names = ", ".join(problem.names)
        code = f"{names} = map(int, input().split())\nprint({problem.expression(swap_first=swap)})"
        think = f"read {' '.join(problem.names)}\nprint {problem.expression()}"
        return f"<think>\n{think}\n</think>\n<answer>\n```python\n{code}\n```\n</answer>"


def make_code_split(seed: int, n: int, levels: tuple[int, ...] = (1, 2), teacher: CodeTeacher | None = None,
                    exclude: set[str] | None = None, unique: bool = True) -> list[dict]:
    """`n` code problems spread evenly over `levels` (open_r1.nano.tasks.draw_split), each with its stdin/stdout
    tests in `verification_info`; with a teacher, the SFT `messages` column."""

    def to_row(problem: CodeProblem, level: int, rng: random.Random) -> dict:
        return {"problem": problem.question, "level": level,
                "verification_info": {"language": "python", "test_cases": problem.tests(rng)}}

    return draw_split(seed, n, levels, make_code_problem, to_row, teacher, exclude, unique)
