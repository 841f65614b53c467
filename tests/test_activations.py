"""Activations: textbook forms of their derivatives, softmax's coupled factors, validation."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from oracle import layer_function

from backprop_tutor import api
from backprop_tutor.errors import InputError
from backprop_tutor.maths.activations import A, Z, activation_named
from backprop_tutor.network.kernels import layer_functions, softmax, softmax_backward
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.symbolic.kernel_source import activation_kernels
from backprop_tutor.symbolic.printers import formula_text


@pytest.mark.parametrize(("name", "shown"), [
    ("sigmoid", "a(1 − a)"),
    ("tanh", "1 − a²"),
    ("relu", "1 if z > 0 else 0"),
    ("softplus", "σ(z)"),
    ("linear", "1"),
])
def test_derivatives_are_shown_as_textbooks_write_them(name: str, shown: str) -> None:
    assert formula_text(activation_named(name).derivative) == shown


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "softplus", "linear", "identity"])
def test_numeric_derivative_matches_sympys_away_from_kinks(name: str) -> None:
    f, df = layer_functions(*activation_kernels(activation_named(name)))
    z = np.array([[-2.3, -0.4, 0.3, 1.7]])
    oracle = layer_function(name)
    derived = [float(sp.diff(oracle([Z])[0], Z).subs(Z, v)) for v in z[0]]
    assert np.allclose(df(z, f(z))[0], derived, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_the_derivative_at_zero_is_the_slope_below_as_pytorch_does(name: str) -> None:
    act = activation_named(name, alpha=0.1) if name == "leaky_relu" else activation_named(name)
    f, df = layer_functions(*activation_kernels(act))
    zero = np.zeros((1, 1))
    assert df(zero, f(zero))[0, 0] == (0.1 if name == "leaky_relu" else 0.0)


def test_leaky_relu_uses_its_alpha() -> None:
    f, df = layer_functions(*activation_kernels(activation_named("leaky_relu", alpha=0.25)))
    z = np.array([[-2.0, 3.0]])
    assert np.allclose(f(z), [[-0.5, 3.0]]) and np.allclose(df(z, f(z)), [[0.25, 1.0]])
    assert formula_text(activation_named("leaky_relu", alpha=0.25).derivative_in(Z, A)) == (
        "1 if z > 0 else 0.25")


def test_softmax_jacobian_vector_product_is_the_full_jacobian_times_the_vector() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(size=(4, 3))
    g = rng.normal(size=(4, 3))
    a = softmax(z)
    assert np.allclose(a.sum(axis=1), 1.0)
    for s in range(4):
        jacobian = np.diag(a[s]) - np.outer(a[s], a[s])  # [i, j] = ∂a_i/∂z_j
        assert np.allclose(softmax_backward(a, g)[s], g[s] @ jacobian, rtol=1e-14)


SOFTMAX_MSE = """
inputs: 1
layers:
  - units: 3
    activation: softmax
    weights: [[0.2], [-0.4], [0.7]]
    biases: [0.1, 0.0, -0.2]
data:
  - {inputs: [1.5], targets: [0.2, 0.3, 0.5]}
loss: mse
learning_rate: 0.1
"""


def test_softmax_without_cross_entropy_sums_over_every_pair() -> None:
    run = api.run(scenario_from_text(SOFTMAX_MSE))
    values = run.values()
    a = [values[f"a1{i}"] for i in (1, 2, 3)]
    for i in range(3):
        for j in range(3):
            assert values[f"da1{i + 1}/dz1{j + 1}"] == pytest.approx(
                a[i] * ((i == j) - a[j]), rel=1e-14)
    chain = run.derivation.chain("w111")
    # ∂E/∂w11 = Σ_i ∂E/∂a1i · ∂a1i/∂z11 · ∂z11/∂w11
    paths = [[f.address for f in path] for path in chain.paths()]
    assert paths == [[f"dE/da1{i}", f"da1{i}/dz11", "dz11/dw111"] for i in (1, 2, 3)]
    assert chain.path_count == 3
    shown = {f.address: formula_text(f.expression) for f in chain.factors()}
    assert shown["da11/dz11"] == "a11(1 − a11)" and shown["da12/dz11"] == "−a12·a11"


SOFTMAX_CE = SOFTMAX_MSE.replace("loss: mse", "loss: cross_entropy")


def test_cross_entropy_with_softmax_shows_a_minus_t_and_says_so() -> None:
    run = api.run(scenario_from_text(SOFTMAX_CE))
    chain = run.derivation.chain("w121")
    (path,) = list(chain.paths())
    assert [f.address for f in path] == ["dE/dz12", "dz12/dw121"]
    assert formula_text(path[0].expression) == "a12 − T2"
    assert "a_j − T_j" in path[0].note and "sum to 1" in path[0].note
    values = run.values()
    assert values["dE/dz12"] == pytest.approx(values["a12"] - 0.3, rel=1e-14)


@pytest.mark.parametrize(("change", "complaint"), [
    (("units: 3\n    activation: softmax", "units: 1\n    activation: softmax"),
     "at least 2 units"),
    (("loss: mse", "loss: cross_entropy\n"), "sum to 1"),
])
def test_softmax_misuse_is_refused(change: tuple[str, str], complaint: str) -> None:
    text = SOFTMAX_MSE.replace(*change)
    if "units: 1" in text:
        text = text.replace("[[0.2], [-0.4], [0.7]]", "[[0.2]]").replace(
            "[0.1, 0.0, -0.2]", "[0.1]").replace("[0.2, 0.3, 0.5]", "[1]")
    if "cross_entropy" in text:
        text = text.replace("[0.2, 0.3, 0.5]", "[0.2, 0.3, 0.6]")
    with pytest.raises(InputError) as caught:
        scenario_from_text(text)
    assert complaint in caught.value.detail


def test_softmax_is_allowed_on_the_output_layer_only() -> None:
    text = """
inputs: 1
layers:
  - {units: 2, activation: softmax, weights: [[0.1], [0.2]], biases: [0, 0]}
  - {units: 1, activation: sigmoid, weights: [[0.1, 0.2]], biases: [0]}
data: [{inputs: [1], targets: [0]}]
learning_rate: 0.1
"""
    with pytest.raises(InputError) as caught:
        scenario_from_text(text, "s.yaml")
    assert "output layer only" in caught.value.detail and caught.value.line == 4
