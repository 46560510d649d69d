"""Errors meant for people: each names the file, the key, the value and the fix.

WHAT: `OpenR1Error` (anything this project raises on purpose) and `ConfigError` (a bad recipe, manifest or flag).
WHY: a misconfigured RL run that fails after the model loaded (or, worse, trains on the wrong column) wastes GPU
    hours; R1-style recipes have dozens of keys, so every check runs before any model loads and says how to fix it.
HOW: `ConfigError(message, file=, key=, fix=)` renders "file: key 'k': message Fix: …"; `open_r1.cli.main` catches
    `OpenR1Error` and prints exactly one `error:` line with exit status 2, no traceback.
DATA FLOW: raised by configs / data / labs / rewards / sandbox validation → caught in `cli.main` → stderr.
"""

from __future__ import annotations


class OpenR1Error(Exception):
    """Base class for every error this project raises on purpose (the CLI prints these as one clean line)."""


class ConfigError(OpenR1Error):
    """A recipe, lab manifest or command-line value is wrong. Raised before any model is loaded."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None, fix: str | None = None):
        self.file, self.key, self.fix = file, key, fix
        where = f"{file}: " if file else ""
        what = f"key '{key}': " if key else ""
        tail = f" Fix: {fix}" if fix else ""
        super().__init__(f"{where}{what}{message}{tail}")
