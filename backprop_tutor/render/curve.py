"""The loss of every epoch as a curve in the terminal, on a log scale when it spans decades."""

from __future__ import annotations

import math

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from ..notation.numbers import number

MIN_CURVE_EPOCHS = 10  # fewer epochs read better as the table alone
HEIGHT = 8
LOG_SPAN = 100.0  # max/min at or above which the scale is logarithmic (two decades)
POINT = "•"


def epoch_columns(count: int, width: int) -> list[int]:
    """The 0-based epoch each of ``width`` columns shows: the nearest to its place, the first
    and the last epoch always (one column per epoch when they fit)."""
    return [round(c * (count - 1) / (width - 1)) if width > 1 else 0 for c in range(width)]


class LossCurve:
    """Loss per epoch, one column per epoch (or per evenly spaced epoch when they are many)."""

    def __init__(self, history: tuple[float, ...] | list[float], precision: int = 4,
                 height: int = HEIGHT) -> None:
        self.history = list(history)
        self.precision = precision
        self.height = height
        finite = [v for v in self.history if math.isfinite(v)]
        self.low = min(finite) if finite else 0.0
        self.high = max(finite) if finite else 0.0
        self.log = bool(finite) and self.low > 0 and self.high / self.low >= LOG_SPAN
        self.skipped = len(finite) < len(self.history)

    def _scale(self, value: float) -> float:
        return math.log10(value) if self.log else value

    def _row(self, value: float) -> int:
        """0 for the top row, height − 1 for the bottom."""
        low, high = self._scale(self.low), self._scale(self.high)
        if high == low:
            return self.height // 2
        share = (self._scale(value) - low) / (high - low)
        return self.height - 1 - round(share * (self.height - 1))

    def _label(self, row: int) -> str:
        low, high = self._scale(self.low), self._scale(self.high)
        scaled = high - (high - low) * row / (self.height - 1)
        return number(10 ** scaled if self.log else scaled, self.precision)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        count = len(self.history)
        labels = {0: self._label(0), self.height - 1: self._label(self.height - 1)}
        if self.height >= 5:
            labels[(self.height - 1) // 2] = self._label((self.height - 1) // 2)
        margin = max(len(t) for t in labels.values()) + 1
        width = max(1, min(count, options.max_width - margin - 1))
        epochs = epoch_columns(count, width)
        grid = [[" "] * width for _ in range(self.height)]
        for c, e in enumerate(epochs):
            value = self.history[e]
            if math.isfinite(value):
                grid[self._row(value)][c] = POINT
        scale = "log scale" if self.log else "linear scale"
        every = "" if width == count else f"; {count} epochs in {width} columns"
        yield Text(f"Loss per epoch ({scale}{every})", style="bold")
        for r, row in enumerate(grid):
            line = Text(labels.get(r, "").rjust(margin - 1) + " ┤", style="dim")
            line.append("".join(row), style="green")
            yield line
        yield Text(" " * margin + "└" + "─" * width, style="dim")
        first, last = "epoch 1", f"epoch {count}"
        gap = max(1, width + 1 - len(first) - len(last))
        yield Text(" " * margin + first + " " * gap + last, style="dim")
        if self.skipped:
            yield Text("losses that are infinite or NaN are not drawn")


def loss_curve(history: tuple[float, ...] | list[float], precision: int = 4) -> LossCurve:
    """The curve of the losses before each epoch."""
    return LossCurve(history, precision)
