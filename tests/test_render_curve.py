"""The loss curve: one point per column, the scale that suits the range, labels at both ends."""

from __future__ import annotations

import io
import math

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from backprop_tutor.render.curve import LossCurve


def _lines(history, width: int = 60) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(LossCurve(history))
    return console.file.getvalue().splitlines()


def _plot_rows(lines: list[str]) -> list[str]:
    return [line.split("┤", 1)[1] for line in lines if "┤" in line]


losses = st.lists(st.floats(min_value=1e-6, max_value=1e3), min_size=2, max_size=300)


@settings(max_examples=60, deadline=None)
@given(losses, st.integers(min_value=30, max_value=120))
def test_every_column_has_one_point_and_the_extremes_are_at_the_edges(history, width):
    rows = _plot_rows(_lines(history, width))
    columns = max(len(r) for r in rows)
    for c in range(columns):
        assert sum(1 for r in rows if c < len(r) and r[c] == "•") == 1
    if max(history) > min(history):
        # the first column is epoch 1 and the last the last epoch: the top row holds the
        # highest loss, the bottom row the lowest
        first = next(i for i, r in enumerate(rows) if r[0] == "•")
        last = next(i for i, r in enumerate(rows) if r[columns - 1] == "•")
        if history[0] == max(history):
            assert first == 0
        if history[-1] == min(history):
            assert last == len(rows) - 1


def test_log_scale_when_the_loss_spans_decades():
    decaying = [10 * 0.9**k for k in range(100)]  # 10 down to 3e-4: four decades
    text = "\n".join(_lines(decaying))
    assert "log scale" in text
    rows = _plot_rows(_lines(decaying))
    # on a log scale an exponential decay is a straight line: every row is used
    assert all("•" in r for r in rows)


def test_linear_scale_for_a_narrow_range():
    text = "\n".join(_lines([0.5, 0.45, 0.41, 0.4]))
    assert "linear scale" in text and "log scale" not in text


def test_labels_are_the_highest_and_lowest_loss():
    lines = _lines([0.8, 0.4, 0.2, 0.1])
    plot = [line for line in lines if "┤" in line]
    assert plot[0].split("┤")[0].strip() == "0.8"
    assert plot[-1].split("┤")[0].strip() == "0.1"


def test_many_epochs_are_sampled_to_the_width_and_nan_is_not_drawn():
    history = [1.0 / (k + 1) for k in range(1000)] + [math.nan]
    lines = _lines(history, width=50)
    assert all(len(line) <= 50 for line in lines)
    assert "1001 epochs in" in lines[0]
    assert any("not drawn" in line for line in lines)
