"""Exact hand values at branch points: a z that is 0 with the decimals as written is 0, and the
branch of relu, leaky relu, abs, max and min at it is the documented one."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tutor import api
from backprop_tutor.grading.grade import grade_sheet
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.grading.solution import Solution
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.solution.values import iteration_values
from backprop_tutor.training.engine import Network
from backprop_tutor.training.rounding import U, net_input
from backprop_tutor.training.trace import Parameters


def kink_scenario(activation: object = "relu", weights=((0.1, 0.2),), biases=(-0.3,)):
    """Issue 12's example: z11 = 0.1·1 + 0.2·1 − 0.3, which is 0 by hand."""
    return scenario_from_text(yaml.safe_dump({
        "inputs": len(weights[0]),
        "layers": [
            {"units": len(weights), "activation": activation,
             "weights": [list(w) for w in weights], "biases": list(biases)},
            {"units": 1, "activation": "linear", "weights": [[0.5] * len(weights)],
             "biases": [0]},
        ],
        "data": [{"inputs": [1] * len(weights[0]), "targets": [1]}],
        "learning_rate": 0.1,
        "epochs": 1,
    }))


def values(activation: object = "relu", **kw) -> dict[str, float]:
    run = api.run(kink_scenario(activation, **kw))
    return iteration_values(run.plan, run.record(1))


def test_the_issue_example_takes_relus_branch_at_0() -> None:
    v = values()
    assert v["z11"] == 0.0
    assert v["a11"] == 0.0
    assert v["da11/dz11"] == 0.0  # relu′(0) = 0, the documented convention
    assert v["dE/dz11"] == 0.0
    assert v["dE/dw111"] == 0.0
    assert v["w111+"] == 0.1
    assert v["w112+"] == 0.2 and v["b11+"] == -0.3


def test_a_sheet_with_the_exact_hand_values_scores_full_marks() -> None:
    solution = Solution(api.run(kink_scenario()))
    sheet = sheet_from_text("answers:\n  z11: 0\n  a11: 0\n  da11/dz11: 0\n"
                            "  dE/dw111: 0\n  w111+: 0.1\n"
                            "asks: [z11, a11, da11/dz11, dE/dw111, w111+]\n")
    result = grade_sheet(solution, sheet)
    assert [(i.address, i.verdict) for i in result.items] == [
        ("z11", "correct"), ("a11", "correct"), ("da11/dz11", "correct"),
        ("dE/dw111", "correct"), ("w111+", "correct")]
    assert (result.score, result.max_score) == (5, 5)


@pytest.mark.parametrize(("activation", "slope"), [
    ("relu", 0.0),
    ({"name": "leaky_relu", "alpha": 0.1}, 0.1),  # α at z = 0
    ({"expression": "max(z, 0)"}, 0.0),  # the same as relu
    ({"expression": "max(0, z)"}, 0.0),
    ({"expression": "min(z, 0)"}, 0.0),
    ({"expression": "abs(z)"}, 0.0),  # sign(0) = 0
    ({"expression": "max(z, 0.1*z)"}, 0.1),  # leaky relu written by hand: α, as leaky_relu
    ({"expression": "abs(z) + 2*z"}, 1.0),  # slopes 1 and 3: the one nearer 0
    ({"expression": "min(max(z, -1), 1)"}, 1.0),  # hard tanh: no kink at 0
    ({"expression": "z/(1 + abs(z))"}, 1.0),  # no kink in f′ at all: softsign′(0) = 1
])
def test_every_kink_at_z_0_follows_one_convention(activation, slope) -> None:
    v = values(activation)
    assert v["z11"] == 0.0
    assert v["da11/dz11"] == slope
    assert v["dE/dw111"] == pytest.approx(-0.5 * slope, abs=0)


@pytest.mark.parametrize(("activation", "bias", "slope"), [
    ({"expression": "max(z, 1)"}, 0.7, 0.0),  # z = 0.1 + 0.2 + 0.7 = 1: the kink of max(z, 1)
    ({"expression": "min(max(z, -1), 1)"}, 0.7, 0.0),  # hard tanh at its upper kink
    ({"expression": "abs(z - 1)"}, 0.7, 0.0),
])
def test_a_kink_away_from_0_follows_the_same_convention(activation, bias, slope) -> None:
    v = values(activation, biases=(bias,))
    assert v["da11/dz11"] == slope


def test_a_z_not_0_by_hand_keeps_its_branch() -> None:
    v = values(weights=((0.1, 0.2),), biases=(-0.2999,))
    assert v["z11"] == pytest.approx(1e-4)
    assert v["da11/dz11"] == 1.0


def test_a_later_layer_sees_its_own_cancellation() -> None:
    # a11 = 0.1 + 0.2 = 0.30000000000000004 and z21 = 1·a11 − 0.3 is 0 by hand
    scenario = scenario_from_text(yaml.safe_dump({
        "inputs": 2,
        "layers": [
            {"units": 1, "activation": "relu", "weights": [[0.1, 0.2]], "biases": [0]},
            {"units": 1, "activation": "relu", "weights": [[1]], "biases": [-0.3]},
            {"units": 1, "activation": "linear", "weights": [[1]], "biases": [0]},
        ],
        "data": [{"inputs": [1, 1], "targets": [1]}],
        "learning_rate": 0.1,
    }))
    run = api.run(scenario)
    v = iteration_values(run.plan, run.record(1))
    assert v["z21"] == 0.0 and v["da21/dz21"] == 0.0


DECIMAL = st.integers(-9999, 9999).map(lambda n: Fraction(n, 1000))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(DECIMAL, DECIMAL), min_size=1, max_size=6), DECIMAL)
def test_z_is_0_exactly_when_its_decimals_sum_to_0(terms, bias) -> None:
    """Each w and x has at most 3 decimals, so a z that is not 0 by hand is at least 1e−6 away
    from it, far beyond the rounding bound: it is never changed; one that is 0 always is."""
    w = np.array([[float(t[0]) for t in terms]])
    x = np.array([[float(t[1]) for t in terms]])
    b = np.array([float(bias)])
    exact = sum(t[0] * t[1] for t in terms) + bias
    z, bound = net_input(x, U * np.abs(x), w, b)
    if exact == 0:
        assert z[0, 0] == 0.0
    else:
        assert z[0, 0] == (x @ w.T + b)[0, 0]  # untouched, bit for bit
        assert abs(float(z[0, 0]) - float(exact)) <= bound[0, 0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(DECIMAL, DECIMAL), min_size=2, max_size=6), DECIMAL)
def test_the_network_agrees_with_the_exact_sum_of_its_decimals(terms, bias) -> None:
    scenario = kink_scenario(weights=((0.5,) * len(terms),))
    network = Network(api.run(scenario).plan, scenario)
    w = np.array([[float(t[0]) for t in terms]])
    x = np.array([[float(t[1]) for t in terms]])
    params = Parameters((w, np.array([[0.5]])), (np.array([float(bias)]), np.array([0.0])))
    zs, acts = network.forward(params, x)
    exact = sum(t[0] * t[1] for t in terms) + bias
    assert (zs[0][0, 0] == 0.0) == (exact == 0)
    if exact != 0:
        assert zs[0][0, 0] == (x @ w.T + float(bias))[0, 0]


def grade(scenario, answers: dict[str, str], **settings):
    from backprop_tutor.grading.grade import Settings
    from backprop_tutor.grading.tolerance import Tolerance
    body = "".join(f"  {k}: {v}\n" for k, v in answers.items())
    sheet = sheet_from_text(f"answers:\n{body}asks: [{', '.join(answers)}]\n")
    result = grade_sheet(Solution(api.run(scenario)), sheet, Settings(Tolerance(**settings)))
    return {i.address: i.verdict for i in result.items}


def test_a_key_that_is_0_up_to_rounding_accepts_0() -> None:
    # sigmoid has no branch point, so z11 is left as computed (5.551e−17); 0 is still right,
    # even with no relative tolerance at all
    scenario = kink_scenario("sigmoid")
    run = api.run(scenario)
    assert 0 < iteration_values(run.plan, run.record(1))["z11"] < 1e-16
    assert grade(scenario, {"z11": "0"}) == {"z11": "correct"}
    assert grade(scenario, {"z11": "0"}, rel=0.0) == {"z11": "correct"}
    assert grade(scenario, {"z11": "0.001"}, rel=0.0) == {"z11": "wrong"}
    assert grade(scenario, {"z11": "0.001"}, rel=0.0, abs=0.01) == {"z11": "correct"}


def test_a_near_cancelling_sum_is_judged_against_the_size_of_its_terms() -> None:
    # z11 = 0.5·1 + 0.5·1 − 0.999 = 0.001; its terms add up to 1.999, and the 0.5% relative
    # tolerance on them is ±0.0099995: a hand calculation's 0 for it is within that
    scenario = kink_scenario("sigmoid", weights=((0.5, 0.5),), biases=(-0.999,))
    assert grade(scenario, {"z11": "0"}) == {"z11": "correct"}
    assert grade(scenario, {"z11": "0.0115"}) == {"z11": "wrong"}
    assert grade(scenario, {"z11": "-0.0095"}) == {"z11": "wrong"}
    # a product has no cancelling terms: its tolerance stays relative to the key
    assert grade(scenario, {"da11/dz11": "0.2475"}) == {"da11/dz11": "wrong"}
    assert grade(scenario, {"da11/dz11": "0.25"}) == {"da11/dz11": "correct"}
