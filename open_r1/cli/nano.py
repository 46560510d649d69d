"""`open-r1 nano build | eval | sample`: the nano-R1 kit from the command line.

WHAT
    `build` makes (or finds cached) a nano model, `eval` scores any model on held-out nano problems, `sample` prints
    problems with the teacher's traces.
WHY
    The nano profile (a model built here, no hub) is what lets the R1 pipeline (arXiv 2501.12948 §2.3–2.4) run on a
    laptop; these commands make its pieces inspectable one by one.
HOW
    Thin wrappers over open_r1.labs.nano_build.build, open_r1.eval.heldout.evaluate_model and open_r1.nano.tasks.
DATA FLOW
    CLI → nano kit → cache folder / printed JSON scores.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def _build(args: argparse.Namespace) -> int:
    from open_r1.labs.nano_build import build

    path = build(args.kit, force=args.force)
    print(path)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from open_r1.cli._models import ensure_model
    from open_r1.eval.heldout import evaluate_model
    from open_r1.models import get_tokenizer, resolve_model_path

    ensure_model(args.model)
    path = resolve_model_path(args.model)
    scores = evaluate_model(path, get_tokenizer(path), args.dataset, n=args.n, seed=args.seed)
    text = json.dumps(scores, indent=2)
    if args.out:
        from open_r1.core.io import write_json_atomic

        write_json_atomic(args.out, scores)
    print(text)
    return 0


def _sample(args: argparse.Namespace) -> int:
    import random

    from open_r1.nano.tasks import Teacher, make_problem

    rng = random.Random(args.seed)
    teacher = Teacher(args.sign_slip)
    for _ in range(args.n):
        problem = make_problem(rng, rng.choice([1, 2, 3]))
        print(problem.question)
        print(teacher.trace(problem, rng))
        print()
    return 0


def register(subparsers: Any) -> None:
    """Add `open-r1 nano` and its actions to the command tree: build a nano kit's model, eval a model on held-out nano
    problems, and sample problems with the teacher's traces.
    """
    nano = subparsers.add_parser("nano", help="the nano-R1 kit: build, evaluate or look at the tiny model and task")
    sub = nano.add_subparsers(dest="nano_command", metavar="ACTION", required=True)
    b = sub.add_parser("build", help="build (or find cached) tokenizer + model + distillation SFT")
    b.add_argument("kit", nargs="?", default="math", help="which nano kit: math or code (default math)")
    b.add_argument("--force", action="store_true", help="rebuild even if cached")
    b.set_defaults(func=_build)
    e = sub.add_parser("eval", help="score a model on held-out nano problems (format, accuracy)")
    e.add_argument("--model", default="nano://math", help="model folder or nano://math")
    e.add_argument("--dataset", default="nano://math/heldout", help="held-out split to score on")
    e.add_argument("--n", type=int, default=300, help="problems to score (the first n of the split)")
    e.add_argument("--seed", type=int, default=0, help="seed of the sampled (temperature 1) pass")
    e.add_argument("--out", help="also write the scores to this JSON file")
    e.set_defaults(func=_eval)
    s = sub.add_parser("sample", help="print a few problems with the teacher's traces")
    s.add_argument("--n", type=int, default=3, help="how many problems to print")
    s.add_argument("--seed", type=int, default=0, help="seed of the problem generator")
    s.add_argument(
        "--sign-slip",
        type=float,
        default=0.0,
        help="probability that the teacher drops a minus sign (the kit's deliberate slip is 0.6)",
    )
    s.set_defaults(func=_sample)
