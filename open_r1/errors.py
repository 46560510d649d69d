"""Errors meant for people: each names the file, the key, the value and the fix."""

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
