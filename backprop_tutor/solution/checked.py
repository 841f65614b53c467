"""Kernels read back from the derive-once cache, checked before they are used.

An entry of the cache is a file the user (or anything running as the user) can edit, so what it
says is checked against a computation that does not come from it: the activations and the loss
computed from the scenario itself (maths/numeric.py).

- The activation names, labels, the loss's scale and formula must be exactly what the scenario
  gives; a softmax layer must be one and only a softmax layer.
- Each f(z) and the loss term l(a, T) must agree with the reference to ``RTOL`` at every point.
- Each built-in f′(z, a) and ∂l/∂a must agree with the hand-written derivative to ``RTOL``; a
  custom activation's f′ with the derivative of its own formula by central differences
  (Richardson-extrapolated) to ``FD_RTOL`` and ``FD_ATOL`` plus the estimate's own error, or
  lie between the one-sided slopes at a kink (or be undefined at a cusp).

The points are fixed ones (the kinks at 0 among them) and as many drawn afresh at every run,
so that an entry cannot be written to agree only where it is checked.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..maths.catalog import LOSS_WRITTEN
from ..maths.numeric import LOSSES, ActivationReference, activation_reference
from ..network.kernels import Kernel, compile_kernel
from ..network.plan import Kernels
from ..scenario.schema import CustomActivation, NamedActivation, Scenario

RTOL = 1e-9  # agreement of a kernel with a reference computed in closed form
FD_RTOL = 1e-6  # agreement of a derivative with finite differences of its function
FD_ATOL = 1e-10  # and in absolute terms, for a derivative near 0
MIN_POINTS = 4  # a custom f′ checked at fewer points where f is finite is not trusted

_Z = np.array([-37.0, -8.5, -6.1, -2.3, -1.0, -0.7, -0.01, 0.0, 0.01, 0.35, 0.81, 1.0, 1.9,
               4.7, 8.5, 37.0])
_A = np.array([1e-6, 0.13, 0.37, 0.5, 0.52, 0.71, 0.94, 1 - 1e-6, -0.4, 1.6])
_T = np.array([0.0, 1.0, 0.2, 0.9, 0.5, 0.0, 1.0, 1.0, 0.3, 0.7])


def _reference(spec: str | NamedActivation | CustomActivation) -> ActivationReference:
    if isinstance(spec, CustomActivation):
        return activation_reference(expression=spec.expression)
    if isinstance(spec, str):
        return activation_reference(spec)
    return activation_reference(spec.name, alpha=spec.alpha)


def _close(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    got = np.broadcast_to(np.asarray(got, dtype=float), expected.shape)
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True))


def _derivative_agrees(df: Callable[..., np.ndarray], f: Callable[[np.ndarray], np.ndarray],
                       z: np.ndarray) -> bool:
    # central differences at h and h/2, extrapolated; at a kink, between the one-sided slopes
    h = 1e-4 * np.maximum(1.0, np.abs(z))

    def central(step: np.ndarray) -> np.ndarray:
        return (f(z + step) - f(z - step)) / (2 * step)

    fz = f(z)
    coarse, fine = central(h), central(h / 2)
    slope = (4 * fine - coarse) / 3
    left, right = (fz - f(z - h / 2)) / (h / 2), (f(z + h / 2) - fz) / (h / 2)
    got = np.broadcast_to(np.asarray(df(z, fz), dtype=float), z.shape)
    scale = np.maximum.reduce([np.abs(f(z + h)), np.abs(f(z - h)), np.abs(fz)])
    usable = np.isfinite(slope) & np.isfinite(scale) & np.isfinite(left) & np.isfinite(right)
    if usable.sum() < MIN_POINTS:
        return False
    # the estimate's own error: tiny where f is smooth, larger where f'' jumps (z/(1 + |z|) at 0)
    # and the kernel's own rounding, which cancellation can make ~1e-12 (z·tanh(softplus z))
    tol = FD_RTOL * np.abs(slope) + 4 * np.abs(fine - coarse) + 1e-12 * scale / h + FD_ATOL
    smooth = np.abs(left - right) <= 1e-2 * (1 + np.abs(slope))
    near = np.abs(got - slope) <= tol
    # at a kink, any slope between the one-sided ones; at a cusp (sqrt|z| at 0) none at all
    # within a step of a cusp (a random z near sqrt|z|'s 0) the derivative is steeper than any
    # difference the stencil can take: that says nothing either way
    between = ((got >= np.minimum(left, right) - tol) & (got <= np.maximum(left, right) + tol)) \
        | ~np.isfinite(got) | (np.abs(got) >= np.maximum(np.abs(left), np.abs(right)))
    return bool(np.all(np.where(smooth, near, between)[usable]))


def _compiled(kernel: Kernel | None) -> Callable[..., np.ndarray] | None:
    return None if kernel is None else compile_kernel(kernel)


def check_kernels(scenario: Scenario, kernels: Kernels, *, draws: int = 16) -> None:
    """Check kernels read back from the cache against the scenario's own activations and loss.

    Raises ValueError when they are not the scenario's (another number of layers, another
    activation, loss scale or formula), or when a kernel disagrees with the independent
    computation at any point checked; a kernel that cannot be evaluated raises what it raises.
    """
    rng = np.random.default_rng()  # fresh points at every run: from the system's entropy
    z = np.concatenate([_Z, rng.uniform(-8, 8, draws), rng.uniform(-40, 40, draws // 4)])
    if len(kernels.layers) != len(scenario.layers):
        raise ValueError("another number of layers")
    with np.errstate(all="ignore"):
        for layer, (f_kernel, df_kernel), pair in zip(scenario.layers, kernels.layers,
                                                      kernels.activations, strict=True):
            reference = _reference(layer.activation)
            if pair != (reference.name, reference.label):
                raise ValueError("another activation")
            if (f_kernel is None) != (reference.function is None):
                raise ValueError("softmax where the scenario has none, or none where it has")
            f, df = _compiled(f_kernel), compile_kernel(df_kernel)
            if reference.function is None:  # softmax: its diagonal factor, in a
                a = 1 / (1 + np.exp(-z))
                if not _close(df(z, a), a * (1 - a), RTOL, 1e-300):
                    raise ValueError("another softmax factor")
                continue
            expected = reference.function(z)
            if f is None or not _close(f(z), expected, RTOL, 1e-300):
                raise ValueError("another activation function")
            if reference.derivative is not None:
                if not _close(df(z, expected), reference.derivative(z, expected), RTOL, 1e-300):
                    raise ValueError("another activation derivative")
            elif not _derivative_agrees(df, reference.function, z):
                raise ValueError("an activation derivative that is not its function's")
        _check_loss(scenario, kernels, rng, draws)


def _check_loss(scenario: Scenario, kernels: Kernels, rng: np.random.Generator,
                draws: int) -> None:
    loss = LOSSES[scenario.loss]
    outputs = scenario.layers[-1].units
    if kernels.loss_scale != (1.0 / outputs if loss.per_output_mean else 1.0):
        raise ValueError("another loss scale")
    letters = scenario.symbols
    if kernels.loss_formula != LOSS_WRITTEN[scenario.loss].format(
            E=letters.loss, T=letters.target, a=letters.activation):
        raise ValueError("another loss formula")
    a = np.concatenate([_A, rng.uniform(0, 1, draws), rng.uniform(-3, 3, draws)])
    t = np.concatenate([_T, rng.uniform(0, 1, 2 * draws)])
    term, derivative = (compile_kernel(k) for k in kernels.loss)
    if not _close(term(a, t), loss.term(a, t), RTOL, 1e-300):
        raise ValueError("another loss")
    if not _close(derivative(a, t), loss.derivative(a, t), RTOL, 1e-300):
        raise ValueError("another loss derivative")
