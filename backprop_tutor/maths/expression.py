"""A custom activation's text, ``z/(1 + abs(z))``, → a sympy expression in z, by whitelisting.

The text is parsed by Python's own parser and only the nodes listed here are turned into sympy:
the name z, numbers, + − × ÷ and powers, unary minus, and calls of a few named functions. The
text is never evaluated, so nothing else a scenario file says can run.
"""

from __future__ import annotations

import ast
import math

import sympy as sp

from ..errors import InputError
from .activations import Activation, Z

ALLOWED = ("the name z, numbers, + - * / **, unary minus, and calls of "
           "exp, log, sqrt, abs, tanh, sigmoid, max, min")
MAX_LENGTH = 200


def _sigmoid(x: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-x))


# name → (function, how many arguments it takes)
FUNCTIONS = {
    "exp": (sp.exp, 1),
    "log": (sp.log, 1),
    "sqrt": (sp.sqrt, 1),
    "abs": (sp.Abs, 1),
    "tanh": (sp.tanh, 1),
    "sigmoid": (_sigmoid, 1),
    "max": (sp.Max, 2),
    "min": (sp.Min, 2),
}
_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def _fail(text: str, what: str) -> InputError:
    return InputError(f"cannot use {what} in the expression '{text}'; allowed: {ALLOWED}")


def parse_expression(text: str) -> sp.Expr:
    """The sympy expression in z that ``text`` writes, or an InputError saying what is allowed."""
    if len(text) > MAX_LENGTH:
        raise InputError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise InputError(f"the expression '{text}' is not a formula; write it like "
                         f"z/(1 + abs(z)) using {ALLOWED}") from None
    expr = _build(tree.body, text)
    if Z not in expr.free_symbols:
        raise InputError(f"the expression '{text}' does not use z")
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise InputError(f"the expression '{text}' divides by zero")
    return expr


def _check_power(base: sp.Expr, exponent: sp.Expr, text: str) -> None:
    # sympy works number ** number out exactly: keep that small (9**9**9 has 370 million digits)
    if not exponent.is_Number:
        return
    too_large = InputError(f"a power in the expression '{text}' is too large or not a real number")
    if abs(exponent) > 1000:
        raise too_large
    if base.is_Number:
        try:
            value = float(base) ** float(exponent)
        except (OverflowError, ZeroDivisionError):
            raise too_large from None
        if isinstance(value, complex) or not math.isfinite(value):
            raise too_large


def _build(node: ast.AST, text: str) -> sp.Expr:
    if isinstance(node, ast.Name):
        if node.id == "z":
            return Z
        raise _fail(text, f"the name '{node.id}'")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _fail(text, f"the constant {node.value!r}")
        # a decimal stays exact: 0.1 is 1/10, as the text says
        return sp.Rational(repr(node.value)) if isinstance(node.value, float) else sp.Integer(
            node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _build(node.operand, text)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _build(node.left, text), _build(node.right, text)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right, text)
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            if not isinstance(node.func, ast.Name):
                raise _fail(text, "a call of anything but a function's name")
            raise _fail(text, f"the function '{node.func.id}'")
        if node.keywords:
            raise _fail(text, "keyword arguments")
        function, arity = FUNCTIONS[node.func.id]
        if len(node.args) != arity:
            raise InputError(f"{node.func.id} takes {arity} argument{'s' if arity > 1 else ''} "
                             f"in the expression '{text}'")
        return function(*(_build(arg, text) for arg in node.args))
    what = {ast.Compare: "a comparison", ast.Attribute: "an attribute", ast.Subscript:
            "indexing", ast.Lambda: "lambda", ast.BoolOp: "and/or", ast.IfExp: "if/else"}
    raise _fail(text, what.get(type(node), f"'{type(node).__name__}'"))


def custom_activation(text: str) -> Activation:
    """The activation ``{expression: text}``: its derivative is whatever sympy derives."""
    expr = parse_expression(text)
    canonical = " ".join(text.split())
    return Activation("custom", canonical, lambda z: expr.xreplace({Z: z}),
                      parameters=(("expression", canonical),))
