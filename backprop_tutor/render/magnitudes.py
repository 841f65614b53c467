"""Per layer, how large δ and the weight gradients were in each epoch: one row of bars per
layer, one column per epoch (or per evenly spaced epoch when they are many, as the loss curve
does), and the reading of it under the rows.

Each block (mean |δ|, mean |∂E/∂w|) has one scale for all its layers and epochs, logarithmic
when its numbers span two decades or more (curve.LOG_SPAN), else linear from 0, and says which
under its bars. The two blocks stand side by side where the width allows, else one above the
other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from ..notation.numbers import number
from ..solution.magnitudes import LayerSeries, reading
from .curve import LOG_SPAN, epoch_columns

LEVELS = "▁▂▃▄▅▆▇█"
MIN_SIDE_BY_SIDE = 10  # fewer columns per block than this (and than epochs): one above the other
GAP = "  "  # between the two blocks
TITLE = "Mean |δ| and mean |∂E/∂w| of each layer, per epoch (the mean over its updates)"


@dataclass(frozen=True)
class _Scale:
    """One block's scale: log from its smallest positive number to its largest, or linear
    from 0 to its largest."""

    low: float
    high: float
    log: bool

    @classmethod
    def of(cls, values: list[float]) -> _Scale:
        shown = [v for v in values if math.isfinite(v) and v > 0]
        low, high = (min(shown), max(shown)) if shown else (0.0, 0.0)
        return cls(low, high, bool(shown) and high / low >= LOG_SPAN)

    def bar(self, value: float) -> str:
        """The bar of one number; a blank for 0 and for a number that is not finite."""
        if not math.isfinite(value) or value <= 0 or self.high <= 0:
            return " "
        if self.log:
            share = (math.log10(value) - math.log10(self.low)) / (
                math.log10(self.high) - math.log10(self.low))
        else:
            share = value / self.high
        return LEVELS[round(min(max(share, 0.0), 1.0) * (len(LEVELS) - 1))]

    def label(self, precision: int) -> str:
        if self.log:
            return f"{LEVELS[0]} {number(self.low, precision)} to {LEVELS[-1]} " \
                   f"{number(self.high, precision)}, log scale"
        return f"{LEVELS[0]} 0 to {LEVELS[-1]} {number(self.high, precision)}, linear"


@dataclass(frozen=True)
class _Block:
    title: str
    rows: list[list[float]]  # [layer][epoch]
    precision: int

    @property
    def scale(self) -> _Scale:
        return _Scale.of([v for row in self.rows for v in row])

    def last(self) -> list[str]:
        return [number(row[-1], self.precision) for row in self.rows]

    def width(self, spark: int, epoch_label: str) -> int:
        numbers = max(len(epoch_label), *(len(t) for t in self.last()))
        return max(spark + 2 + numbers, len(self.title) + 2 + len(epoch_label),
                   len(self.scale.label(self.precision)))

    def lines(self, columns: list[int], epoch_label: str) -> list[Text]:
        """Header, one line per layer, scale: each exactly ``width`` cells."""
        spark = len(columns)
        width = self.width(spark, epoch_label)
        scale = self.scale
        header = Text(self.title, style="bold")
        header.append(epoch_label.rjust(width - len(self.title)), style="dim")
        out = [header]
        for row, last in zip(self.rows, self.last(), strict=True):
            line = Text("".join(scale.bar(row[e]) for e in columns), style="green")
            line.append(last.rjust(width - spark))
            out.append(line)
        out.append(Text(scale.label(self.precision).ljust(width), style="dim"))
        return out


class MagnitudeChart:
    """Mean |δ| and mean |∂E/∂w| of every layer over the epochs, and what they say."""

    def __init__(self, series: list[LayerSeries], precision: int = 4) -> None:
        self.series = series
        self.precision = precision
        self.epochs = len(series[0].delta) if series else 0
        self.blocks = (_Block("mean |δ|", [s.delta for s in series], precision),
                       _Block("mean |∂E/∂w|", [s.weight_gradients for s in series], precision))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(TITLE, style="bold")
        if not self.series or not self.epochs:
            return
        labels = ["layer", *(str(s.layer) for s in self.series), ""]
        margin = max(len(t) for t in labels) + 2
        epoch_label = f"epoch {self.epochs}"
        room = options.max_width - margin

        def side_width(spark: int) -> int:
            return sum(b.width(spark, epoch_label) for b in self.blocks) + len(GAP)

        spark = min(self.epochs, max(1, room))
        while spark > 1 and side_width(spark) > room:
            spark -= 1
        side = side_width(spark) <= room and spark >= min(self.epochs, MIN_SIDE_BY_SIDE)
        if not side:
            spark = min(self.epochs, max(1, room))
            while spark > 1 and max(b.width(spark, epoch_label) for b in self.blocks) > room:
                spark -= 1
        columns = epoch_columns(self.epochs, spark)
        parts = [b.lines(columns, epoch_label) for b in self.blocks]
        stacks = [list(zip(*parts, strict=True))] if side else [[(p,) for p in b] for b in parts]
        for stack in stacks:
            for n, cells in enumerate(stack):
                line = Text(labels[n].rjust(margin - 2) + "  ", style="dim" if n == 0 else "")
                for i, cell in enumerate(cells):
                    if i:
                        line.append(GAP)
                    line.append_text(cell)
                line.rstrip()
                yield line
        every = f"epochs 1 to {self.epochs}, one per column" if spark == self.epochs else \
            f"{spark} evenly spaced epochs of {self.epochs}, the first and the last included"
        notes = [f"bars: {every}; the numbers are the last epoch's"]
        values = [v for b in self.blocks for row in b.rows for v in row]
        if any(v == 0 for v in values):
            notes.append("a blank bar is 0")
        if any(not math.isfinite(v) for v in values):
            notes.append("numbers that are infinite or NaN are left blank")
        yield Text("; ".join(notes), style="dim")
        text = reading(self.series)
        if text is not None:
            yield Text(text)


def magnitude_chart(series: list[LayerSeries], precision: int = 4) -> MagnitudeChart:
    """The chart of a run's layer magnitudes (solution/magnitudes.py layer_series)."""
    return MagnitudeChart(series, precision)
