"""The questions of a worksheet: every number of the worked solution a student works out.

They are the rows of the worked solution's lines (solution/lines.py), in its order, so the
worksheet, the key, practice and grading ask and expect the same numbers under the same names.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from ..errors import InputError, close_names, did_you_mean
from ..network.addresses import base
from ..solution.lines import SECTIONS, Line, Row

# what ``--only`` and a sheet's ``asks`` may name besides addresses: the worked solution's
# sections, and ``backward`` for its local derivatives and backpropagated errors
SECTION_NAMES = {**{name: name for name in SECTIONS}, "backward": "factors"}


@dataclass(frozen=True)
class Question:
    """One number to work out: a row of a line of the worked solution."""

    line: Line
    row: Row

    @property
    def address(self) -> str:
        """Its address, with ``@s`` for one sample of a batch."""
        return self.row.address

    @property
    def base(self) -> str:
        """Its address without the sample."""
        return base(self.row.address)

    @property
    def section(self) -> str:
        """The section of the worked solution it belongs to."""
        return self.line.section

    @property
    def label(self) -> str:
        """``sample 2`` for one sample of a batch, else empty."""
        s = self.row.sample
        return "" if s is None else f"sample {self.line.samples[s]}"


def questions(lines: list[Line], asks: Collection[str] | None = None) -> list[Question]:
    """Every number of the iteration, in textbook order (inputs and targets are given); only
    the addresses ``asks`` names when it is given."""
    return [Question(line, row) for line in lines for row in line.rows()
            if asks is None or row.address in asks]


def chosen(quantities: Sequence[tuple[str, str]], selectors: Iterable[str], *,
           file: str | None = None, field: str = "asks") -> list[str]:
    """The addresses an exercise asks, in textbook order.

    ``quantities`` are every (address, section) of the iteration in textbook order; each
    selector is a section (``forward``, ``loss``, ``factors`` or ``backward``, ``gradients``,
    ``updates``), an address (``dE/dw2``, ``∂E/∂w2``), or an address without its sample
    (``z1`` for every ``z1@s`` of a batch). A selector that names nothing is an InputError.
    """
    from ..network.addresses import normalise

    picked: set[str] = set()
    for n, selector in enumerate(selectors):
        wanted = normalise(selector.strip())
        section = SECTION_NAMES.get(wanted.lower())
        if section is not None:
            found = {a for a, s in quantities if s == section}
        elif any(a == wanted for a, _ in quantities):
            found = {wanted}  # an address of its own: a batch's E is its mean, not each E@s
        else:
            found = {a for a, _ in quantities if base(a) == wanted}
        if not found:
            names = [*SECTION_NAMES, *dict.fromkeys(base(a) for a, _ in quantities)]
            hint = did_you_mean(close_names(wanted, names, most=3, cutoff=0.5))
            raise InputError(f"'{selector}' is neither a section ({', '.join(SECTION_NAMES)}) "
                             f"nor a quantity of this exercise" + (f"; {hint}" if hint else ""),
                             file=file, field=f"{field}[{n}]" if field == "asks" else field)
        picked |= found
    return [a for a, _ in quantities if a in picked]
