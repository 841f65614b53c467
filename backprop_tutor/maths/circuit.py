"""A computational graph (a circuit) as sympy: each node a formula of the names above it, each
local gradient ∂node/∂parent derived by sympy, and every value worked out to 30 digits.

A circuit is the picture of backpropagation that comes before any network (CS231n's notes on
backpropagation, Karpathy's micrograd): named inputs, nodes that are gates (``x + y``,
``q * z``, ``max(a, b)``, ``exp(u)``, ``1/v``) or whole functions (``sigmoid(w0*x0 + w2)``),
one output. The formulas are parsed by maths/expression.py's whitelist under its limits, so
nothing a file says runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from mpmath.libmp import prec_to_dps

from ..errors import InputError
from .expression import parse_formula

# digits every value is worked out to before it is rounded to a float: a chain of a few
# hundred operations loses none of the float's 16 digits
DIGITS = 30
ALLOWED = ("the names of the inputs, parameters and nodes above it, numbers, + - * / **, "
           "unary minus, and calls of exp, log, sqrt, abs, tanh, sigmoid, max, min")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Sigmoid(sp.Function):
    """σ(u) = 1/(1 + e^(−u)), kept whole so that its derivative is written as textbooks write
    it, σ(u)(1 − σ(u)) (CS231n, "Backpropagation, intuitions": the sigmoid gate)."""

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Float:
            return 1 / (1 + sp.exp(-arg))
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = Sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp).evalf(prec_to_dps(prec))

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _latex(self, printer: object) -> str:
        return r"\sigma\left(" + printer._print(self.args[0]) + r"\right)"  # type: ignore[attr-defined]


_FUNCTIONS = {"sigmoid": (Sigmoid, 1)}


def symbol(name: str) -> sp.Symbol:
    """The real symbol of a circuit's name."""
    return sp.Symbol(name, real=True)


def _sides(g: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    # g = a − b as (a, b), to write the condition g > 0 as a > b
    terms = sp.Add.make_args(g)
    minus = [t for t in terms if t.could_extract_minus_sign()]
    plus = [t for t in terms if not t.could_extract_minus_sign()]
    return sp.Add(*plus), -sp.Add(*minus)


def _step(e: sp.Heaviside) -> sp.Expr:
    a, b = _sides(e.args[0])
    return sp.Piecewise((1, sp.Gt(a, b)), (sp.S.Half, sp.Eq(a, b)), (0, True))


def _steps(expr: sp.Expr) -> sp.Expr:
    # sympy derives max and min with Heaviside (H(0) = ½), as PyTorch splits a tie of
    # torch.maximum: written "1 if a > b else ½ if a = b else 0"
    return expr.replace(lambda e: isinstance(e, sp.Heaviside), _step)


@dataclass(frozen=True)
class Node:
    """One node: its formula, the names it uses (in the order written) and ∂node/∂each."""

    name: str
    text: str
    expression: sp.Expr
    parents: tuple[str, ...]
    local: tuple[sp.Expr, ...]


def parse_node(name: str, text: str, known: list[str] | tuple[str, ...]) -> Node:
    """The node ``name: text``, whose formula may use the names ``known``.

    Raises expression.UnknownName for any other name, and InputError for a formula the
    whitelist or limits of maths/expression.py refuse. A node is parsed and derived once:
    checking a file and working it out share the result.
    """
    return _parse_node(name, text, tuple(known))


@lru_cache(maxsize=4096)
def _parse_node(name: str, text: str, known: tuple[str, ...]) -> Node:
    names = {n: symbol(n) for n in known}
    expr, derivatives = parse_formula(text, names, ALLOWED, _FUNCTIONS)
    used = {s.name for s in expr.free_symbols}
    parents = tuple(dict.fromkeys(w for w in _WORD.findall(text) if w in used))
    local = tuple(_steps(derivatives[names[p]]) for p in parents)
    return Node(name, " ".join(text.split()), expr, parents, local)


class NotFinite(InputError):
    """A node's value or local gradient is not a finite real number at the given values;
    ``node`` is the node's name."""

    def __init__(self, message: str, node: str) -> None:
        super().__init__(message)
        self.node = node


class _Beyond(ArithmeticError):
    """A value on the way is not a finite real number a double can hold."""


# the largest size a value may have on the way: a double's largest finite number
_LARGEST = sp.Float(1.7976931348623157e308, DIGITS)


def _value(expr: sp.Expr, at: dict[sp.Symbol, sp.Float]) -> sp.Expr:
    """``expr`` at the values ``at``, worked out from its innermost parts outwards, each part
    checked to be a finite real number within a double's range before the next one uses it:
    so exp(exp(x)) at x = 10⁶ stops at exp(x), instead of asking mpmath for e^(10^434294)."""
    if expr.is_Symbol:
        return at[expr]
    if expr.is_Number:
        return expr
    if isinstance(expr, sp.Piecewise):  # a max's or min's local gradient: 1, ½ or 0
        value = expr.xreplace(at)
    else:
        value = expr.func(*(_value(arg, at) for arg in expr.args))
    value = value.evalf(DIGITS)
    if not (value.is_number and value.is_real and value.is_finite) or abs(value) > _LARGEST:
        raise _Beyond
    return value


def _number(expr: sp.Expr, at: dict[sp.Symbol, sp.Float]) -> sp.Float | None:
    """``expr`` at the values ``at`` as a 30-digit Float, or None when it is not a finite real
    number there or a part of it on the way is beyond a double's range."""
    try:
        value = _value(expr, at)
    except (_Beyond, OverflowError, ValueError, ZeroDivisionError, MemoryError, RecursionError):
        return None
    return sp.Float(value, DIGITS)


@dataclass(frozen=True)
class Numbers:
    """Every number of a circuit at given leaf values: each name's value, and each node's
    local gradients (one per parent), as 30-digit sympy Floats."""

    values: dict[str, sp.Float]
    local: dict[str, tuple[sp.Float, ...]]


def evaluate(nodes: tuple[Node, ...], leaves: dict[str, float]) -> Numbers:
    """The forward values and local gradients of ``nodes`` at the leaf values ``leaves``.

    Raises NotFinite for the first node whose value or a local gradient is not a finite real
    number there (``1/v`` at v = 0, ``log(u)`` at u < 0, ``sqrt(u)``'s slope at u = 0)."""
    values = {name: sp.Float(repr(float(v)), DIGITS) for name, v in leaves.items()}
    local: dict[str, tuple[sp.Float, ...]] = {}
    for node in nodes:
        at = {symbol(p): values[p] for p in node.parents}
        value = _number(node.expression, at)
        if value is None:
            shown = ", ".join(f"{p} = {float(values[p]):g}" for p in node.parents)
            raise NotFinite(f"{node.name} = {node.text} is not a finite real number at "
                            f"{shown or 'these values'}", node.name)
        values[node.name] = value
        slopes = []
        for parent, derivative in zip(node.parents, node.local, strict=True):
            slope = _number(derivative, at)
            if slope is None:
                shown = ", ".join(f"{p} = {float(values[p]):g}" for p in node.parents)
                raise NotFinite(f"the local gradient ∂{node.name}/∂{parent} of {node.name} = "
                                f"{node.text} is not a finite real number at {shown}", node.name)
            slopes.append(slope)
        local[node.name] = tuple(slopes)
    return Numbers(values, local)
