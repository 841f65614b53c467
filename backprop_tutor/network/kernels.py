"""Compiled local derivatives: NumPy expressions printed by sympy, made into functions here.

sympy derives each activation's and loss's derivative and prints it as a NumPy expression
(``a*(1 - a)``, ``select([greater(z, 0),True], [1,0], default=nan)``: symbolic/kernel_source.py), as
``sympy.lambdify`` would. This module turns that text into a vectorised function without
importing sympy, so a run whose printed kernels are already known (solution/cache.py) starts without
sympy. The text is parsed, never executed: each node of the expression becomes a closure, and
only arithmetic, the kernel's own arguments and NumPy's mathematical functions are accepted, so
a kernel read back from a cache file can compute and do nothing else.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, reduce

import numpy as np

Array = np.ndarray

# callables and constants a printed kernel may name, besides NumPy's ufuncs
_FUNCTIONS = {"select": np.select, "where": np.where, "reduce": reduce,
              "amax": np.amax, "amin": np.amin, "heaviside": np.heaviside}
_CONSTANTS = {"nan": np.nan, "inf": np.inf, "pi": np.pi, "e": np.e}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
           ast.FloorDiv: operator.floordiv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}

Values = tuple[Array, ...]
Node = Callable[[Values], object]


class KernelError(ValueError):
    """A kernel's text is not a NumPy expression of its arguments."""


@dataclass(frozen=True)
class Kernel:
    """A local derivative (or function) as NumPy expression text in named arguments."""

    args: tuple[str, ...]
    source: str


def _namespace(name: str) -> object:
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    if name in _CONSTANTS:
        return _CONSTANTS[name]
    found = getattr(np, name, None)
    if isinstance(found, np.ufunc):
        return found
    raise KernelError(f"'{name}' is not a NumPy function a kernel may use")


def _is_minus_one(tree: ast.AST) -> bool:
    return (isinstance(tree, ast.UnaryOp) and type(tree.op) is ast.USub
            and isinstance(tree.operand, ast.Constant) and type(tree.operand.value) is float
            and tree.operand.value == 1.0)


def _node(tree: ast.AST, args: tuple[str, ...]) -> Node:
    # the expression tree as nested closures over the argument values: evaluated, never exec'd
    if isinstance(tree, ast.Constant) and type(tree.value) in (int, float, bool):
        value = tree.value
        return lambda values: value
    if isinstance(tree, ast.Name):
        if tree.id in args:
            position = args.index(tree.id)
            return lambda values: values[position]
        value = _namespace(tree.id)
        return lambda values: value
    if isinstance(tree, ast.BinOp) and type(tree.op) is ast.Pow and _is_minus_one(tree.right):
        # x**(-1.0), as sympy prints 1/x: the same IEEE quotient, without NumPy's general power
        base = _node(tree.left, args)
        return lambda values: 1.0 / base(values)
    if isinstance(tree, ast.BinOp) and type(tree.op) in _BINARY:
        op, left, right = _BINARY[type(tree.op)], _node(tree.left, args), _node(tree.right, args)
        return lambda values: op(left(values), right(values))
    if isinstance(tree, ast.UnaryOp) and type(tree.op) in _UNARY:
        op, operand = _UNARY[type(tree.op)], _node(tree.operand, args)
        return lambda values: op(operand(values))
    if isinstance(tree, (ast.List, ast.Tuple)):
        items = [_node(item, args) for item in tree.elts]
        kind = list if isinstance(tree, ast.List) else tuple
        return lambda values: kind(item(values) for item in items)
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name):
        function = _namespace(tree.func.id)
        if not callable(function) or any(k.arg is None for k in tree.keywords):
            raise KernelError(f"'{tree.func.id}' cannot be called so")
        positional = [_node(a, args) for a in tree.args]
        named = {k.arg: _node(k.value, args) for k in tree.keywords}
        return lambda values: function(*(a(values) for a in positional),
                                       **{k: v(values) for k, v in named.items()})
    raise KernelError(f"{type(tree).__name__} is not allowed in a kernel")


@cache
def compile_kernel(kernel: Kernel) -> Callable[..., Array]:
    """The kernel as a function of arrays of one shape, returning a float array of that shape."""
    if not all(a.isidentifier() for a in kernel.args):
        raise KernelError(f"bad argument names {kernel.args!r}")
    try:
        tree = ast.parse(kernel.source, mode="eval")
    except SyntaxError as error:
        raise KernelError(f"not an expression: {kernel.source!r}") from error
    root = _node(tree.body, kernel.args)

    def fn(*values: Array) -> object:
        return root(values)

    probe = [np.full((2, 3), 0.25 + 0.125 * k) for k in range(len(kernel.args))]
    try:
        with np.errstate(all="ignore"):
            out = fn(*probe)
    except Exception:  # noqa: BLE001  any failure here only means: keep the wrapper
        out = None
    if isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (2, 3):
        return fn  # already a float array of the arguments' shape: no wrapper in the hot loop

    def call(*values: Array) -> Array:
        # a constant derivative (the linear unit's 1) comes back as a scalar
        out = np.asarray(fn(*values), dtype=float)
        return out if out.shape == values[0].shape else np.broadcast_to(out, values[0].shape).copy()

    return call


# functions without a branch point: a kernel that calls only these (and arithmetic) is smooth
_SMOOTH = frozenset({"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "cbrt",
                     "square", "reciprocal", "power", "float_power", "tanh", "sinh", "cosh",
                     "sin", "cos", "tan", "arctan", "arcsinh", "negative", "positive", "add",
                     "subtract", "multiply", "divide", "true_divide"})


@cache
def has_branch(kernel: Kernel) -> bool:
    """Whether the kernel can take a branch on its arguments' values: ``select``, ``abs``,
    ``sign``, ``maximum``, a comparison, ``%`` or ``//`` (relu′'s
    ``select([greater(z, 0),True], [1,0])``), where a value exactly at the branch point and one
    a rounding error away from it give different results."""
    tree = ast.parse(kernel.source, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in _SMOOTH):
            return True
        if isinstance(node, (ast.Compare, ast.IfExp, ast.BoolOp)) or (
                isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.FloorDiv))):
            return True
    return False


def layer_functions(function: Kernel | None, derivative: Kernel
                    ) -> tuple[Callable[..., Array], Callable[..., Array]]:
    """(f(z), f′(z, a)) of a layer's activation; f is softmax when it has no kernel."""
    return (softmax if function is None else compile_kernel(function)), compile_kernel(derivative)


def softmax(z: Array) -> Array:
    """a = exp(z)/Σ exp(z) of each row [sample, unit] (shifted by the row's max: same a)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_backward(a: Array, dE_da: Array) -> Array:
    """δ_j = Σ_i ∂E/∂a_i · a_i(δ_ij − a_j) of each row: the Jacobian-vector product."""
    return a * (dE_da - (dE_da * a).sum(axis=1, keepdims=True))


def softmax_factor(a: Array, i: int, j: int) -> Array:
    """∂a_i/∂z_j = a_i(δ_ij − a_j) of each sample (0-based units of a [sample, unit] array):
    the softmax Jacobian's entries as the worked solution shows them."""
    return a[:, i] * ((i == j) - a[:, j])
