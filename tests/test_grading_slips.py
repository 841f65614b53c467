"""Named mistakes on sheets with known slips: each sheet is worked by hand (tests/hand.py,
independent of the worked solution) with one classic slip made, written to five significant
digits, and graded. Every wrong value must be named after its slip, or not named at all: a
wrong name is worse than none. Correct sheets must score full marks.

``python tests/test_grading_slips.py`` prints the tally: how often the right name, a wrong
name, no name.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hand import SLIPS, work, written

from backprop_tutor import api
from backprop_tutor.grading.grade import CARRIED, CORRECT, WRONG, grade_sheet
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.grading.solution import Solution

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
BATCH = """\
title: A batch of two (2-2-1 sigmoid)
inputs: 2
layers:
  - {units: 2, activation: sigmoid, weights: [[0.3, -0.4], [0.2, 0.6]], biases: [0.1, -0.2]}
  - {units: 1, activation: sigmoid, weights: [[0.7, -0.5]], biases: [0.25]}
data:
  - {inputs: [0.5, 1.0], targets: [1]}
  - {inputs: [1.0, -0.5], targets: [0]}
loss: half_squared_error
learning_rate: 0.5
epochs: 2
"""
NAMES = ("two_neuron", "house_price", "tanh_network", "batch")
# slips a scenario cannot show: one input has nothing to swap, one sample nothing to sum
NOT_SHOWN = {"two_neuron": {"wrong_input", "sum_for_mean"},
             "house_price": {"sum_for_mean"}, "tanh_network": {"sum_for_mean"},
             "batch": {"new_weight_backpropagated"}}  # updated per sample by hand: no rule


@cache
def solution(name: str, iteration: int) -> Solution:
    if name == "batch":
        from backprop_tutor.scenario.loader import scenario_from_text
        scenario = scenario_from_text(BATCH, "batch.yaml")
    else:
        scenario = api.load(SCENARIOS / f"{name}.yaml").model_copy(update={"epochs": 2})
    return Solution(api.run(scenario, epochs=2, detail=2), iteration)


def graded(name: str, slip: str | None):
    iteration = 2 if slip == "previous_iteration" else 1
    s = solution(name, iteration)
    values = work(s.run.scenario, s.plan, slip, iteration)
    given = set(s.plan.inputs) | set(s.plan.targets)
    body = "".join(f"  {a}: {written(v)}\n" for a, v in values.items()
                   if a.split("@")[0] not in given and a in s.key)
    text = f"student: {name}-{slip}\niteration: {iteration}\nanswers:\n{body}"
    return grade_sheet(s, sheet_from_text(text, f"{name}-{slip}.yaml"))


def _same(rule: str, slip: str, address: str) -> bool:
    """Whether a named rule is the slip made: in iteration 2, the previous iteration's w+ given
    for w+ is w+ left at w (the same numbers, the same words)."""
    return rule == slip or (slip == "previous_iteration" and rule == "update_not_applied"
                            and address.endswith("+"))


CASES = [(n, slip) for n in NAMES for slip in SLIPS if slip not in NOT_SHOWN[n]]


def tally() -> tuple[Counter, dict[str, Counter]]:
    """Per wrong value: named right, named wrongly, not named; per slip the same."""
    total: Counter = Counter()
    per_slip: dict[str, Counter] = {}
    for name, slip in CASES:
        for item in graded(name, slip).items:
            if item.verdict != WRONG:
                continue
            outcome = ("no name" if item.mistake is None else
                       "right name" if _same(item.mistake.rule, slip, item.address) else
                       "right among others" if slip in item.mistake.also else "wrong name")
            total[outcome] += 1
            per_slip.setdefault(slip, Counter())[outcome] += 1
    return total, per_slip


@pytest.mark.parametrize("name", NAMES)
def test_a_correct_hand_calculation_scores_full_marks(name):
    result = graded(name, None)
    assert {i.verdict for i in result.items} == {CORRECT}, [
        (i.address, i.given_text, i.feedback) for i in result.items if i.verdict != CORRECT]


@pytest.mark.parametrize(("name", "slip"), CASES)
def test_each_slip_is_named_after_itself_and_never_after_another(name, slip):
    result = graded(name, slip)
    wrong = [i for i in result.items if i.verdict == WRONG]
    assert wrong, "the slip shows somewhere"
    named = [i for i in wrong if i.mistake is not None]
    # where the numbers cannot tell two slips apart, both are named
    assert all(slip in (i.mistake.rule, *i.mistake.also) for i in named), [
        (i.address, i.mistake.rule) for i in named if i.mistake.rule != slip]
    # where the slip was made it is named; what follows from it is carried forward or named
    assert wrong[0].mistake is not None, (wrong[0].address, wrong[0].feedback)
    assert {i.verdict for i in result.items} <= {CORRECT, CARRIED, WRONG}


def test_the_corpus_is_large_enough_to_report_on():
    assert len(CASES) + len(NAMES) >= 40
    total, _ = tally()
    assert total["wrong name"] == 0


if __name__ == "__main__":
    total, per_slip = tally()
    print(f"{len(CASES)} sheets with one slip each, {len(NAMES)} correct sheets")
    columns = ("right name", "right among others", "wrong name", "no name")
    print("slip".ljust(28), "  ".join(columns))
    for slip, counts in [*per_slip.items(), ("all", total)]:
        print(slip.ljust(28), "  ".join(f"{counts[c]:>{len(c)}}" for c in columns))
