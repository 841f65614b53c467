"""Updates judged by the change they make (w+ = w − η·∂E/∂w), and feedback that says only what
is true of the student's numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from backprop_tutor import api
from backprop_tutor.grading.grade import CARRIED, CORRECT, WRONG, grade_sheet
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.grading.solution import Solution
from backprop_tutor.grading.tolerance import Tolerance, Written, change_matches, is_correct

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def chain() -> Solution:
    return Solution(api.run(api.load(SCENARIOS / "two_neuron.yaml")))


@pytest.fixture(scope="module")
def zero_input(tmp_path_factory) -> Solution:
    """One sigmoid unit whose first input is 0: ∂E/∂w111 = 0, so w111 must stay 0.6."""
    path = tmp_path_factory.mktemp("zero") / "zero.yaml"
    path.write_text("inputs: 2\nlayers:\n  - {units: 1, activation: sigmoid, "
                    "weights: [[0.6, 0.3]], biases: [0.1]}\nloss: half_squared_error\n"
                    "learning_rate: 0.5\ndata:\n  - {inputs: [0, 1], targets: [1]}\n")
    return Solution(api.run(api.load(path)))


def marked(solution: Solution, answers: dict[str, str]):
    body = "".join(f"  {a}: {v}\n" for a, v in answers.items())
    result = grade_sheet(solution, sheet_from_text(f"answers:\n{body}", "s.yaml"))
    return {i.address: i for i in result.items if i.address in answers}


def test_an_update_never_made_is_wrong_though_it_rounds_to_the_key(chain):
    # the key 0.14959 rounds to 0.15 at two decimals, but 0.15 is w1: no change at all
    assert round(chain.key["w1+"], 2) == 0.15
    item = marked(chain, {"w1+": "0.15"})["w1+"]
    assert item.verdict == WRONG
    assert item.mistake is not None and item.mistake.rule == "update_not_applied"


@pytest.mark.parametrize("text", ["0.1496", "0.14959", "0.149591"])
def test_an_update_written_precisely_enough_for_its_change_is_right(chain, text):
    assert marked(chain, {"w1+": text})["w1+"].verdict == CORRECT


@pytest.mark.parametrize("text", ["0.1497", "0.1495", "0.14958", "0.1504"])
def test_an_update_whose_change_is_off_is_wrong(chain, text):
    # −0.0003, −0.0005, −0.00042 and +0.0004 for the change −0.000408
    assert marked(chain, {"w1+": text})["w1+"].verdict == WRONG


def test_the_seed_figures_still_score_full_marks(chain):
    items = marked(chain, {"w2+": "0.427", "b2+": "0.612", "w1+": "0.1496", "b1+": "0.3959"})
    assert {a: i.verdict for a, i in items.items()} == dict.fromkeys(items, CORRECT)


def test_a_weight_that_must_not_move_and_moves_is_wrong(zero_input):
    s = zero_input
    assert s.key["dE/dw111"] == 0 and s.key["w111+"] == 0.6
    assert marked(s, {"w111+": "0.6028"})["w111+"].verdict == WRONG  # "0.47% off" before
    assert "does not change" in marked(s, {"w111+": "0.6028"})["w111+"].feedback
    for text in ("0.6", "0.60", "0.6000"):
        assert marked(s, {"w111+": text})["w111+"].verdict == CORRECT


@pytest.mark.parametrize("off", [1.03, 1.09])
def test_a_hidden_update_from_a_delta_a_few_percent_off_is_wrong(chain, off):
    # written to five decimals, where the change is resolved
    w1, eta, x1 = 0.15, 0.4, 0.1
    value = w1 - eta * x1 * chain.key["dE/dz1"] * off
    assert round(value, 4) == round(chain.key["w1+"], 4)  # hidden at four decimals
    assert marked(chain, {"w1+": f"{value:.5f}"})["w1+"].verdict == WRONG


def test_with_error_carried_forward_the_change_is_judged_against_the_students_gradient(chain):
    gradient = chain.key["dE/dw1"] * 1.5  # the student's own wrong gradient
    value = 0.15 - 0.4 * gradient
    items = marked(chain, {"dE/dw1": f"{gradient:.5g}", "w1+": f"{value:.6f}"})
    assert items["dE/dw1"].verdict == WRONG
    assert items["w1+"].verdict == CARRIED
    # its change written without the digits to show it follows from nothing
    items = marked(chain, {"dE/dw1": f"{gradient:.5g}", "w1+": "0.15"})
    assert items["w1+"].verdict == WRONG


def test_the_change_rule_on_its_own():
    tol = Tolerance()
    key = 0.14959144164740945
    assert change_matches(0.15, key, Written(0.1496, "0.1496"), tol)
    assert not change_matches(0.15, key, Written(0.15, "0.15"), tol)
    assert not change_matches(0.15, key, Written(0.1504, "0.1504"), tol)  # the wrong sign
    assert change_matches(0.6, 0.6, Written(0.6, "0.60"), tol)
    assert not change_matches(0.6, 0.6, Written(0.6028, "0.6028"), tol)
    # an absolute tolerance the teacher sets applies to the change
    assert change_matches(0.15, key, Written(0.15, "0.15"), Tolerance(abs=0.001))


def test_practice_judges_an_update_as_grading_does(chain):
    assert not is_correct("0.15", chain.key["w1+"], start=chain.start("w1+"))
    assert is_correct("0.1496", chain.key["w1+"], start=chain.start("w1+"))
    assert is_correct("0.415", chain.key["z1"], start=chain.start("z1"))


def test_follows_from_your_rounded_value_only_when_it_does(chain):
    # σ(0.92) = 0.71504: 0.7150 follows from the rounded z2, 0.716 (within tolerance) does not
    items = marked(chain, {"z2": "0.92", "a2": "0.7150"})
    assert items["a2"].verdict == CORRECT
    assert items["a2"].feedback == "follows from your rounded value z2"
    items = marked(chain, {"z2": "0.92", "a2": "0.716"})
    assert items["a2"].verdict == CORRECT
    assert "follows" not in items["a2"].feedback
    assert items["a2"].feedback.endswith("off, within tolerance")


def test_a_sheet_naming_another_scenario_is_warned_or_refused(tmp_path):
    from backprop_tutor.errors import InputError
    from backprop_tutor.grading.grade import Grader, Settings

    sheet = sheet_from_text("scenario: xor.yaml\nanswers:\n  z1: 0.415\n", "s.yaml")
    result = Grader().grade(SCENARIOS / "two_neuron.yaml", sheet)
    assert result.warnings == ("the sheet says it answers 'xor.yaml', not two_neuron.yaml",)
    with pytest.raises(InputError, match=r"^s\.yaml:1:11: scenario: .*xor\.yaml.*--strict"):
        Grader(Settings(strict=True)).grade(SCENARIOS / "two_neuron.yaml", sheet)
    for same in ("two_neuron.yaml", "scenarios/two_neuron.yaml", "two_neuron"):
        named = sheet_from_text(f"scenario: {same}\nanswers:\n  z1: 0.415\n", "s.yaml")
        assert Grader(Settings(strict=True)).grade(SCENARIOS / "two_neuron.yaml",
                                                   named).warnings == ()
