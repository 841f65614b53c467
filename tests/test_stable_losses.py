"""Cross-entropy at the edges of floating point (issue 16, §7): finite where the maths is.

The expected values come from the independent oracle (tests/oracle.py): its closed-form loss
and gradient, evaluated by sympy at 1,000 digits rather than in doubles, and from central
differences of the engine's loss.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp
import yaml
from finite_differences import central_differences
from oracle import Oracle, sample_loss
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.training import stable


def one_layer(activation: str, weights: list, targets: list, loss: str) -> str:
    return yaml.safe_dump({
        "inputs": 1,
        "layers": [{"units": len(weights), "activation": activation,
                    "weights": [[w] for w in weights], "biases": [0.0] * len(weights)}],
        "data": [{"inputs": [1.0], "targets": targets}],
        "loss": loss, "learning_rate": 0.1})


def exact(text: str) -> tuple[float, list[float]]:
    """The oracle's loss and ∂E/∂w of each unit at the initial parameters, to 1,000 digits
    (1 − σ(800) is about 10⁻³⁴⁸)."""
    scenario = scenario_from_text(text)
    oracle = Oracle(scenario)
    outputs = oracle.forward([sp.Integer(1)])
    loss = sample_loss(scenario.loss, outputs, [sp.nsimplify(t) for t in
                                                scenario.data[0].targets])
    values = {p: sp.nsimplify(v) for p, v in zip(
        oracle.flat, [v for layer in scenario.layers
                      for w, b in zip(layer.weights, layer.biases, strict=True)
                      for v in (*w, b)], strict=True)}
    weights = [unit[0] for layer in oracle.symbols for unit in layer]
    return (float(loss.subs(values).evalf(1000)),
            [float(sp.diff(loss, w).subs(values).evalf(1000)) for w in weights])


CASES = [
    # the issue's examples: logits ±400 with target [1, 0]; σ(40) = 1 in doubles, target 1
    ("softmax", [400, -400], [1, 0], "cross_entropy"),
    ("softmax", [400, -400], [0, 1], "cross_entropy"),  # E = 800, where log(a) gives ∞
    ("sigmoid", [40], [1], "binary_cross_entropy"),
    ("sigmoid", [-40], [0], "binary_cross_entropy"),
    ("sigmoid", [40], [0.3], "binary_cross_entropy"),  # E ≈ 28: from z, not log(1 − a)
    ("sigmoid", [3, -2], [0.25, 1], "binary_cross_entropy"),  # away from the edges
]


@pytest.mark.parametrize(("activation", "weights", "targets", "loss"), CASES)
def test_the_loss_and_gradient_agree_with_the_exact_closed_form(activation, weights, targets,
                                                                loss):
    text = one_layer(activation, weights, targets, loss)
    run = api.run(scenario_from_text(text))
    assert run.trace.stop_reason == "epochs"
    record = run.trace.iterations[0]
    want_loss, want_grads = exact(text)
    assert record.loss == pytest.approx(want_loss, rel=1e-12, abs=1e-300)
    grads = record.layers[0].grad_weights[:, 0]
    assert grads == pytest.approx(want_grads, rel=1e-9, abs=1e-15)
    # no NaN key; ∂E/∂a may be honestly infinite where a rounds to 0 or 1 (−T/0)
    assert not any(math.isnan(v) for v in run.values().values())
    for engine, measured in central_differences(run, record):
        assert engine == pytest.approx(measured, rel=1e-5, abs=1e-6)


def test_the_issues_softmax_example_reports_a_loss_of_zero():
    text = one_layer("softmax", [400, -400], [1, 0], "cross_entropy")
    run = api.run(scenario_from_text(text))
    assert run.trace.final_loss == 0.0 and run.trace.stop_reason == "epochs"


def test_the_cli_shows_finite_numbers_for_a_saturated_sigmoid(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(one_layer("sigmoid", [40], [1], "binary_cross_entropy"), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), "--json"])
    assert result.exit_code == 0 and result.stderr == ""
    document = json.loads(result.stdout)
    assert document["final"]["stop_reason"] == "epochs"
    assert document["final"]["loss"] == pytest.approx(math.log1p(math.exp(-40)), rel=1e-12)


@pytest.mark.parametrize("z", [-800.0, -40.0, -1.5, 0.0, 2.0, 40.0, 800.0])
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_the_stable_terms_are_the_closed_form_terms(z, t):
    exact_sigma = 1 / (1 + sp.exp(-sp.nsimplify(z)))
    T = sp.nsimplify(t)
    want = -(T * sp.log(exact_sigma) + (1 - T) * sp.log(1 - exact_sigma))
    with np.errstate(over="ignore"):
        a = 1 / (1 + np.exp(-np.array([[z]])))
    got = stable.sigmoid_binary_cross_entropy_terms(np.array([[z]]), a, np.array([[t]]))
    assert got[0, 0] == pytest.approx(float(want.evalf(1000)), rel=1e-12, abs=1e-300)


def test_zero_times_log_zero_is_zero_in_the_derivatives():
    # outputs exactly 1 and 0 on their targets: −(T/a − (1 − T)/(1 − a)) without 0/0
    a, t = np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])
    assert stable.binary_cross_entropy_derivative(a, t).tolist() == [[-1.0, 1.0]]
    assert stable.cross_entropy_derivative(np.array([[1.0, 0.0]]), t).tolist() == [[-1.0, 0.0]]
