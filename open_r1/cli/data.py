"""`open-r1 data decontaminate | pass-rate | rejection-sample`: clean, filter and make training data.

WHAT: decontaminate drops training rows that share n-grams with a benchmark; pass-rate keeps problems whose
    measured pass rate (over k generations scored by a reward) lies in a band.
WHY: contamination inflates benchmark scores; problems a model always or never solves give GRPO no signal (a group
    with equal rewards has zero advantage, DeepSeekMath arXiv 2402.03300 §4.1; DAPO arXiv 2503.14476 §3.2 dynamic
    sampling filters them the same way).
HOW: argparse → open_r1.curate.tools (Decontaminator, pass_rates, filter_by_pass_rate) → atomic jsonl + report.
DATA FLOW: dataset / generations jsonl → here → filtered jsonl + report json → training recipes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError
from open_r1.core.io import read_jsonl, write_jsonl_atomic
from open_r1.curate.tools import (
    BENCHMARK_PRESETS,
    Decontaminator,
    benchmark_texts,
    decontaminate,
    filter_by_pass_rate,
    group_generations,
    load_rows,
    pass_rates,
)


def _cmd_decontaminate(args: argparse.Namespace) -> int:
    from rich.console import Console

    from open_r1.core.io import write_json_atomic

    console = Console(stderr=True)
    decon = Decontaminator(n=args.ngram)
    for spec in args.benchmark:
        name, texts = benchmark_texts(spec, args.benchmark_split, args.benchmark_column)
        decon.add(name, texts)
    rows = load_rows(args.dataset, args.config, args.split)
    columns = args.column or ["problem"]
    missing = [c for c in columns if rows and c not in rows[0]]
    if missing:
        raise ConfigError(f"dataset has no column(s) {missing} (columns: {sorted(rows[0])})", key="--column")
    kept, report = decontaminate(rows, decon, columns)
    report.update({"dataset": args.dataset, "columns": columns, "output": args.output})
    write_jsonl_atomic(args.output, kept)
    report_path = args.report or str(Path(args.output).with_suffix(".report.json"))
    write_json_atomic(report_path, report)
    console.print(
        f"[bold]decontaminate[/] {report['rows']} rows, {report['contaminated']} contaminated "
        f"({report['by_benchmark']}), {report['kept']} kept → {args.output}; report → {report_path}"
    )
    return 0


def _cmd_pass_rate(args: argparse.Namespace) -> int:
    from rich.console import Console

    from open_r1.core.io import write_json_atomic
    from open_r1.rewards import get_reward_funcs

    console = Console(stderr=True)
    if not 0 <= args.lo <= args.hi <= 1:
        raise ConfigError(f"range [{args.lo}, {args.hi}] is not inside [0, 1]", key="--lo/--hi")
    params = json.loads(args.reward_params) if args.reward_params else {}
    [reward] = get_reward_funcs([args.reward], {args.reward: params} if params else {})
    generations = args.generations or str(Path(args.output).with_suffix(".samples.jsonl"))
    if args.base_url:
        from open_r1.eval.generate import GenerateConfig, run_generate

        if not args.dataset:
            raise ConfigError("--base-url needs --dataset (the problems to sample)", key="--dataset")
        cfg = GenerateConfig(
            dataset=args.dataset,
            config=args.config,
            split=args.split,
            prompt_column=args.prompt_column,
            system_prompt=args.system_prompt,
            output=generations,
            base_url=args.base_url,
            model=args.model,
            n=args.k,
            temperature=args.temperature,
            top_p=args.top_p,
            max_tokens=args.max_tokens,
            concurrency=args.concurrency,
            limit=args.limit,
        )
        summary = run_generate(cfg)
        if summary["failed"]:
            console.print(f"[red]{summary['failed']} generation(s) failed; rerun the same command to resume.")
            return 1
    elif not Path(generations).exists():
        raise ConfigError(
            f"no samples at {generations}",
            key="--generations",
            fix="pass --generations FILE (written by `open-r1 generate --n K`) or --base-url to sample.",
        )
    rates = pass_rates(group_generations(read_jsonl(generations)), reward, args.k, args.threshold)
    kept, report = filter_by_pass_rate(rates, args.lo, args.hi)
    report.update({"reward": args.reward, "k": args.k, "samples": generations, "output": args.output})
    write_jsonl_atomic(args.output, kept)
    report_path = args.report or str(Path(args.output).with_suffix(".report.json"))
    write_json_atomic(report_path, report)
    console.print(
        f"[bold]pass-rate[/] {report['problems']} problems, {report['kept']} with pass rate in "
        f"[{args.lo}, {args.hi}], {report['unscorable']} unscorable → {args.output}"
    )
    return 0


def _cmd_rejection_sample(args: argparse.Namespace) -> int:
    from open_r1.cli._models import ensure_model
    from open_r1.core.configs import apply_overrides, load_yaml, validate_model
    from open_r1.curate.rejection import RejectionConfig, check_config, run_rejection_sampling

    raw = apply_overrides(load_yaml(args.config), list(args.unknown) + list(args.passthrough))
    config = validate_model(RejectionConfig, raw, args.config)
    check_config(config, args.config)
    ensure_model(config.model_name_or_path)
    report = run_rejection_sampling(config, args.config)
    print(json.dumps({k: report[k] for k in ("prompts", "samples", "verified", "kept", "by_task")}, indent=2))
    return 0


def register(subparsers: Any) -> None:
    """Add `open-r1 data` and its actions to the command tree: decontaminate (n-gram overlap with benchmarks), pass-rate
    (keep problems a model solves sometimes) and rejection-sample.
    """
    data = subparsers.add_parser("data", help="data tools: decontaminate, pass-rate filtering, rejection sampling")
    sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    d = sub.add_parser(
        "decontaminate",
        help="drop training rows sharing an n-gram with a benchmark",
        description="N-gram decontamination (open-r1's 8-gram rule) of a training set against "
        "benchmarks; writes the filtered set and a report.",
    )
    d.add_argument("--dataset", required=True, help="training set: hub id, local file/folder or nano://...")
    d.add_argument("--config", help="dataset configuration")
    d.add_argument("--split", default="train", help="split of --dataset to clean")
    d.add_argument(
        "--column",
        action="append",
        help="text column(s) to check (default: problem; `messages` checks the user turns); repeat for several",
    )
    d.add_argument(
        "--benchmark",
        action="append",
        required=True,
        help=f"benchmark: a preset ({', '.join(BENCHMARK_PRESETS)}), a hub id or local file, optionally "
        "ID:COLUMN; repeat for several",
    )
    d.add_argument("--benchmark-split", default="test", help="split of non-preset benchmarks (default test)")
    d.add_argument("--benchmark-column", default="problem", help="text column of non-preset benchmarks")
    d.add_argument("--ngram", type=int, default=8, help="n-gram size (default 8, as open-r1)")
    d.add_argument("--output", required=True, help="filtered dataset (jsonl)")
    d.add_argument("--report", help="report JSON (default: <output>.report.json)")
    d.set_defaults(func=_cmd_decontaminate)

    p = sub.add_parser(
        "pass-rate",
        help="keep problems whose pass rate over k samples lies in [lo, hi]",
        description="Score k samples per problem with a reward from the registry; keep the problems "
        "a model sometimes but not always solves (open-r1: R1-Distill-1.5B, k=8, [0.2, 0.8]).",
    )
    p.add_argument("--generations", help="samples written by `open-r1 generate` (default: <output>.samples.jsonl)")
    p.add_argument("--k", type=int, default=8, help="samples per problem (default 8)")
    p.add_argument("--reward", default="accuracy", help="reward name (`open-r1 rewards list`)")
    p.add_argument("--reward-params", help="JSON parameters of the reward, e.g. '{\"timeout_s\": 10}'")
    p.add_argument("--threshold", type=float, default=1.0, help="a sample passes when its reward is >= this")
    p.add_argument("--lo", type=float, default=0.2, help="keep problems whose pass rate is at least this")
    p.add_argument("--hi", type=float, default=0.8, help="keep problems whose pass rate is at most this")
    p.add_argument("--output", required=True, help="kept problems (jsonl, with pass_rate)")
    p.add_argument("--report", help="report JSON (default: <output>.report.json)")
    g = p.add_argument_group("sampling (only with --base-url: generate the k samples first, resumably)")
    g.add_argument("--base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    g.add_argument("--model", default="default", help="model name the server expects")
    g.add_argument("--dataset", help="dataset to sample (hub id, local file or nano://<kit>/<split>)")
    g.add_argument("--config", help="dataset configuration (subset) name")
    g.add_argument("--split", default="train", help="dataset split to sample")
    g.add_argument("--prompt-column", default="problem", help="column holding the prompt")
    g.add_argument("--system-prompt", help="system turn put before every prompt")
    g.add_argument("--limit", type=int, help="only the first N problems")
    g.add_argument("--temperature", type=float, default=0.7, help="sampling temperature")
    g.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling mass")
    g.add_argument("--max-tokens", type=int, default=2048, help="generation budget per sample, in tokens")
    g.add_argument("--concurrency", type=int, default=16, help="requests in flight at once")
    p.set_defaults(func=_cmd_pass_rate)

    r = sub.add_parser(
        "rejection-sample",
        help="sample n answers per prompt from a model, keep the verified ones, dedupe → SFT data (R1 §2.3.3)",
        description="Rejection sampling (DeepSeek-R1 arXiv 2501.12948 §2.3.3): every sample is checked by its "
        "task's verifier from the reward library; writes <output_dir>/data.jsonl (messages), report.json and "
        "resumable samples/. Any recipe key can be overridden as --key value.",
    )
    r.add_argument("--config", required=True, help="YAML recipe (open_r1.curate.rejection.RejectionConfig)")
    r.set_defaults(func=_cmd_rejection_sample, accepts_unknown=True)
