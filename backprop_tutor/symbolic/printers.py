"""Printers of the derivation's sympy expressions for the terminal, in textbook notation.

One tree, several printers: the same expression prints with its symbols (a2(1 − a2)) or with
the numbers of an iteration in their place (0.7153 × (1 − 0.7153)). Every mark of the notation
(superscripts, the multiplication sign, the minus sign, where a negative number needs its
parentheses) is chosen by the ``_print_<Class>`` method of the expression that owns it, so the
printed text is final as it comes out of the printer.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.core.mul import _keep_coeff
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.precedence import precedence as _sympy_precedence
from sympy.printing.str import StrPrinter
from sympy.utilities.iterables import sift

from ..notation.numbers import number
from ..notation.symbols import BARE_TOKEN, TOKEN, Printed, latex_symbol, symbol_number, symbol_text

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_FRACTIONS = {2: "½", 3: "⅓", 4: "¼"}
# a factor ending like this takes a parenthesis without a sign in the formula: a2(1 − a2)
_IMPLICIT_BEFORE = re.compile(r"[\w²³]$")


def _is_sigmoid(expr: sp.Expr) -> sp.Expr | None:
    # 1/(1 + exp(-x)) is how the sigmoid is built; textbooks write σ(x)
    if isinstance(expr, sp.Pow) and expr.exp == -1 and isinstance(expr.base, sp.Add):
        terms = expr.base.args
        if len(terms) == 2 and sp.S.One in terms:
            other = terms[0] if terms[1] == 1 else terms[1]
            if isinstance(other, sp.exp):
                return -other.args[0]
    return None


def _in_denominator(factor: sp.Expr) -> bool:
    return (factor.is_commutative and isinstance(factor, sp.Pow)
            and bool(factor.exp.as_coeff_Mul()[0] < 0))


def _is_unevaluated_product(expr: sp.Mul) -> bool:
    # a product built with evaluate=False: every factor shown, in the order given
    args = expr.args
    return args[0] is sp.S.One or any(
        isinstance(a, sp.Number) or a.is_Pow and all(ai.is_Integer for ai in a.args)
        for a in args[1:])



def precedence(item: sp.Basic) -> int:
    """sympy's precedence, but a case distinction ("1 if z > 0 else 0") binds less than any
    operation, so that one inside a sum or product is printed in parentheses."""
    return PRECEDENCE["Lambda"] if isinstance(item, sp.Piecewise) else _sympy_precedence(item)

class TextPrinter(StrPrinter):
    """sympy's str printer in textbook notation: σ, ∂, ², ·, −, ½ and 'if' forms.

    With ``numbers``, each symbol named in it prints as its number: in parentheses when
    negative, except where a group starts (the start of the text or just after an opening
    parenthesis), as in −0.5 × (−2) + (−1).
    """

    def __init__(self, numbers: dict[str, float] | None = None, precision: int = 4) -> None:
        super().__init__({"order": "none"})
        self.numbers = numbers
        self.precision = precision
        # the sign between factors: a2·x1 for symbols, 0.7 × 0.1 for numbers
        self.times = "·" if numbers is None else " × "
        self._opens = False  # the expression being printed starts a group

    # -- the printing machinery: where a group starts ------------------------------------

    def doprint(self, expr: sp.Basic) -> str:
        return self._print(expr, opens=True)

    def _print(self, expr: sp.Basic, opens: bool = False, **kwargs: object) -> str:
        outer, self._opens = self._opens, opens
        try:
            return super()._print(expr, **kwargs)
        finally:
            self._opens = outer

    def parenthesize(self, item: sp.Basic, level: int, strict: bool = False,
                     opens: bool = False) -> str:
        if precedence(item) < level or (not strict and precedence(item) <= level):
            return "(" + self._print(item, opens=True) + ")"
        return self._print(item, opens=opens)

    def _is_number(self, name: str) -> bool:
        return self.numbers is not None and name in self.numbers

    def _starts_with_number(self, expr: sp.Basic) -> bool:
        """Whether the text of ``expr`` (printed without parentheses) starts with a number."""
        if isinstance(expr, sp.Symbol):
            return self._is_number(expr.name)
        if isinstance(expr, sp.Number):
            return not expr.is_negative
        if isinstance(expr, sp.Pow):
            return (_is_sigmoid(expr) is None and expr.exp is not sp.S.Half
                    and not _in_denominator(expr) and precedence(expr.base) > precedence(expr)
                    and self._starts_with_number(expr.base))
        if isinstance(expr, sp.Mul):
            coeff, rest = expr.as_coeff_Mul()
            if coeff.is_negative:
                return False
            factors = sp.Mul.make_args(expr) if coeff == 1 else (coeff, rest)
            first = factors[0]
            return precedence(first) > precedence(expr) and self._starts_with_number(first)
        if isinstance(expr, sp.Add):
            return not self._is_negative(expr.args[0]) and self._starts_with_number(expr.args[0])
        return False

    def _join(self, texts: list[str]) -> str:
        """Factors side by side: a·b, 0.5 × 0.2, and a2(1 − a2) in the formula."""
        out = texts[0]
        for text in texts[1:]:
            implicit = (self.times == "·" and text.startswith("(")
                        and _IMPLICIT_BEFORE.search(out) is not None)
            out += ("" if implicit else self.times) + text
        return out

    def _is_negative(self, expr: sp.Basic) -> bool:
        """Whether ``expr`` prints with a leading minus sign an Add can take as its own."""
        if isinstance(expr, (sp.Integer, sp.Rational)):
            return bool(expr < 0)
        if isinstance(expr, sp.Mul):
            if _is_unevaluated_product(expr):
                first = [a for a in expr.args if not _in_denominator(a)][:1]
                return bool(first and not first[0].is_Add
                            and first[0].could_extract_minus_sign()
                            and self._is_negative(first[0]))
            return bool(expr.as_coeff_Mul()[0] < 0)
        return False

    def _call(self, name: str, args: tuple[sp.Basic, ...]) -> str:
        texts = [self._print(a, opens=i == 0) for i, a in enumerate(args)]
        return f"{name}(" + ", ".join(texts) + ")"

    # -- leaves ---------------------------------------------------------------------------

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if self._is_number(expr.name):
            value = self.numbers[expr.name]  # type: ignore[index]
            return number(value, self.precision) if self._opens else symbol_number(
                value, self.precision)
        return symbol_text(expr.name)

    def _print_Float(self, expr: sp.Float) -> str:
        return number(float(expr), self.precision)

    def _print_Integer(self, expr: sp.Integer) -> str:
        return ("−" if expr.p < 0 else "") + str(abs(expr.p))

    def _print_Rational(self, expr: sp.Rational) -> str:
        if expr.q == 1:
            return self._print_Integer(sp.Integer(expr.p))
        return ("−" if expr.p < 0 else "") + f"{abs(expr.p)}/{expr.q}"

    # -- operations -----------------------------------------------------------------------

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        out = ""
        for i, term in enumerate(self._as_ordered_terms(expr, order=order)):
            negative = not term.is_Add and self._is_negative(term)
            opens = i == 0 and not negative and self._opens
            if precedence(term) < precedence(expr) or term.is_Add:
                text = "(" + self._print(term, opens=True) + ")"
            elif negative:
                text = self._signless(term)
            else:
                text = self._print(term, opens=opens)
            if i == 0:
                out = ("−" if negative else "") + text
            else:
                out += (" − " if negative else " + ") + text
        return out

    def _signless(self, term: sp.Expr) -> str:
        """A negative term without its minus sign, which the sum writes as − between terms."""
        if isinstance(term, sp.Mul):
            return self._product(term, signed=False)
        return self._print(-term)

    def _print_Mul(self, expr: sp.Mul) -> str:
        coeff, rest = expr.as_coeff_Mul()
        if (isinstance(coeff, sp.Rational) and coeff.p == 1 and coeff.q > 1 and rest != 1
                and not any(_in_denominator(f) for f in sp.Mul.make_args(rest))):
            # ½(T − a)², as textbooks write it, rather than (T − a)²/2; a fraction with a
            # denominator of its own keeps its 2 below the line: z/(2·|z|)
            fraction = _FRACTIONS.get(coeff.q)
            if isinstance(rest, (sp.Add, sp.Piecewise)):
                inner = "(" + self._print(rest, opens=True) + ")"
            else:
                inner = self._print(rest)
            if fraction is None:
                return self._join([f"1/{coeff.q}", inner])
            # never ½ against a digit: ½ × 0.415
            return fraction + (self.times if self._starts_with_number(rest) else "") + inner
        return self._product(expr, signed=True)

    def _product(self, expr: sp.Mul, signed: bool) -> str:
        """sympy's str form of a product, in textbook notation; ``signed=False`` leaves out the
        leading minus sign of a negative product."""
        prec = precedence(expr)
        if _is_unevaluated_product(expr):
            return self._unevaluated_product(expr, prec, signed)

        c, e = expr.as_coeff_Mul()
        negative = bool(c < 0)
        if negative:
            expr = _keep_coeff(-c, e)
        sign = "−" if negative and signed else ""

        a: list[sp.Expr] = []  # the numerator
        b: list[sp.Expr] = []  # the denominator
        pow_paren = []  # 1/(x*y) kept in parentheses when written as a denominator
        for item in sp.Mul.make_args(expr):
            if _in_denominator(item):
                if item.exp is not sp.S.NegativeOne:
                    b.append(self._reciprocal(item))
                else:
                    if len(item.args[0].args) != 1 and isinstance(item.base, (sp.Mul, sp.Pow)):
                        pow_paren.append(item)
                    b.append(item.base)
            elif item.is_Rational and item is not sp.S.Infinity:
                if item.p != 1:
                    a.append(sp.Rational(item.p))
                if item.q != 1:
                    b.append(sp.Rational(item.q))
            else:
                a.append(item)
        a = a or [sp.S.One]

        opens = self._opens and not negative
        a_str = [self.parenthesize(x, prec, opens=opens and i == 0) for i, x in enumerate(a)]
        many = len(b) > 1
        b_str = [self.parenthesize(x, prec, opens=many and i == 0) for i, x in enumerate(b)]
        for item in pow_paren:
            if item.base in b:
                k = b.index(item.base)
                b_str[k] = "(" + self._print(item.base, opens=True) + ")"
        if not b:
            return sign + self._join(a_str)
        if len(b) == 1:
            return sign + self._join(a_str) + "/" + b_str[0]
        return sign + self._join(a_str) + "/(" + self._join(b_str) + ")"

    @staticmethod
    def _reciprocal(item: sp.Pow) -> sp.Expr:
        base, exp = item.as_base_exp()
        eargs = list(sp.Mul.make_args(exp))
        if eargs[0] is sp.S.NegativeOne:
            eargs = eargs[1:]
        else:
            eargs[0] = -eargs[0]
        return sp.Pow(base, sp.Mul._from_args(eargs), evaluate=False)

    def _unevaluated_product(self, expr: sp.Mul, prec: int, signed: bool) -> str:
        d, n = sift(expr.args, lambda x: _in_denominator(x), binary=True)
        for i, di in enumerate(d):
            if di.exp.is_Number:
                e = -di.exp
            else:
                dargs = list(di.exp.args)
                dargs[0] = -dargs[0]
                e = sp.Mul._from_args(dargs)
            d[i] = sp.Pow(di.base, e, evaluate=False) if e - 1 else di.base

        pre = []
        # the first factor, when negative, without parentheses
        if n and not n[0].is_Add and n[0].could_extract_minus_sign():
            first = n.pop(0)
            if signed or not self._is_negative(first):
                pre = [self._print(first, opens=self._opens)]
            else:
                pre = [self._signless(first)]
        nfactors = pre + [self.parenthesize(a, prec, opens=self._opens and not pre and i == 0)
                          for i, a in enumerate(n)]
        if not nfactors:
            nfactors = ["1"]

        many = len(d) > 1
        if many and d[0].could_extract_minus_sign():
            pre = [self._print(d.pop(0), opens=True)]
        else:
            pre = []
        dfactors = pre + [self.parenthesize(a, prec, opens=many and not pre and i == 0)
                          for i, a in enumerate(d)]
        if len(dfactors) > 1:
            return self._join(nfactors) + "/(" + self._join(dfactors) + ")"
        if dfactors:
            return self._join(nfactors) + "/" + dfactors[0]
        return self._join(nfactors)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        inner = _is_sigmoid(expr)
        if inner is not None:
            return f"σ({self._print(inner, opens=True)})"
        prec = precedence(expr)
        if expr.exp is sp.S.Half and not rational:
            return f"sqrt({self._print(expr.base, opens=True)})"
        if expr.is_commutative:
            if -expr.exp is sp.S.Half and not rational:
                return f"1/sqrt({self._print(expr.base, opens=True)})"
            if expr.exp is sp.S.NegativeOne:
                return "1/" + self.parenthesize(expr.base, prec)
        # a negative number keeps its parentheses as a base: (−0.5)²
        base = self.parenthesize(expr.base, prec)
        if isinstance(expr.base, sp.Symbol) and "/" in base:
            base = f"({base})"  # (∂E/∂w1)², never ∂E/∂w1², which reads as ∂E/∂(w1²)
        if expr.exp.is_Integer and expr.exp >= 0:
            return base + str(expr.exp).translate(_SUPERSCRIPTS)
        return base + "^" + self.parenthesize(expr.exp, prec)

    # -- functions and conditions ---------------------------------------------------------

    def _print_Function(self, expr: sp.Function) -> str:
        return self._call(expr.func.__name__, expr.args)

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        return self._call("Heaviside", expr.pargs)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        parts = []
        for i, (value, cond) in enumerate(expr.args):
            text = self._print(value, opens=i == 0 and self._opens)
            if cond == sp.true:
                parts.append(text)
            else:
                parts.append(f"{text} if {self._print(cond)} else")
        return " ".join(parts)

    def _print_Equality(self, expr: sp.Equality) -> str:
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_Max(self, expr: sp.Max) -> str:
        return self._call("max", expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._call("min", expr.args)

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"|{self._print(expr.args[0], opens=True)}|"  # |−0.88|, bars are brackets

    def _print_Sigmoid(self, expr: sp.Function) -> str:
        # a circuit's sigmoid kept whole (maths/circuit.py), written as the built one is
        return f"σ({self._print(expr.args[0], opens=True)})"


class _TemplatePrinter(TextPrinter):
    """The numbers form with a token where each number goes: a symbol's (by name) or a float
    constant's (``=`` and its repr), so that it can be filled at any precision later. A token
    where a group starts takes a negative number without parentheses."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.times = " × "
        self.names = names
        self.tokens: dict[str, int] = {}

    def _is_number(self, name: str) -> bool:
        return name in self.names

    def _token(self, key: str, bare: bool) -> str:
        index = self.tokens.setdefault(key, len(self.tokens))
        return (BARE_TOKEN if bare else TOKEN).format(index)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr.name in self.names:
            return self._token(expr.name, bare=self._opens)
        return symbol_text(expr.name)

    def _print_Float(self, expr: sp.Float) -> str:
        return self._token("=" + repr(float(expr)), bare=True)


def printed_form(expr: sp.Expr, names: tuple[str, ...]) -> Printed:
    """An expression printed once: ``formula_text``, and a template ``filled_numbers`` turns
    into exactly what ``numbers_text`` prints for the same numbers."""
    printer = _TemplatePrinter(set(names))
    template = printer.doprint(expr)
    return Printed(formula_text(expr), template, tuple(printer.tokens))


def formula_text(expr: sp.Expr) -> str:
    """An expression in symbols, as a textbook writes it: a2(1 − a2), w1·x1 + b1."""
    return TextPrinter().doprint(expr)


def numbers_text(expr: sp.Expr, numbers: dict[str, float], precision: int = 4) -> str:
    """The same expression with every symbol replaced by its number: 0.7153 × (1 − 0.7153)."""
    return TextPrinter(numbers, precision).doprint(expr)


class _LatexPrinter(LatexPrinter):
    """sympy's LaTeX printer, but a derivative raised to a power keeps its parentheses,
    (∂E/∂w)² and never a fraction with an exponent."""

    def _print_Pow(self, expr: sp.Pow) -> str:
        if isinstance(expr.base, sp.Symbol) and "/" in expr.base.name and expr.exp.is_Integer:
            return rf"\left({self._print(expr.base)}\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)


def latex_text(expr: sp.Expr) -> str:
    """The expression in LaTeX, symbols subscripted as in print (a_{21}, w_{1,10,2})."""
    names = {s: latex_symbol(s.name) for s in expr.free_symbols}
    return _LatexPrinter({"order": "none", "symbol_names": names}).doprint(expr)
