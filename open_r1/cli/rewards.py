"""`open-r1 rewards`: list the registered rewards, score a file of completions with any of them.

WHAT
    Subcommands list and score over the reward registry.
WHY
    Rule-based rewards (arXiv 2501.12948 §2.2.2) must be inspectable on real completions before they steer training.
HOW
    list reads REWARD_REGISTRY; score builds rewards with get_reward_funcs and applies them to a JSONL file.
DATA FLOW
    open-r1 CLI → here → open_r1.rewards registry → per-sample table, summary, optional scored JSONL.

    open-r1 rewards list
    open-r1 rewards score --rewards accuracy,format --input completions.jsonl
    open-r1 rewards score --rewards cosine --param cosine.max_len=200 --input c.jsonl --output scored.jsonl

The input is JSON lines, one sample per line: `completion` (a string or a list of chat messages) plus any dataset
columns the rewards read (`solution` for accuracy, `verification_info` for code, `completion_ids` for token
lengths, `prompt` for per-prompt groups). The same callables that TRL runs score the file, so a reward can be
checked on real rollouts before (or after) a training run.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError

_TRAINER_SIDE_KEYS = {"completion": "completions", "prompt": "prompts"}


def register(subparsers: Any) -> None:
    rewards = subparsers.add_parser("rewards", help="list reward functions, score completions with them")
    sub = rewards.add_subparsers(dest="rewards_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="every reward: name, parameters with defaults, meaning")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.add_argument("-v", "--verbose", action="store_true", help="explain every parameter")
    listing.set_defaults(func=cmd_list)

    score = sub.add_parser("score", help="score a JSONL file of completions")
    score.add_argument("--rewards", required=True, help="comma-separated reward names, e.g. accuracy,format")
    score.add_argument("--input", required=True, help="JSONL: one {completion, solution, ...} per line")
    score.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="REWARD.KEY=VALUE",
        help="reward parameter (YAML value), repeatable, e.g. format.prefill_think=true",
    )
    score.add_argument("--weights", help="comma-separated reward weights for a weighted total column")
    score.add_argument("--output", help="write the input rows with a `rewards` field to this JSONL file")
    score.add_argument("--show", type=int, default=20, help="rows to show in the table (default 20; 0 = none)")
    score.add_argument("--json", action="store_true", help="print the summary as JSON instead of tables")
    score.set_defaults(func=cmd_score)


# -- list ----------------------------------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    from open_r1.rewards.registry import list_rewards

    specs = list_rewards()
    if args.json:
        rows = [
            {
                "name": s.name,
                "params": s.params,
                "param_help": s.param_help,
                "choices": {k: list(v) for k, v in s.choices.items()},
                "summary": s.summary,
                "range": s.output_range,
                "columns": list(s.columns),
            }
            for s in specs
        ]
        print(json.dumps(rows, indent=2))
        return 0
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Reward functions (recipes: reward_funcs / reward_params)", show_lines=True)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("parameters (defaults)", overflow="fold")
    table.add_column("meaning", ratio=1)
    for spec in specs:
        lines = []
        for key, default in spec.params.items():
            lines.append(escape(f"{key}={json.dumps(default)}"))
            if args.verbose and key in spec.param_help:
                lines.append(f"  [dim]{escape(spec.param_help[key])}[/dim]")
        params = "\n".join(lines) or "-"
        meaning = escape(spec.summary) + f"\n[dim]range: {escape(spec.output_range)}"
        meaning += f"; reads: {', '.join(spec.columns)}[/dim]" if spec.columns else "[/dim]"
        table.add_row(spec.name, params, meaning)
    Console().print(table)
    return 0


# -- score ---------------------------------------------------------------------------------------------------------


def parse_param_overrides(items: list[str]) -> dict[str, dict[str, Any]]:
    """`["cosine.max_len=200", "format.prefill_think=true"]` -> `{"cosine": {"max_len": 200}, ...}`."""
    import yaml

    params: dict[str, dict[str, Any]] = {}
    for item in items:
        target, sep, raw = item.partition("=")
        reward, dot, key = target.partition(".")
        if not sep or not dot or not reward or not key:
            raise ConfigError(
                f"bad --param {item!r}", key="--param", fix="write REWARD.KEY=VALUE, e.g. cosine.max_len=200"
            )
        params.setdefault(reward.strip(), {})[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
    return params


def read_jsonl(path: str) -> list[dict[str, Any]]:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"input file not found: {path}", key="--input", fix="pass a JSONL file of completions")
    rows = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ConfigError(f"line {number} is not JSON: {err}", file=path) from None
        if not isinstance(row, dict) or "completion" not in row:
            keys = sorted(row) if isinstance(row, dict) else type(row).__name__
            raise ConfigError(
                f"line {number} has no 'completion' field (has: {keys})",
                file=path,
                fix='each line needs {"completion": ..., plus the columns the rewards read, e.g. "solution"}',
            )
        rows.append(row)
    if not rows:
        raise ConfigError("no samples in the input file", file=path)
    return rows


def rows_to_kwargs(rows: list[dict[str, Any]]) -> tuple[list[Any], dict[str, list[Any]]]:
    """Completions and the column kwargs TRL would pass, from JSONL rows (missing values become None)."""
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys and k != "completion")
    kwargs = {_TRAINER_SIDE_KEYS.get(k, k): [row.get(k) for row in rows] for k in keys}
    return [row["completion"] for row in rows], kwargs


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _one_line(value: Any, width: int = 60) -> str:
    from open_r1.rewards._common import completion_text

    text = completion_text(value) if not isinstance(value, str) else value
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_score(args: argparse.Namespace) -> int:
    from open_r1.rewards.registry import get_reward_funcs, validate_reward_config

    names = [n.strip() for n in args.rewards.split(",") if n.strip()]
    params = parse_param_overrides(args.param)
    weights = None
    if args.weights:
        try:
            weights = [float(w) for w in args.weights.split(",")]
        except ValueError:
            raise ConfigError(f"bad --weights {args.weights!r}", key="--weights", fix="e.g. --weights 1,0.5") from None
    validate_reward_config(names, params, weights)
    rows = read_jsonl(args.input)
    completions, kwargs = rows_to_kwargs(rows)
    funcs = get_reward_funcs(names, params)

    scores: dict[str, list[float | None]] = {}
    seconds: dict[str, float] = {}
    for func in funcs:
        start = time.perf_counter()
        try:
            scores[func.__name__] = list(func(completions, **kwargs))
        except ValueError as err:  # e.g. a reward needs a column the file does not have
            raise ConfigError(str(err), file=args.input) from None
        seconds[func.__name__] = time.perf_counter() - start

    totals: list[float | None] | None = None
    if weights is not None:
        totals = []
        for i in range(len(rows)):
            # TRL's rule: a None reward is skipped in the weighted sum (nansum); all None gives None.
            values = [(w, scores[f.__name__][i]) for w, f in zip(weights, funcs, strict=True)]
            present = [w * v for w, v in values if v is not None]
            totals.append(sum(present) if present else None)

    summary = []
    for func in funcs:
        values = [v for v in scores[func.__name__] if v is not None]
        summary.append(
            {
                "reward": func.__name__,
                "mean": sum(values) / len(values) if values else None,
                "min": min(values) if values else None,
                "max": max(values) if values else None,
                "none": len(rows) - len(values),
                "seconds": seconds[func.__name__],
                "samples_per_s": len(rows) / seconds[func.__name__] if seconds[func.__name__] > 0 else math.inf,
            }
        )

    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            for i, row in enumerate(rows):
                record = dict(row, rewards={name: scores[name][i] for name in scores})
                if totals is not None:
                    record["reward_total"] = totals[i]
                out.write(json.dumps(record, ensure_ascii=False) + "\n")

    if args.json:
        print(json.dumps({"samples": len(rows), "summary": summary}, indent=2))
        return 0

    from rich.console import Console
    from rich.table import Table

    console = Console()
    if args.show:
        table = Table(title=f"Scores ({min(args.show, len(rows))} of {len(rows)} samples)")
        table.add_column("#", justify="right", style="dim")
        table.add_column("completion", overflow="fold")
        if "solution" in kwargs:
            table.add_column("solution")
        for name in scores:
            table.add_column(name, justify="right")
        if totals is not None:
            table.add_column("total", justify="right", style="bold")
        for i in range(min(args.show, len(rows))):
            cells = [str(i), _one_line(completions[i])]
            if "solution" in kwargs:
                cells.append(_one_line(kwargs["solution"][i] or "", 24))
            cells.extend(_fmt(scores[name][i]) for name in scores)
            if totals is not None:
                cells.append(_fmt(totals[i]))
            table.add_row(*cells)
        console.print(table)

    table = Table(title=f"Summary over {len(rows)} samples")
    for column in ("reward", "mean", "min", "max", "None", "seconds", "samples/s"):
        table.add_column(column, justify="left" if column == "reward" else "right")
    for item in summary:
        table.add_row(
            item["reward"],
            _fmt(item["mean"]),
            _fmt(item["min"]),
            _fmt(item["max"]),
            str(item["none"]),
            f"{item['seconds']:.3f}",
            f"{item['samples_per_s']:.0f}",
        )
    console.print(table)
    return 0
