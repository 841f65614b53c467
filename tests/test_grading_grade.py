"""Grading whole sheets: full marks, a sign error, an error carried forward, the class summary,
and the lecture notes' own figures."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tutor import api
from backprop_tutor.errors import InputError
from backprop_tutor.grading.grade import (
    BLANK,
    CARRIED,
    CORRECT,
    NOT_ANSWERED,
    NOT_ASKED,
    UNKNOWN,
    WRONG,
    Grader,
    Settings,
    grade_sheet,
    summarise,
)
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.grading.solution import Solution

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def chain() -> Solution:
    return Solution(api.run(api.load(SCENARIOS / "two_neuron.yaml")))


def sheet(answers: dict[str, str], name: str = "ada") -> object:
    body = "".join(f"  {a}: {v}\n" for a, v in answers.items())
    return sheet_from_text(f"student: {name}\nanswers:\n{body}", f"{name}.yaml")


def key_text(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}g}"


def test_every_formula_reproduces_its_key(chain):
    for address in chain.steps:
        assert chain.computable(address), address
        assert math.isclose(chain.evaluate(address, given={}), chain.key[address],
                            rel_tol=1e-12, abs_tol=1e-15)


def test_a_batch_with_l2_is_reproduced_too(tmp_path):
    path = tmp_path / "batch.yaml"
    path.write_text(
        "inputs: 2\nlayers:\n  - {units: 2, weights: [[0.1, -0.2], [0.3, 0.4]], biases: [0, 0.1]}\n"
        "  - {units: 1, weights: [[0.5, -0.6]], biases: [0.2]}\n"
        "data:\n  - {inputs: [1, 0], targets: [1]}\n  - {inputs: [0, 1], targets: [0]}\n"
        "learning_rate: 0.5\nl2: 0.01\n")
    s = Solution(api.run(api.load(path)))
    assert "z11@2" in s.steps
    for address in s.steps:
        assert s.computable(address), address
        assert math.isclose(s.evaluate(address, given={}), s.key[address], rel_tol=1e-12,
                            abs_tol=1e-15)


def test_full_marks(chain):
    answers = {a: key_text(chain.key[a]) for a in chain.steps}
    result = grade_sheet(chain, sheet(answers))
    assert {i.verdict for i in result.items} == {CORRECT}
    assert result.score == result.max_score == len(chain.steps)


def test_a_sign_error_is_named_and_costs_its_point(chain):
    answers = {a: key_text(chain.key[a]) for a in ("z1", "a1", "dE/dw2", "w2+")}
    answers["dE/dw2"] = key_text(-chain.key["dE/dw2"])
    result = grade_sheet(chain, sheet(answers))
    by = {i.address: i for i in result.items}
    assert by["dE/dw2"].verdict == WRONG
    assert by["dE/dw2"].mistake.rule == "sign_flipped"
    assert "sign flipped" in by["dE/dw2"].feedback
    # w2+ from the key's gradient is still right
    assert by["w2+"].verdict == CORRECT
    assert result.score == 3


def test_an_error_carried_forward_gets_partial_credit(chain):
    z1 = 0.5  # wrong: 0.15 × 0.1 + 0.4 = 0.415
    a1 = 1 / (1 + math.exp(-z1))
    z2 = 0.45 * a1 + 0.65
    answers = {"z1": "0.5", "a1": key_text(a1), "z2": key_text(z2)}
    result = grade_sheet(chain, sheet(answers), Settings(ecf_credit=0.5))
    by = {i.address: i for i in result.items}
    assert by["z1"].verdict == WRONG
    assert by["a1"].verdict == CARRIED and by["a1"].points == 0.5
    assert by["a1"].carried.sources == ("z1",)
    assert by["z2"].verdict == CARRIED and "a1" in by["z2"].carried.sources
    assert result.score == 1.0


def test_a_gradient_carried_forward_by_the_delta_form(chain):
    k = chain.key
    delta = 0.2  # wrong δ of the output unit
    answers = {"dE/dz2": "0.2", "dE/dw2": key_text(delta * k["a1"])}
    by = {i.address: i for i in grade_sheet(chain, sheet(answers)).items}
    assert by["dE/dw2"].verdict == CARRIED


def test_rounded_earlier_values_carried_on_are_right(chain):
    # a1 written with two digits, and z2 worked from it: both right
    answers = {"a1": "0.60", "z2": key_text(0.45 * 0.60 + 0.65, 3)}
    by = {i.address: i for i in grade_sheet(chain, sheet(answers)).items}
    assert by["a1"].verdict == CORRECT
    assert by["z2"].verdict == CORRECT


def test_unknown_addresses_are_reported_with_the_closest_and_grading_goes_on(chain):
    result = grade_sheet(chain, sheet({"dE/dw3": "0.1", "z1": "0.415"}))
    by = {i.address: i for i in result.items}
    assert by["dE/dw3"].verdict == UNKNOWN and "dE/dw2" in by["dE/dw3"].suggestions
    assert by["dE/dw3"].max_points == 0
    assert by["z1"].verdict == CORRECT and result.max_score == len(chain.steps)


def test_every_quantity_of_the_exercise_counts_and_the_unanswered_score_0(chain):
    result = grade_sheet(chain, sheet({"z1": "0.415", "a1": ""}))
    assert len(chain.steps) == 24
    assert (result.score, result.max_score) == (1, 24)
    assert [i.address for i in result.items] == list(chain.steps)
    by = {i.address: i for i in result.items}
    assert by["a1"].verdict == BLANK
    assert by["z2"].verdict == NOT_ANSWERED and by["z2"].feedback == "not answered"
    assert by["z2"].points == 0 and by["z2"].max_points == 1


def test_the_sheets_asks_choose_what_counts(chain):
    text = "asks: [forward, dE/dw2]\nanswers:\n  z1: 0.415\n  dE/dw2: 0.05707\n  w2+: 0.4272\n"
    result = grade_sheet(chain, sheet_from_text(text, "asks.yaml"))
    assert result.asks == ("z1", "a1", "z2", "a2", "dE/dw2")
    by = {i.address: i for i in result.items}
    assert (result.score, result.max_score) == (2, 5)
    assert by["a1"].verdict == NOT_ANSWERED
    assert by["w2+"].verdict == NOT_ASKED and by["w2+"].max_points == 0


def test_asks_naming_nothing_of_the_exercise_is_a_located_error(chain):
    with pytest.raises(InputError, match=r"asks\[1\]: 'dE/dw3' .*did you mean dE/dw2"):
        grade_sheet(chain, sheet_from_text("asks: [z1, dE/dw3]\nanswers: {}\n", "s.yaml"))


def test_the_class_summary_lists_the_unanswered_apart_from_the_wrong(chain):
    flipped = {"z1": key_text(-chain.key["z1"])}
    results = [grade_sheet(chain, sheet(flipped, "a")), grade_sheet(chain, sheet({"z2": ""}, "b"))]
    by = {q.address: q for q in summarise(results).quantities}
    assert (by["z1"].missed, by["z1"].unanswered, by["z1"].answered) == (1, 1, 1)
    assert (by["a1"].missed, by["a1"].unanswered, by["a1"].answered) == (0, 2, 0)


def test_class_summary_puts_the_most_missed_first(chain):
    k = chain.key
    good = {a: key_text(k[a]) for a in ("z1", "dE/dw2", "w2+")}
    flipped = {**good, "dE/dw2": key_text(-k["dE/dw2"])}
    no_rate = {**flipped, "w2+": key_text(0.45 - k["dE/dw2"])}
    results = [grade_sheet(chain, sheet(s, n)) for s, n in
               ((good, "a"), (flipped, "b"), (no_rate, "c"))]
    summary = summarise(results)
    assert summary.sheets == 3
    assert summary.quantities[0].address == "dE/dw2" and summary.quantities[0].missed == 2
    assert summary.quantities[0].mistakes == {"sign flipped": 2}


def test_the_lecture_notes_misprints_are_found_and_named():
    grader = Grader()
    from backprop_tutor.grading.sheet import read_sheet

    result = grader.grade(SCENARIOS / "house_price.yaml",
                          read_sheet(SCENARIOS / "house_price.textbook.yaml"))
    wrong = {i.address: i.mistake.description for i in result.items if i.verdict != CORRECT}
    assert wrong == {"dL/db12": "sign flipped", "dz11/dw112": "sign flipped"}
    assert result.score == result.max_score - 2


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["z1", "a1", "z2", "a2", "dE/da2", "da2/dz2", "dE/dw2", "dE/dw1",
                        "w2+", "b1+"]),
       st.floats(min_value=1.05, max_value=3.0))
def test_a_value_off_by_more_than_five_percent_never_scores_alone(chain, address, factor):
    given_value = chain.key[address] * factor
    result = grade_sheet(chain, sheet({address: repr(given_value)}))
    assert result.score == 0
