"""The printed forms of a worked-solution formula: text, LaTeX and Python, each printed once.

Text and LaTeX come with a template: the same print with a token where each symbol's number
goes, which notation/symbols.py fills with an iteration's numbers without sympy. The Python form
is the expression as NumPy code over positional arguments, as ``sympy.lambdify`` prints it;
network/kernels.py evaluates it (parsed, never executed), and platform exports can embed it.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.numpy import NumPyPrinter

from ..notation.latex import TOKEN
from ..notation.symbols import Printed, latex_symbol
from .printers import latex_text, printed_form

__all__ = ["code_of", "latex_form", "text_form"]


def text_form(expr: sp.Expr, names: tuple[str, ...]) -> Printed:
    """The formula as text (``a2(1 − a2)``) and its numbers template."""
    return printed_form(expr, names)


class _LatexTemplatePrinter(LatexPrinter):
    """LaTeX with a token in place of each symbol whose number is filled in later."""

    def __init__(self, names: set[str]) -> None:
        super().__init__({"order": "none", "mul_symbol": "times"})
        self.names = names
        self.tokens: dict[str, int] = {}

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if expr.name in self.names:
            return TOKEN.format(self.tokens.setdefault(expr.name, len(self.tokens)))
        return latex_symbol(expr.name)


def latex_form(expr: sp.Expr, names: tuple[str, ...]) -> Printed:
    """The formula in LaTeX (``a_{2} \\left(1 - a_{2}\\right)``) and its numbers template."""
    printer = _LatexTemplatePrinter(set(names))
    template = printer.doprint(expr)
    return Printed(latex_text(expr), template, tuple(printer.tokens))


def code_of(expr: sp.Expr) -> tuple[tuple[str, ...], str]:
    """(names, NumPy source): the expression over positional arguments ``v0, v1, …`` that stand
    for the names, in order."""
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    renamed = expr.xreplace({s: sp.Symbol(f"v{i}") for i, s in enumerate(symbols)})
    printer = NumPyPrinter({"fully_qualified_modules": False, "inline": True,
                            "allow_unknown_functions": True})
    return tuple(s.name for s in symbols), printer.doprint(renamed)
