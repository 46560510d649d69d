"""`open-r1 doctor`: can this machine run a lab? GPU, driver, CUDA, torch, vLLM, flash-attn, NCCL, shm, disk.

WHAT: runs open_r1.labs.doctor's checks and prints each finding with its fix; exits non-zero on a failure.
WHY: most failed first runs are environment problems (a CPU torch on a GPU box, no shared memory in a container);
    saying so before a lab starts saves a debugging session.
HOW: argparse → open_r1.labs.doctor.checks → table (or JSON).
DATA FLOW: the machine's facts → checks → terminal / exit status.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from open_r1.labs.doctor import MARKS, checks


def _cmd_doctor(args: argparse.Namespace) -> int:
    results = checks(require_gpu=args.require_gpu)
    failed = [c for c in results if c.required and not c.ok]
    problems = [c for c in results if not c.ok]
    if args.json:
        print(
            json.dumps({"ok": not failed, "problems": len(problems), "checks": [asdict(c) for c in results]}, indent=2)
        )
    else:
        # Plain lines, not a table: the same output reads well in a terminal, a CI log and `docker inspect`'s
        # health log.
        for c in results:
            print(f"[{MARKS[c.status]}] {c.name}: {c.detail}")
            if c.fix and not c.ok:
                print(f"       fix: {c.fix}")
        warned = len(problems) - len(failed)
        tail = f" ({warned} warning(s) above, each with its fix)" if warned else ""
        print(
            "doctor: "
            + ("all required checks pass" if not failed else f"{len(failed)} required check(s) failed")
            + tail
        )
    return 1 if failed else 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "doctor",
        help="check that this environment can run a lab (GPU, driver, CUDA, torch, "
        "vLLM, flash-attn, NCCL, shm, disk, caches, tokens)",
        description="Diagnose this machine or image; every problem comes with its fix. "
        "Exits 1 when a required check fails. Tokens are never printed.",
    )
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.add_argument("--require-gpu", action="store_true", help="treat 'no GPU' as a failure (full profiles)")
    p.set_defaults(func=_cmd_doctor)
