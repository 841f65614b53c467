"""The rich console every terminal command prints to."""

from __future__ import annotations

import os

from rich.console import Console


def make_console(*, no_color: bool = False, width: int | None = None, file=None) -> Console:
    """A console that honours --no-color and NO_COLOR, and plain output when piped."""
    plain = no_color or "NO_COLOR" in os.environ
    return Console(file=file, width=width, no_color=plain, color_system=None if plain else "auto",
                   highlight=False, soft_wrap=False)
