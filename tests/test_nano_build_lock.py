"""Concurrent nano builds of one kit happen once: the second caller waits on the build lock, then finds the model."""

from __future__ import annotations

import subprocess
import sys
import time

from open_r1.labs.nano_build import build_lock

HOLDER = """
import sys, time
from pathlib import Path
from open_r1.labs.nano_build import build_lock
folder = Path(sys.argv[1])
with build_lock(folder):
    (folder / "state").write_text("held")
    time.sleep(1.5)
    (folder / "state").write_text("released")
"""


def test_a_second_builder_waits_for_the_first(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)])
    try:
        while not (tmp_path / "state").exists():
            assert holder.poll() is None, "the holder exited before taking the lock"
            time.sleep(0.05)
        with build_lock(tmp_path):  # blocks until the holder leaves its block
            seen = (tmp_path / "state").read_text()
        assert seen == "released"
    finally:
        holder.wait(timeout=60)


def test_the_lock_is_released_when_its_holder_dies(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)])
    while not (tmp_path / "state").exists():
        time.sleep(0.05)
    holder.kill()
    holder.wait(timeout=60)
    with build_lock(tmp_path):
        assert (tmp_path / "state").read_text() == "held"  # the dead holder never finished, yet the lock is free
