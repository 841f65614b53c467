"""The questions of a worksheet: every number of the worked solution a student works out.

They are the rows of the worked solution's lines (solution/lines.py), in its order, so the
worksheet, the key, practice and grading ask and expect the same numbers under the same names.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..network.addresses import base
from ..solution.lines import Line, Row


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


def questions(lines: list[Line]) -> list[Question]:
    """Every number of the iteration, in textbook order (inputs and targets are given)."""
    return [Question(line, row) for line in lines for row in line.rows()]
