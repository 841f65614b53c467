"""The command line: ``backprop-tutor COMMAND``. Heavy imports wait until a command runs."""

from __future__ import annotations

import typer

from .. import __version__

app = typer.Typer(
    name="backprop-tutor",
    help="Learn backpropagation step by step: every forward value, chain-rule factor, "
    "gradient and update of a small network, derived with sympy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"backprop-tutor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Learn backpropagation step by step."""


from . import run as _run  # noqa: E402,F401  (registers the command)


def main() -> None:
    """Entry point of the console script."""
    app()
