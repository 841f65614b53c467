"""When a given number counts as the key: a relative or absolute tolerance, or correct rounding.

A hand calculation carried with three or four digits passes; a sign error or a value wrong in
its second significant digit does not. Rounding is judged at the precision the student wrote,
so the number's source text is kept alongside its value.
"""

from __future__ import annotations

import math
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


def is_correct(text: str, key: float, tol: Tolerance = Tolerance()) -> bool:
    """Whether a typed answer is the key: the rule of practice mode, the same as grading's."""
    d = literal(text)
    return d is not None and matches(key, Written(float(d), text), tol)


def relative_error(key: float, given: float) -> float:
    """|given − key| / |key| (infinite for a wrong value where the key is 0)."""
    if key == 0:
        return 0.0 if given == 0 else math.inf
    return abs(given - key) / abs(key)
