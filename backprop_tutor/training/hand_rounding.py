"""Hand rounding: every value a worked solution shows, rounded as a person writes it down.

A lecture computed by hand writes each intermediate to a few digits and goes on from what it
wrote: seed 000 rounds ∂a2/∂z2 = 0.7153·(1 − 0.7153) = 0.20364591 to 0.2036 and so prints
∂E/∂w2 = 0.4653·0.2036·0.6023 = 0.05706, where the exact chain gives 0.05707. A scenario's
``rounding: {digits: N}`` (N significant digits) or ``rounding: {decimals: N}`` (N places after
the point) makes the engine do the same (training/engine.py): each activation a, loss E (of
each sample and of the batch), ∂E/∂a, ∂a/∂z, δ, gradient and updated parameter is rounded
before anything later uses it, and iteration 2 starts from the rounded updated weights.

What is not rounded, and why:

- the net input z = Σ w·a + b. It is a sum of products of numbers already written to N digits,
  so it has exact digits of its own (0.45·0.6023 + 0.65 = 0.921035), and it is the argument of
  the activation, where rounding it would lose digits of a: σ(0.921035) = 0.7153 is the
  lecture's a2, σ(0.9210) = 0.7152 is not. z is kept to 12 significant digits (its exact
  digits, without the floating-point noise of the sum).
- the inside of one formula: a gradient shown as the product of the factors along each path is
  that product of the rounded factors, rounded once (as a person multiplies the numbers of one
  line on a calculator); an update w − η·∂E/∂w is rounded once.

The rounding is half away from zero (0.20365 → 0.2037, −0.20365 → −0.2037): what a person
writes, not numpy's round-half-to-even. A float's binary value is not its decimal (0.057055 is
stored as 0.0570549999…), so each value is first rounded to 12 significant digits, which
removes the noise of double precision (about 16 digits) and keeps every digit a product of a
few N-digit numbers has, and then to N digits. Vectorised with numpy (decimal.Decimal would
give the same digits one number at a time; tests/test_hand_rounding.py checks the two agree).
The rounded value is the double nearest its decimal, so it prints as the digits a person wrote.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# the digits a value is cleaned to before it is rounded: beyond every digit a hand product has,
# short of the noise of double precision (~16 digits)
CLEAN_DIGITS = 12

# Up to this many paths from E to a parameter a gradient is shown as the sum over its paths of
# the product of their factors (symbolic/derivation.py, EXPAND_LIMIT, which a test keeps equal);
# beyond it, as δ·∂z/∂p: the rounded gradient follows the formula shown.
EXPANDED_PATHS = 8


@dataclass(frozen=True)
class HandRounding:
    """Round to ``digits`` significant digits, or to ``decimals`` places after the point."""

    digits: int | None = None
    decimals: int | None = None

    def __post_init__(self) -> None:
        if (self.digits is None) == (self.decimals is None):
            raise ValueError("hand rounding takes digits or decimals, one of them")

    def __call__(self, values: np.ndarray | float) -> np.ndarray:
        """``values`` rounded, half away from zero; NaN, ±inf and 0 unchanged."""
        if self.digits is not None:
            return round_significant(values, self.digits)
        return round_decimals(values, self.decimals)  # type: ignore[arg-type]

    @property
    def describe(self) -> str:
        """``4 significant digits`` or ``4 decimals``."""
        if self.digits is not None:
            return f"{self.digits} significant digit{'s' if self.digits != 1 else ''}"
        return f"{self.decimals} decimal{'s' if self.decimals != 1 else ''}"

    def unit(self, value: float) -> float:
        """One unit of the last digit kept of a value rounded by this rule (0.05706 → 1e−5)."""
        if self.digits is None:
            return 10.0 ** -self.decimals  # type: ignore[operator]
        size = abs(value) if math.isfinite(value) and value != 0 else 1.0
        return 10.0 ** (math.floor(math.log10(size)) - self.digits + 1)

    def slack(self, value: float) -> float:
        """How far a rounded ``value`` may be from the exact one it stands for, as grading
        allows it: one unit of its last digit kept (its own rounding, half a unit, and what
        earlier roundings moved it), and the 1e−9 by which doubles miss decimals (0.05707 −
        0.05706 is 1.0000000000000286e−05)."""
        return self.unit(value) * (1.0 + 1e-9)

    def to_data(self) -> dict[str, int]:
        """``{"digits": 4}`` or ``{"decimals": 4}``: what the scenario file says."""
        return {"digits": self.digits} if self.digits is not None \
            else {"decimals": self.decimals}  # type: ignore[dict-item]


def _exponent(magnitude: np.ndarray) -> np.ndarray:
    """floor(log10 |v|) for |v| > 0 (the position of the first significant digit)."""
    return np.floor(np.log10(magnitude))


def _round_at(values: np.ndarray | float, places: np.ndarray) -> np.ndarray:
    """Each value rounded half away from zero to ``places`` decimals (negative: tens, …)."""
    v = np.asarray(values, dtype=float)
    magnitude = np.abs(v)
    live = np.isfinite(v) & (magnitude > 0)
    if not live.any():
        return v.copy()
    safe = np.where(live, magnitude, 1.0)
    places = np.where(live, places, 0.0)
    scaled = _scale(safe, places)  # |v|·10^places: the digits kept are its integer part
    # clean to CLEAN_DIGITS significant digits: a tie written by hand (5705.5) is a tie here
    extra = np.maximum(CLEAN_DIGITS - 1 - _exponent(scaled), 0.0)
    cleaned = np.rint(_scale(scaled, extra)) / 10.0 ** extra
    kept = np.floor(cleaned + 0.5)
    rounded = _scale(kept, -places)
    # from 2^52 on, |v|·10^places is a whole number: v has no digit beyond the places kept,
    # and scaling back would only add the error of two roundings (1.84467441e11 at 8 places)
    whole = scaled >= 2.0 ** 52
    return np.where(live & ~whole, np.copysign(rounded, v), v)


def _scale(values: np.ndarray, places: np.ndarray) -> np.ndarray:
    """values·10^places, as one correctly rounded operation (10^k is exact for |k| ≤ 22)."""
    up = places >= 0
    return np.where(up, values * 10.0 ** np.where(up, places, 0.0),
                    values / 10.0 ** np.where(up, 0.0, -places))


def round_significant(values: np.ndarray | float, digits: int) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits, half away from zero."""
    v = np.asarray(values, dtype=float)
    magnitude = np.where(np.isfinite(v) & (v != 0), np.abs(v), 1.0)
    return _round_at(v, digits - 1 - _exponent(magnitude))


def round_decimals(values: np.ndarray | float, decimals: int) -> np.ndarray:
    """``values`` rounded to ``decimals`` places after the point, half away from zero."""
    v = np.asarray(values, dtype=float)
    return _round_at(v, np.full(v.shape, float(decimals)))


def clean(values: np.ndarray) -> np.ndarray:
    """``values`` to ``CLEAN_DIGITS`` significant digits: a hand sum's exact digits."""
    return round_significant(values, CLEAN_DIGITS)


def expanded_layers(units: list[int]) -> tuple[bool, ...]:
    """For each layer (units per layer, input side first): whether the gradients of its
    parameters are shown as the sum over their paths (a parameter of layer l has
    Π_{k>l} units_k paths from E)."""
    out = []
    for n in range(len(units)):
        paths = 1
        for above in units[n + 1:]:
            paths *= above
        out.append(paths <= EXPANDED_PATHS)
    return tuple(out)


def rounding_of(setting: object) -> HandRounding | None:
    """The rule a scenario's ``rounding:`` asks for (a schema.Rounding), or None (exact)."""
    if setting is None:
        return None
    return HandRounding(getattr(setting, "digits", None), getattr(setting, "decimals", None))


def rounding_note(rule: HandRounding) -> str:
    """The one sentence every output gives a rounded run."""
    return (f"rounded as by hand: every value to {rule.describe} before it is used (a net "
            "input z keeps its exact digits); exact values may differ in the last digit")


def hand_terms(hand: HandRounding, source: np.ndarray, below: np.ndarray, delta: np.ndarray,
               bias: str) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's term of the gradients of one layer, rounded as written: ∂E_s/∂w_ji =
    source_j·a_i [sample, unit, input] and ∂E_s/∂b_j = source_j [sample, unit].

    ``source`` [sample, unit] is what the shown formula multiplies: the sum over the paths of
    the products of the rounded factors (not itself rounded), or the rounded δ where the
    gradient is shown as δ·∂z/∂p. A shared bias is shown as Σ_j δ_j (every unit's column holds
    it); a layer without bias has terms 0.
    """
    weights = hand(source[:, :, None] * below[:, None, :])
    if bias == "shared":
        biases = np.repeat(hand(delta.sum(axis=1, keepdims=True)), delta.shape[1], axis=1)
    elif bias == "none":
        biases = np.zeros_like(delta)
    else:
        biases = hand(source)
    return weights, biases
