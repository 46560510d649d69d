"""The command layer's one model hook: build a `nano://` model the command is about to load.

Library code below the labs layer only *finds* nano models (open_r1.models.resolve_model_path); building one runs a
whole distillation SFT, so only the commands a person types trigger it, through this function.
"""

from __future__ import annotations


def ensure_model(name: str | None) -> None:
    """Build `name` into the nano cache first when it is a `nano://` model that is missing; else do nothing."""
    if name and name.startswith("nano://"):
        from open_r1.labs.nano_build import ensure_nano_model

        ensure_nano_model(name)
