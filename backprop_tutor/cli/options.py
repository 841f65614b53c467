"""Options every terminal command shares, declared once."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

NoColor = Annotated[bool, typer.Option("--no-color", help="Plain text, no colours.")]
Width = Annotated[int | None,
                  typer.Option("--width", min=40, help="Terminal width to render for.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


class View(str, Enum):
    """How an iteration is worked: quantity by quantity, or layer by layer as matrices."""

    steps = "steps"
    matrix = "matrix"


class Samples(str, Enum):
    """Where the samples of a batch go in the matrix view."""

    columns = "columns"
    rows = "rows"


ViewOption = Annotated[View, typer.Option(
    "--view", help="steps: every quantity with its formula; matrix: each layer's matrices "
                   "(Z = WA + b, δ, ∂E/∂W = δAᵀ/m, updates) with their shapes.")]
SamplesOption = Annotated[Samples | None, typer.Option(
    "--samples", show_default=False,
    help="With --view matrix: the batch's samples as columns (Z = WA + b, the default) or as "
         "rows (Z = AWᵀ + b).")]


def matrix_layout(view: View, samples: Samples | None) -> str | None:
    """The matrix view's layout ('columns' or 'rows'), or None for the steps view.

    Raises InputError when --samples is given without --view matrix.
    """
    if view is View.steps:
        if samples is not None:
            from ..errors import InputError

            raise InputError("it places the batch's samples in the matrix view; add "
                             "--view matrix",
                             field="--samples")
        return None
    return (samples or Samples.columns).value


# the significant digits a value rounded as by hand can have (training/hand_rounding.py)
HAND_PRECISION = 12


def shown_precision(rounding: object | None, precision: int | None) -> int:
    """The significant digits numbers are shown with: ``--precision``, else 4, or for a run
    rounded as by hand (``rounding`` is the scenario's rounding:) every digit a value has:
    its N digits, a net input's exact digits."""
    if precision is not None:
        return precision
    return 4 if rounding is None else HAND_PRECISION


def check_rounded_view(layout: str | None, rounding: object | None) -> None:
    """InputError for ``--view matrix`` of a run rounded as by hand: its ∂E/∂W = δAᵀ would
    round in another order than the hand calculation, which multiplies along each path."""
    if layout is not None and rounding is not None:
        from ..errors import InputError

        raise InputError("the matrix view's δAᵀ rounds in another order than a calculation by "
                         "hand; a run rounded as by hand is shown step by step (--view steps)",
                         field="--view")
