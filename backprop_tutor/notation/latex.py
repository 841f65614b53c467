"""Numbers in LaTeX, and a printed LaTeX template filled with an iteration's numbers (no sympy)."""

from __future__ import annotations

import re

from .numbers import number
from .symbols import TOKEN, Printed

__all__ = ["TOKEN", "filled_latex", "mean_latex", "number_latex"]

_TOKENS = re.compile("\ue000(\\d+)\ue001")


def number_latex(value: float, precision: int = 4) -> str:
    """A number in LaTeX: ``-0.32``, ``1.2 \\times 10^{-5}``."""
    text = number(value, precision, unicode=False)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def filled_latex(printed: Printed, numbers: dict[str, float], precision: int = 4) -> str:
    """A LaTeX template with each symbol's number in its place (negative ones in parentheses)."""
    template = printed.template

    def put(match: re.Match[str]) -> str:
        text = number_latex(numbers[printed.names[int(match.group(1))]], precision)
        power = template[match.end():match.end() + 1] == "^"  # 2.9 \times 10^{-5} as a base
        return rf"\left({text}\right)" if text.startswith("-") or (power and "times" in text) \
            else text

    return _TOKENS.sub(put, template)


def mean_latex(values: list[float] | tuple[float, ...], precision: int = 4,
               added: float = 0.0, summed: bool = False) -> str:
    """The mean over a batch with each sample's term: ``\\frac{1}{2}\\left(0.1 - 0.2\\right)``
    (``summed``: their sum, without the 1/m), then ``+ added`` (the L2 term of a gradient) when
    it is not 0."""
    terms = ""
    for i, v in enumerate(values):
        text = number_latex(abs(v) if i else v, precision)
        terms += text if not i else (" - " if v < 0 else " + ") + text
    out = rf"\left({terms}\right)" if summed else \
        rf"\frac{{1}}{{{len(values)}}}\left({terms}\right)"
    if added:
        out += (" - " if added < 0 else " + ") + number_latex(abs(added), precision)
    return out
