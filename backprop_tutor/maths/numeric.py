"""Activations and losses computed with NumPy from their names and formulas alone, no sympy.

These are the independent side of a check: a kernel that sympy printed and the derive-once
cache kept (solution/cache.py) is compared with them before it is used (solution/checked.py).
A built-in activation's or loss's derivative is written here by hand; a custom activation's
is not, and is checked by finite differences of its function, evaluated here from the
scenario's own text.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .catalog import DISPLAY, LEAKY_ALPHA, canonical

Array = np.ndarray


@dataclass(frozen=True)
class ActivationReference:
    """f(z) (None for softmax) and, for a built-in activation, f′(z, a); its name and label."""

    name: str
    label: str
    function: Callable[[Array], Array] | None
    derivative: Callable[[Array, Array], Array] | None  # None: f′ is checked against f


def _sigmoid(z: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-z))


def _step(z: Array, below: float) -> Array:
    return np.where(z > 0, 1.0, below)  # 0 (or the slope) at z = 0, as the derivation says


_BUILTIN: dict[str, tuple[Callable[[Array], Array] | None, Callable[[Array, Array], Array]]] = {
    "sigmoid": (_sigmoid, lambda z, a: a * (1 - a)),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
    "tanh": (np.tanh, lambda z, a: 1 - a**2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: _step(z, 0.0)),
    "softplus": (lambda z: np.log(1 + np.exp(z)), lambda z, a: _sigmoid(z)),
    "softmax": (None, lambda z, a: a * (1 - a)),  # the diagonal ∂a_j/∂z_j, in a
}

_CALLS: dict[str, tuple[Callable[..., Array], int]] = {
    "exp": (np.exp, 1), "log": (np.log, 1), "sqrt": (np.sqrt, 1), "abs": (np.abs, 1),
    "tanh": (np.tanh, 1), "sigmoid": (_sigmoid, 1), "max": (np.maximum, 2),
    "min": (np.minimum, 2),
}
_OPERATORS: dict[type, Callable[[Array, Array], Array]] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
    ast.Pow: np.power,
}


def activation_reference(name: str | None = None, *, alpha: float | None = None,
                         expression: str | None = None) -> ActivationReference:
    """The activation a layer names (``name``, with ``alpha`` for leaky_relu) or writes
    (``expression``, already validated by maths/expression.py). ValueError for a name that is
    not a built-in activation or an expression outside that whitelist."""
    if expression is not None:
        tree = ast.parse(expression.strip(), mode="eval").body
        return ActivationReference("custom", " ".join(expression.split()),
                                   lambda z: _evaluate(tree, z), None)
    name = canonical(name or "")
    if name == "leaky_relu":
        slope = LEAKY_ALPHA if alpha is None else alpha
        return ActivationReference(name, DISPLAY[name], lambda z: np.where(z > 0, z, slope * z),
                                   lambda z, a: _step(z, slope))
    if name not in _BUILTIN:
        raise ValueError(f"no activation '{name}'")
    function, derivative = _BUILTIN[name]
    return ActivationReference(name, DISPLAY[name] or name, function, derivative)


def _evaluate(tree: ast.AST, z: Array) -> Array:
    # a custom activation's formula on an array, by the whitelist of maths/expression.py
    if isinstance(tree, ast.Name) and tree.id == "z":
        return z
    if isinstance(tree, ast.Constant) and type(tree.value) in (int, float):
        return np.full_like(z, float(tree.value))
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, (ast.USub, ast.UAdd)):
        inner = _evaluate(tree.operand, z)
        return -inner if isinstance(tree.op, ast.USub) else inner
    if isinstance(tree, ast.BinOp) and type(tree.op) in _OPERATORS:
        return _OPERATORS[type(tree.op)](_evaluate(tree.left, z), _evaluate(tree.right, z))
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) \
            and tree.func.id in _CALLS and not tree.keywords:
        function, arity = _CALLS[tree.func.id]
        if len(tree.args) == arity:
            return function(*(_evaluate(arg, z) for arg in tree.args))
    raise ValueError("not a custom activation's formula")


@dataclass(frozen=True)
class LossReference:
    """A loss's per-output term l(a, T), its derivative ∂l/∂a and whether E divides by K."""

    term: Callable[[Array, Array], Array]
    derivative: Callable[[Array, Array], Array]
    per_output_mean: bool


def _squared(a: Array, t: Array) -> Array:
    return (t - a) ** 2


LOSSES: dict[str, LossReference] = {
    "half_squared_error": LossReference(lambda a, t: 0.5 * (t - a) ** 2, lambda a, t: a - t,
                                        False),
    "squared_error": LossReference(_squared, lambda a, t: 2 * (a - t), False),
    "mse": LossReference(_squared, lambda a, t: 2 * (a - t), True),
    "binary_cross_entropy": LossReference(
        lambda a, t: -(t * np.log(a) + (1 - t) * np.log(1 - a)),
        lambda a, t: (1 - t) / (1 - a) - t / a, False),
    "cross_entropy": LossReference(lambda a, t: -t * np.log(a), lambda a, t: -t / a, False),
}
