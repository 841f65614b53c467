"""``backprop-tutor run``: train a scenario and show every step."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import typer

from ..errors import InputError
from . import app
from .boundary import error_boundary


def _check_parameter(name: str, parameters: list[str]) -> None:
    if name in parameters:
        return
    close = difflib.get_close_matches(name, parameters, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]}? " if close else ""
    raise InputError(f"no parameter is called '{name}'; {hint}valid names: "
                     + ", ".join(parameters), field="--explain")


@app.command()
def run(
    scenario: Path = typer.Argument(..., help="The scenario file (YAML).", show_default=False),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document and nothing else."),
    explain: str = typer.Option(None, "--explain", metavar="PARAM",
                                help="Show the full derivative chain of one parameter."),
    iterations: int = typer.Option(1, "--iterations", min=1,
                                   help="Show (and export) the first N iterations in full."),
    epochs: int = typer.Option(None, "--epochs", min=1, help="Override the file's epochs."),
    precision: int = typer.Option(4, "--precision", min=1, max=17,
                                  help="Significant digits shown (nothing is rounded inside)."),
    no_color: bool = typer.Option(False, "--no-color", help="Plain text, no colours."),
    width: int = typer.Option(None, "--width", min=40, help="Terminal width to render for."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
) -> None:
    """Train a scenario: every step of iteration 1, then the training summary."""
    with error_boundary(debug):
        from .. import api

        loaded = api.load(scenario)
        result = api.run(loaded, epochs=epochs, detail=iterations)
        if explain is not None:
            _check_parameter(explain, [p.name for p in result.graph.parameters])
        if json_out:
            from ..render.json_out import dumps, run_document

            text = dumps(run_document(result))  # built whole before anything is written
            sys.stdout.write(text + "\n")
            return
        from ..render.console import make_console

        console = make_console(no_color=no_color, width=width)
        if explain is not None:
            from ..render.explain import explain_view

            console.print(explain_view(result, result.record(1), explain, precision))
            return
        from ..render.terminal import run_view

        console.print(run_view(result, iterations=iterations, precision=precision))
