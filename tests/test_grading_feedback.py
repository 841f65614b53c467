"""Feedback that must be true of the sheet it is given on: a value marked wrong is never called
rounded, and a slip the student's own right values rule out is never named."""

from __future__ import annotations

from backprop_tutor.examples import resolve
from backprop_tutor.grading.grade import Grader, Settings
from backprop_tutor.grading.sheet import sheet_from_text


def _items(text: str) -> dict[str, object]:
    result = Grader(Settings()).grade(resolve("two_neuron"),
                                      sheet_from_text(text, "s.sheet.yaml"))
    return {item.address: item for item in result.items}


def test_a_value_that_follows_from_a_wrong_one_does_not_call_it_rounded():
    # a1 = 0.6123 is 2% off the key 0.6023; z2 = 0.45 × 0.6123 + 0.65 = 0.925535 is within
    # 0.5% of the key 0.921035
    items = _items("answers:\n  a1: 0.6123\n  z2: 0.9255\n  a2: 0.7162\n")
    assert items["a1"].verdict == "wrong"
    assert items["z2"].verdict == "correct"
    assert items["z2"].feedback == "follows from your value a1, and is within tolerance of the key"
    assert "rounded" not in items["z2"].feedback


def test_an_update_with_a_right_gradient_is_not_blamed_on_a_slip_in_that_gradient():
    # ∂E/∂b1 = 0.010213 written 0.0102 (right); b1+ = 0.4 − 2 × 0.4 × 0.0102 = 0.39184: the
    # change is twice the key's, but not because the ½ of the loss was forgotten (that would
    # double ∂E/∂b1 too)
    items = _items("answers:\n  dE/db1: 0.0102\n  b1+: 0.3918\n")
    assert items["dE/db1"].verdict == "correct"
    assert items["b1+"].verdict == "wrong"
    assert "½" not in items["b1+"].feedback
    # without the gradient on the sheet, the forgotten ½ explains the same update
    alone = _items("answers:\n  b1+: 0.3918\n")
    assert alone["b1+"].feedback == "the ½ of the loss forgotten (a factor of 2)"
