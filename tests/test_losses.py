"""Losses: each one is the formula the format states, and each is used where it makes sense."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from oracle import sample_loss

from backprop_tutor.errors import InputError
from backprop_tutor.maths.losses import LOSSES
from backprop_tutor.network.kernels import compile_kernel
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.symbolic.kernel_source import loss_kernels
from backprop_tutor.symbolic.printers import formula_text


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_per_output_terms_and_scale_give_the_stated_formula(name: str) -> None:
    loss = LOSSES[name]
    term, _ = (compile_kernel(k) for k in loss_kernels(loss))
    a = np.array([[0.2, 0.7, 0.4]])
    t = np.array([[0.0, 1.0, 0.25]])
    ours = float(loss.scale(3)) * term(a, t).sum()
    stated = float(sample_loss(name, [sp.Float(v) for v in a[0]], [sp.Float(v) for v in t[0]]))
    assert ours == pytest.approx(stated, rel=1e-14)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_the_derivative_is_sympys(name: str) -> None:
    loss = LOSSES[name]
    _, derivative = (compile_kernel(k) for k in loss_kernels(loss))
    a, t = sp.symbols("a t", real=True)
    for av, tv in [(0.3, 0.0), (0.6, 1.0), (0.45, 0.2)]:
        derived = float(sp.diff(sample_loss(name, [a], [t]), a).subs({a: av, t: tv}))
        assert derivative(np.array([[av]]), np.array([[tv]]))[0, 0] == pytest.approx(
            derived, rel=1e-14)


@pytest.mark.parametrize(("name", "shown"), [
    ("half_squared_error", "−(T − a)"),
    ("squared_error", "−2(T − a)"),
    ("binary_cross_entropy", "−(T/a − (1 − T)/(1 − a))"),
    ("cross_entropy", "−T/a"),
])
def test_derivatives_are_shown_as_taught(name: str, shown: str) -> None:
    assert formula_text(LOSSES[name].derivative) == shown


@pytest.mark.parametrize(("name", "default", "lettered"), [
    ("half_squared_error", "E = (1/m) Σ_s ½ Σ_k (T − a)²", "L = (1/m) Σ_s ½ Σ_k (y − h)²"),
    ("squared_error", "E = (1/m) Σ_s Σ_k (T − a)²", "L = (1/m) Σ_s Σ_k (y − h)²"),
    ("mse", "E = (1/(m·K)) Σ_s Σ_k (T − a)²", "L = (1/(m·K)) Σ_s Σ_k (y − h)²"),
    ("binary_cross_entropy", "E = −(1/m) Σ_s Σ_k [T log a + (1 − T) log(1 − a)]",
     "L = −(1/m) Σ_s Σ_k [y log h + (1 − y) log(1 − h)]"),
    ("cross_entropy", "E = −(1/m) Σ_s Σ_k T log a", "L = −(1/m) Σ_s Σ_k y log h"),
])
def test_the_formula_is_written_in_the_letters_given(name: str, default: str,
                                                     lettered: str) -> None:
    assert LOSSES[name].formula() == default
    assert LOSSES[name].formula(loss="L", target="y", activation="h") == lettered


BASE = """
inputs: 1
layers:
  - {units: 2, activation: ACT, weights: [[0.1], [0.2]], biases: [0, 0]}
data: [{inputs: [1], targets: TARGETS}]
loss: LOSS
learning_rate: 0.1
"""


@pytest.mark.parametrize(("act", "loss", "targets", "complaint"), [
    ("sigmoid", "cross_entropy", "[1, 0]", "needs a softmax output layer"),
    ("linear", "binary_cross_entropy", "[1, 0]", "needs outputs in (0, 1)"),
    ("tanh", "binary_cross_entropy", "[1, 0]", "needs outputs in (0, 1)"),
    ("sigmoid", "binary_cross_entropy", "[1.5, 0]", "between 0 and 1"),
    ("softmax", "cross_entropy", "[0.5, 0.6]", "sum to 1"),
    ("softmax", "cross_entropy", "[-1, 2]", "between 0 and 1"),
])
def test_unsuitable_combinations_are_refused(act, loss, targets, complaint) -> None:
    text = BASE.replace("ACT", act).replace("LOSS", loss).replace("TARGETS", targets)
    with pytest.raises(InputError) as caught:
        scenario_from_text(text)
    assert complaint in caught.value.detail


@pytest.mark.parametrize(("act", "loss", "targets"), [
    ("sigmoid", "binary_cross_entropy", "[1, 0.3]"),
    ("softmax", "binary_cross_entropy", "[1, 0]"),
    ("softmax", "cross_entropy", "[0.25, 0.75]"),
    ("softmax", "mse", "[3, -1]"),
])
def test_suitable_combinations_are_accepted(act, loss, targets) -> None:
    scenario_from_text(BASE.replace("ACT", act).replace("LOSS", loss).replace("TARGETS", targets))
