"""The independent side of the cache's check: NumPy references agree with sympy's derivation,
honest kernels always pass the check, and edited ones never do."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp

from backprop_tutor.maths.activations import BUILTIN, Z, leaky_relu
from backprop_tutor.maths.catalog import LOSS_NAMES, LOSS_WRITTEN
from backprop_tutor.maths.expression import custom_activation
from backprop_tutor.maths.losses import LOSSES as SYMPY_LOSSES
from backprop_tutor.maths.losses import A as LOSS_A
from backprop_tutor.maths.losses import T as LOSS_T
from backprop_tutor.maths.numeric import LOSSES, activation_reference
from backprop_tutor.network.kernels import Kernel
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.solution.checked import check_kernels
from backprop_tutor.symbolic.kernel_source import scenario_kernels

CUSTOM = ["z/(1 + abs(z))", "max(z, 0)", "min(max(z, -1), 1)", "max(z, 0.1*z)",
          "sigmoid(z)*z", "tanh(z)+sqrt(z*z+1)", "log(1+exp(z))", "exp(-z**2)", "abs(z)**3",
          "exp(z)", "log(z)", "sqrt(abs(z))", "(z+1)**10", "z*tanh(log(1+exp(z)))",
          "sigmoid(5*z)", "exp(10*z)", "0.5*z + 2"]
NAMED = ["sigmoid", "tanh", "relu", "linear", "softplus", "identity", "logistic",
         {"name": "leaky_relu", "alpha": 0.2}, {"name": "leaky_relu"}]
Z_POINTS = np.array([-30.0, -4.2, -1.0, -0.3, 0.0, 0.2, 0.9, 2.5, 7.0, 30.0])


@pytest.mark.parametrize("activation", [*(a for a in BUILTIN.values() if not a.coupled),
                                        leaky_relu(0.2), *map(custom_activation, CUSTOM)],
                         ids=lambda a: a.display or a.name)
def test_the_reference_function_is_the_derived_one(activation):
    if activation.name == "custom":
        reference = activation_reference(expression=activation.display)
    else:
        reference = activation_reference(activation.name, alpha=dict(activation.parameters).get(
            "alpha"))
    expected = sp.lambdify((Z,), activation.expression, modules="numpy")
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(reference.function(Z_POINTS),
                                   np.broadcast_to(expected(Z_POINTS), Z_POINTS.shape),
                                   rtol=1e-12)
    assert reference.label == (activation.display or activation.name)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_the_reference_losses_are_the_derived_ones(name):
    a = np.array([0.13, 0.37, 0.52, 0.71, 0.94])
    t = np.array([0.0, 1.0, 0.2, 0.9, 0.5])
    loss = SYMPY_LOSSES[name]
    for mine, expr in ((LOSSES[name].term, loss.term), (LOSSES[name].derivative,
                                                       loss.derivative)):
        np.testing.assert_allclose(mine(a, t), sp.lambdify((LOSS_A, LOSS_T), expr)(a, t),
                                   rtol=1e-12)
    assert LOSSES[name].per_output_mean == loss.per_output_mean
    assert LOSS_WRITTEN[name] == loss.written


def _scenario(activation, loss: str = "half_squared_error", units: int = 1):
    targets = [0.5] * units if loss != "cross_entropy" else [1.0] + [0.0] * (units - 1)
    output = "softmax" if loss == "cross_entropy" else "sigmoid"
    return scenario_from_text(
        f"inputs: 1\nlayers:\n- units: 2\n  activation: {json.dumps(activation)}\n"
        f"- units: {units}\n  activation: {output}\nloss: {loss}\n"
        f"data: [{{inputs: [1], targets: {targets}}}]\nlearning_rate: 0.5\ninit: {{seed: 1}}\n")


@pytest.mark.parametrize("activation", [*NAMED, *({"expression": e} for e in CUSTOM)],
                         ids=lambda a: json.dumps(a))
def test_honest_kernels_always_pass(activation):
    for loss, units in (("half_squared_error", 1), ("mse", 3), ("binary_cross_entropy", 1),
                        ("cross_entropy", 2)):
        scenario = _scenario(activation, loss, units)
        kernels = scenario_kernels(scenario)
        for _ in range(30):  # fresh points every time
            check_kernels(scenario, kernels)


@pytest.mark.parametrize("activation, source", [
    ("sigmoid", "a*(1.01 - a)"),
    ("sigmoid", "a*(1 - a) + 1e-7"),
    ("relu", "select([greater_equal(z, 0),True], [1,0], default=nan)"),  # 1 at the kink
    ({"expression": "z/(1 + abs(z))"}, "(abs(z) + 1)**(-2.0)*1.00001"),
    ({"expression": "max(z, 0)"}, "(select([less(z, 0),True], [0,1], default=nan))*1.5"),
    ({"expression": "exp(-z**2)"},
     "-2*z*exp(-z**2) + select([greater(z, 5.5),True], [0.001,0], default=nan)"),
])
def test_an_edited_derivative_never_passes(activation, source):
    scenario = _scenario(activation)
    kernels = scenario_kernels(scenario)
    (f, _), *rest = kernels.layers
    edited = replace(kernels, layers=((f, Kernel(("z", "a"), source)), *rest))
    for _ in range(10):
        with pytest.raises(ValueError):
            check_kernels(scenario, edited)


def test_an_edited_loss_never_passes():
    scenario = _scenario("sigmoid", "binary_cross_entropy")
    kernels = scenario_kernels(scenario)
    term, derivative = kernels.loss
    for loss in ((term, replace(derivative, source=f"1.5*({derivative.source})")),
                 (replace(term, source=f"({term.source}) + 0.001"), derivative)):
        with pytest.raises(ValueError):
            check_kernels(scenario, replace(kernels, loss=loss))
    with pytest.raises(ValueError):
        check_kernels(scenario, replace(kernels, loss_formula="E = 0"))
    with pytest.raises(ValueError):
        check_kernels(scenario, replace(kernels, loss_scale=0.5))


def test_a_point_within_a_step_of_a_cusp_is_no_evidence_against_an_honest_derivative():
    """sqrt(|z|) drawn at z = 1e-9 once failed its honest derivative: the difference stencil
    (h = 1e-4) straddles the cusp. An edited derivative is still caught at the other points."""
    import warnings

    from backprop_tutor.solution.checked import _derivative_agrees

    points = np.array([0.0, 1e-9, 1e-5, -3e-5, 0.5, -2.0, 1.3, 4.0, -0.7, 2.2, -5.0, 3.3,
                       6.1, -1.1, 0.9, 7.0, -3.2])

    def f(z):
        return np.sqrt(np.abs(z))

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        assert _derivative_agrees(lambda z, a: np.sign(z) / (2 * np.sqrt(np.abs(z))), f, points)
        assert not _derivative_agrees(lambda z, a: 1.01 * np.sign(z) / (2 * np.sqrt(np.abs(z))),
                                      f, points)
