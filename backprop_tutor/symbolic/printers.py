"""Printers of the derivation's sympy expressions for the terminal, in textbook notation.

One tree, several printers: the same expression prints with its symbols (a2(1 − a2)) or with
the numbers of an iteration in their place (0.7153 × (1 − 0.7153)).
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.str import StrPrinter

from ..notation.numbers import number
from ..notation.symbols import Printed, latex_symbol, symbol_number, symbol_text, tidy


def _is_sigmoid(expr: sp.Expr) -> sp.Expr | None:
    # 1/(1 + exp(-x)) is how the sigmoid is built; textbooks write σ(x)
    if isinstance(expr, sp.Pow) and expr.exp == -1 and isinstance(expr.base, sp.Add):
        terms = expr.base.args
        if len(terms) == 2 and sp.S.One in terms:
            other = terms[0] if terms[1] == 1 else terms[1]
            if isinstance(other, sp.exp):
                return -other.args[0]
    return None


class TextPrinter(StrPrinter):
    """sympy's str printer in textbook order, with σ, ∂ and 'if' forms."""

    def __init__(self, numbers: dict[str, float] | None = None, precision: int = 4) -> None:
        super().__init__({"order": "none"})
        self.numbers = numbers
        self.precision = precision

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if self.numbers is not None and expr.name in self.numbers:
            return symbol_number(self.numbers[expr.name], self.precision)
        return symbol_text(expr.name)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        inner = _is_sigmoid(expr)
        if inner is not None:
            return f"σ({self._print(inner)})"
        return super()._print_Pow(expr, rational)

    def _print_Mul(self, expr: sp.Mul) -> str:
        coeff, rest = expr.as_coeff_Mul()
        if isinstance(coeff, sp.Rational) and coeff.p == 1 and coeff.q > 1 and rest != 1:
            # ½(T − a)², as textbooks write it, rather than (T − a)²/2
            fraction = {2: "½", 3: "⅓", 4: "¼"}.get(coeff.q, f"1/{coeff.q}·")
            inner = self._print(rest)
            if isinstance(rest, sp.Add):
                inner = f"({inner})"
            return fraction + inner
        return super()._print_Mul(expr)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        parts = []
        for value, cond in expr.args:
            if cond == sp.true:
                parts.append(self._print(value))
            else:
                parts.append(f"{self._print(value)} if {self._print(cond)} else")
        return " ".join(parts)

    def _print_Max(self, expr: sp.Max) -> str:
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr: sp.Min) -> str:
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_Float(self, expr: sp.Float) -> str:
        return number(float(expr), self.precision)


_TOKEN = "\ue000{}\ue001"


class _TemplatePrinter(TextPrinter):
    """The numbers form with a token where each number goes: a symbol's (by name) or a float
    constant's (``=`` and its repr), so that it can be filled at any precision later."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names
        self.tokens: dict[str, int] = {}

    def _token(self, key: str) -> str:
        return _TOKEN.format(self.tokens.setdefault(key, len(self.tokens)))

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr.name in self.names:
            return self._token(expr.name)
        return symbol_text(expr.name)

    def _print_Float(self, expr: sp.Float) -> str:
        return self._token("=" + repr(float(expr)))


def printed_form(expr: sp.Expr, names: tuple[str, ...]) -> Printed:
    """An expression printed once: ``formula_text``, and a template ``filled_numbers`` turns
    into exactly what ``numbers_text`` prints for the same numbers."""
    printer = _TemplatePrinter(set(names))
    template = printer.doprint(expr)
    return Printed(formula_text(expr), template, tuple(printer.tokens))


def formula_text(expr: sp.Expr) -> str:
    """An expression in symbols, as a textbook writes it: a2(1 − a2), w1·x1 + b1."""
    text = tidy(TextPrinter().doprint(expr), "·")
    # implicit multiplication before a parenthesis: a2(1 − a2)
    return re.sub(r"(?<=[\w²³])·\(", "(", text)


def numbers_text(expr: sp.Expr, numbers: dict[str, float], precision: int = 4) -> str:
    """The same expression with every symbol replaced by its number: 0.7153 × (1 − 0.7153)."""
    return tidy(TextPrinter(numbers, precision).doprint(expr), " × ")


def latex_text(expr: sp.Expr) -> str:
    """The expression in LaTeX, symbols subscripted as in print (a_{21}, w_{1,10,2})."""
    names = {s: latex_symbol(s.name) for s in expr.free_symbols}
    return sp.latex(expr, order="none", symbol_names=names)
