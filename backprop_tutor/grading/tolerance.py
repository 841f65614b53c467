"""When a given number counts as the key: a relative or absolute tolerance, or correct rounding.

A hand calculation carried with three or four digits passes; a sign error or a value wrong in
its second significant digit does not. Rounding is judged at the precision the student wrote,
so the number's source text is kept alongside its value.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

# Fewer significant digits than this prove nothing about the calculation ("0.5", "1").
MIN_SIGNIFICANT = 2


@dataclass(frozen=True)
class Tolerance:
    """The grading tolerance: relative, absolute, and whether correct rounding passes."""

    rel: float = 0.005
    abs: float = 0.0
    rounding: bool = True


@dataclass(frozen=True)
class Written:
    """A number as the student wrote it: its value and its literal text."""

    value: float
    text: str


_MINUS = str.maketrans({"−": "-", "–": "-", "‒": "-", "﹣": "-", "－": "-"})


def literal(text: str) -> Decimal | None:
    """The decimal a written number stands for (``−0.057``, ``5.7e−2``), or None."""
    cleaned = text.strip().translate(_MINUS).replace("_", "").replace(" ", "")
    try:
        d = Decimal(cleaned)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def significant_digits(d: Decimal) -> int:
    """How many significant digits a literal carries: ``0.0570`` has 3, ``0`` has 1."""
    digits = d.as_tuple().digits
    stripped = list(digits)
    while len(stripped) > 1 and stripped[0] == 0:
        stripped.pop(0)
    return len(stripped)


def rounds_to(key: float, written: Decimal) -> bool:
    """Whether the key, rounded to the decimal places of ``written``, is ``written``."""
    if not math.isfinite(key):
        return False
    quantum = Decimal(1).scaleb(written.as_tuple().exponent)
    exact = Decimal(key)  # the float's exact value: no second rounding through repr
    # a student may write more digits than the default 28-digit context holds
    with localcontext() as context:
        context.prec = max(context.prec, len(written.as_tuple().digits) + 400)
        try:
            return any(exact.quantize(quantum, rounding=mode) == written
                       for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN))
        except InvalidOperation:  # hundreds of places: no rounding of a float can match it
            return False


def within(key: float, given: float, tol: Tolerance) -> bool:
    """Whether ``given`` is within the relative or absolute tolerance of ``key``."""
    if not (math.isfinite(key) and math.isfinite(given)):
        return False
    diff = abs(given - key)
    return diff <= tol.abs or diff <= tol.rel * abs(key)


def matches(key: float, given: Written, tol: Tolerance) -> bool:
    """Whether the written number is the key: within tolerance, or correctly rounded."""
    if within(key, given.value, tol):
        return True
    if not tol.rounding:
        return False
    d = literal(given.text)
    return d is not None and significant_digits(d) >= MIN_SIGNIFICANT and rounds_to(key, d)


def quantum(written: Decimal) -> Decimal:
    """One unit in the last place written: ``0.1496`` → 0.0001, ``0.15`` → 0.01."""
    return Decimal(1).scaleb(written.as_tuple().exponent)


def change_matches(start: float, key: float, given: Written, tol: Tolerance) -> bool:
    """Whether a new value written for ``start`` + Δ (an update w+ = w − η·∂E/∂w) makes the
    key's change Δ = ``key`` − ``start``.

    The change, not the new value, is judged: the written value's change ``given − start``
    must be within the tolerance of Δ, or the written value must be the key correctly rounded
    at a precision that resolves the change (one unit in the last place written no larger than
    |Δ|, so the change has the right sign and is not lost in the rounding). Where Δ is 0 (a
    frozen parameter, an input of 0) the value must stay ``start``, as written at its
    precision. w1 = 0.15 and key 0.14959 (Δ = −0.000408): ``0.1496`` passes, ``0.15`` does not.
    """
    if not (math.isfinite(start) and math.isfinite(key) and math.isfinite(given.value)):
        return False
    change = _change(start, key)
    if abs(given.value - start - change) <= tol.abs + tol.rel * abs(change):
        return True
    d = literal(given.text)
    if d is None or not tol.rounding:
        return False
    if change == 0:
        return rounds_to(start, d)
    return (significant_digits(d) >= MIN_SIGNIFICANT and quantum(d) <= Decimal(abs(change))
            and rounds_to(key, d))


def _change(start: float, key: float) -> float:
    """key − start, where a difference of a few units in the last place is no change: the
    rounding of the arithmetic that computed the key (w − η·0 computed another way)."""
    change = key - start
    return 0.0 if abs(change) <= 4 * sys.float_info.epsilon * max(abs(start), abs(key)) \
        else change


def agrees(key: float, given: Written, tol: Tolerance, start: float | None = None) -> bool:
    """Whether ``given`` is the key (``matches``), or, for a quantity that is ``start`` plus a
    change (an update), whether it makes the key's change (``change_matches``)."""
    return matches(key, given, tol) if start is None else change_matches(start, key, given, tol)


def reproduces(value: float, given: Written, tol: Tolerance, start: float | None = None
               ) -> bool:
    """Whether a value computed with a slip made (a named mistake) explains ``given``.

    As ``agrees``, except that a change smaller than one unit in the last place written
    (a slip that leaves the parameter where it was, to the precision written) is reproduced by
    the value correctly rounded: the precision a student chose cannot show it, and need not.
    """
    if start is None:
        return matches(value, given, tol)
    d = literal(given.text)
    change = _change(start, value) if math.isfinite(value) else math.inf
    if d is not None and tol.rounding and abs(change) < quantum(d):
        return rounds_to(value, d)
    return change_matches(start, value, given, tol)


def indistinct(key: float, value: float, tol: Tolerance, start: float | None = None) -> bool:
    """Whether a computed ``value`` cannot be told from the key: within tolerance of it, or
    for a quantity that is ``start`` plus a change, making a change within tolerance of the
    key's."""
    if start is None:
        return within(key, value, tol)
    if not all(math.isfinite(v) for v in (start, key, value)):
        return False
    return within(_change(start, key), _change(start, value), tol)


def is_correct(text: str, key: float, tol: Tolerance = Tolerance(),
               start: float | None = None) -> bool:
    """Whether a typed answer is the key: the rule of practice mode, the same as grading's
    (``start``: the value an update starts from, whose change is judged)."""
    d = literal(text)
    return d is not None and agrees(key, Written(float(d), text), tol, start)


def relative_error(key: float, given: float) -> float:
    """|given − key| / |key| (infinite for a wrong value where the key is 0)."""
    if key == 0:
        return 0.0 if given == 0 else math.inf
    return abs(given - key) / abs(key)
