"""The lecture examples, at the digits the lectures print (seeds 000 and 002).

Each printed figure must be the exact computation rounded to the digits printed; where the
source misprints, the test says what it printed and why the tool differs.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from backprop_tutor import api

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def rounds_to(value: float, printed: str) -> bool:
    """True when ``value`` rounded to the decimal places of ``printed`` is ``printed``."""
    places = -Decimal(printed).as_tuple().exponent
    return round(value, places) == float(printed)


@pytest.fixture(scope="module")
def two_neuron() -> dict[str, float]:
    return api.run(api.load(SCENARIOS / "two_neuron.yaml")).values()


@pytest.fixture(scope="module")
def house() -> dict[str, float]:
    return api.run(api.load(SCENARIOS / "house_price.yaml")).values()


TWO_NEURON = {
    "z1": "0.415", "a1": "0.6023", "z2": "0.9210", "a2": "0.7153",
    "dE/db2": "0.0948", "dE/dw1": "0.001021", "dE/db1": "0.01021",
    "w2+": "0.427", "b2+": "0.612", "w1+": "0.1496", "b1+": "0.3959",
}


@pytest.mark.parametrize(("address", "printed"), TWO_NEURON.items())
def test_two_neuron_reproduces_the_lecture(two_neuron, address, printed):
    assert rounds_to(two_neuron[address], printed), (address, two_neuron[address], printed)


def test_two_neuron_dE_dw2_is_exact_where_the_lecture_rounded(two_neuron):
    # printed 0.05706 from rounded intermediates; exactly 0.0570704
    assert rounds_to(two_neuron["dE/dw2"], "0.05707")
    assert not rounds_to(two_neuron["dE/dw2"], "0.05706")


def test_two_neuron_chain_factors_are_the_lectures(two_neuron):
    T, a1, a2, w2, x1 = (two_neuron[k] for k in ("T", "a1", "a2", "dz2/da1", "x1"))
    assert two_neuron["dE/da2"] == pytest.approx(-(T - a2), rel=1e-15)
    assert two_neuron["da2/dz2"] == pytest.approx(a2 * (1 - a2), rel=1e-15)
    assert two_neuron["da1/dz1"] == pytest.approx(a1 * (1 - a1), rel=1e-15)
    assert w2 == 0.45 and x1 == 0.1


HOUSE = {
    "h11": "0.484", "h12": "0.424", "h21": "0.63", "dL/dh21": "1.17",
    "dL/db21": "1.17",
    "dL/dw111": "-0.028", "dL/dw112": "-0.058", "dL/db11": "0.088",
    "dL/dw121": "-0.018", "dL/dw122": "-0.038",
    "w211+": "0.1867", "w212+": "0.1008", "b21+": "0.166",
    "w111+": "0.2056", "w112+": "0.1616", "b12+": "0.2386",
}


@pytest.mark.parametrize(("address", "printed"), HOUSE.items())
def test_house_price_reproduces_the_notes(house, address, printed):
    assert rounds_to(house[address], printed), (address, house[address], printed)


def test_house_price_misprinted_sign_of_dL_db12(house):
    # printed −0.057 and then −0.57; the exact value is positive, and the printed update
    # 0.2386 = 0.25 − 0.2 × 0.0572 is the one that uses it
    assert rounds_to(house["dL/db12"], "0.0572")
    assert rounds_to(0.25 - 0.2 * 0.0572, "0.2386")


def test_house_price_misprinted_input_is_x2(house):
    # "∂z11/∂w112 = x1 = 0.66" is x2 = −0.66
    assert house["dz11/dw112"] == -0.66 == house["x2"]
    assert house["dz12/dw122"] == -0.66


@pytest.mark.parametrize(("address", "exact", "printed", "rounded_product"), [
    ("dL/dw211", "0.5666", "0.5663", None),
    ("dL/dw212", "0.4962", "0.4961", 1.17 * 0.424),
])
def test_house_price_gradients_exact_where_the_notes_rounded(house, address, exact, printed,
                                                             rounded_product):
    assert rounds_to(house[address], exact)
    assert not rounds_to(house[address], printed)
    if rounded_product is not None:  # the notes multiplied the rounded factors
        assert rounds_to(rounded_product, printed)


@pytest.mark.parametrize(("parameter", "old", "printed_gradient", "printed_update"), [
    ("b11", 0.1, "0.088", "0.0824"),
    ("w121", 0.5, "-0.018", "0.5036"),
    ("w122", 0.6, "-0.038", "0.6076"),
])
def test_house_price_updates_that_used_rounded_gradients(house, parameter, old,
                                                        printed_gradient, printed_update):
    # the notes update with the gradient rounded to two digits; the tool does not round
    assert rounds_to(house[f"dL/d{parameter}"], printed_gradient)
    assert rounds_to(old - 0.2 * float(printed_gradient), printed_update)
    exact = house[f"{parameter}+"]
    assert exact == pytest.approx(old - 0.2 * house[f"dL/d{parameter}"], rel=1e-14)
    assert not rounds_to(exact, printed_update)
