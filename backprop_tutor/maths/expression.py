"""A custom activation's text, ``z/(1 + abs(z))``, → a sympy expression in z, by whitelisting.

The text is parsed by Python's own parser and only the nodes listed here are turned into sympy:
the name z, numbers, + − × ÷ and powers, unary minus, and calls of a few named functions. The
text is never evaluated, so nothing else a scenario file says can run. Its size, nesting and
powers are bounded (maths/limits.py) before sympy sees it, and the result must be a real
function of a real z with a defined derivative, so that deriving it always ends, and quickly.
"""

from __future__ import annotations

import ast
import math
import sys

import sympy as sp

from ..errors import InputError
from .activations import Activation, Z
from .limits import (
    MAX_DERIVATIVE_OPS,
    MAX_EXPONENT,
    MAX_FUNCTION_NESTING,
    MAX_LENGTH,
    MAX_NESTING,
    MAX_PARTS,
)

ALLOWED = ("the name z, numbers, + - * / **, unary minus, and calls of "
           "exp, log, sqrt, abs, tanh, sigmoid, max, min")
_PARTS = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call)


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


class UnknownName(InputError):
    """A formula uses a name it may not use; ``name`` is that name."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


def _fail(text: str, what: str, allowed: str = ALLOWED) -> InputError:
    return InputError(f"cannot use {what} in the expression '{text}'; allowed: {allowed}")


def parse_expression(text: str) -> sp.Expr:
    """The sympy expression in z that ``text`` writes.

    Raises InputError, saying what is allowed or which limit of maths/limits.py is exceeded,
    when the text is not a formula of the allowed parts, is longer, larger or more deeply
    nested than the limits, has a power or a number beyond them, is not real for real z
    (``sqrt(-1)*z``, ``(-2)**z``), does not use z, or it or its derivative is undefined
    (``z/0``).
    """
    expr = _parse(text, {"z": Z}, ALLOWED, needs=Z)
    _check_defined(expr, text, Z)
    return expr


def parse_formula(text: str, names: dict[str, sp.Symbol], allowed: str,
                  functions: dict | None = None
                  ) -> tuple[sp.Expr, dict[sp.Symbol, sp.Expr]]:
    """The sympy expression that ``text`` writes in the symbols ``names`` (a circuit's node:
    ``q * z``, ``sigmoid(w0*x0 + w1*x1 + w2)``), under the same whitelist and limits as
    ``parse_expression``, and its derivative in each symbol it uses; ``functions`` replaces
    entries of FUNCTIONS by name.

    Raises UnknownName for a name not in ``names``, and InputError as ``parse_expression``
    does (``allowed`` says what may be used) except that the formula need not use any name.
    """
    expr = _parse(text, names, allowed, {**FUNCTIONS, **(functions or {})})
    return expr, {symbol: _check_defined(expr, text, symbol)
                  for symbol in sorted(expr.free_symbols, key=lambda s: s.name)}


def _parse(text: str, names: dict[str, sp.Symbol], allowed: str,
           functions: dict | None = None, needs: sp.Symbol | None = None) -> sp.Expr:
    if len(text) > MAX_LENGTH:
        raise InputError(f"the expression is longer than the limit of {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        example = "z/(1 + abs(z))" if "z" in names else "q * z"
        raise InputError(f"the expression '{text}' is not a formula; write it like "
                         f"{example} using {allowed}") from None
    _check_shape(tree.body, text)
    expr = _Builder(text, names, allowed, functions or FUNCTIONS).build(tree.body)
    if needs is not None and needs not in expr.free_symbols:
        raise InputError(f"the expression '{text}' does not use {needs}")
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise InputError(f"the expression '{text}' divides by zero")
    _check_real(expr, text)
    _check_numbers(expr, text)
    return expr


def _check_defined(expr: sp.Expr, text: str, symbol: sp.Symbol) -> sp.Expr:
    """The derivative in ``symbol``, checked to be defined, real and of bounded size."""
    derivative = sp.diff(expr, symbol)
    if derivative.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise InputError(f"the derivative of the expression '{text}' is not defined "
                         "(it divides by zero)")
    _check_real(derivative, text)
    ops = sp.count_ops(derivative)
    if ops > MAX_DERIVATIVE_OPS:
        raise InputError(f"the derivative of the expression '{text}' has {ops} operations, "
                         f"more than the limit of {MAX_DERIVATIVE_OPS}; write a simpler formula")
    return derivative


def _check_shape(root: ast.AST, text: str) -> None:
    """Refuse formulas with too many parts or too deep a nesting, before building anything."""
    parts = 0
    # (node, operations around it, calls around it, the kind of chain it continues), walked
    # without recursion; a chain a + b - c + d or a*b/c counts as one level, as sympy sees it
    stack: list[tuple[ast.AST, int, int, str]] = [(root, 0, 0, "")]
    while stack:
        node, depth, calls, chain = stack.pop()
        kind = _chain_kind(node)
        if isinstance(node, _PARTS):
            parts += 1
            depth += not (kind and kind == chain)
            if parts > MAX_PARTS:
                raise InputError(f"the expression '{text}' has more parts (numbers, z, "
                                 "operations and calls) than the limit of "
                                 f"{MAX_PARTS}; write a shorter formula")
            if depth > MAX_NESTING:
                raise InputError(f"the expression '{text}' nests operations deeper than "
                                 f"the limit of {MAX_NESTING}")
        if isinstance(node, ast.Call):
            calls += 1
            if calls > MAX_FUNCTION_NESTING:
                name = node.func.id if isinstance(node.func, ast.Name) else "f"
                raise InputError(f"the expression '{text}' nests functions deeper than the "
                                 f"limit of {MAX_FUNCTION_NESTING} ({name}(…) inside "
                                 f"{MAX_FUNCTION_NESTING} other calls)")
        stack.extend((child, depth, calls, kind) for child in ast.iter_child_nodes(node))


def _chain_kind(node: ast.AST) -> str:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        return "sum"
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        return "product"
    return ""


def _check_real(expr: sp.Expr, text: str) -> None:
    """Refuse a formula that is not real for real z: sqrt(-1), log(-2), (-2)**z."""
    if expr.has(sp.I):
        raise InputError(f"the expression '{text}' is not a real number for real z (it has an "
                         "imaginary part, as sqrt(-1) or log(-1) does)")
    for power in expr.atoms(sp.Pow):
        base, exponent = power.as_base_exp()
        if base.is_Number and base < 0 and not exponent.is_Integer:
            raise InputError(f"the expression '{text}' raises the negative number {base} to a "
                             "power that is not a whole number, which is not real")


def _check_numbers(expr: sp.Expr, text: str) -> None:
    """Refuse numbers a float cannot hold and powers beyond MAX_EXPONENT (sympy combines
    ((z**10)**10)**10 into z**1000, so the built expression is checked, not the text)."""
    for power in expr.atoms(sp.Pow):
        exponent = power.as_base_exp()[1]
        if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
            raise InputError(f"the expression '{text}' has the power {power}, whose exponent "
                             f"is beyond the limit of ±{MAX_EXPONENT}")
    for number in expr.atoms(sp.Number):
        value = _as_float(number)
        if not math.isfinite(value):
            raise InputError(f"the number {number} in the expression '{text}' is too large "
                             "for floating point (at most about 1.8e308)")
        if number != 0 and abs(value) < sys.float_info.min:
            raise InputError(f"a number in the expression '{text}' is too small for floating "
                             "point (at least about 2.2e-308 in size, or 0)")


def _as_float(number: sp.Expr) -> float:
    try:
        return float(number)
    except (OverflowError, ValueError):
        return math.inf


def _check_power(base: sp.Expr, exponent: sp.Expr, text: str) -> None:
    # sympy works number ** number out exactly: keep that small (9**9**9 has 370 million digits)
    if not exponent.is_Number:
        return
    too_large = InputError(f"a power in the expression '{text}' is too large or not a real "
                           f"number (exponents are limited to ±{MAX_EXPONENT})")
    if abs(exponent) > MAX_EXPONENT:
        raise too_large
    if base.is_Number:
        try:
            value = float(base) ** float(exponent)
        except (OverflowError, ZeroDivisionError):
            raise too_large from None
        if isinstance(value, complex) or not math.isfinite(value):
            raise too_large


class _Builder:
    """The whitelisted parts of a parsed formula → sympy, in the symbols ``names``."""

    def __init__(self, text: str, names: dict[str, sp.Symbol], allowed: str,
                 functions: dict) -> None:
        self.text, self.names, self.allowed, self.functions = text, names, allowed, functions

    def fail(self, what: str) -> InputError:
        return _fail(self.text, what, self.allowed)

    def build(self, node: ast.AST) -> sp.Expr:
        text, functions = self.text, self.functions
        if isinstance(node, ast.Name):
            symbol = self.names.get(node.id)
            if symbol is not None:
                return symbol
            raise UnknownName(self.fail(f"the name '{node.id}'").detail, node.id)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(f"the constant {node.value!r}")
            if not math.isfinite(_as_float(node.value)):
                source = ast.get_source_segment(text.strip(), node) or repr(node.value)
                raise InputError(f"the number {source} in the expression '{text}' is too large "
                                 "for floating point (at most about 1.8e308)")
            if node.value and abs(node.value) < sys.float_info.min:
                source = ast.get_source_segment(text.strip(), node) or repr(node.value)
                raise InputError(f"the number {source} in the expression '{text}' is too small "
                                 "for floating point (at least about 2.2e-308 in size, or 0)")
            # a decimal stays exact: 0.1 is 1/10, as the text says
            return sp.Rational(repr(node.value)) if isinstance(node.value, float) else sp.Integer(
                node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.build(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.build(node.left), self.build(node.right)
            if isinstance(node.op, ast.Pow):
                _check_power(left, right, text)
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in functions:
                if not isinstance(node.func, ast.Name):
                    raise self.fail("a call of anything but a function's name")
                raise self.fail(f"the function '{node.func.id}'")
            if node.keywords:
                raise self.fail("keyword arguments")
            function, arity = functions[node.func.id]
            if len(node.args) != arity:
                raise InputError(f"{node.func.id} takes {arity} argument{'s' if arity > 1 else ''} "
                                 f"in the expression '{text}'")
            arguments = [self.build(arg) for arg in node.args]
            for argument in arguments:
                _check_real(argument, text)  # sympy's Max and Min raise on an imaginary argument
            try:
                return function(*arguments)
            except (ValueError, TypeError, ArithmeticError):
                raise InputError(f"{node.func.id} cannot take the arguments it is given in the "
                                 f"expression '{text}'") from None
        what = {ast.Compare: "a comparison", ast.Attribute: "an attribute", ast.Subscript:
                "indexing", ast.Lambda: "lambda", ast.BoolOp: "and/or", ast.IfExp: "if/else"}
        raise self.fail(what.get(type(node), f"'{type(node).__name__}'"))


def custom_activation(text: str) -> Activation:
    """The activation ``{expression: text}``: its derivative is whatever sympy derives."""
    expr = parse_expression(text)
    canonical = " ".join(text.split())
    return Activation("custom", canonical, lambda z: expr.xreplace({Z: z}),
                      parameters=(("expression", canonical),))
