"""Derived sympy expressions → vectorised NumPy functions, compiled once per kind."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import sympy as sp

from .maths.activations import A as ACT_A
from .maths.activations import Activation
from .maths.activations import Z as ACT_Z
from .maths.losses import A as LOSS_A
from .maths.losses import Loss
from .maths.losses import T as LOSS_T

Array = np.ndarray
# numpy itself, not the name "numpy": for the name sympy runs ``from numpy import *``, which
# imports every numpy submodule (f2py, testing, ...) and slows every start by a tenth of a second
_MODULES = [{"Max": np.maximum, "Min": np.minimum}, np]


def _vectorise(expr: sp.Expr, args: tuple[sp.Symbol, ...]) -> Callable[..., Array]:
    fn = sp.lambdify(args, expr, modules=_MODULES)
    probe = [np.full((2, 3), 0.25 + 0.125 * k) for k in range(len(args))]
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


def softmax(z: Array) -> Array:
    """a = exp(z)/Σ exp(z) of each row [sample, unit] (shifted by the row's max: same a)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_backward(a: Array, dE_da: Array) -> Array:
    """δ_j = Σ_i ∂E/∂a_i · a_i(δ_ij − a_j) of each row: the Jacobian-vector product."""
    return a * (dE_da - (dE_da * a).sum(axis=1, keepdims=True))


@cache
def activation_functions(activation: Activation) -> tuple[Callable, Callable]:
    """(f(z), f′(z, a)) of an activation, as NumPy functions (softmax: f′ is the diagonal)."""
    df = _vectorise(activation.derivative, (ACT_Z, ACT_A))
    if activation.coupled:
        return softmax, df
    f = _vectorise(activation.expression, (ACT_Z,))
    return f, df


@cache
def loss_functions(loss: Loss) -> tuple[Callable, Callable]:
    """(l(a, T), ∂l/∂a(a, T)) of a loss's per-output term, as NumPy functions."""
    return _vectorise(loss.term, (LOSS_A, LOSS_T)), _vectorise(loss.derivative, (LOSS_A, LOSS_T))
