"""Options every terminal command shares, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

NoColor = Annotated[bool, typer.Option("--no-color", help="Plain text, no colours.")]
Width = Annotated[int | None,
                  typer.Option("--width", min=40, help="Terminal width to render for.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
