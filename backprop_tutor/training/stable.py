"""Cross-entropy losses computed so that they stay finite where the mathematics is finite.

In floating point a sigmoid output rounds to exactly 1 once z is above about 37, and a softmax
output to exactly 0 or 1 once its logits are a few hundred apart. The textbook formulas then
take log(0) and divide 0 by 0 although the loss and its gradient are finite. Here:

- the loss of a softmax output under cross-entropy is computed from the logits z by the
  log-sum-exp identity log a_k = z_k − log Σ_j exp(z_j), with the largest z_j taken out first
  (``numpy.logaddexp.reduce``), so logits of ±400 with target [1, 0] give E = 0;
- the loss of a sigmoid output under binary cross-entropy (or cross-entropy) is computed from z
  by log σ(z) = −softplus(−z) and log(1 − σ(z)) = −softplus(z), softplus(x) = log(1 + eˣ)
  evaluated as ``numpy.logaddexp(0, x)``;
- everywhere else, and for ∂E/∂a, a term T·log a or T/a whose coefficient T is exactly 0 is 0
  (the convention 0·log 0 = 0 of information theory: Cover and Thomas, Elements of Information
  Theory, 2nd ed., §2.1), so an output of exactly 1 with target 1 gives a finite loss and
  gradient.

Nothing here raises: values that are truly infinite (a target of 0.3 on an output that is
exactly 1) stay infinite and training reports them as diverged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray
# (z, a, T) → the per-output terms l(a_k, T_k) of every [sample, output]
Terms = Callable[[Array, Array, Array], Array]


def _t_log(t: Array, value: Array) -> Array:
    """T·log(value), 0 where T is 0 (0·log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):  # the branch np.where drops
        return np.where(t == 0, 0.0, t * np.log(value))


def _t_over(t: Array, value: Array) -> Array:
    """T/value, 0 where T is 0: the derivative of T·log(value) with the same convention."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0, 0.0, t / value)


def cross_entropy_terms(z: Array, a: Array, t: Array) -> Array:
    """−T·log a of every output (from the outputs a)."""
    return -_t_log(t, a)


def binary_cross_entropy_terms(z: Array, a: Array, t: Array) -> Array:
    """−[T·log a + (1 − T)·log(1 − a)] of every output (from the outputs a)."""
    return -(_t_log(t, a) + _t_log(1 - t, 1 - a))


def _softplus(x: Array) -> Array:
    """log(1 + eˣ) without overflow: ``numpy.logaddexp(0, x)``."""
    return np.logaddexp(0.0, x)


def softmax_cross_entropy_terms(z: Array, a: Array, t: Array) -> Array:
    """−T_k·log a_k of a softmax layer, with log a_k = z_k − log Σ_j exp(z_j) (log-sum-exp)."""
    log_a = z - np.logaddexp.reduce(z, axis=1, keepdims=True)
    return np.where(t == 0, 0.0, -t * log_a)


def sigmoid_cross_entropy_terms(z: Array, a: Array, t: Array) -> Array:
    """−T·log σ(z) = T·softplus(−z) of a sigmoid output."""
    return np.where(t == 0, 0.0, t * _softplus(-z))


def sigmoid_binary_cross_entropy_terms(z: Array, a: Array, t: Array) -> Array:
    """T·softplus(−z) + (1 − T)·softplus(z) of a sigmoid output, which is
    −[T·log σ(z) + (1 − T)·log(1 − σ(z))]."""
    return (np.where(t == 0, 0.0, t * _softplus(-z))
            + np.where(t == 1, 0.0, (1 - t) * _softplus(z)))


def cross_entropy_derivative(a: Array, t: Array) -> Array:
    """∂l/∂a = −T/a, 0 where T is 0."""
    return -_t_over(t, a)


def binary_cross_entropy_derivative(a: Array, t: Array) -> Array:
    """∂l/∂a = −[T/a − (1 − T)/(1 − a)], each quotient 0 where its T or 1 − T is 0."""
    return -(_t_over(t, a) - _t_over(1 - t, 1 - a))


Derivative = Callable[[Array, Array], Array]


def stable_loss(loss: str, output_activation: str) -> tuple[Terms, Derivative] | None:
    """(terms from (z, a, T), ∂l/∂a from (a, T)) for a cross-entropy loss; None for the others,
    whose kernels are finite wherever their outputs are."""
    if loss == "cross_entropy":
        terms = {"softmax": softmax_cross_entropy_terms,
                 "sigmoid": sigmoid_cross_entropy_terms}.get(output_activation,
                                                             cross_entropy_terms)
        return terms, cross_entropy_derivative
    if loss == "binary_cross_entropy":
        terms = (sigmoid_binary_cross_entropy_terms if output_activation == "sigmoid"
                 else binary_cross_entropy_terms)
        return terms, binary_cross_entropy_derivative
    return None
