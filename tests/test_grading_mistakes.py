"""Each named mistake: made by hand on the key's numbers, then recognised by its rule."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from backprop_tutor import api
from backprop_tutor.grading import mistakes
from backprop_tutor.grading.mistakes import find_mistake
from backprop_tutor.grading.solution import Solution
from backprop_tutor.grading.tolerance import Tolerance, Written

TOL = Tolerance()


SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def chain():
    return Solution(api.run(api.load(SCENARIOS / "two_neuron.yaml")))


@pytest.fixture(scope="module")
def house():
    return Solution(api.run(api.load(SCENARIOS / "house_price.yaml")))


def named(s: Solution, address: str, value: float, own=None) -> str | None:
    found = find_mistake(s, address, Written(value, repr(value)), own or {}, TOL)
    return None if found is None else found.rule


def test_every_rule_is_documented():
    for rule in mistakes.RULES.values():
        assert rule.__doc__ and rule.__doc__.strip()


def test_sign_flipped(chain, house):
    assert named(chain, "dE/dw2", -chain.key["dE/dw2"]) == "sign_flipped"
    assert named(house, "dL/db12", -0.057) == "sign_flipped"
    # flipped upstream: −(T − a2) written (T − a2) flips the gradient of w1 too
    k = chain.key
    assert named(chain, "dE/dw1", -k["dE/dw1"]) == "sign_flipped"


def test_learning_rate_left_out(chain):
    k = chain.key
    assert named(chain, "w2+", 0.45 - k["dE/dw2"]) == "learning_rate_left_out"


def test_update_added_instead_of_subtracted(chain):
    k = chain.key
    assert named(chain, "w2+", 0.45 + 0.4 * k["dE/dw2"]) == "update_added"


def test_update_added_is_written_in_the_scenarios_letters(chain, house):
    for s, address, shown in ((chain, "w2+", "(w2 + η·∂E/∂w2)"),
                              (house, "w211+", "(w211 + η·∂L/∂w211)")):
        parameter = address.removesuffix("+")
        gradient = s.key[f"d{s.plan.loss_symbol}/d{parameter}"]
        value = s.parameters[parameter] + s.base_env["η"] * gradient
        found = find_mistake(s, address, Written(value, repr(value)), {}, TOL)
        assert found is not None and found.rule == "update_added"
        assert found.description == f"update added instead of subtracted {shown}"


def test_new_weight_used_when_backpropagating(chain):
    k = chain.key
    new_w2 = 0.45 - 0.4 * k["dE/dw2"]
    value = k["dE/da2"] * k["da2/dz2"] * new_w2 * k["da1/dz1"] * 0.1
    assert named(chain, "dE/dw1", value) == "new_weight_backpropagated"
    assert named(chain, "dz2/da1", new_w2) == "new_weight_backpropagated"


def test_activation_derivative_left_out(chain):
    k = chain.key
    assert named(chain, "dE/dw2", k["dE/da2"] * k["a1"]) == "derivative_left_out"
    value = k["dE/da2"] * k["da2/dz2"] * 0.45 * 0.1  # a1(1 − a1) dropped
    assert named(chain, "dE/dw1", value) == "derivative_left_out"


def test_net_input_used_where_the_activation_belongs(chain):
    k = chain.key
    assert named(chain, "dz2/dw2", k["z1"]) == "net_for_activation"
    assert named(chain, "z2", 0.45 * k["z1"] + 0.65) == "net_for_activation"


def test_half_of_the_loss_forgotten(chain):
    k = chain.key
    assert named(chain, "E", (0.25 - k["a2"]) ** 2) == "half_forgotten"
    assert named(chain, "dE/da2", 2 * k["dE/da2"]) == "half_forgotten"


def test_wrong_input(house):
    k = house.key
    value = k["dL/dz11"] * -0.32  # x1 used for x2 in dL/dw112
    assert named(house, "dL/dw112", value) == "wrong_input"
    assert named(house, "z11", 0.2 * -0.32 + 0.15 * -0.32 + 0.1) == "wrong_input"


def test_a_mistake_on_top_of_the_students_own_earlier_error(chain):
    k = chain.key
    own = {"dE/dw2": 0.09}  # wrong, then the learning rate left out of the update
    found = find_mistake(chain, "w2+", Written(0.36, "0.360"), own, TOL)
    assert found is not None and found.rule == "learning_rate_left_out"
    assert found.from_own_values
    assert not math.isclose(found.value, 0.45 - k["dE/dw2"])


def test_an_arbitrary_wrong_value_is_not_named(chain, house):
    assert named(chain, "dE/dw2", chain.key["dE/dw2"] * 1.37) is None
    assert named(house, "w111+", 0.9) is None


def test_each_rule_proposes_variants_only_where_it_applies(chain):
    assert list(mistakes.learning_rate_left_out(chain, "z1")) == []
    assert list(mistakes.update_added(chain, "dE/dw2")) == []
    assert list(mistakes.wrong_input(chain, "dE/dw2")) == []  # one input: nothing to swap
    assert list(mistakes.derivative_left_out(chain, "z2")) == []
    assert [v.at for v in mistakes.half_forgotten(chain, "w1+")] == ["dE/da2"]  # not E


def test_an_update_not_applied_is_named(chain, house):
    # the parameter written down unchanged (the examples of the grading issue)
    assert named(chain, "w2+", 0.45) == "update_not_applied"
    assert named(chain, "b2+", 0.65) == "update_not_applied"
    b21 = house.parameters["b21"]
    assert named(house, "b21+", b21) == "update_not_applied"


def test_z_written_for_a_in_the_quantity_itself_is_named(chain, house):
    assert named(chain, "a1", chain.key["z1"]) == "net_and_activation_swapped"
    assert named(chain, "z2", chain.key["a2"]) == "net_and_activation_swapped"
    found = find_mistake(house, "h11", Written(house.key["z11"], "-0.063"), {}, TOL)
    assert found is not None and found.description == "net input z11 given for h11"
