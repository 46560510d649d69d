"""Benchmark: our accuracy reward against TRL's built-in `trl.rewards.accuracy_reward`, on the same completions.

WHAT: throughput and agreement of the two accuracy rewards on 1,024 realistic math completions (64 prompts × 16).
WHY: R1's rule-based accuracy reward (DeepSeek-R1 §2.2.2) runs on every GRPO step; a slow or thread-unsafe verifier
    stalls the GPUs, a subtly different one trains a different model — so speed and 100 % agreement are both measured.
HOW: described below; the timed runs use fresh data, the median of `--repeats` runs is reported.
DATA FLOW: generated (gold, completion) groups → TRL's reward (main thread) and ours (`rewards.accuracy`, worker
    pool) → per-sample scores → throughput table, agreement rate, every difference with its explanation.

    python scripts/bench_rewards.py                    # 64 prompts x 16 completions, LaTeX-formatted answers
    python scripts/bench_rewards.py --bare-numbers     # also bare numbers in <answer> blocks (nano-style)
    python scripts/bench_rewards.py --prompts 128 --repeats 3

The completions are generated programmatically and look like R1 rollouts: a think block with intermediate
arithmetic, then an answer block (or a boxed answer in the text, or nothing: truncated and garbage samples).
Per prompt a handful of answer texts recur, as in a GRPO group: the correct answer in its canonical and in
equivalent forms (\\frac{6}{8} for 3/4, 0.75, \\sqrt{12} for 2\\sqrt{3}, (x+1)^2 for x^2+2x+1), near-miss wrong
answers, a revision (a wrong boxed answer in the think block, the right one in the answer block).

Both rewards score the batch in GRPO-step chunks (default 256 completions = 16 prompts x 16) on this machine,
in the same process, TRL on the main thread (its signal timeouts active) and ours with its worker pool started
beforehand (the start-up is reported separately). Both are warmed up on a separate dataset first, and every timed
run uses fresh data (our workers keep caches across calls, as they do over a training run).

Printed: wall-clock throughput of both and the ratio; CPU seconds (ours: parent + workers) and the throughput
that CPU time implies on idle cores (on a shared machine the wall clock mostly measures the neighbours); the
agreement rate on samples where both return a value; every difference with its explanation category.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from fractions import Fraction

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


@dataclass
class Problem:
    """One synthetic math problem for the benchmark: the gold as a dataset stores it, its canonical LaTeX form,
    equivalent correct forms, plausible wrong answers and a bare-number form.
    """

    gold: str  # as a dataset stores it
    canonical: str  # the answer in the gold's own form (LaTeX, no delimiters)
    equivalents: list[str]  # other correct forms
    wrong: list[str]  # plausible wrong answers
    plain: str  # a bare-number form for --bare-numbers ("" when there is none)


def make_problem(rng: random.Random, index: int) -> Problem:
    """A random problem of one of eight kinds picked by `index` (integers, fractions, intervals, surds, multiples of pi,
    polynomials, decimals), each with the equivalent and wrong forms that test a verifier.
    """
    kind = index % 8
    if kind in (0, 1):  # integers, half of them negative
        n = rng.randint(2, 999) * (-1 if kind == 1 else 1)
        return Problem(f"${n}$", str(n), [f"{n}.0", f"{n} "], [str(n + 1), str(-n), str(n * 10)], str(n))
    if kind == 2:  # fractions
        q = rng.randint(3, 40)
        p = rng.choice([k for k in range(1, 3 * q) if Fraction(k, q).denominator == q])
        eq = [rf"\frac{{{2 * p}}}{{{2 * q}}}", rf"\dfrac{{{p}}}{{{q}}}", f"{p}/{q}"]
        if q in (4, 5, 8, 10, 16, 20, 25, 40):  # terminating decimals
            eq.append(str(float(Fraction(p, q))))
        return Problem(
            rf"$\frac{{{p}}}{{{q}}}$",
            rf"\frac{{{p}}}{{{q}}}",
            eq,
            [rf"\frac{{{q}}}{{{p}}}", rf"\frac{{{p + 1}}}{{{q}}}"],
            f"{p}/{q}",
        )
    if kind == 3:  # intervals
        a = rng.randint(-60, 60)
        return Problem(
            rf"$(-\infty, {a}]$",
            rf"(-\infty, {a}]",
            [rf"\left(-\infty, {a}\right]", rf"(-\infty,{a}]"],
            [rf"(-\infty, {a})", rf"[{a}, \infty)", rf"(-\infty, {a + 1}]"],
            "",
        )
    if kind == 4:  # surds
        a, b = rng.randint(2, 12), rng.choice([2, 3, 5, 6, 7, 10, 11, 13])
        return Problem(
            rf"${a}\sqrt{{{b}}}$",
            rf"{a}\sqrt{{{b}}}",
            [rf"\sqrt{{{a * a * b}}}", rf"{a} \sqrt{{{b}}}"],
            [rf"{b}\sqrt{{{a}}}", rf"\sqrt{{{a * b}}}"],
            "",
        )
    if kind == 5:  # multiples of pi
        d = rng.randint(2, 40)
        return Problem(
            rf"$\frac{{\pi}}{{{d}}}$",
            rf"\frac{{\pi}}{{{d}}}",
            [rf"\frac{{1}}{{{d}}}\pi", rf"\pi/{d}"],
            [rf"\frac{{\pi}}{{{2 * d}}}", rf"{d}\pi"],
            "",
        )
    if kind == 6:  # polynomials
        c = rng.randint(1, 40)
        return Problem(
            rf"$x^2 + {2 * c}x + {c * c}$",
            rf"x^2 + {2 * c}x + {c * c}",
            [rf"(x+{c})^2", rf"(x + {c})(x + {c})"],
            [rf"x^2 + {c * c}", rf"(x-{c})^2"],
            "",
        )
    value = rng.randint(1, 4000) / rng.choice([4, 8, 20, 25, 40])  # terminating decimals
    frac = Fraction(value).limit_denominator()
    return Problem(
        f"${value}$",
        str(value),
        [rf"\frac{{{frac.numerator}}}{{{frac.denominator}}}", f"{value}0"],
        [str(round(value + 0.1, 3)), str(value * 10)],
        str(value),
    )


REASONING = [
    "Let me set up the equation ${a}x + {b} = {c}$ and solve it step by step.",
    "First, we compute {a} \\times {b} = {ab}, then subtract {c}.",
    "Checking the boundary case: if $x = {a}$ then the expression equals ${b}$.",
    "We can factor this as $({a} + {b})({c} - 1)$, which simplifies nicely.",
    "Wait, that is not right. Let me recompute: {ab} - {c} = {d}.",
    "So the intermediate result is {d}, and dividing by {a} gives the next step.",
    "Using the quadratic formula, $x = \\frac{{-{b} \\pm \\sqrt{{{ab}}}}}{{2}}$.",
    "Hmm, consider the substitution $y = x + {a}$ to simplify.",
]


def think_text(rng: random.Random) -> str:
    """A few lines of made-up arithmetic reasoning for a think block, so completions have R1-like length and distracting
    numbers.
    """
    lines = []
    for _ in range(rng.randint(3, 8)):
        a, b, c = rng.randint(2, 20), rng.randint(1, 50), rng.randint(1, 99)
        lines.append(rng.choice(REASONING).format(a=a, b=b, c=c, ab=a * b, d=a * b - c))
    return "\n".join(lines)


def make_completions(problem: Problem, rng: random.Random, n: int, bare_numbers: bool) -> list[str]:
    """`n` R1-like completions for one problem drawn from a small pool of answers, as in a GRPO group: answer blocks in
    several styles, revisions, boxed answers without a block, bare numbers, truncated, unsolved and garbage samples.
    """
    # A group reuses a few answer texts, as sampled completions of one prompt do.
    pool = [problem.canonical] * 4 + problem.equivalents[:2] + problem.wrong[:2]
    completions = []
    for _ in range(n):
        think = think_text(rng)
        roll = rng.random()
        answer = rng.choice(pool)
        if roll < 0.55:
            style = rng.choice(["The final answer is $\\boxed{%s}$", "$\\boxed{%s}$", "$%s$", "So $x = \\boxed{%s}$."])
            completions.append(f"<think>\n{think}\n</think>\n<answer>\n{style % answer}\n</answer>")
        elif roll < 0.65:  # a revision: wrong boxed answer while thinking, final answer in the block
            early = rng.choice(problem.wrong)
            completions.append(
                f"<think>\n{think}\nMaybe $\\boxed{{{early}}}$? No, let me check again.\n</think>\n"
                f"<answer>\n$\\boxed{{{answer}}}$\n</answer>"
            )
        elif roll < 0.77:  # no answer block: boxed answer at the end of the text
            completions.append(f"{think}\nTherefore, the answer is $\\boxed{{{answer}}}$.")
        elif roll < 0.82 and bare_numbers and problem.plain:  # nano style: a bare number in the block
            value = problem.plain if rng.random() < 0.6 else rng.choice(problem.wrong)
            completions.append(f"<think>\n{think}\n</think>\n<answer>\n{value}\n</answer>")
        elif roll < 0.88:  # truncated by the length limit
            completions.append(f"<think>\n{think}"[: rng.randint(40, 200)])
        elif roll < 0.94:
            completions.append(f"<think>\n{think}\n</think>\n<answer>\nI could not solve this.\n</answer>")
        else:  # garbage
            completions.append("".join(rng.choice("abc123$\\{}^_ \n") for _ in range(rng.randint(0, 80))))
    return completions


def categorise(completion: str, gold: str, ours: float | None, trl: float | None) -> str:
    """Why the two rewards disagree (or why one gives no signal)."""
    from open_r1.rewards._common import last_answer_block
    from open_r1.rewards._mathworker import wrap_bare_math

    block = last_answer_block(completion)
    if ours is None and trl is not None:
        return "gold without a math object: ours gives no signal, TRL a score"
    if trl is None and ours is not None:
        return "TRL gives no signal"
    if block is not None and "$" not in block and "\\boxed" not in block:
        return "bare answer in <answer>: ours reads it, TRL's extraction needs LaTeX delimiters"
    if wrap_bare_math(gold) != gold:
        return "bare-math gold: ours wraps it in $...$, TRL parses it as written"
    if block is not None and ("\\boxed" in completion.split("<answer>")[0]):
        return "boxed answer in the think block: ours reads only the answer block"
    return "unexplained"


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) used so far by this process and the given child processes."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_chunks(label, func, completions, golds, chunk, progress, pids=lambda: []):
    """Score in GRPO-step chunks; returns (scores, wall seconds, CPU seconds of this process + `pids()`)."""
    task = progress.add_task(label, total=len(completions))
    scores: list[float | None] = []
    watched = pids()
    cpu_start, start = cpu_seconds(watched), time.perf_counter()
    for i in range(0, len(completions), chunk):
        scores.extend(func(completions[i : i + chunk], golds[i : i + chunk]))
        progress.advance(task, min(chunk, len(completions) - i))
    wall = time.perf_counter() - start
    # The progress bar's refresh thread costs a little CPU in this process; it is charged to both sides alike.
    return scores, wall, cpu_seconds(watched) - cpu_start


def main(argv: list[str] | None = None) -> int:
    """Generate the completions, time TRL's accuracy reward and ours on the same GRPO-step chunks (median of `--repeats`
    runs, wall and CPU), and print the throughput table, the agreement rate and every disagreement with its cause.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--group", type=int, default=16, help="completions per prompt")
    parser.add_argument("--chunk", type=int, default=256, help="completions per reward call (one GRPO step)")
    parser.add_argument("--repeats", type=int, default=7,
                        help="timed runs of each; the median is reported (runs are ~0.5 s: fewer are noisy)")
    parser.add_argument("--workers", type=int, default=0, help="our worker processes (0 = one per core)")
    parser.add_argument("--bare-numbers", action="store_true", help="include bare numbers in answer blocks")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    logging.getLogger("math_verify").setLevel(logging.ERROR)
    from trl.rewards import accuracy_reward as trl_accuracy

    from open_r1.rewards.accuracy import AccuracyReward
    from open_r1.rewards.verifier import default_workers

    console = Console()

    def dataset(seed: int) -> tuple[list[str], list[str]]:
        rng = random.Random(seed)
        problems = [make_problem(rng, i) for i in range(args.prompts)]
        completions, golds = [], []
        for problem in problems:
            completions += make_completions(problem, rng, args.group, args.bare_numbers)
            golds += [problem.gold] * args.group
        return completions, golds

    # Each repeat scores a fresh dataset (seed + repeat): our workers keep caches between calls (as they do over a
    # training run), and re-scoring the same completions would measure those caches, not the scoring.
    datasets = [dataset(args.seed + 1000 * r) for r in range(args.repeats)]
    completions, golds = datasets[0]
    unique = len({(g, c.split("<answer>")[-1]) for g, c in zip(golds, completions, strict=True)})
    console.print(
        f"[bold]{len(completions)}[/] completions per run ({args.prompts} prompts x {args.group}), "
        f"{unique} distinct (gold, answer) pairs in the first; {os.cpu_count()} cores; chunk {args.chunk}; "
        f"{args.repeats} runs on fresh data"
    )

    ours_reward = AccuracyReward(workers=args.workers)

    def ours(batch, batch_golds):
        return ours_reward(batch, solution=batch_golds)

    def trl(batch, batch_golds):
        return trl_accuracy(batch, batch_golds)

    # Warm-up on other data (seed - 1): imports, regex compilation, our worker start (timed separately).
    start = time.perf_counter()
    ours_reward.verifier.warmup()
    pool_start = time.perf_counter() - start
    # A whole dataset, so that both sides' parsers are past their warm-up (ANTLR builds its prediction cache per
    # process; in training the workers live for the whole run).
    warm_c, warm_g = dataset(args.seed - 1)
    trl([[{"role": "assistant", "content": c}] for c in warm_c], warm_g)
    ours(warm_c, warm_g)

    times_ours, times_trl, cpu_ours, cpu_trl = [], [], [], []
    pool = ours_reward.verifier.pool

    def worker_pids() -> list[int]:
        return [w.proc.pid for w in pool._workers]

    all_ours: list[float | None] = []
    all_trl: list[float | None] = []
    all_completions: list[str] = []
    all_golds: list[str] = []
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=console) as progress:
        for r, (completions, golds) in enumerate(datasets):
            chats = [[{"role": "assistant", "content": c}] for c in completions]
            scores_trl, t_trl, c_trl = run_chunks(
                f"TRL accuracy_reward  run {r + 1}", trl, chats, golds, args.chunk, progress
            )
            scores_ours, t_ours, c_ours = run_chunks(
                f"open-r1 accuracy     run {r + 1}", ours, chats, golds, args.chunk, progress, worker_pids
            )
            times_trl.append(t_trl)
            times_ours.append(t_ours)
            cpu_trl.append(c_trl)
            cpu_ours.append(c_ours)
            all_ours += scores_ours
            all_trl += scores_trl
            all_completions += completions
            all_golds += golds

    n = len(datasets[0][0])
    t_trl, t_ours = statistics.median(times_trl), statistics.median(times_ours)
    scores_ours, scores_trl, completions, golds = all_ours, all_trl, all_completions, all_golds
    both = [(o, t) for o, t in zip(scores_ours, scores_trl, strict=True) if o is not None and t is not None]
    agree = sum(1 for o, t in both if o == t)

    k_trl, k_ours = statistics.median(cpu_trl), statistics.median(cpu_ours)
    workers = args.workers or default_workers()
    cores = min(workers, len(os.sched_getaffinity(0)))
    table = Table(title=f"accuracy reward throughput (median of {args.repeats} runs of {n} completions)")
    for column in ("reward", "wall s", "completions/s", "CPU s", f"completions/s on {cores} idle cores", "None"):
        table.add_column(column, justify="left" if column == "reward" else "right")
    # On idle cores a single-threaded reward runs at its CPU time; ours spreads its CPU time over `cores`.
    idle_trl, idle_ours = n / k_trl, n / (k_ours / cores)
    table.add_row(
        "TRL accuracy_reward",
        f"{t_trl:.3f}",
        f"{n / t_trl:,.0f}",
        f"{k_trl:.3f}",
        f"{idle_trl:,.0f}",
        str(scores_trl.count(None)),
    )
    table.add_row(
        "open-r1 accuracy",
        f"{t_ours:.3f}",
        f"{n / t_ours:,.0f}",
        f"{k_ours:.3f}",
        f"{idle_ours:,.0f}",
        str(scores_ours.count(None)),
    )
    table.caption = f"CPU s include our {workers} worker processes; None counts are over all runs"
    console.print(table)
    load = os.getloadavg()[0]
    console.print(
        f"speed-up, wall clock: [bold]{t_trl / t_ours:.2f}x[/]  |  CPU work: {k_trl / k_ours:.2f}x less  |  "
        f"projected on {cores} idle cores: [bold]{idle_ours / idle_trl:.2f}x[/]  "
        f"(load average {load:.1f}; pool start {pool_start:.2f} s, once)"
    )

    def listing(values: list[float]) -> str:
        return ", ".join(f"{v:.3f}" for v in values)

    console.print(f"runs wall (s): TRL {listing(times_trl)}; ours {listing(times_ours)}")
    console.print(f"runs CPU (s):  TRL {listing(cpu_trl)}; ours {listing(cpu_ours)}")
    shared = max(1, len(both))
    console.print(
        f"agreement where both return a value: [bold]{agree}/{len(both)} = {100 * agree / shared:.2f}%[/]; "
        f"mean accuracy TRL {sum(t for _, t in both) / shared:.3f}, ours {sum(o for o, _ in both) / shared:.3f}"
    )

    rows = []
    for i, (o, t) in enumerate(zip(scores_ours, scores_trl, strict=True)):
        if o != t:
            rows.append((i, o, t, categorise(completions[i], golds[i], o, t)))
    if rows:
        dis = Table(title=f"Differences ({len(rows)}): disagreements and one-sided None")
        for column in ("#", "gold", "answer", "ours", "TRL", "category"):
            dis.add_column(column, overflow="fold")
        for i, o, t, category in rows:
            tail = completions[i].split("<answer>")[-1].strip()[-50:]
            dis.add_row(str(i), golds[i], tail, str(o), str(t), category)
        console.print(dis)
        counts: dict[str, int] = {}
        for *_, category in rows:
            counts[category] = counts.get(category, 0) + 1
        for category, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            console.print(f"  {count:4d}  {category}")
    else:
        console.print("no differences")
    unexplained = sum(1 for *_, c in rows if c == "unexplained")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
