"""The console script's first step: quiet on Ctrl-C or SIGTERM while the tool is starting.

Importing the command line, NumPy and the rest takes a few tenths of a second. Python's own
handling of Ctrl-C in that time is a traceback; here it is the same short exit an interrupted
run gives (status 130, or 143 for SIGTERM). Nothing has been read or written yet, so there is
nothing to clean up. Each command's error boundary takes Ctrl-C over once it runs
(cli/boundary.py).
"""

from __future__ import annotations

import os
import signal
import sys


def _starting(signum: int, frame: object) -> None:
    if signum == signal.SIGINT:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
    os._exit(128 + signum)


def quiet_start() -> None:
    """Until a command's error boundary is entered, Ctrl-C and SIGTERM end the process quietly.

    A signal the process was started ignoring (a job started in the background) stays ignored.
    """
    if hasattr(signal, "SIGINT") and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _starting)
    if hasattr(signal, "SIGTERM") and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _starting)


def main() -> None:
    """Entry point of the console script."""
    quiet_start()
    from .cli import main as run_command_line

    run_command_line()
