"""Grading a circuit: error carried forward and the named mistakes of backpropagating through a
computational graph, each checked with a sheet that makes exactly that slip. Every sheet is
worked here by a straightforward hand calculation (plain floats, one line per quantity), not
taken from the tool's worked solution."""

from __future__ import annotations

import json
import math
import random

import pytest
from circuit_hand import ETA, FAN_OUT, fan_out, neuron
from typer.testing import CliRunner

from backprop_tutor.cli import app
from backprop_tutor.examples import bundled_path
from backprop_tutor.grading.circuit import circuit_questions, grade_circuit_sheet
from backprop_tutor.grading.grade import Settings
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.scenario.circuit_loader import circuit_from_text, load_any
from backprop_tutor.solution.circuit import solve_circuit

runner = CliRunner()

def solved(name: str):
    if name == "fan_out":
        return solve_circuit(circuit_from_text(FAN_OUT, "fan_out.yaml"))
    return solve_circuit(load_any(bundled_path("circuit_sigmoid_neuron")))


HAND = {"neuron": neuron, "fan_out": fan_out}


def graded(name: str, answers: dict[str, float | str]):
    sheet = sheet_from_text(json.dumps({"answers": {
        a: v if isinstance(v, str) else f"{v:.5g}" for a, v in answers.items()}}))
    solution = solved("fan_out" if name == "fan_out" else "neuron")
    result = grade_circuit_sheet(solution, sheet, Settings())
    return {i.address: i for i in result.items}, result


@pytest.mark.parametrize("name", ["neuron", "fan_out"])
def test_the_hand_calculation_asks_what_the_worksheet_asks_and_scores_full_marks(name):
    hand = HAND[name]()
    assert set(hand) == {q.address for q in circuit_questions(solved(name))}
    items, result = graded(name, hand)
    assert result.score == result.max_score == len(hand)
    assert all(i.mistake is None and i.carried is None for i in items.values())


@pytest.mark.parametrize("name, address, slipped, rule", [
    # x feeds two nodes: ∂f/∂x given only what f sends back (m), or only what p does (∂f/∂p·w)
    ("fan_out", "df/dx", lambda v: v["df/df*df/dx"], "fan_out_not_summed"),
    ("fan_out", "df/dx", lambda v: v["df/dp*dp/dx"], "fan_out_not_summed"),
    # ∂f/∂w1 given as the local gradient ∂b/∂w1 = x1 alone, the upstream ∂f/∂b left out
    ("neuron", "df/dw1", lambda v: v["db/dw1"], "upstream_left_out"),
    ("neuron", "df/dx0", lambda v: v["da/dx0"], "upstream_left_out"),
    # a = w0·x0: ∂a/∂w0 taken as w0 itself, not the other input x0
    ("neuron", "da/dw0", lambda v: 2.0, "multiply_own_input"),
    # f = m·x: ∂f/∂m taken as m, not x
    ("fan_out", "df/dm", lambda v: v["m"], "multiply_own_input"),
    ("neuron", "df/dx1", lambda v: -v["df/dx1"], "sign_flipped"),
    ("neuron", "du/dn", lambda v: -v["du/dn"], "sign_flipped"),
    ("neuron", "w0+", lambda v: 2.0 + ETA * v["df/dw0"], "update_added"),
    ("fan_out", "b+", lambda v: 0.7 + ETA * v["df/db"], "update_added"),
    ("neuron", "w1+", lambda v: "-3.0000", "update_not_applied"),
    ("fan_out", "w+", lambda v: "0.80000", "update_not_applied"),
    ("neuron", "w2+", lambda v: -3.0 - v["df/dw2"], "learning_rate_left_out"),
])
def test_each_named_mistake_is_found_on_a_sheet_that_makes_only_that_slip(
        name, address, slipped, rule):
    right = HAND[name]()
    wrong = slipped(right)
    value = float(wrong) if isinstance(wrong, str) else wrong
    assert not math.isclose(value, right[address], rel_tol=0.01)
    answers: dict[str, float | str] = dict(HAND[name]({address: value}))
    answers[address] = wrong
    items, _ = graded(name, answers)
    item = items[address]
    assert item.verdict == "wrong" and item.mistake is not None, item.feedback
    assert item.mistake.rule == rule, item.feedback
    assert item.feedback == item.mistake.description + (
        " with your earlier values" if item.mistake.from_own_values else "")
    # every quantity worked from the slip is carried forward, every other one is right
    for other, i in items.items():
        if other == address:
            continue
        if math.isclose(answers[other] if not isinstance(answers[other], str)
                        else float(answers[other]), right[other], rel_tol=1e-3, abs_tol=1e-9):
            assert i.verdict == "correct", (other, i.feedback)
        else:
            assert i.verdict == "carried forward", (other, i.feedback)


def test_a_downstream_gradient_worked_from_a_wrong_upstream_one_is_carried_forward():
    right = neuron()
    answers = neuron({"df/dv": -right["df/dv"]})  # the 1/x gate's −1/v² written +1/v²
    items, result = graded("neuron", answers)
    assert items["df/dv"].mistake.rule == "sign_flipped"
    carried = [a for a, i in items.items() if i.verdict == "carried forward"]
    # everything after ∂f/∂v: its gradients and the updates made with them
    assert set(carried) == {"df/du", "df/dn", "df/ds", "df/dc", "df/da", "df/db", "df/dx0",
                       "df/dx1", "df/dw0", "df/dw1", "df/dw2", "w0+", "w1+", "w2+"}
    assert items["df/du"].feedback == "follows from your value ∂f/∂v (error carried forward)"
    assert items["df/du"].carried.sources == ("df/dv",)
    assert items["df/dn"].carried.sources == ("df/du",)
    assert result.score == len(answers) - 1 - 0.5 * len(carried)


def test_a_fan_out_sum_of_own_wrong_parts_is_carried_forward():
    right = fan_out()
    answers = fan_out({"df/dp": 2 * right["df/dp"]})
    items, _ = graded("fan_out", answers)
    assert items["df/dp"].verdict == "wrong"
    assert items["df/dp*dp/dx"].verdict == "carried forward"
    assert items["df/dx"].verdict == "carried forward"
    assert items["df/dx"].carried.sources == ("df/dp*dp/dx",)
    assert items["df/db"].verdict == "correct"  # from ∂f/∂s, not ∂f/∂p


def test_a_forward_value_worked_from_a_wrong_one_is_carried_forward():
    answers = neuron({"c": 5.0})
    items, _ = graded("neuron", answers)
    assert items["c"].verdict == "wrong"
    for address in ("s", "n", "u", "v", "f", "du/dn", "df/dv"):
        assert items[address].verdict == "carried forward", address


def test_an_update_is_judged_by_its_change():
    # w1+ = −3 + 0.03932: "-3.0" is the key rounded, but does not show the change
    answers = neuron()
    answers["w1+"] = "-3.0"  # type: ignore[assignment]
    items, _ = graded("neuron", answers)
    assert items["w1+"].verdict == "wrong"
    assert items["w1+"].mistake.rule == "update_not_applied"
    assert "rounded away" in items["w1+"].feedback


def test_grade_names_the_mistake_in_its_table_and_json(tmp_path):
    right = fan_out()
    answers = {a: f"{v:.5g}" for a, v in fan_out().items()}
    answers["df/dx"] = f"{right['df/df*df/dx']:.5g}"
    circuit = tmp_path / "fan_out.yaml"
    circuit.write_text(FAN_OUT)
    sheet = tmp_path / "ada.yaml"
    sheet.write_text(json.dumps({"student": "Ada", "answers": answers}))
    table = runner.invoke(app, ["grade", str(circuit), str(sheet), "--no-color", "--width",
                                "200"])
    assert table.exit_code == 0, table.stderr
    assert "fan-out not summed: only what f sends back to x, not the sum over its 2 uses" \
        in table.stdout
    doc = json.loads(runner.invoke(app, ["grade", str(circuit), str(sheet), "--format",
                                         "json"]).stdout)
    item = next(i for i in doc["sheets"][0]["items"] if i["address"] == "df/dx")
    assert item["mistake"]["rule"] == "fan_out_not_summed"
    assert item["verdict"] == "wrong"


def test_a_slip_in_a_quantity_the_sheet_leaves_out_is_still_named():
    # only ∂f/∂x and ∂f/∂w answered: the first without p's part, the second with the
    # multiply gate p = w·x's own input w for ∂p/∂w (neither worked-out step written)
    right = fan_out()
    items, _ = graded("fan_out", {"df/dx": right["m"], "df/dw": right["df/dp"] * 0.8})
    assert items["df/dx"].mistake.rule == "fan_out_not_summed"
    assert items["df/dw"].mistake.rule == "multiply_own_input"
    assert items["df/dw"].feedback.endswith("in ∂p/∂w")
    assert not items["df/dx"].mistake.from_own_values


def test_an_exp_gates_local_gradient_from_its_own_wrong_output_is_carried_forward():
    # u = e^n written e^1 (the sign of n lost on the way); ∂u/∂n taken, as CS231n's notes
    # teach, as the exp gate's own output u: it follows from the student's u
    answers = neuron({"u": math.e})
    assert answers["du/dn"] == math.e
    items, _ = graded("neuron", answers)
    assert items["u"].verdict == "wrong"
    assert items["du/dn"].verdict == "carried forward"
    assert items["du/dn"].carried.sources == ("u",)
    assert items["df/dv"].verdict == "carried forward"  # −1/v² of the student's v = e + 1


# every slip at every place it can be made, by hand: (rule, address, the slipped value)
def every_slip(name: str) -> list[tuple[str, str, float]]:
    r = HAND[name]()
    if name == "neuron":
        products = {"df/du": "dv/du", "df/dn": "du/dn", "df/ds": "dn/ds", "df/dc": "ds/dc",
                    "df/da": "dc/da", "df/db": "dc/db", "df/dx0": "da/dx0",
                    "df/dx1": "db/dx1", "df/dw0": "da/dw0", "df/dw1": "db/dw1",
                    "df/dw2": "ds/dw2"}
        own_input = {"da/dw0": 2.0, "da/dx0": -1.0, "db/dw1": -3.0, "db/dx1": -2.0}
        updates = {"w0+": (2.0, "df/dw0"), "w1+": (-3.0, "df/dw1"), "w2+": (-3.0, "df/dw2")}
        fans: dict[str, tuple[str, ...]] = {}
    else:
        products = {"df/ds": "dm/ds", "df/dp": "ds/dp", "df/dp*dp/dx": "dp/dx",
                    "df/dy": "dm/dy", "df/dw": "dp/dw", "df/db": "ds/db"}
        own_input = {"dp/dw": 0.8, "dp/dx": 1.5, "df/dm": r["m"], "df/df*df/dx": 1.5}
        updates = {"w+": (0.8, "df/dw"), "b+": (0.7, "df/db")}
        fans = {"df/dx": ("df/dp*dp/dx", "df/df*df/dx")}
    out = [("upstream_left_out", a, r[local]) for a, local in products.items()
           if r[local] != r[a]]
    out += [("multiply_own_input", a, v) for a, v in own_input.items()]
    out += [("fan_out_not_summed", a, r[part]) for a, parts in fans.items() for part in parts]
    for a, (w, g) in updates.items():
        out += [("update_added", a, w + ETA * r[g]), ("update_not_applied", a, w),
                ("learning_rate_left_out", a, w - r[g])]
    out += [("sign_flipped", a, -v) for a, v in r.items() if v != 0 and not a.endswith("+")]
    return out


@pytest.mark.parametrize("digits", [5, 4, 3])
@pytest.mark.parametrize("name", ["neuron", "fan_out"])
def test_every_slip_everywhere_is_named_after_its_rule(name, digits):
    slips = every_slip(name)
    assert len(slips) == {"neuron": 55, "fan_out": 34}[name]
    right = HAND[name]()
    for rule, address, value in slips:
        slipped = HAND[name]({address: value})
        answers = {a: f"{v:.{digits}g}" for a, v in slipped.items()}
        if rule == "update_not_applied":  # the parameter as written, to the digits of its change
            answers[address] = f"{value:.{digits}f}"
        items = graded(name, answers)[0]
        item = items[address]
        assert item.mistake is not None and item.mistake.rule == rule, \
            (rule, address, item.verdict, item.feedback)
        for later, i in items.items():  # what the slip changed is carried forward (an update
            # only where the digits written show its change), the rest is right
            if later == address:
                continue
            if math.isclose(slipped[later], right[later], rel_tol=1e-9, abs_tol=1e-12):
                assert i.verdict == "correct", (address, later, i.feedback)
            elif not later.endswith("+"):
                assert i.verdict == "carried forward", (address, later, i.feedback)


@pytest.mark.parametrize("seed", range(40))
def test_random_circuits_a_key_sheet_scores_full_marks_and_a_lost_sign_is_named(seed):
    from test_circuits import random_circuit

    from backprop_tutor.grading.circuit_formulas import CircuitFormulas

    text = random_circuit(seed)[0]
    if "inputs: {}" in text:
        pytest.skip("a constant circuit")
    solution = solve_circuit(circuit_from_text(text, "r.yaml"))
    formulas = CircuitFormulas(solution)
    questions = circuit_questions(solution)
    for q in questions:  # every quantity's formula gives the key from the key's values
        assert formulas.evaluate(q.address) == pytest.approx(q.value, rel=1e-12, abs=1e-12)
    answers = {q.address: f"{q.value:.5g}" for q in questions}
    sheet = sheet_from_text(json.dumps({"answers": answers}))
    result = grade_circuit_sheet(solution, sheet, Settings())
    assert result.score == result.max_score == len(questions), text
    rng = random.Random(seed)
    q = rng.choice([q for q in questions if abs(q.value) > 1e-6 and q.start is None])
    answers[q.address] = f"{-q.value:.5g}"
    sheet = sheet_from_text(json.dumps({"answers": answers}))
    items = {i.address: i for i in grade_circuit_sheet(solution, sheet, Settings()).items}
    assert items[q.address].verdict == "wrong"
    assert "sign flipped" in items[q.address].feedback, (text, q.address,
                                                         items[q.address].feedback)
