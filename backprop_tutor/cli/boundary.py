"""The one place where exceptions become messages and exit codes."""

from __future__ import annotations

import errno
import io
import os
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
        # the reader of stdout went away (``| head``): end quietly, as shell tools do, with
        # 128 + SIGPIPE; stdout goes to nowhere so that flushing it at exit fails no more
        _discard_stdout()
        raise typer.Exit(int(ExitCode.BROKEN_PIPE)) from None
    except OSError as error:
        if error.errno not in _CANNOT_WRITE:
            _internal(error, debug)
        # the output itself could not be written (a full disk, /dev/full, a closed stdout):
        # not a bug; what is still buffered goes nowhere, so that the flush at exit is quiet
        _discard_stdout()
        print(f"error: cannot write the output: {error.strerror or error}", file=sys.stderr)
        raise typer.Exit(int(ExitCode.CANNOT_WRITE)) from None
    except MemoryError:
        print("error: out of memory; try a smaller network, fewer samples or fewer "
              "--iterations", file=sys.stderr)
        raise typer.Exit(int(ExitCode.INTERNAL)) from None
    except Exception as error:  # the last line of defence: a bug, reported as one
        _internal(error, debug)


def output_failed(error: OSError) -> int:
    """The exit status (and the one line) for an output that could not be written outside a
    command's error boundary: 141 quietly for a closed pipe, 74 for a full disk or a closed
    stdout; anything else is re-raised as the bug it is."""
    if isinstance(error, BrokenPipeError):
        _discard_stdout()
        return int(ExitCode.BROKEN_PIPE)
    if error.errno not in _CANNOT_WRITE:
        raise error
    _discard_stdout()
    print(f"error: cannot write the output: {error.strerror or error}", file=sys.stderr)
    return int(ExitCode.CANNOT_WRITE)


_CANNOT_WRITE = {errno.ENOSPC, errno.EIO, errno.EBADF, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


class ClosedOutput(io.TextIOBase):
    """Standard output (or error) when the process was started with it closed (``>&-``):
    writing to it is an OSError (EBADF) that the error boundary reports in one line."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(errno.EBADF, f"{self.name} is closed")


class WholeWrites(io.RawIOBase):
    """A file descriptor whose every write is whole or an OSError.

    A write to a pipe whose reader goes away part-way can return a short count; Python's
    buffered writer then drops the rest without an error, and the tool ended with status 0
    having written a cut output. Here the rest is written again, so that a closed pipe shows
    as the BrokenPipeError (status 141) it is."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            done += os.write(self._fd, view[done:])
        return done


def whole_stdout() -> None:
    """Standard output written through ``WholeWrites`` (same encoding, errors and line
    buffering), when it is a file descriptor."""
    stream = sys.stdout
    if not isinstance(stream, io.TextIOWrapper):
        return
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return
    stream.flush()
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(WholeWrites(fd)), encoding=stream.encoding,
                                  errors=stream.errors, line_buffering=stream.line_buffering)


def closed_streams() -> None:
    """Put a ClosedOutput in place of a standard stream the process was started without:
    a write to a closed stdout is then a one-line error, not an AttributeError; messages to
    a closed stderr are dropped."""
    if sys.stdout is None:
        sys.stdout = ClosedOutput("standard output")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (for the run)


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
    """Make SIGTERM (a grader's timeout) end the process as cleanly as Ctrl-C does; a SIGTERM
    the process was started ignoring stays ignored."""
    if hasattr(signal, "SIGTERM") and signal.getsignal(signal.SIGTERM) != signal.SIG_IGN:
        signal.signal(signal.SIGTERM, _terminated)
