"""Net inputs that are 0 by hand: a bound on the rounding error of z = Σ w·a + b, and the snap.

By hand, z11 = 0.1·1 + 0.2·1 + (−0.3) is exactly 0; in binary floating point it comes out as
5.551e−17, because 0.1, 0.2 and 0.3 are not binary fractions and every product and sum is
rounded. A value that small decides a branch (relu′ = 1 instead of 0) that the hand
calculation decides the other way. So the forward pass computes, with every z, an a-priori
bound on its rounding error, and a z no larger than its bound is taken to be exactly 0
before the activation, its derivative and everything after them use it.

The bound is the standard one for inner products (N. J. Higham, *Accuracy and Stability of
Numerical Algorithms*, 2nd ed., SIAM 2002, §3.1, eq. (3.5), with γ_k = k·u/(1 − k·u) of §3.1,
Lemma 3.1): summing n + 1 terms in any order gives |fl(Σ t_i) − Σ t_i| ≤ γ_n Σ |t_i|. Here
the terms are w_j·a_j and b, each w and b carries the rounding of its decimal to binary (one u)
and each product one more rounding, and the inputs a_j carry their own error e_j from the layer
below. To first order in u:

    |fl(z) − z| ≤ Σ_j |w_j|·(e_j + γ_{n+3}·|a_j|) + γ_{n+3}·|b|

(n + 3 rather than the n + 2 the count gives: the extra u absorbs the second-order terms). The
network's inputs are decimals read from the file, so e = u·|x|. After a layer, a = f(z) carries
e_a = |f′(z)|·e_z + γ_F·|a| (the error of z, propagated to first order, and the roundings of
evaluating f, at most F = 8 for the activations the tool knows and for short custom formulas).
A z taken to be 0 is exact from then on (e_z = 0): it is the hand calculation's value.

Only a z with |z| ≤ bound is changed, and it is changed to 0: a z that is genuinely non-zero by
more than the rounding error of its own terms is never touched. At most 1e−15 or so of the size
of its terms, a z that is not 0 by hand but is treated as 0 is below what the floating-point
computation can tell apart from 0 anyway.
"""

from __future__ import annotations

import math

import numpy as np

U = 2.0**-53  # the unit roundoff of IEEE double precision
F_ROUNDINGS = 8  # roundings in evaluating an activation f(z)


def gamma(k: int) -> float:
    """γ_k = k·u/(1 − k·u) (Higham, Lemma 3.1): the relative error of k roundings."""
    return k * U / (1.0 - k * U)


def input_error(x: np.ndarray) -> np.ndarray:
    """The error of inputs read from decimals: each is its decimal rounded to binary (u·|x|)."""
    return U * np.abs(x)


def net_input(a: np.ndarray, error: np.ndarray, w: np.ndarray, b: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """z = a·Wᵀ + b [sample, unit], with every z that is 0 up to rounding set to exactly 0, and
    the bound on the error of each z (0 where it was set to 0).

    ``a`` [sample, input] are the layer's inputs and ``error`` the bound on their errors.
    """
    z = a @ w.T + b
    g = gamma(w.shape[1] + 3)
    bound = (error + g * np.abs(a)) @ np.abs(w).T + g * np.abs(b)
    zero = np.abs(z) <= bound
    if zero.any():
        zero &= np.isfinite(bound)  # an overflowed bound proves nothing
        z = np.where(zero, 0.0, z)
        bound = np.where(zero, 0.0, bound)
    return z, bound


def screen(z: np.ndarray, w: np.ndarray, b: np.ndarray, error: float, largest: float, *,
           last: bool = False) -> float | None:
    """A bound on the error of every z of the layer at once, or None when some z that is not
    already exactly 0 might be 0 up to rounding (``net_input`` must then decide, z by z).

    ``error`` and ``largest`` are the largest error bound and the largest |a| among the layer's
    inputs over the whole batch. Replacing each e_j by that E, each |a_j| by that A and each
    |w_j| by the largest |w| of the layer can only make the bound larger; and since
    |b| ≤ |z| + Σ_j |w_j·a_j| (to first order), a z with |z| ≤ its bound has
    |z|·(1 − γ) ≤ (E + 2γA)·n·max|w|. So when every non-zero |z| exceeds that one number, no
    z is 0 up to rounding; it costs a few reductions instead of a second matrix product. The
    number returned bounds the error of every z of the layer; for the ``last`` layer, whose
    errors nothing reads, it is 0.
    """
    n = w.shape[1]
    g = (n + 3) * U / (1.0 - (n + 3) * U)  # γ_{n+3}, inlined: this runs once per layer and step
    weights = float(np.abs(w).max()) * n
    size = np.abs(z)
    threshold = (error + 2.0 * g * largest) * weights / (1.0 - g)
    # an overflowed (or NaN) threshold proves nothing: then nothing is set to 0
    if not float(size.min()) > threshold and threshold < math.inf \
            and z[size <= threshold].any():
        return None
    if last:
        return 0.0
    return (error + g * largest) * weights + g * float(np.abs(b).max())


def largest(values: np.ndarray) -> float:
    """max |v| over a non-empty array, without making |v|."""
    high, low = float(values.max()), -float(values.min())
    return high if high >= low else low


def output_error(z_error: np.ndarray, a: np.ndarray, da_dz: np.ndarray) -> np.ndarray:
    """The bound on the error of a = f(z): |f′(z)|·e_z, plus the roundings of evaluating f."""
    return np.abs(da_dz) * z_error + gamma(F_ROUNDINGS) * np.abs(a)
