"""How large each layer's δ and weight gradients were, epoch by epoch, and the one-line reading
of it: the plain data that the terminal's chart and ``run --json``'s ``layer_magnitudes`` show.

The numbers are the trace's (training/magnitudes.py): per update, mean |δ| over the batch's
samples and the layer's units and mean |∂E/∂w| over the layer's weights; per epoch, the mean
over its updates. The reading compares the first layer's mean |∂E/∂w| with the last layer's in
the first and the last epoch, as the power of ten nearest their ratio on a log scale:
round(log₁₀ ratio), so a ratio of 3e−6 reads "about 10⁻⁶" and one of 4e−6 "about 10⁻⁵".
Why the sigmoid's gradients fade: docs/course-maths.md, "Fading gradients".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..notation.numbers import number, power_of_ten
from .run import Run

if TYPE_CHECKING:  # the terminal's summary needs no pydantic types
    from .json_types import MagnitudeComparison, MagnitudesDocument

STATISTIC = "mean absolute value"
RATIO_DIGITS = 2  # significant digits of the ratio in the reading


@dataclass(frozen=True)
class LayerSeries:
    """One layer's numbers, one per epoch run."""

    layer: int  # 1-based
    units: int
    delta: list[float]  # mean |δ|
    weight_gradients: list[float]  # mean |∂E/∂w|


@dataclass(frozen=True)
class Comparison:
    """The first layer's mean |∂E/∂w| against the last layer's in one epoch."""

    epoch: int  # 1-based
    first: float
    last: float

    @property
    def ratio(self) -> float | None:
        """first / last; None where it is no number (a gradient not finite, or the last 0)."""
        if not (math.isfinite(self.first) and math.isfinite(self.last)) or self.last == 0:
            return None
        return self.first / self.last

    @property
    def power(self) -> int | None:
        """The power of ten nearest the ratio on a log scale; None for no ratio or a ratio 0."""
        ratio = self.ratio
        return None if not ratio else math.floor(math.log10(ratio) + 0.5)


def layer_series(run: Run) -> list[LayerSeries]:
    """Every layer's mean |δ| and mean |∂E/∂w| per epoch run (empty if the trace has none)."""
    sizes = run.trace.magnitudes
    if sizes is None:
        return []
    deltas, gradients = sizes.delta.T.tolist(), sizes.weight_gradients.T.tolist()
    return [LayerSeries(n, len(layer.units), deltas[n - 1], gradients[n - 1])
            for n, layer in enumerate(run.plan.layers, start=1)]


def comparisons(series: list[LayerSeries]) -> list[Comparison]:
    """The first and the last epoch's comparison (one when they are the same epoch); none for
    a network of one layer, which has nothing to compare."""
    if len(series) < 2 or not series[0].weight_gradients:
        return []
    first, last = series[0].weight_gradients, series[-1].weight_gradients
    epochs = sorted({1, len(first)})
    return [Comparison(e, first[e - 1], last[e - 1]) for e in epochs]


def _relation(c: Comparison, *, short: bool = False, unicode: bool = True) -> tuple[str, str]:
    """How the first layer's gradients compare with the last layer's, and what that means;
    ``short`` leaves out the last layer once a sentence has named it."""
    ratio = c.ratio
    if not (math.isfinite(c.first) and math.isfinite(c.last)):
        return "not finite (infinite or NaN)", "nothing to compare"
    if c.first == 0 and c.last == 0:
        return "0, as are the last layer's", "no error reaches either"
    if c.last == 0:
        return "not 0 while the last layer's are", ""
    if ratio == 0:
        return "0", "no error reaches the first layer"
    power = c.power
    assert ratio is not None and power is not None
    shown = f"(ratio {number(ratio, RATIO_DIGITS, unicode=unicode)})"
    last = "" if short else " the last layer's"
    if power < 0:
        return (f"about {power_of_ten(power, unicode=unicode)}{' of' if last else ''}{last} "
                f"{shown}",
                "they fade on the way back to the input")
    if power == 0:
        return f"of the same order{' as' if last else ''}{last} {shown}", "they do not fade"
    return (f"about {power_of_ten(power, unicode=unicode)} times{last} {shown}",
            "they grow on the way back to the input")


def reading(series: list[LayerSeries], *, unicode: bool = True) -> str | None:
    """One line: the first layer's weight gradients against the last layer's, in the first
    epoch and (if there are several) the last; None for a network of one layer. Without
    ``unicode``, in ASCII: 10^-6 for 10⁻⁶, - for −."""
    chosen = comparisons(series)
    if not chosen:
        return None
    head = chosen[0]
    relation, meaning = _relation(head, unicode=unicode)
    text = f"Epoch {head.epoch}: the first layer's weight gradients are {relation}"
    text += f": {meaning}." if meaning else "."
    if len(chosen) > 1:
        tail = chosen[1]
        relation, later = _relation(tail, short=True, unicode=unicode)
        text += f" Epoch {tail.epoch}: {relation}"
        text += f": {later}." if later and later != meaning else "."
    return text


def document(run: Run) -> MagnitudesDocument:
    """``layer_magnitudes`` of the --json document (non-finite numbers are written null). The
    reading is in ASCII: one character beyond Latin-1 would make Python hold the whole text of
    a large document at two bytes a character."""
    series = layer_series(run)
    compared: list[MagnitudeComparison] = [
        {"epoch": c.epoch, "first_layer": c.first, "last_layer": c.last, "ratio": c.ratio,
         "power_of_ten": c.power} for c in comparisons(series)]
    return {
        "statistic": STATISTIC,
        "layers": [{"layer": s.layer, "units": s.units, "delta": s.delta,
                    "weight_gradients": s.weight_gradients} for s in series],
        "comparisons": compared,
        "reading": reading(series, unicode=False),
    }
