"""Ctrl-C and SIGTERM held back while numpy.random is first imported.

The command line turns Ctrl-C into a KeyboardInterrupt and SIGTERM into a SystemExit
(cli/boundary.py), raised by Python signal handlers wherever the program happens to be. The
first import of numpy.random runs Python code (registering its types with ``abc``) inside the
initialisation of a compiled module that discards any exception raised there: a signal arriving
then would be lost, and an interrupted run would carry on to the end. Held back for the few
milliseconds of that import, the signal is delivered as soon as it is done.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

_HELD = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))


@contextmanager
def held_signals() -> Iterator[None]:
    """Delay Ctrl-C and SIGTERM until the block ends, then deliver the first that came.

    Only signals with a Python handler are held (an ignored or default one needs no help); in a
    thread other than the main one, where handlers cannot be changed, nothing is held.
    """
    arrived: list[int] = []
    previous: dict[int, object] = {}
    try:
        for signum in _HELD:
            handler = signal.getsignal(signum)
            if callable(handler):
                signal.signal(signum, lambda number, frame: arrived.append(number))
                previous[signum] = handler
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if arrived:
            signal.raise_signal(arrived[0])  # its own handler runs now, outside the import


def numpy_random() -> ModuleType:
    """``numpy.random``, imported with Ctrl-C and SIGTERM held back (see the module's text)."""
    with held_signals():
        import numpy.random
    return numpy.random
