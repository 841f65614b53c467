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

# what a printed kernel may call: NumPy's elementwise functions sympy prints, and the few that
# take a list (``select([greater(z, 0),True], [1,0], default=nan)``, ``reduce(maximum, [0, z])``)
_UFUNCS = ("exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt", "cbrt", "square",
           "abs", "absolute", "fabs", "sign", "tanh", "sinh", "cosh", "arctan", "arctanh",
           "sin", "cos", "tan", "arcsin", "arccos", "arcsinh", "arccosh", "power",
           "reciprocal", "maximum", "minimum", "fmax", "fmin", "greater", "greater_equal",
           "less", "less_equal", "equal", "not_equal", "logical_and", "logical_or",
           "logical_not", "isnan", "heaviside", "copysign", "floor", "ceil")
_FUNCTIONS: dict[str, object] = {name: getattr(np, name) for name in _UFUNCS}
_FUNCTIONS.update({"select": np.select, "where": np.where, "reduce": reduce,
                   "amax": np.amax, "amin": np.amin})
# the arguments of each function that are a list, and the keywords it may be given
_LISTS = {"select": (0, 1), "reduce": (1,), "amax": (0,), "amin": (0,)}
_KEYWORDS = {"select": ("default",), "amax": ("axis",), "amin": ("axis",)}
_REDUCERS = ("maximum", "minimum", "logical_and", "logical_or", "add", "multiply")
_CONSTANTS = {"nan": np.nan, "inf": np.inf, "pi": np.pi, "e": np.e}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
           ast.FloorDiv: operator.floordiv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}

# bounds on a kernel's text: what sympy prints for any network the limits allow stays far below
MAX_SOURCE = 200_000  # characters
MAX_NODES = 20_000  # nodes of the expression tree
MAX_DEPTH = 500  # nesting of the tree (evaluation recurses once per level)
MAX_LIST = 64  # items of a list given to select, reduce, amax or amin
MAX_EXPONENT = 1024  # |n| of a power whose exponent is a number

Values = tuple[Array, ...]
Node = Callable[[Values], object]


class KernelError(ValueError):
    """A kernel's text is not bounded NumPy arithmetic on its arguments."""


@dataclass(frozen=True)
class Kernel:
    """A local derivative (or function) as NumPy expression text in named arguments."""

    args: tuple[str, ...]
    source: str


def _is_minus_one(tree: ast.AST) -> bool:
    return (isinstance(tree, ast.UnaryOp) and type(tree.op) is ast.USub
            and isinstance(tree.operand, ast.Constant) and type(tree.operand.value) is float
            and tree.operand.value == 1.0)


def _number(tree: ast.AST) -> float | None:
    """The value of a subtree made of numbers and arithmetic only, worked out in floating point
    (so that no power of integers can grow without bound); None if it reads anything else.
    KernelError if it divides by zero, overflows or raises a number to a power over the bound."""
    if isinstance(tree, ast.Constant) and type(tree.value) in (int, float):
        return float(tree.value)
    if isinstance(tree, ast.UnaryOp) and type(tree.op) in _UNARY:
        inner = _number(tree.operand)
        return None if inner is None else _UNARY[type(tree.op)](inner)
    if isinstance(tree, ast.BinOp) and type(tree.op) in _BINARY:
        left, right = _number(tree.left), _number(tree.right)
        if left is None or right is None:
            return None
        if type(tree.op) is ast.Pow and not abs(right) <= MAX_EXPONENT:
            raise KernelError(f"an exponent of {right:g} is over the bound of {MAX_EXPONENT}")
        try:
            value = _BINARY[type(tree.op)](left, right)
        except (ZeroDivisionError, OverflowError) as error:
            raise KernelError(f"a constant of the kernel is not a number: {error}") from None
        if not isinstance(value, float):  # a negative number to a fractional power
            raise KernelError("a constant of the kernel is not a real number")
        return value
    return None


def _bounded(tree: ast.AST) -> frozenset[int]:
    """The ids of the operations made of numbers only (worked out once, by ``_number``);
    KernelError if the tree is over ``MAX_NODES`` nodes or ``MAX_DEPTH`` levels. Walked
    without recursion."""
    count = 0
    order: list[ast.AST] = []
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise KernelError(f"the kernel has more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise KernelError(f"the kernel nests deeper than {MAX_DEPTH} levels")
        order.append(node)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    numeric: set[int] = set()
    for node in reversed(order):  # children before their parents
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            numeric.add(id(node))
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY \
                and id(node.operand) in numeric:
            numeric.add(id(node))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY \
                and id(node.left) in numeric and id(node.right) in numeric:
            numeric.add(id(node))
    return frozenset(numeric)


def _list(tree: ast.AST, args: tuple[str, ...], numeric: frozenset[int]) -> Node:
    if not isinstance(tree, (ast.List, ast.Tuple)) or not 0 < len(tree.elts) <= MAX_LIST:
        raise KernelError(f"expected a list of 1 to {MAX_LIST} values")
    items = [_node(item, args, numeric) for item in tree.elts]
    kind = list if isinstance(tree, ast.List) else tuple
    return lambda values: kind(item(values) for item in items)


def _call(tree: ast.Call, args: tuple[str, ...], numeric: frozenset[int]) -> Node:
    func = tree.func
    if isinstance(func, ast.Attribute) and func.attr == "reduce" \
            and isinstance(func.value, ast.Name) and func.value.id in ("logical_and",
                                                                       "logical_or"):
        # logical_and.reduce((c1, c2)): how sympy prints a condition of several comparisons
        if len(tree.args) != 1 or tree.keywords:
            raise KernelError(f"{func.value.id}.reduce takes one list")
        method = _FUNCTIONS[func.value.id].reduce  # type: ignore[attr-defined]
        items = _list(tree.args[0], args, numeric)
        return lambda values: method(items(values))
    if not isinstance(func, ast.Name) or func.id not in _FUNCTIONS:
        name = func.id if isinstance(func, ast.Name) else type(func).__name__
        raise KernelError(f"'{name}' is not a NumPy function a kernel may use")
    name = func.id
    function = _FUNCTIONS[name]
    allowed = _KEYWORDS.get(name, ())
    if any(k.arg not in allowed for k in tree.keywords):
        raise KernelError(f"'{name}' cannot be called so")
    lists = _LISTS.get(name, ())
    positional: list[Node] = []
    for position, argument in enumerate(tree.args):
        if isinstance(argument, ast.Starred):
            raise KernelError(f"'{name}' cannot be called so")
        if position in lists:
            positional.append(_list(argument, args, numeric))
        elif name == "reduce" and position == 0:
            if not (isinstance(argument, ast.Name) and argument.id in _REDUCERS):
                raise KernelError("reduce takes one of " + ", ".join(_REDUCERS))
            reducer = _FUNCTIONS.get(argument.id, getattr(np, argument.id))
            positional.append(lambda values, reducer=reducer: reducer)
        else:
            positional.append(_node(argument, args, numeric))
    if name == "reduce" and len(positional) != 2:
        raise KernelError("reduce takes a function and a list")
    named = {k.arg: (_literal_axis(k.value) if k.arg == "axis"
                     else _node(k.value, args, numeric))
             for k in tree.keywords}
    return lambda values: function(*(a(values) for a in positional),
                                   **{k: v(values) for k, v in named.items()})


def _literal_axis(tree: ast.AST) -> Node:
    if not (isinstance(tree, ast.Constant) and tree.value == 0 and type(tree.value) is int):
        raise KernelError("axis must be 0")
    return lambda values: 0


def _node(tree: ast.AST, args: tuple[str, ...], numeric: frozenset[int]) -> Node:
    # the expression tree as nested closures over the argument values: evaluated, never exec'd
    if isinstance(tree, ast.Constant) and type(tree.value) in (int, float, bool):
        value = tree.value
        return lambda values: value
    if isinstance(tree, ast.Name):
        if tree.id in args:
            position = args.index(tree.id)
            return lambda values: values[position]
        if tree.id in _CONSTANTS:
            value = _CONSTANTS[tree.id]
            return lambda values: value
        raise KernelError(f"'{tree.id}' is not an argument or a constant of the kernel")
    if isinstance(tree, ast.BinOp) and type(tree.op) is ast.Pow and _is_minus_one(tree.right):
        # x**(-1.0), as sympy prints 1/x: the same IEEE quotient, without NumPy's general power
        base = _node(tree.left, args, numeric)
        return lambda values: 1.0 / base(values)
    if id(tree) in numeric and isinstance(tree, (ast.BinOp, ast.UnaryOp)):
        folded = _number(tree)  # a constant made of numbers: worked out once, here
        return lambda values: folded
    if isinstance(tree, ast.BinOp) and type(tree.op) in _BINARY:
        if type(tree.op) is ast.Pow and isinstance(tree.right, ast.Constant) \
                and not abs(tree.right.value) <= MAX_EXPONENT:
            raise KernelError(f"an exponent of {tree.right.value} is over the bound of "
                              f"{MAX_EXPONENT}")
        op = _BINARY[type(tree.op)]
        left, right = _node(tree.left, args, numeric), _node(tree.right, args, numeric)
        return lambda values: op(left(values), right(values))
    if isinstance(tree, ast.UnaryOp) and type(tree.op) in _UNARY:
        op, operand = _UNARY[type(tree.op)], _node(tree.operand, args, numeric)
        return lambda values: op(operand(values))
    if isinstance(tree, ast.Call):
        return _call(tree, args, numeric)
    raise KernelError(f"{type(tree).__name__} is not allowed in a kernel")


@cache
def compile_kernel(kernel: Kernel) -> Callable[..., Array]:
    """The kernel as a function of arrays of one shape, returning a float array of that shape.

    Raises KernelError when the text is not an expression of NumPy arithmetic on the kernel's
    arguments within the bounds above: longer than ``MAX_SOURCE``, over ``MAX_NODES`` nodes or
    ``MAX_DEPTH`` levels, a list anywhere but as the list of select, reduce, amax or amin (of at
    most ``MAX_LIST`` items), a constant exponent over ``MAX_EXPONENT``, a constant that divides
    by zero or overflows, any name other than its arguments, NumPy's elementwise functions and
    nan, inf, pi, e, and any attribute, keyword, subscript, comprehension or lambda. A kernel
    whose value is not an array of its arguments' shape (a tuple, a list) raises KernelError
    when called.
    """
    if not all(a.isidentifier() for a in kernel.args):
        raise KernelError(f"bad argument names {kernel.args!r}")
    if len(kernel.source) > MAX_SOURCE:
        raise KernelError(f"the kernel is longer than {MAX_SOURCE} characters")
    try:
        tree = ast.parse(kernel.source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise KernelError(f"not an expression: {kernel.source[:80]!r}") from error
    numeric = _bounded(tree)
    try:
        root = _node(tree.body, kernel.args, numeric)
    except RecursionError as error:  # within MAX_DEPTH only on a deep call stack
        raise KernelError("the kernel nests too deeply") from error

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
        raw = fn(*values)
        if not isinstance(raw, (int, float, np.ndarray, np.generic)):
            raise KernelError(f"the kernel gives a {type(raw).__name__}, not numbers")
        out = np.asarray(raw, dtype=float)
        if out.shape == values[0].shape:
            return out
        if out.ndim:
            raise KernelError(f"the kernel gives an array of shape {out.shape}, "
                              f"not {values[0].shape}")
        return np.broadcast_to(out, values[0].shape).copy()

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
