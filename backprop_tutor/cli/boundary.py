"""The one place where exceptions become messages and exit codes."""

from __future__ import annotations

import errno
import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from ..errors import ExitCode, TutorError


@contextmanager
def error_boundary(debug: bool = False) -> Iterator[None]:
    """Turn errors into one line on stderr and an exit code; a traceback only with --debug.

    Floating-point warnings are silenced inside: an overflow shows as ∞ or NaN in the output,
    and a diverged training says so itself.
    """
    import numpy as np

    if hasattr(signal, "SIGINT") and callable(signal.getsignal(signal.SIGINT)):
        try:  # from here on Ctrl-C is a KeyboardInterrupt, handled below (see launch.py)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        except ValueError:  # not the main thread: the handler is the process's own business
            pass
    try:
        with np.errstate(all="ignore"):
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
    except BrokenPipeError:
        raise  # the reader of stdout went away (``| head``): the command line ends quietly
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EIO, getattr(errno, "EDQUOT", errno.ENOSPC)):
            _internal(error, debug)
        # the output itself could not be written (a full disk, /dev/full): not a bug
        print(f"error: cannot write the output: {error.strerror or error}", file=sys.stderr)
        raise typer.Exit(int(ExitCode.INTERNAL)) from None
    except MemoryError:
        print("error: out of memory; try a smaller network, fewer samples or fewer "
              "--iterations", file=sys.stderr)
        raise typer.Exit(int(ExitCode.INTERNAL)) from None
    except Exception as error:  # the last line of defence: a bug, reported as one
        _internal(error, debug)


def _internal(error: Exception, debug: bool) -> None:
    if debug:
        traceback.print_exc(file=sys.stderr)
    print(f"internal error: {type(error).__name__}: {error} (run with --debug for the "
          "traceback, and please report it)", file=sys.stderr)
    raise typer.Exit(int(ExitCode.INTERNAL)) from None


def note(message: str | None) -> None:
    """One line on stderr explaining an outcome that is not an error (a diverged training)."""
    if message:
        print(f"note: {message}", file=sys.stderr)


def _terminated(signum: int, frame: object) -> None:
    # SystemExit unwinds like Ctrl-C does: files being written are removed, not left half done
    raise SystemExit(128 + signum)


def handle_termination() -> None:
    """Make SIGTERM (a grader's timeout) end the process as cleanly as Ctrl-C does."""
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _terminated)
