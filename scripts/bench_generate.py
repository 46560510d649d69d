"""Benchmark `open-r1 generate` against a local `transformers serve` of the nano model: throughput by concurrency.

WHAT
    Starts one server (open_r1.eval.generate.LocalServer), then for each concurrency level generates `--rows` × `--n`
    samples into a fresh file and prints gen/s and completion tok/s as a JSON list (one record per level).

WHY
    Bounded concurrency is what lets a client keep an inference server's continuous batching full (DeepSeek-R1
    arXiv 2501.12948 §2.4: distillation data is a generation job of ~800k long samples); this shows how throughput
    scales with requests in flight on the machine at hand, and that the client, not the server, is not the limit.

HOW
    python scripts/bench_generate.py --rows 24 --n 2 --levels 1,4,16  (run under `nice` on shared machines)

DATA FLOW
    nano://math (built on first use) → LocalServer → open_r1.eval.generate.run_generate → timings on stdout.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path


def main() -> None:
    from open_r1.eval.generate import GenerateConfig, LocalServer, run_generate
    from open_r1.models import resolve_model_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nano://math")
    parser.add_argument("--rows", type=int, default=24)
    parser.add_argument("--n", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--levels", default="1,4,16")
    args = parser.parse_args()
    out = []
    with tempfile.TemporaryDirectory() as tmp, LocalServer(resolve_model_path(args.model)) as server:
        for level in (int(x) for x in args.levels.split(",")):
            cfg = GenerateConfig(
                dataset="nano://math/heldout",
                output=str(Path(tmp) / f"c{level}.jsonl"),
                base_url=server.base_url,
                model=server.model,
                limit=args.rows,
                n=args.n,
                max_tokens=args.max_tokens,
                temperature=1.0,
                concurrency=level,
                quiet=True,
            )
            summary = run_generate(cfg)
            out.append(
                {"concurrency": level, **{k: summary[k] for k in ("written", "wall_s", "gen_per_s", "tokens_per_s")}}
            )
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
