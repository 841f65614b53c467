"""The command line: ``backprop-tutor COMMAND``. Heavy imports wait until a command runs."""

from __future__ import annotations

import os
import sys

import typer

from .. import __version__
from ..errors import ExitCode
from . import (
    examples,
    export,
    grade,
    new,
    practice,
    run,
    schema,
    show,
    validate,
    variants,
    worksheet,
)

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


# Every command, in the order --help lists them. Each module keeps its heavy imports inside
# its command, so importing them all costs only typer and the modules themselves.
COMMANDS = (
    ("examples", examples.examples),
    ("export", export.export),
    ("grade", grade.grade),
    ("new", new.new),
    ("practice", practice.practice),
    ("run", run.run),
    ("schema", schema.schema),
    ("show", show.show),
    ("validate", validate.validate),
    ("variants", variants.variants),
    ("worksheet", worksheet.worksheet),
    ("key", worksheet.key_command),
)
for _name, _command in COMMANDS:
    app.command(_name)(_command)

# The tutor's matrices are small: a BLAS thread pool costs more to start and to synchronise
# than it saves, and on a busy machine its spinning threads can slow training tenfold.
# Read by NumPy's BLAS when it is loaded, so set before NumPy is imported; a user's own
# setting wins.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_blas() -> None:
    """Make NumPy's BLAS use one thread unless the environment says otherwise."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def main() -> None:
    """Entry point of the console script."""
    from .boundary import closed_streams, handle_termination, output_failed, whole_stdout

    single_threaded_blas()
    closed_streams()
    whole_stdout()
    handle_termination()
    if not sys.argv[1:]:  # no command: the overview of them all
        sys.argv.append("--help")
    try:
        code = app(standalone_mode=False)
        sys.stdout.flush()  # what is still buffered: a closed pipe or full disk shows here
    except typer.TyperException as error:  # a mistyped command line (click's usage errors)
        print(f"error: {usage_message(error)}", file=sys.stderr)
        sys.exit(int(getattr(error, "exit_code", ExitCode.USER_INPUT)))
    except typer.Abort:  # Ctrl-C or end of input at one of click's own prompts
        print("interrupted", file=sys.stderr)
        sys.exit(int(ExitCode.INTERRUPTED))
    except OSError as error:  # --help or --version, or the last of an output, not written
        sys.exit(output_failed(error))
    sys.exit(code if isinstance(code, int) else 0)


def usage_message(error: Exception) -> str:
    """A command-line error in the one line every other error takes: which command, what is
    wrong, where help is (not click's usage block and box)."""
    format_message = getattr(error, "format_message", None)
    text = format_message() if callable(format_message) else str(error)
    text = " ".join(text.split())
    context = getattr(error, "ctx", None)
    command = getattr(context, "command_path", None) or "backprop-tutor"
    return f"{command}: {text} (see '{command} --help')"
