"""Error carried forward: a value that follows, by the right formula, from the student's own
earlier values, even where those were wrong."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .solution import Solution
from .tolerance import Tolerance, Written, agrees

# what "follows from" means in words: the written value is the computed one correctly rounded
EXACT = Tolerance(rel=0.0, abs=0.0, rounding=True)


@dataclass(frozen=True)
class CarriedForward:
    """The value a quantity takes from the student's own earlier values."""

    value: float
    sources: tuple[str, ...]  # the student's earlier values it used that were marked wrong
    exact: bool = True  # the written value is this value correctly rounded, not only close


def own_value(solution: Solution, address: str, given: Written, own: Mapping[str, float],
              tol: Tolerance) -> tuple[float, int] | None:
    """The value of the quantity from the student's earlier values, and the index of the
    formula that gives it, if ``given`` matches it.

    Every formula the worked solution knows for the quantity is tried (the path products and
    the δ form of a gradient), each from the student's earlier values where they gave them and
    from the key's where they did not.
    """
    if not solution.computable(address):
        return None
    earlier = {a: v for a, v in own.items() if a != address}
    start = solution.start(address)
    for index in range(len(solution.steps[address].formulas)):
        value = solution.evaluate(address, given=earlier, formula=index)
        if math.isfinite(value) and agrees(value, given, tol, start):
            return value, index
    return None


def follows(solution: Solution, address: str, given: Written, own: Mapping[str, float]
            ) -> tuple[float, int] | None:
    """Like ``own_value``, but only when the written value is the one the student's earlier
    values give, correctly rounded at the precision written (σ(0.92) = 0.7150 is followed by
    0.715, not by 0.716): what "follows from your rounded value" says."""
    return own_value(solution, address, given, own, EXACT)


def carried_forward(solution: Solution, address: str, given: Written, own: Mapping[str, float],
                    wrong: Collection[str], tol: Tolerance) -> CarriedForward | None:
    """The carried-forward value when ``given`` follows from the student's own values.

    ``sources`` names the earlier values marked wrong that the quantity depends on; when it is
    empty the value follows from earlier values that were all accepted (rounded, say), and is
    itself right.
    """
    found = own_value(solution, address, given, own, tol)
    if found is None:
        return None
    value, formula = found
    used = solution.depends(address, formula)
    order = list(solution.key)
    sources = tuple(sorted((a for a in wrong if a in used and a in own), key=order.index))
    exact = agrees(value, given, EXACT, solution.start(address))
    return CarriedForward(value, sources, exact)
