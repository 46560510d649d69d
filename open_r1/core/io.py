"""Atomic file writes and JSONL reading: a reader never sees half a file, a crash never loses the old one.

WHAT
    `write_json_atomic(path, data)`, `write_jsonl_atomic(path, rows)` and `write_text_atomic(path, text)` write to a
    temporary file in the same folder and rename it over the target; `read_jsonl(path)` reads one JSON object per
    non-blank line.
WHY
    Run cards, held-out scores, rank records, imported problem sets and nano datasets are read by other processes
    (other ranks, a requeued SLURM job, the next command) while or after they are written. A plain `open(..., "w")`
    truncates first: a kill between truncate and the last byte leaves an empty or partial file that the next run
    trusts. `os.replace` within one filesystem is atomic on POSIX, so readers see either the old or the new file.
    (Three modules once each had their own version, with different temp-file names and JSON settings.)
HOW
    `tempfile.mkstemp(dir=path.parent)` (same filesystem, unique name per process: two ranks never share a temp
    file) → write → flush + fsync → `os.replace`. JSON is indented, keys sorted, unknown types via `str`.
DATA FLOW
    open_r1.core.runcard, open_r1.train.*, open_r1.nano.datasets, open_r1.competitive.hub_ioi, open_r1.curate → here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Replace `path` with `text` in one step (temp file in the same folder, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: str | os.PathLike, data: Any, sort_keys: bool = True) -> None:
    """Write `data` as indented JSON atomically (see `write_text_atomic`); keys sorted unless `sort_keys=False`, for
    documents whose order carries meaning (a run card's stages run in the order they are listed)."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=sort_keys, default=str) + "\n")


def write_jsonl_atomic(path: str | os.PathLike, rows: Iterable[dict[str, Any]]) -> None:
    """Write one JSON object per line atomically (whole-file outputs; resumable outputs append instead)."""
    write_text_atomic(path, "".join(json.dumps(row) + "\n" for row in rows))


def read_jsonl(path: str | os.PathLike) -> list[dict[str, Any]]:
    """One JSON object per non-blank line of `path`."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
