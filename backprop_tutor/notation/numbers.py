"""How numbers are written: significant digits, a true minus sign, no NaN tokens."""

from __future__ import annotations

import math


def number(value: float, precision: int = 4, *, unicode: bool = True) -> str:
    """``value`` to ``precision`` significant digits, trailing zeros dropped."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        text = "∞" if unicode else "inf"
        return ("−" if value < 0 else "") + text if unicode else ("-" if value < 0 else "") + text
    if value == int(value) and abs(value) < 1e15:
        text = str(int(value))
    else:
        text = f"{value:.{precision}g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−") if unicode else text


def signed_sum(values: list[float], precision: int = 4) -> str:
    """Numbers written as a sum with true signs: ``0.1 − 0.2 + 0.3``."""
    text = ""
    for i, v in enumerate(values):
        written = number(abs(v), precision) if i else number(v, precision)
        text += written if not i else (" − " if v < 0 else " + ") + written
    return text


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_of_ten(exponent: int, *, unicode: bool = True) -> str:
    """10 to an integer power, the exponent in superscript digits: ``10⁻⁴`` (``10^-4``)."""
    return "10" + (str(exponent).translate(_SUPERSCRIPTS) if unicode else f"^{exponent}")
