"""`open-r1 merge`: fold a LoRA adapter saved by a `use_peft: true` run into a full model.

WHAT: `open-r1 merge <adapter folder> --output <folder> [--base-model NAME] [--dtype float32|bfloat16]` writes a
    model that loads with plain `from_pretrained` (no peft), prints a JSON report (base, rank, parameters, the largest
    logit difference between the adapter model and the merged one on a probe) and writes it to
    `<output>/merge_report.json`.
WHY: a LoRA run saves only the adapter (megabytes instead of gigabytes); vLLM, lighteval and the next stage of the
    pipeline want a full model. Merging W' = W + (α/r)·B·A (LoRA, arXiv 2106.09685 §4.1) once costs nothing at
    inference time.
HOW: argparse → open_r1.models.merge_adapter (peft's merge_and_unload) → save_pretrained; a `nano://` base is built
    first when missing (the command layer's rule).
DATA FLOW: <run>/adapter_config.json + adapter_model.safetensors → here → <output>/{model.safetensors, config.json,
    tokenizer files, merge_report.json} → `open-r1 eval`, vLLM, the next training stage.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def _cmd_merge(args: argparse.Namespace) -> int:
    from open_r1.cli._models import ensure_model
    from open_r1.core.io import write_json_atomic
    from open_r1.models import adapter_base_model, merge_adapter

    ensure_model(args.base_model or adapter_base_model(args.adapter))
    report = merge_adapter(args.adapter, args.output, base_model=args.base_model, dtype=args.dtype)
    write_json_atomic(f"{args.output}/merge_report.json", report)
    print(json.dumps(report, indent=2))
    return 0


def register(subparsers: Any) -> None:
    """Add `open-r1 merge ADAPTER --output FOLDER` to the command tree, with the optional base model and load dtype."""
    p = subparsers.add_parser(
        "merge",
        help="merge a LoRA adapter into its base model (a full model for vLLM, eval, the next stage)",
        description="Fold a LoRA adapter (the output_dir of a use_peft: true run, or one of its checkpoint-* "
        "folders) into its base model and save the full model.",
    )
    p.add_argument("adapter", help="folder with adapter_config.json and the adapter weights")
    p.add_argument("--output", required=True, help="folder for the merged model")
    p.add_argument("--base-model", help="base model (default: the adapter's base_model_name_or_path)")
    p.add_argument("--dtype", default=None, help="dtype to load the base in before merging (default float32)")
    p.set_defaults(func=_cmd_merge)
