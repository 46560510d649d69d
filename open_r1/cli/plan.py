"""`open-r1 plan`: will it fit? Memory per GPU for DDP / ZeRO-2 / ZeRO-3 / FSDP, and what to run.

WHAT: prints the lab table (each profile's model, strategy and estimated memory per GPU) or one model's breakdown
    (weights, gradients, optimizer, activations) and a recommendation (micro-batch, checkpointing, vLLM fit).
WHY: a job that does not fit fails hours into a queue; the ZeRO arithmetic (arXiv 1910.02054 §3) answers before
    any download. The estimate lives in open_r1.labs.plan; this module only formats it.
HOW: argparse → open_r1.labs.plan (get_shape, Setup, estimate, recommend, lab_plan) → rich tables or JSON.
DATA FLOW: lab manifests / a model name → estimate → terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from typing import Any

from open_r1.core.errors import ConfigError
from open_r1.labs.manifest import PROFILES
from open_r1.labs.plan import (
    ESTIMATE_COLUMNS,
    OPTIMIZERS,
    OVERHEAD_FIXED,
    OVERHEAD_FRACTION,
    SHAPES,
    STRATEGIES,
    STRATEGY_TITLES,
    Estimate,
    GiB,
    ModelShape,
    Setup,
    estimate,
    fits,
    get_shape,
    lab_plan,
    recommend,
    vllm_fit,
)


def _gib(x: float) -> str:
    return f"{x / GiB:.1f}"


def _estimate_row(est: Estimate) -> list[str]:
    return [
        _gib(est.weights),
        _gib(est.gradients),
        _gib(est.optimizer),
        _gib(est.live_params),
        _gib(est.activations),
        _gib(est.logits),
        _gib(est.reference + est.vllm),
        _gib(est.overhead),
        _gib(est.total),
    ]


def _labs_table(console: Any, as_json: bool) -> list[dict[str, Any]]:
    from rich.table import Table

    from open_r1.labs.manifest import list_labs

    rows = []
    for name in list_labs():
        plan = lab_plan(name)
        if plan.kind == "inference":
            tp, tokens = vllm_fit(plan.shape, plan.setup.gpu_memory_gb * GiB * 0.9)
            rows.append(
                {
                    "lab": name,
                    "model": plan.model,
                    "params_b": plan.shape.params() / 1e9,
                    "kind": "inference",
                    "vllm_kv_tokens_per_gpu": tokens,
                    "tensor_parallel": tp,
                    "seq_len": plan.setup.seq_len,
                }
            )
            continue
        est = estimate(plan.shape, plan.setup)
        rec = recommend(plan.shape, plan.setup)
        rows.append(
            {
                "lab": name,
                "model": plan.model,
                "params_b": plan.shape.params() / 1e9,
                "kind": plan.kind,
                "strategy": plan.setup.strategy,
                "nodes": plan.setup.nodes,
                "gpus_per_node": plan.setup.gpus_per_node,
                "seq_len": plan.setup.seq_len,
                "micro_batch": plan.setup.micro_batch,
                "states_gib": est.model_states / GiB,
                "activations_gib": (est.activations + est.logits) / GiB,
                "total_gib": est.total / GiB,
                "gpu_gib": plan.setup.gpu_memory_gb,
                "fits": fits(est, plan.setup),
                "recommendation": asdict(rec) if rec else None,
                "notes": plan.notes,
            }
        )
    if as_json:
        return rows
    table = Table(title="GPU memory per GPU for each lab's full recipe (GiB)")
    for col in (
        "lab",
        "model",
        "Ψ",
        "strategy",
        "nodes×GPUs",
        "seq×mb",
        "states",
        "activ.+logits",
        "total",
        "fits",
        "recommended",
    ):
        table.add_column(col, justify="right" if col in ("Ψ", "states", "activ.+logits", "total") else "left")
    for r in rows:
        model = r["model"].split("/")[-1]
        if r["kind"] == "inference":
            table.add_row(
                r["lab"],
                model,
                f"{r['params_b']:.1f}B",
                "vLLM (inference)",
                f"TP {r['tensor_parallel']}",
                f"{r['seq_len']}",
                "",
                "",
                "",
                "✓",
                f"KV cache: {r['vllm_kv_tokens_per_gpu']:,} tokens/GPU at TP {r['tensor_parallel']}",
            )
            continue
        rec = r["recommendation"]
        rec_s = (
            f"{STRATEGY_TITLES[rec['strategy']]}, {rec['nodes']} node(s), mb {rec['micro_batch']}"
            if rec
            else "does not fit: shorter sequences or offload"
        )
        table.add_row(
            r["lab"],
            model,
            f"{r['params_b']:.1f}B",
            STRATEGY_TITLES[r["strategy"]],
            f"{r['nodes']}×{r['gpus_per_node']}",
            f"{r['seq_len']}×{r['micro_batch']}",
            f"{r['states_gib']:.1f}",
            f"{r['activations_gib']:.1f}",
            f"{r['total_gib']:.1f}",
            "✓" if r["fits"] else "✗",
            rec_s,
        )
    console.print(table)
    console.print(
        f"[dim]GPU memory per card from each lab.yaml (80 GiB); overhead = {OVERHEAD_FIXED // GiB} GiB + "
        f"{OVERHEAD_FRACTION:.0%}. Formulas: `python -c 'import open_r1.labs.plan as p; help(p)'`."
    )
    return rows


def _breakdown(console: Any, shape: ModelShape, setup: Setup, as_json: bool) -> dict[str, Any]:
    from rich.table import Table

    out: dict[str, Any] = {"model": shape.name, "params": shape.params(), "setup": asdict(setup), "strategies": {}}
    table = Table(
        title=f"{shape.name} ({shape.params() / 1e9:.2f}B): {setup.nodes}×{setup.gpus_per_node} GPUs, "
        f"seq {setup.seq_len} × micro-batch {setup.micro_batch}, checkpointing "
        f"{'on' if setup.checkpointing else 'off'}, {setup.optimizer} (GiB per GPU)"
    )
    table.add_column("strategy")
    for col in ESTIMATE_COLUMNS:
        table.add_column(col, justify="right")
    table.add_column("fits")
    for strategy in STRATEGIES:
        s = replace(setup, strategy=strategy)
        est = estimate(shape, s)
        out["strategies"][strategy] = {
            **{k: v / GiB for k, v in asdict(est).items() if isinstance(v, float)},
            "model_states": est.model_states / GiB,
            "total": est.total / GiB,
            "fits": fits(est, s),
        }
        table.add_row(STRATEGY_TITLES[strategy], *_estimate_row(est), "✓" if fits(est, s) else "✗")
    rec = recommend(shape, setup)
    out["recommendation"] = asdict(rec) if rec else None
    kv = shape.kv_bytes_per_token()
    tp, tokens = vllm_fit(shape, setup.gpu_memory_gb * GiB * 0.9)
    out["vllm"] = {"kv_bytes_per_token": kv, "tensor_parallel": tp, "kv_tokens_per_gpu": tokens}
    if as_json:
        return out
    console.print(table)
    if rec:
        console.print(
            f"[bold]recommended:[/] {STRATEGY_TITLES[rec.strategy]} on {rec.nodes} node(s) × "
            f"{setup.gpus_per_node} GPUs, micro-batch {rec.micro_batch}, checkpointing "
            f"{'on' if rec.checkpointing else 'off'} → {rec.total_gib} GiB per GPU ({rec.reason})."
        )
    else:
        console.print("[bold red]nothing fits[/] up to 64 nodes: shorten sequences, use Liger (--liger), or offload.")
    console.print(
        f"vLLM (generation): {kv / 1024:.0f} KiB of KV cache per token; on its own GPUs at 0.9 memory "
        f"utilisation and tensor parallel {tp}: {tokens:,} tokens of KV cache per GPU."
    )
    return out


def _cmd_plan(args: argparse.Namespace) -> int:
    from rich.console import Console

    # Wide enough for the tables when piped into a file or a CI log (rich would otherwise fold them to 80 columns).
    console = Console(width=None if sys.stdout.isatty() else 160)
    if args.lab:
        plan = lab_plan(args.lab, args.profile, recipe_path=args.recipe)
        if plan.kind == "inference":
            raise ConfigError(
                f"lab '{args.lab}' only generates (vLLM)", key="--lab", fix="run `open-r1 plan` for its KV-cache row."
            )
        setup = plan.setup
        for note in plan.notes:
            console.print(f"[dim]{note}")
        shape = plan.shape
        if args.nodes:
            setup.nodes = args.nodes
    elif args.model or args.shape:
        if args.shape:
            try:
                h, f, layers, heads, kv, vocab = (int(x) for x in args.shape.split(","))
            except ValueError:
                raise ConfigError(
                    f"'{args.shape}' is not six integers",
                    key="--shape",
                    fix="give hidden,intermediate,layers,heads,kv_heads,vocab.",
                ) from None
            shape = ModelShape(args.model or "custom", h, f, layers, heads, kv, vocab, args.tied)
        else:
            shape = get_shape(args.model)
        setup = Setup(
            strategy=args.strategy or "zero3",
            nodes=args.nodes or 1,
            gpus_per_node=args.gpus_per_node,
            seq_len=args.seq,
            micro_batch=args.micro_batch,
            checkpointing=not args.no_checkpointing,
            optimizer=args.optimizer,
            liger=args.liger,
            vllm_share=args.vllm_share,
            gpu_memory_gb=args.gpu_memory,
            lora_rank=args.lora_rank,
            weight_bits=args.bits,
        )
    else:
        rows = _labs_table(console, args.json)
        if args.json:
            print(json.dumps(rows, indent=2))
        return 0
    out = _breakdown(console, shape, setup, args.json)
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plan",
        help="GPU memory per GPU for DDP / ZeRO-2 / ZeRO-3 / FSDP; what to run",
        description="Estimate per-GPU memory (weights, grads, optimizer, activations, logits, "
        "vLLM share) and recommend strategy, nodes and micro-batch. Without "
        "arguments: a table for every lab's full recipe.",
    )
    p.add_argument("--lab", help="plan one lab's recipe (per-strategy breakdown)")
    p.add_argument("--profile", default="full", choices=list(PROFILES), help="which profile of --lab to plan")
    p.add_argument("--recipe", help="with --lab: plan this recipe on the profile's hardware (e.g. a *-lora.yaml)")
    p.add_argument("--model", help=f"built-in shape or hub id: {', '.join(SHAPES)}")
    p.add_argument("--shape", help="custom shape: hidden,intermediate,layers,heads,kv_heads,vocab")
    p.add_argument("--tied", action="store_true", help="custom shape ties embeddings")
    p.add_argument("--strategy", choices=list(STRATEGIES), help="one strategy instead of a table of all four")
    p.add_argument("--nodes", type=int, help="nodes (default: the fewest that fit)")
    p.add_argument("--gpus-per-node", type=int, default=8, help="training GPUs per node")
    p.add_argument("--gpu-memory", type=float, default=80.0, help="GiB per GPU (default 80)")
    p.add_argument("--seq", type=int, default=4096, help="tokens per sequence")
    p.add_argument("--micro-batch", type=int, default=1, help="sequences per GPU per forward")
    p.add_argument(
        "--no-checkpointing", action="store_true", help="keep every layer's activations (faster, more memory)"
    )
    p.add_argument(
        "--optimizer",
        default="adamw",
        choices=sorted(OPTIMIZERS),
        help="optimizer state: adamw (fp32 moments), adamw_8bit, adamw_bf16 or sgd",
    )
    p.add_argument("--liger", action="store_true", help="fused linear cross-entropy (no logits tensor)")
    p.add_argument("--vllm-share", type=float, default=0.0, help="GPU fraction for a colocated vLLM engine")
    p.add_argument("--lora-rank", type=int, default=0, help="LoRA rank (0: full fine-tuning); base frozen")
    p.add_argument("--bits", type=int, default=16, choices=[16, 8, 4], help="frozen base's bits with LoRA (4: QLoRA)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=_cmd_plan)
