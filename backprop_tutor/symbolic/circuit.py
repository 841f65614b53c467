"""A circuit's nodes as printed forms and gate patterns: what each node computes, each local
gradient ∂node/∂parent (derived by sympy in maths/circuit.py), in textbook notation."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..maths.circuit import Node, Sigmoid
from ..notation.symbols import Printed
from .forms import code_of, latex_form
from .printers import printed_form

# The gates of CS231n's notes ("Patterns in backward flow") and micrograd, by what sympy
# builds from the formula: each passes its upstream gradient back in a way of its own.
ADD = "add"  # x + y: the upstream gradient to every input unchanged
ADD_CONSTANT = "add_constant"  # u + 1: the upstream gradient unchanged
MULTIPLY = "multiply"  # q * z: each input gets the other's value times the upstream
SCALE = "scale"  # -1 * s: the upstream times the constant
MAX = "max"  # max(a, b): the upstream to the larger input, 0 to the other
MIN = "min"  # min(a, b): the upstream to the smaller input
EXP = "exp"  # exp(u): the local gradient is the gate's own output
RECIPROCAL = "reciprocal"  # 1/v: the local gradient is −1/v²
SIGMOID = "sigmoid"  # sigmoid(u): the local gradient is σ(u)(1 − σ(u))
TANH = "tanh"  # tanh(u): the local gradient is 1 − tanh²(u)


def gate_of(expr: sp.Expr) -> str | None:
    """The gate pattern a node's formula is, or None for any other formula."""
    args = expr.args
    if isinstance(expr, sp.Add) and all(a.is_Symbol or a.is_Number for a in args):
        return ADD if all(a.is_Symbol for a in args) else ADD_CONSTANT
    if isinstance(expr, sp.Mul) and all(a.is_Symbol or a.is_Number for a in args):
        symbols = [a for a in args if a.is_Symbol]
        if len(symbols) == 2 and len(args) == 2:
            return MULTIPLY
        if len(symbols) == 1:
            return SCALE
        return None
    if len(args) == 2 and all(a.is_Symbol for a in args):
        return {sp.Max: MAX, sp.Min: MIN}.get(type(expr))
    if isinstance(expr, sp.Pow) and expr.base.is_Symbol and expr.exp == -1:
        return RECIPROCAL
    if len(args) == 1 and args[0].is_Symbol:
        return {sp.exp: EXP, Sigmoid: SIGMOID, sp.tanh: TANH}.get(type(expr))
    return None


@dataclass(frozen=True)
class PrintedNode:
    """A node printed once: its formula and each local gradient's, ready for any numbers."""

    name: str
    parents: tuple[str, ...]
    formula: Printed
    local: tuple[Printed, ...]
    gate: str | None


def _textbook(expr: sp.Expr) -> sp.Expr:
    """A product with σ(g) and 1 − σ(g) among its factors written as textbooks do, the other
    factors first and then σ(g)·(1 − σ(g)) (the same product, only its order of writing)."""
    factors = list(sp.Mul.make_args(expr))
    for s in [f for f in factors if isinstance(f, Sigmoid)]:
        if 1 - s in factors:
            factors.remove(s)
            factors.remove(1 - s)
            return sp.Mul(*factors, s, 1 - s, evaluate=False)
    return expr


def printed_node(node: Node) -> PrintedNode:
    """The printed forms of a node's formula and of ∂node/∂parent for each parent."""
    names = node.parents
    return PrintedNode(node.name, node.parents, printed_form(node.expression, names),
                       tuple(printed_form(_textbook(d), names) for d in node.local),
                       gate_of(node.expression))


def latex_node(node: Node) -> tuple[Printed, tuple[Printed, ...]]:
    """A node's formula and each local gradient ∂node/∂parent in LaTeX (sympy's LaTeX
    printer, as a network's formulas are printed for its LaTeX key), each with its numbers
    template (notation/latex.py's ``filled_latex``)."""
    names = node.parents
    return (latex_form(node.expression, names),
            tuple(latex_form(_textbook(d), names) for d in node.local))


def _exp_form(expr: sp.Expr) -> sp.Expr:
    # σ(u) as 1/(1 + e^(−u)): NumPy has no sigmoid
    return expr.replace(lambda e: isinstance(e, Sigmoid), lambda e: 1 / (1 + sp.exp(-e.args[0])))


Code = tuple[tuple[str, ...], str]


def code_node(node: Node) -> tuple[Code, tuple[Code, ...]]:
    """A node's formula and each local gradient ∂node/∂parent as NumPy source over ``v0, v1,
    …`` standing for the names given with it (symbolic/forms.py's ``code_of``, as a network's
    formulas are exported): what a course platform's own grader evaluates."""
    return (code_of(_exp_form(node.expression)),
            tuple(code_of(_exp_form(d)) for d in node.local))
