"""Hand rounding (rounding: / run --round-digits): the rounding itself against Python's decimal,
the rounded trace against an independent hand calculation in exact decimal arithmetic, and the
lecture's printed figures (seed 000)."""

from __future__ import annotations

import itertools
import json
import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.grading.tolerance import Tolerance, Written, matches, rounds_to
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.scenario.schema import Rounding
from backprop_tutor.training.hand_rounding import (
    EXPANDED_PATHS,
    HandRounding,
    round_decimals,
    round_significant,
)

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
runner = CliRunner()


# ---- the rounding: half away from zero, the digits a person writes ---------------------------

def _decimal_round(d: Decimal, *, digits: int | None = None, decimals: int | None = None
                   ) -> Decimal:
    if d == 0:
        return d
    exponent = -decimals if decimals is not None else d.adjusted() - digits + 1  # type: ignore[operator]
    return d.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(("value", "digits", "written"), [
    (0.20364591, 4, "0.2036"), (0.20365, 4, "0.2037"), (-0.20365, 4, "-0.2037"),
    (0.057055, 4, "0.05706"), (0.0570549, 4, "0.05705"), (999.96, 4, "1000"),
    (0.099996, 4, "0.1"), (2.5, 1, "3"), (-2.5, 1, "-3"), (0.125, 2, "0.13"),
    (1.005, 3, "1.01"), (123456.5, 6, "123457"), (1e-300 * 1.23456, 3, "1.23e-300"),
])
def test_significant_digits_round_half_away_from_zero(value, digits, written):
    assert round_significant(value, digits) == float(written)


@pytest.mark.parametrize(("value", "decimals", "written"), [
    (0.20365, 4, "0.2037"), (-0.00005, 4, "-0.0001"), (0.00004999, 4, "0"),
    (1.005, 2, "1.01"), (2.5, 0, "3"), (12.3456, 1, "12.3"),
])
def test_decimals_round_half_away_from_zero(value, decimals, written):
    assert round_decimals(value, decimals) == float(written)


def test_zero_and_non_finite_values_are_kept():
    values = np.array([0.0, -0.0, math.inf, -math.inf, math.nan])
    out = round_significant(values, 4)
    assert out[0] == 0.0 and out[2] == math.inf and out[3] == -math.inf and math.isnan(out[4])
    assert np.array_equal(round_decimals(values[:4], 3), values[:4])


# decimals of up to 9 significant digits, as a hand product or sum of short numbers gives them
_written = st.builds(lambda n, e: Decimal(n).scaleb(e),
                     st.integers(-10**9, 10**9).filter(bool), st.integers(-12, 6))


@settings(max_examples=400, deadline=None)
@given(_written, st.integers(1, 8))
def test_significant_digits_agree_with_decimal(d, digits):
    assert round_significant(float(d), digits) == float(_decimal_round(d, digits=digits))


@settings(max_examples=400, deadline=None)
@given(_written, st.integers(0, 8))
@example(Decimal("1.84467441E+11"), 8)  # |v|·10^8 near 2^64: scaled back, it moved a bit
def test_decimals_agree_with_decimal(d, decimals):
    assert round_decimals(float(d), decimals) == float(_decimal_round(d, decimals=decimals))


def test_the_path_limit_is_the_derivations():
    from backprop_tutor.symbolic.derivation import EXPAND_LIMIT

    assert EXPANDED_PATHS == EXPAND_LIMIT


# ---- an independent hand calculation in exact decimal arithmetic -----------------------------

def _f(kind: str, z: Decimal) -> Decimal:
    if kind == "sigmoid":
        return 1 / (1 + (-z).exp())
    if kind == "tanh":
        e = (2 * z).exp()
        return (e - 1) / (e + 1)
    return z


def _f_prime(kind: str, a: Decimal) -> Decimal:
    return {"sigmoid": a * (1 - a), "tanh": 1 - a * a}.get(kind, Decimal(1))


def hand_iteration(scenario, weights, biases, rule: HandRounding, samples):
    """One update worked as on paper, every written value rounded by ``rule``: z kept exact;
    a gradient the sum over its paths of the products of rounded factors (or δ·a beyond
    EXPANDED_PATHS paths), each sample's term rounded, then their mean rounded."""
    def R(d: Decimal) -> Decimal:
        return _decimal_round(d, digits=rule.digits, decimals=rule.decimals)

    kinds = [layer.activation for layer in scenario.layers]
    eta = Decimal(repr(scenario.learning_rate))
    L = len(weights)
    out = {"z": [], "a": [], "da_dz": [], "delta": [], "dE_da": [], "E_s": [],
           "terms_w": [], "terms_b": []}
    for s in samples:
        x = [Decimal(repr(v)) for v in scenario.data[s].inputs]
        t = [Decimal(repr(v)) for v in scenario.data[s].targets]
        zs, acts, below = [], [], x
        for layer in range(L):
            z = [sum(w * v for w, v in zip(row, below, strict=True)) + b
                 for row, b in zip(weights[layer], biases[layer], strict=True)]
            a = [R(_f(kinds[layer], v)) for v in z]
            zs.append(z)
            acts.append(a)
            below = a
        E = R(sum((ti - ai) ** 2 for ti, ai in zip(t, acts[-1], strict=True)) / 2)
        da_dz = [[R(_f_prime(kinds[n], a)) for a in acts[n]] for n in range(L)]
        dE_da = [None] * L
        delta = [None] * L
        dE_da[-1] = [R(-(ti - ai)) for ti, ai in zip(t, acts[-1], strict=True)]
        for n in reversed(range(L)):
            if n < L - 1:
                dE_da[n] = [R(sum(weights[n + 1][k][j] * delta[n + 1][k]
                                  for k in range(len(delta[n + 1]))))
                            for j in range(len(acts[n]))]
            delta[n] = [R(g * d) for g, d in zip(dE_da[n], da_dz[n], strict=True)]

        def path_sum(n: int, j: int, acts=acts, dE_da=dE_da, da_dz=da_dz) -> Decimal:
            # Σ over the paths from E down to z_j of layer n of the product of their factors
            total = Decimal(0)
            for route in itertools.product(*(range(len(acts[m])) for m in range(n + 1, L))):
                chain = [j, *route]  # a unit of layer n, n + 1, ..., L - 1
                product = dE_da[-1][chain[-1]]
                for m in range(L - 1, n, -1):
                    k, below_unit = chain[m - n], chain[m - n - 1]
                    product *= da_dz[m][k] * weights[m][k][below_unit]
                total += product * da_dz[n][j]
            return total

        terms_w, terms_b = [], []
        for n in range(L):
            below = x if n == 0 else acts[n - 1]
            paths = math.prod(len(acts[m]) for m in range(n + 1, L))
            source = [path_sum(n, j) if paths <= EXPANDED_PATHS else delta[n][j]
                      for j in range(len(acts[n]))]
            terms_w.append([[R(src * v) for v in below] for src in source])
            terms_b.append([R(src) for src in source])
        for key, value in (("z", zs), ("a", acts), ("da_dz", da_dz), ("delta", delta),
                           ("dE_da", dE_da), ("E_s", E), ("terms_w", terms_w),
                           ("terms_b", terms_b)):
            out[key].append(value)
    m = len(samples)
    out["E"] = R(sum(out["E_s"]) / m)
    grads_w = [[[R(sum(out["terms_w"][s][n][j][i] for s in range(m)) / m)
                 for i in range(len(weights[n][j]))] for j in range(len(weights[n]))]
               for n in range(L)]
    grads_b = [[R(sum(out["terms_b"][s][n][j] for s in range(m)) / m)
                for j in range(len(biases[n]))] for n in range(L)]
    out["grad_w"], out["grad_b"] = grads_w, grads_b
    out["w_after"] = [[[R(w - eta * g) for w, g in zip(row, grow, strict=True)]
                       for row, grow in zip(weights[n], grads_w[n], strict=True)]
                      for n in range(L)]
    out["b_after"] = [[R(b - eta * g) for b, g in zip(biases[n], grads_b[n], strict=True)]
                      for n in range(L)]
    return out


def _as(array) -> np.ndarray:
    return np.array(array, dtype=object).astype(float)


DEEP = """
title: deep enough that the first layer's gradients are shown as delta times a
inputs: 1
layers:
  - {units: 2, activation: tanh, weights: [[0.3], [-0.2]], biases: [0.1, 0.05]}
  - {units: 3, activation: sigmoid, weights: [[0.2, -0.4], [0.5, 0.1], [-0.3, 0.25]],
     biases: [0.0, 0.1, -0.1]}
  - {units: 3, activation: tanh, weights: [[0.2, -0.4, 0.3], [0.5, 0.1, -0.2],
     [-0.3, 0.25, 0.15]], biases: [0.05, 0.1, -0.1]}
  - {units: 1, activation: linear, weights: [[0.7, -0.6, 0.4]], biases: [0.2]}
data:
  - {inputs: [0.5], targets: [0.3]}
  - {inputs: [-0.25], targets: [0.1]}
learning_rate: 0.5
epochs: 2
"""


def _scenarios():
    yield "two_neuron_rounded", api.load(SCENARIOS / "two_neuron_rounded.yaml").model_copy(
        update={"epochs": 3})
    for name, rounding in (("tanh_network", {"digits": 3}), ("stochastic", {"decimals": 4}),
                           ("house_price", {"digits": 4}), ("xor", {"digits": 5})):
        s = api.load(SCENARIOS / f"{name}.yaml")
        yield f"{name}-{rounding}", s.model_copy(update={"rounding": Rounding(**rounding),
                                                          "epochs": 2})
    s = scenario_from_text(DEEP + "rounding: {digits: 4}\n", "deep.yaml")
    yield "deep", s


@pytest.mark.parametrize(("name", "scenario"), list(_scenarios()), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_the_rounded_trace_is_the_hand_calculation(name, scenario):
    rule = HandRounding(scenario.rounding.digits, scenario.rounding.decimals)
    run = api.run(scenario, detail=10)
    weights = [[[Decimal(repr(v)) for v in row] for row in w.tolist()]
               for w in run.trace.initial.weights]
    biases = [[Decimal(repr(v)) for v in b.tolist()] for b in run.trace.initial.biases]
    assert len(run.trace.iterations) >= 2  # iteration 2 starts from the rounded update
    with localcontext() as context:
        context.prec = 50
        for record in run.trace.iterations:
            hand = hand_iteration(scenario, weights, biases, rule,
                                  [s - 1 for s in record.samples])
            for n, layer in enumerate(record.layers):
                z = _as([[hand["z"][s][n][j] for j in range(layer.z.shape[1])]
                         for s in range(len(record.samples))])
                np.testing.assert_allclose(layer.z, z, rtol=1e-12, atol=1e-15)
                for field, key in (("a", "a"), ("da_dz", "da_dz"), ("dE_dz", "delta"),
                                   ("dE_da", "dE_da")):
                    expected = _as([hand[key][s][n] for s in range(len(record.samples))])
                    assert np.array_equal(getattr(layer, field), expected), (name, n, field)
                assert np.array_equal(layer.weight_terms,
                                      _as([hand["terms_w"][s][n]
                                           for s in range(len(record.samples))]))
                assert np.array_equal(layer.grad_weights, _as(hand["grad_w"][n])), (name, n)
                assert np.array_equal(layer.grad_biases, _as(hand["grad_b"][n])), (name, n)
                assert np.array_equal(layer.weights_after, _as(hand["w_after"][n]))
                assert np.array_equal(layer.biases_after, _as(hand["b_after"][n]))
            assert np.array_equal(record.sample_losses, _as(hand["E_s"]))
            assert record.loss == float(hand["E"])
            weights, biases = hand["w_after"], hand["b_after"]


def test_an_exact_run_keeps_no_rounded_terms():
    run = api.run(api.load(SCENARIOS / "two_neuron.yaml"))
    assert run.rounding is None and run.rounding_note is None
    assert all(layer.weight_terms is None for layer in run.trace.iterations[0].layers)


# ---- the lecture (seed 000) -------------------------------------------------------------------

@pytest.fixture(scope="module")
def rounded() -> dict[str, float]:
    return api.run(api.load(SCENARIOS / "two_neuron_rounded.yaml")).values()


def test_four_digits_give_the_lectures_dE_dw2(rounded):
    assert rounded["dE/dw2"] == 0.05706  # the lecture's figure, where the exact run has 0.05707
    assert rounded["da2/dz2"] == 0.2036  # 0.7153·(1 − 0.7153), rounded before it is used
    exact = api.run(api.load(SCENARIOS / "two_neuron.yaml")).values()
    assert rounds_to(exact["dE/dw2"], Decimal("0.05707"))


# every figure seed 000 prints, at the digits it prints
LECTURE = {"z1": "0.415", "a1": "0.6023", "z2": "0.9210", "a2": "0.7153", "dE/dw2": "0.05706",
           "w2+": "0.427", "b2+": "0.612", "dE/dw1": "0.001021", "w1+": "0.1496",
           "dE/db1": "0.01021", "b1+": "0.3959"}


@pytest.mark.parametrize(("address", "printed"), LECTURE.items())
def test_the_rounded_trace_prints_the_lectures_figures(rounded, address, printed):
    assert rounds_to(rounded[address], Decimal(printed)), (address, rounded[address], printed)


def test_the_lectures_dE_db2_is_its_one_figure_of_another_rounding(rounded):
    # the lecture prints 0.0948, the exact 0.094756 to three digits; its own rounded chain
    # 0.4653·0.2036 gives 0.09474: within the default tolerance, not the same digits
    assert rounded["dE/db2"] == 0.09474
    assert not rounds_to(rounded["dE/db2"], Decimal("0.0948"))
    assert matches(rounded["dE/db2"], Written(0.0948, "0.0948"), Tolerance())


def test_the_lectures_figures_grade_full_marks_against_the_rounded_key():
    result = runner.invoke(app, ["grade", str(SCENARIOS / "two_neuron_rounded.yaml"),
                                 str(SCENARIOS / "two_neuron_rounded.textbook.yaml"),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    sheet = json.loads(result.stdout)["sheets"][0]
    assert sheet["score"] == sheet["max_score"] == 12
    assert "4 significant digits" in sheet["key_note"]


def test_a_rounded_key_is_known_to_one_unit_of_its_last_digit(rounded):
    # a student who carried every digit writes 0.05707: right within 0.5 %, and with no
    # relative tolerance at all still within one unit of the rounded key's last digit
    from backprop_tutor.grading.magnitude import tolerance_for
    from backprop_tutor.grading.solution import Solution

    solution = Solution(api.run(api.load(SCENARIOS / "two_neuron_rounded.yaml")), 1)
    assert matches(rounded["dE/dw2"], Written(0.05707, "0.05707"), Tolerance())
    strict = tolerance_for(solution, "dE/dw2", Tolerance(rel=0.0, abs=0.0))
    assert strict.abs == pytest.approx(1e-5)
    assert matches(rounded["dE/dw2"], Written(0.05707, "0.05707"), strict)
    assert not matches(rounded["dE/dw2"], Written(0.05708, "0.05708"), strict)
    exact = tolerance_for(Solution(api.run(api.load(SCENARIOS / "two_neuron.yaml")), 1),
                          "dE/dw2", Tolerance(rel=0.0, abs=0.0))
    assert exact.abs < 1e-12  # an exact key keeps the tolerance it is given


# ---- every output says so and agrees ------------------------------------------------------------

def test_run_prints_the_rounded_numbers_and_says_they_are_rounded():
    out = runner.invoke(app, ["run", "two_neuron", "--round-digits", "4", "--no-color",
                              "--width", "200"])
    assert out.exit_code == 0, out.output
    assert "0.4653 × 0.2036 × 0.6023" in out.stdout and "0.05706" in out.stdout
    assert "0.05707" not in out.stdout
    assert "0.45 × 0.6023 + 0.65" in out.stdout and "0.921035" in out.stdout
    assert "rounded as by hand: every value to 4 significant digits" in out.stdout
    plain = runner.invoke(app, ["run", "two_neuron", "--no-color", "--width", "200"])
    assert "0.05707" in plain.stdout and "rounded" not in plain.stdout


def test_the_flag_overrides_the_file_and_decimals_work():
    out = runner.invoke(app, ["run", "two_neuron_rounded", "--round-decimals", "3", "--json"])
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["rounding"]["decimals"] == 3 and "3 decimals" in document["rounding"]["note"]
    assert document["iterations"][0]["values"]["dE/dw2"] == 0.057  # 0.465·0.204·0.602 → 0.057


def test_json_explain_key_and_dot_agree():
    document = json.loads(runner.invoke(app, ["run", "two_neuron_rounded", "--json"]).stdout)
    assert document["rounding"] == {"digits": 4, "note": document["rounding"]["note"]}
    assert document["iterations"][0]["values"]["dE/dw2"] == 0.05706
    explain = runner.invoke(app, ["run", "two_neuron_rounded", "--explain", "w2", "--no-color",
                                  "--width", "200"])
    assert "0.05706" in explain.stdout and "0.05707" not in explain.stdout
    assert "rounded as by hand" in explain.stdout
    node = runner.invoke(app, ["run", "two_neuron_rounded", "--explain", "w1", "--of", "z2",
                               "--no-color", "--width", "200"])
    assert node.exit_code == 0 and "not rounded itself" in node.stdout
    key = runner.invoke(app, ["key", str(SCENARIOS / "two_neuron_rounded.yaml")])
    assert "0.05706" in key.stdout and "rounded as by hand" in key.stdout
    assert "0.921035" in key.stdout


def test_dot_caption_says_rounded(tmp_path):
    target = tmp_path / "g.dot"
    out = runner.invoke(app, ["run", "two_neuron_rounded", "--dot", str(target), "--json"])
    assert out.exit_code == 0, out.output
    text = target.read_text()
    assert "rounded as by hand to 4 significant digits" in text and "0.05706" in text


@pytest.mark.parametrize(("text", "message"), [
    ("rounding: {digits: 4, decimals: 2}", "one of digits"),
    ("rounding: {}", "got neither"),
    ("rounding: 4", "rounding: expected a mapping"),
    ("rounding: {digits: 0}", "rounding.digits"),
    ("rounding: {digit: 4}", "did you mean digits"),
])
def test_a_bad_rounding_is_one_located_line(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text((SCENARIOS / "two_neuron.yaml").read_text() + text + "\n")
    out = runner.invoke(app, ["validate", str(path)])
    assert out.exit_code == 2
    lines = out.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "bad.yaml:" in lines[0], out.output


def test_softmax_is_refused_in_one_line():
    out = runner.invoke(app, ["run", "softmax_classifier", "--round-digits", "4"])
    assert out.exit_code == 2 and "--round-digits" in out.output
    assert len(out.output.strip().splitlines()) == 1


def test_variants_keep_the_rounding(tmp_path):
    from backprop_tutor.grading.variants import make_variants

    run = api.run(api.load(SCENARIOS / "two_neuron_rounded.yaml"))
    for variant in make_variants(run, 3, seed=1):
        scenario = scenario_from_text(variant.text, f"{variant.id}.yaml")
        assert scenario.rounding is not None and scenario.rounding.digits == 4
        api.run(scenario)  # and its worked solution is rounded the same way


@pytest.mark.parametrize("command", [["run", "two_neuron_rounded"],
                                     ["run", "two_neuron", "--round-digits", "4"],
                                     ["key", str(SCENARIOS / "two_neuron_rounded.yaml")]])
def test_the_matrix_view_of_a_rounded_run_is_refused_in_one_line(command):
    out = runner.invoke(app, [*command, "--view", "matrix"])
    assert out.exit_code == 2 and "--view" in out.output
    assert len(out.output.strip().splitlines()) == 1


def _sheet(tmp_path, values: dict[str, float], **changed: str) -> Path:
    lines = ["scenario: two_neuron_rounded.yaml", "student: exact", "iteration: 1", "answers:"]
    lines += [f"  {k}: {changed.get(k, f'{v:.5g}')}" for k, v in values.items()
              if k not in ("x1", "T")]
    path = tmp_path / "sheet.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _grade(path: Path) -> dict[str, dict]:
    out = runner.invoke(app, ["grade", str(SCENARIOS / "two_neuron_rounded.yaml"), str(path),
                              "--format", "json"])
    assert out.exit_code == 0, out.output
    return {i["address"]: i for i in json.loads(out.stdout)["sheets"][0]["items"]}


def test_every_digit_carried_is_right_against_the_rounded_key(tmp_path):
    # a student who worked exactly (five digits of the exact run) gets full marks: the rounded
    # key's w1+ = 0.1496 is 0.14959 exactly, which the change rule alone would mark 3 % off
    exact = api.run(api.load(SCENARIOS / "two_neuron.yaml")).values()
    items = _grade(_sheet(tmp_path, exact))
    assert {a: i["verdict"] for a, i in items.items() if i["verdict"] != "correct"} == {}
    assert items["w1+"]["given"] == 0.14959 and items["w1+"]["key"] == 0.1496
    # the key's rounding is no licence to leave a parameter where it was
    items = _grade(_sheet(tmp_path, exact, **{"w1+": "0.15"}))
    assert items["w1+"]["verdict"] != "correct"


def test_the_yaml_answer_sheet_of_a_rounded_scenario_says_the_key_is_rounded():
    from typer.testing import CliRunner

    from backprop_tutor.cli import app

    sheet = CliRunner().invoke(app, ["worksheet", "two_neuron_rounded"]).stdout
    head = " ".join(line.lstrip("# ") for line in sheet.splitlines()[:4])
    assert "The key is rounded as by hand: every value to 4 significant digits" in head
    exact = CliRunner().invoke(app, ["worksheet", "two_neuron"]).stdout
    assert "rounded as by hand" not in exact
