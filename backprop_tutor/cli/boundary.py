"""The one place where exceptions become messages and exit codes."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from ..errors import ExitCode, TutorError


@contextmanager
def error_boundary(debug: bool = False) -> Iterator[None]:
    """Turn errors into one line on stderr and an exit code; a traceback only with --debug."""
    try:
        yield
    except typer.Exit:
        raise
    except TutorError as error:
        if debug:
            traceback.print_exc(file=sys.stderr)
        print(f"error: {error}", file=sys.stderr)
        raise typer.Exit(int(error.exit_code)) from None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except Exception as error:  # the last line of defence: a bug, reported as one
        if debug:
            traceback.print_exc(file=sys.stderr)
        print(f"internal error: {type(error).__name__}: {error} (run with --debug for the "
              "traceback, and please report it)", file=sys.stderr)
        raise typer.Exit(int(ExitCode.INTERNAL)) from None
