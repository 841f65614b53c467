"""Custom activations: the whitelisting parser, sympy's derivative, numeric evaluation."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from backprop_tutor.errors import InputError
from backprop_tutor.maths.activations import Z
from backprop_tutor.maths.expression import custom_activation, parse_expression
from backprop_tutor.network.kernels import layer_functions
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.symbolic.kernel_source import activation_kernels

z = Z


@pytest.mark.parametrize(("text", "expected"), [
    ("z/(1 + abs(z))", z / (1 + sp.Abs(z))),
    ("z*sigmoid(z)", z / (1 + sp.exp(-z))),
    ("max(z, 0.1*z)", sp.Max(z, z / 10)),
    ("min(z, 1) - -z", sp.Min(z, 1) + z),
    ("sqrt(1 + z**2) + log(2 + tanh(z)) + exp(-z)",
     sp.sqrt(1 + z**2) + sp.log(2 + sp.tanh(z)) + sp.exp(-z)),
    ("+z / 2", z / 2),
])
def test_allowed_formulas_become_sympy(text: str, expected: sp.Expr) -> None:
    assert sp.simplify(parse_expression(text) - expected) == 0


@pytest.mark.parametrize(("text", "complaint"), [
    ("__import__('os')", "the function '__import__'"),
    ("__import__('os').system('true')", "a call of anything but a function's name"),
    ("z.real", "an attribute"),
    ("exp(z)[0]", "indexing"),
    ("x + 1", "the name 'x'"),
    ("sin(z)", "the function 'sin'"),
    ("z if z > 0 else 0", "if/else"),
    ("z > 0", "a comparison"),
    ("lambda z: z", "lambda"),
    ("'z'", "the constant 'z'"),
    ("True * z", "the constant True"),
    ("z and 1", "and/or"),
    ("max(z)", "max takes 2 arguments"),
    ("exp(z, base=2)", "keyword arguments"),
    ("2 ** 9 ** 9 * z", "too large"),
    ("1 + 2", "does not use z"),
    ("z +", "is not a formula"),
    ("z / 0", "divides by zero"),
])
def test_anything_else_is_refused_with_what_is_allowed(text: str, complaint: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_expression(text)
    assert complaint in str(caught.value)


def test_the_derivative_is_sympys_and_evaluates_numerically() -> None:
    act = custom_activation("z/(1 + abs(z))")
    assert sp.simplify(act.derivative - sp.diff(z / (1 + sp.Abs(z)), z)) == 0
    f, df = layer_functions(*activation_kernels(act))
    points = np.array([[-2.0, -0.5], [0.0, 3.0]])
    assert np.allclose(f(points), points / (1 + np.abs(points)), rtol=1e-15)
    assert np.allclose(df(points, f(points)), 1 / (1 + np.abs(points)) ** 2, rtol=1e-15)


def test_max_and_min_of_two_arguments_evaluate_elementwise() -> None:
    f, df = layer_functions(*activation_kernels(custom_activation("max(z, 0.2*z) + min(z, 0)")))
    points = np.array([[-2.0, 1.5]])
    assert np.allclose(f(points), [[-0.4 - 2.0, 1.5]])
    assert np.allclose(df(points, f(points)), [[0.2 + 1.0, 1.0]])


def test_the_loader_locates_a_refused_formula() -> None:
    text = ("inputs: 1\nlayers:\n  - units: 1\n    activation: {expression: \"sin(z)\"}\n"
            "    weights: [[0.1]]\n    biases: [0.0]\ndata:\n  - {inputs: [1], targets: [0]}\n"
            "learning_rate: 0.1\n")
    with pytest.raises(InputError) as caught:
        scenario_from_text(text, "custom.yaml")
    error = caught.value
    assert error.file == "custom.yaml" and error.line == 4
    assert "sin" in error.detail and "allowed" in error.detail
