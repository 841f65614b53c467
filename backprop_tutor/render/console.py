"""The rich console every terminal command prints to."""

from __future__ import annotations

import os

from rich.console import Console


def colour_wanted(no_color: bool = False) -> bool:
    """False with --no-color or a non-empty NO_COLOR (no-color.org), True otherwise."""
    return not (no_color or os.environ.get("NO_COLOR", ""))


def make_console(*, no_color: bool = False, width: int | None = None, file=None,
                 record: bool = False) -> Console:
    """A console that honours --no-color and NO_COLOR, and plain output when piped.

    ``record`` keeps what is printed for --svg and --html; the exports keep their colours
    even when the terminal shows none.
    """
    plain = not colour_wanted(no_color)
    return ToolConsole(file=file, width=width, no_color=plain,
                       color_system=None if plain else "auto", highlight=False, soft_wrap=False,
                       record=record)


class ToolConsole(Console):
    """rich's Console, except that a closed pipe is left to the command's error boundary (one
    quiet exit with status 141, cli/boundary.py) instead of rich's own exit with status 1."""

    def on_broken_pipe(self) -> None:
        """rich calls this on a BrokenPipeError while writing (its documented hook)."""
        raise BrokenPipeError("the reader of the output went away")


def needs_width(table, column: int, width: int) -> None:
    """Let ``table`` count as fitting only where ``column`` can be ``width`` wide.

    Unlike a column's min_width this leaves the column narrower when its cells are.
    """
    table.fit_minimums = {**getattr(table, "fit_minimums", {}), column: width}


def min_width(console, options, table) -> int:
    """The narrowest a table can be without cutting a cell of a no-wrap column.

    Rich measures a table's minimum from each column's narrowest cell (a no-wrap column's cells
    are then cut) and its ``min_width``. Measured here: a copy of the table whose columns have
    as ``min_width`` the width they need, a no-wrap column the widest of its cells.
    """
    import copy
    import dataclasses

    from rich.measure import Measurement

    wide = options.update_width(10_000)
    minimums = getattr(table, "fit_minimums", {})
    columns = []
    for i, column in enumerate(table.columns):
        shown = (column.header, *column.cells) if table.show_header else tuple(column.cells)
        cells = [Measurement.get(console, wide, c) for c in shown]
        widest = max((m.maximum if column.no_wrap else m.minimum for m in cells), default=0)
        widest = max(widest, column.min_width or 0, minimums.get(i, 0))
        columns.append(dataclasses.replace(column, min_width=widest))
    sized = copy.copy(table)
    sized.columns = columns
    return Measurement.get(console, wide, sized).minimum


class Fit:
    """The first layout that fits the width it is given, else the last one.

    Each candidate is a table (its no-wrap columns must fit whole) or any other renderable
    (its natural width must fit).
    """

    def __init__(self, *candidates) -> None:
        self.candidates = candidates

    def fits(self, console, options, candidate) -> bool:
        """Whether ``candidate`` fits ``options.max_width`` without cutting anything."""
        from rich.measure import Measurement
        from rich.table import Table

        if isinstance(candidate, Table):
            return min_width(console, options, candidate) <= options.max_width
        return Measurement.get(console, options.update_width(10_000),
                               candidate).maximum <= options.max_width

    def __rich_console__(self, console, options):
        for candidate in self.candidates[:-1]:
            if self.fits(console, options, candidate):
                yield candidate
                return
        yield self.candidates[-1]


def html_of(renderable, width: int = 100) -> str:
    """A renderable as a self-contained HTML fragment (inline styles) for notebooks."""
    import io

    console = Console(file=io.StringIO(), width=width, record=True, color_system="truecolor",
                      highlight=False, soft_wrap=False)
    console.print(renderable)
    return console.export_html(inline_styles=True, code_format="<pre style=\"font-family: "
                               "Menlo, 'DejaVu Sans Mono', monospace\">{code}</pre>")
