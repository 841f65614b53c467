"""Loss functions: a per-output term l(a, T), summed over outputs and averaged over samples.

For one sample with K outputs, E_s = scale(K) * sum_k l(a_k, T_k); over a batch of m samples,
E = (1/m) sum_s E_s. The derivative dl/da comes from sympy and is shown in its textbook form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from .catalog import LOSS_NAMES, LOSS_WRITTEN, PER_OUTPUT_MEAN
from .checks import default_points, same_function

A = sp.Symbol("a", real=True)
T = sp.Symbol("T", real=True)


@dataclass(frozen=True)
class Loss:
    """One loss kind."""

    name: str
    # E over a batch, with {E}, {T} and {a} where the loss's, target's and activation's letters go
    written: str
    build: Callable[[sp.Symbol, sp.Symbol], sp.Expr] = field(repr=False, compare=False)
    textbook: Callable[[sp.Symbol, sp.Symbol], sp.Expr] = field(repr=False, compare=False)
    per_output_mean: bool = False  # divide by K as well as by m

    def formula(self, loss: str = "E", target: str = "T", activation: str = "a") -> str:
        """The loss over a batch in the given letters: L = (1/m) Σ_s ½ Σ_k (y − h)²."""
        return self.written.format(E=loss, T=target, a=activation)

    def scale(self, outputs: int) -> sp.Expr:
        """The factor in front of the sum over the K outputs of one sample."""
        return sp.Rational(1, outputs) if self.per_output_mean else sp.Integer(1)

    @cached_property
    def term(self) -> sp.Expr:
        """l(a, T) in the generic symbols a and T."""
        return self.build(A, T)

    @cached_property
    def derivative(self) -> sp.Expr:
        """dl/da as taught; derived by sympy and checked against the textbook form."""
        derived = sp.diff(self.term, A)
        taught = self.textbook(A, T)
        points = {A: default_points(A, unit_interval=True), T: (0.2, 0.9, 0.0, 1.0, 0.5)}
        if not same_function(derived, taught, points):
            raise AssertionError(f"textbook derivative of {self.name} disagrees with sympy")
        return taught

    def derivative_in(self, a: sp.Symbol, t: sp.Symbol) -> sp.Expr:
        """dl/da as taught, in an output's own symbols (built afresh to keep its written form)."""
        self.derivative  # noqa: B018  (derives and checks once per kind)
        return self.textbook(a, t)


def _neg(expr: sp.Expr) -> sp.Expr:
    # keep -(T - a) as written in textbooks instead of letting sympy distribute the sign
    return sp.Mul(-1, expr, evaluate=False)


HALF_SQUARED_ERROR = Loss(
    "half_squared_error",
    LOSS_WRITTEN["half_squared_error"],
    lambda a, t: sp.Rational(1, 2) * (t - a) ** 2,
    lambda a, t: _neg(t - a),
)
SQUARED_ERROR = Loss(
    "squared_error",
    LOSS_WRITTEN["squared_error"],
    lambda a, t: (t - a) ** 2,
    lambda a, t: sp.Mul(-2, t - a, evaluate=False),
)
MSE = Loss(
    "mse",
    LOSS_WRITTEN["mse"],
    lambda a, t: (t - a) ** 2,
    lambda a, t: sp.Mul(-2, t - a, evaluate=False),
    per_output_mean=True,
)
BINARY_CROSS_ENTROPY = Loss(
    "binary_cross_entropy",
    LOSS_WRITTEN["binary_cross_entropy"],
    lambda a, t: -(t * sp.log(a) + (1 - t) * sp.log(1 - a)),
    lambda a, t: _neg(t / a - (1 - t) / (1 - a)),
)
CROSS_ENTROPY = Loss(
    "cross_entropy",
    LOSS_WRITTEN["cross_entropy"],
    lambda a, t: -t * sp.log(a),
    lambda a, t: _neg(t / a),
)

LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (HALF_SQUARED_ERROR, SQUARED_ERROR, MSE, BINARY_CROSS_ENTROPY, CROSS_ENTROPY)
}

if tuple(LOSSES) != LOSS_NAMES \
        or {loss.name for loss in LOSSES.values() if loss.per_output_mean} != PER_OUTPUT_MEAN:
    # catalog.py lists them for the reader, without sympy
    raise AssertionError("maths/catalog.py and the losses disagree")
