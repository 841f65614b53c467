"""A progress bar on stderr for long trainings, shown only when stderr is a terminal.

The engine calls ``progress(epoch, epochs, loss)`` after every epoch; the bar appears once a
run has taken about a second, so short runs print nothing, and it is gone when training ends.
Standard output, and with it the ``--json`` document, never sees it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

Callback = Callable[[int, int, float], None]

DELAY = 1.0  # seconds of training before the bar appears
REDRAW = 0.1  # seconds between updates of the bar; an epoch can take microseconds


class EpochBar:
    """The engine's progress callback: draws nothing until DELAY seconds have passed."""

    def __init__(self, stream: TextIO, *, no_color: bool = False, delay: float = DELAY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.no_color = no_color
        self.clock = clock
        self.shown_after = clock() + delay
        self.next_redraw = self.shown_after
        self.bar: Any = None  # rich's Progress, imported only when a bar is drawn
        self.task: Any = None

    def __call__(self, epoch: int, epochs: int, loss: float) -> None:
        if epoch < epochs:  # the last epoch always lands, so the bar ends full
            now = self.clock()
            if now < self.next_redraw:
                return
            self.next_redraw = now + REDRAW
        elif self.bar is None:
            return  # finished before the bar was due
        if self.bar is None:
            self._start(epochs)
        self.bar.update(self.task, completed=epoch, loss=f"{loss:.4g}")

    def _start(self, epochs: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from ..render.console import colour_wanted

        console = Console(file=self.stream, no_color=not colour_wanted(self.no_color),
                          highlight=False)
        self.bar = Progress(
            TextColumn("training"), BarColumn(), MofNCompleteColumn(),
            TextColumn("epochs · loss {task.fields[loss]}"), TimeElapsedColumn(),
            TextColumn("·"), TimeRemainingColumn(),
            console=console, transient=True,
        )
        self.task = self.bar.add_task("training", total=epochs, loss="")
        self.bar.start()

    def close(self) -> None:
        """Take the bar off the terminal, if it was drawn."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@contextmanager
def training_progress(*, no_color: bool = False, stream: TextIO | None = None
                      ) -> Iterator[Callback | None]:
    """A callback for the engine when ``stream`` (stderr) is a terminal, else None."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    if not (isatty is not None and isatty()):
        yield None
        return
    bar = EpochBar(stream, no_color=no_color)
    try:
        yield bar
    finally:
        bar.close()
