"""Curriculum vs uniform sampling on nano GRPO: held-out accuracy over several seeds, same steps, same model.

WHAT: trains nano GRPO (labs/grpo-math/recipes/nano.yaml: nano://math, accuracy + format rewards) — or, with
    `--kind sft`, nano distillation SFT (labs/distill/recipes/nano.yaml: nano://math-init on teacher traces) — once
    per (arm, seed) with `--max_steps` steps — arm `uniform` (TRL's shuffle) and arm `curriculum` (the competence
    schedule on the `level` column: easiest 30 % of the prompts at step 0, every prompt from 80 % of the run on;
    open_r1.train.curriculum) — and prints the held-out greedy accuracy after training, per run and as
    mean ± sample standard deviation per arm, as a markdown table and one JSON line.
WHY: whether an easy → hard order helps GRPO is an empirical question (Kimi 1.5 arXiv 2501.12599 §2.3.4 reports it
    does at scale; a prompt the policy never solves gives zero advantage, DeepSeekMath arXiv 2402.03300 §4.1). A
    claim needs several seeds: one run's difference is within the seed-to-seed spread. Not a CI test (minutes).
HOW: each run is `open-r1 train grpo --config <recipe> --output_dir <dir> --max_steps N --seed S` in a child
    process; the curriculum arm's recipe is the lab recipe plus a `curriculum:` block, written next to the runs.
    The starting model and the held-out set are the same for every run, so "before" is one number.
DATA FLOW: lab recipe → child `open-r1 train grpo` runs → `<out>/<arm>-s<seed>/eval_results.json` → table.

    python scripts/bench_curriculum.py --steps 40 --seeds 0 1 2 --out runs/bench-curriculum
    python scripts/bench_curriculum.py --kind sft --steps 120 --parallel --out runs/bench-curriculum-sft
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RECIPES = {
    "grpo": ROOT / "labs" / "grpo-math" / "recipes" / "nano.yaml",  # GRPO from nano://math (the distilled model)
    "sft": ROOT / "labs" / "distill" / "recipes" / "nano.yaml",  # distillation SFT from nano://math-init
}
CURRICULUM = {"schedule": "competence", "column": "level", "higher_is": "harder", "start": 0.3, "warmup_fraction": 0.8}


def run_one(kind: str, recipe: Path, out: Path, steps: int, seed: int, heldout: int) -> subprocess.Popen | None:
    """Start one training run (None when a finished one is already there); it writes eval_results.json."""
    result = out / "eval_results.json"
    if result.exists() and "heldout_after" in json.loads(result.read_text()):
        return None
    cmd = [
        sys.executable,
        "-m",
        "open_r1",
        "train",
        kind,
        "--config",
        str(recipe),
        "--output_dir",
        str(out),
        "--max_steps",
        str(steps),
        "--seed",
        str(seed),
        "--heldout_samples",
        str(heldout),
        "--save_strategy",
        "no",
    ]
    if kind == "sft":
        cmd += ["--data_seed", str(seed)]
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(cmd, stdout=(out / "bench.log").open("w"), stderr=subprocess.STDOUT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=sorted(RECIPES), default="grpo", help="grpo (default) or sft")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--parallel", action="store_true", help="start every run at once (a shared machine)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--heldout", type=int, default=300, help="held-out problems scored after each run")
    parser.add_argument("--out", default="runs/bench-curriculum")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = yaml.safe_load(RECIPES[args.kind].read_text())
    recipes = {"uniform": out / "uniform.yaml", "curriculum": out / "curriculum.yaml"}
    recipes["uniform"].write_text(yaml.safe_dump(base, sort_keys=False))
    recipes["curriculum"].write_text(yaml.safe_dump({**base, "curriculum": CURRICULUM}, sort_keys=False))
    results: dict[str, list[dict]] = {"uniform": [], "curriculum": []}
    started = time.time()
    runs = [(arm, seed) for seed in args.seeds for arm in recipes]
    pending = []
    for arm, seed in runs:
        proc = run_one(args.kind, recipes[arm], out / f"{arm}-s{seed}", args.steps, seed, args.heldout)
        if proc is not None:
            pending.append(proc)
            if not args.parallel:
                proc.wait()
    for proc in pending:
        if proc.wait() != 0:
            raise SystemExit(f"a run failed: {proc.args}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    for arm, seed in runs:
        data = json.loads((out / f"{arm}-s{seed}" / "eval_results.json").read_text())
        after = data["heldout_after"]
        row = {
            "arm": arm,
            "seed": seed,
            "accuracy": after["accuracy"],
            "format": after["format"],
            "sampled_accuracy": after.get("sampled_accuracy"),
            "by_level": after.get("by_level"),
            "before": data["heldout_before"]["accuracy"],
            "wall_s": data.get("wall_s"),
        }
        results[arm].append(row)
        print(json.dumps(row), file=sys.stderr)
    print(
        f"\nnano {args.kind.upper()}, {args.steps} steps, {args.heldout} held-out problems (greedy), seeds "
        f"{args.seeds}; {time.time() - started:.0f} s wall, {cpu:.0f} s CPU (all runs)\n"
    )
    print("| arm | accuracy per seed | mean ± sd | sampled accuracy mean ± sd | level 3 mean |")
    print("|---|---|---|---|---|")
    summary = {}
    for arm, rows in results.items():
        acc = [r["accuracy"] for r in rows]
        sampled = [r["sampled_accuracy"] for r in rows if r["sampled_accuracy"] is not None]
        level3 = [r["by_level"]["3"] for r in rows if r["by_level"] and "3" in r["by_level"]]
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
        ssd = statistics.stdev(sampled) if len(sampled) > 1 else 0.0
        summary[arm] = {
            "accuracy": acc,
            "mean": statistics.mean(acc),
            "sd": sd,
            "sampled_mean": statistics.mean(sampled) if sampled else None,
            "sampled_sd": ssd,
            "level3_mean": statistics.mean(level3) if level3 else None,
        }
        print(
            f"| {arm} | {', '.join(f'{a:.1%}' for a in acc)} | {statistics.mean(acc):.1%} ± {sd:.1%} | "
            f"{summary[arm]['sampled_mean']:.1%} ± {ssd:.1%} | {summary[arm]['level3_mean']:.1%} |"
        )
    before = results["uniform"][0]["before"] if results["uniform"] else None
    print(f"\nstart model: accuracy {before:.1%}")
    print(
        json.dumps(
            {
                "kind": args.kind,
                "steps": args.steps,
                "seeds": args.seeds,
                "before": before,
                "cpu_s": round(cpu),
                "arms": summary,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
