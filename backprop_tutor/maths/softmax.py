"""Softmax, the activation that couples the units of a layer, and its pairing with cross-entropy.

a_j = exp(z_j) / Σ_i exp(z_i), so every a_i depends on every z_j: ∂a_i/∂z_j = a_i(δ_ij − a_j).
With cross-entropy E = −Σ_i T_i log a_i and targets that sum to 1, the sum over the outputs
collapses: ∂E/∂z_j = Σ_i (∂E/∂a_i)(∂a_i/∂z_j) = a_j − T_j. Both forms are checked against
sympy's own derivatives of the closed form before they are used.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .checks import same_function

# Three classes are enough to exercise both the diagonal and the off-diagonal derivatives.
_CHECK_CLASSES = 3


def softmax_expression(j: int, nets: tuple[sp.Symbol, ...]) -> sp.Expr:
    """a_j in terms of every net input of the layer (j is 0-based)."""
    return sp.exp(nets[j]) / sp.Add(*(sp.exp(z) for z in nets))


def softmax_derivative(i: int, j: int, outs: tuple[sp.Symbol, ...]) -> sp.Expr:
    """∂a_i/∂z_j as taught: a_i(1 − a_i) on the diagonal, −a_i·a_j off it (0-based)."""
    _check_softmax()
    if i == j:
        return outs[i] * (1 - outs[i])
    return sp.Mul(-1, outs[i], outs[j], evaluate=False)


def cross_entropy_delta(a: sp.Symbol, t: sp.Symbol) -> sp.Expr:
    """∂E/∂z of a softmax output under cross-entropy: a − T."""
    _check_cross_entropy()
    return sp.Add(a, sp.Mul(-1, t, evaluate=False), evaluate=False)


def _generic(prefix: str) -> tuple[sp.Symbol, ...]:
    return tuple(sp.Symbol(f"{prefix}{k}", real=True) for k in range(_CHECK_CLASSES))


@cache
def _check_softmax() -> None:
    z, a = _generic("z"), _generic("a")
    closed = {a[k]: softmax_expression(k, z) for k in range(_CHECK_CLASSES)}
    points = {z[0]: (-2.3, -0.7, 0.35, 0.81, 1.9), z[1]: (0.4, 1.3, -1.1, 0.2, -0.6),
              z[2]: (1.7, -0.2, 0.9, -2.0, 0.05)}
    for i in range(_CHECK_CLASSES):
        for j in range(_CHECK_CLASSES):
            derived = sp.diff(softmax_expression(i, z), z[j])
            taught = (a[i] * (1 - a[i]) if i == j else -a[i] * a[j]).xreplace(closed)
            if not same_function(derived, taught, points):
                raise AssertionError("the textbook derivative of softmax disagrees with sympy")


@cache
def _check_cross_entropy() -> None:
    z, t = _generic("z"), _generic("T")
    # targets that sum to 1: the last one is what the others leave
    last = 1 - sum(t[:-1])
    loss = -sum(t[k] * sp.log(softmax_expression(k, z)) for k in range(_CHECK_CLASSES))
    loss = loss.xreplace({t[-1]: last})
    points = {z[0]: (-2.3, -0.7, 0.35, 0.81, 1.9), z[1]: (0.4, 1.3, -1.1, 0.2, -0.6),
              z[2]: (1.7, -0.2, 0.9, -2.0, 0.05), t[0]: (1.0, 0.0, 0.2, 0.5, 0.1),
              t[1]: (0.0, 1.0, 0.3, 0.5, 0.6)}
    for j in range(_CHECK_CLASSES):
        taught = (softmax_expression(j, z) - t[j]).xreplace({t[-1]: last})
        if not same_function(sp.diff(loss, z[j]), taught, points):
            raise AssertionError("∂E/∂z = a − T disagrees with sympy for softmax cross-entropy")
