"""Printed lines: formulas printed once per network, numbers put in later, exactly as sympy's
printer puts them; the terminal's lines carry the worked solution's numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from test_performance_paths import network_text
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.examples import network_names
from backprop_tutor.notation.latex import filled_latex, number_latex
from backprop_tutor.notation.symbols import filled_numbers
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.scenario.optimizer import settings as settings_of
from backprop_tutor.solution.shapes import shapes
from backprop_tutor.symbolic.printers import formula_text, latex_text, numbers_text, printed_form

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHIPPED = sorted(p for p in SCENARIOS.glob("*.yaml") if p.stem in network_names())


def _numbers_latex(expr: sp.Expr, numbers: dict[str, float], precision: int) -> str:
    """sympy's own LaTeX with each symbol's number in its place: the oracle of templates."""
    names = {}
    for s in expr.free_symbols:
        text = number_latex(numbers[s.name], precision)
        names[s] = f"\\left({text}\\right)" if text.startswith("-") else text
    return sp.latex(expr, order="none", symbol_names=names, mul_symbol="times")


def _check_run(run: api.Run, precisions=(1, 3, 4, 9, 17)) -> int:
    """Every line of every kept iteration, printed once and filled later, is what sympy prints
    for the derived formula with the same numbers; every number is the values map's."""
    checked = 0
    scenario = run.scenario
    derived = shapes(run.derivation, frozen=frozenset(scenario.frozen), letters=scenario.symbols,
                     optimizer=settings_of(scenario)[0])
    for record in run.trace.iterations:
        text, tex = run.lines(record), run.lines(record, form="latex")
        values = run.values(record.iteration)
        rows = {row.address: row.value for line in text for row in line.rows()}
        given = set(run.plan.inputs) | set(run.plan.targets)
        assert rows == {a: v for a, v in values.items() if a.split("@")[0] not in given}
        for line, latex_line, shape in zip(text, tex, derived, strict=True):
            assert line.address == latex_line.address == shape.address
            assert line.printed.text == formula_text(shape.formula)
            assert latex_line.printed.text == latex_text(shape.formula)
            for p in precisions:
                filled = filled_numbers(line.printed, line.substitutions[0], p)
                assert filled == numbers_text(shape.formula, line.substitutions[0], p)
                # a fraction is never set against a number: ½ × 0.4, not ½0.4
                assert not re.search(r"[½⅓¼]\d", filled), filled
                assert filled_latex(latex_line.printed, line.substitutions[0], p) == \
                    _numbers_latex(shape.formula, line.substitutions[0], p)
            checked += 1
    return checked


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenarios_print_the_same_lines(path):
    run = api.run(api.load(path), detail=2)
    assert _check_run(run) > 0


@settings(max_examples=12, deadline=None)
@given(sizes=st.lists(st.integers(1, 3), min_size=2, max_size=4),
       activation=st.sampled_from(["sigmoid", "tanh", "relu", "linear", "softplus",
                                   "{name: leaky_relu, alpha: 0.05}",
                                   "{expression: 'z/(1 + abs(z)) - 0.25*z'}",
                                   "{expression: '(z/abs(z) + 1)/2'}",
                                   "{expression: 'z**2/2 - z**3/3'}"]),
       output=st.sampled_from([None, "linear", "softmax"]),
       samples=st.integers(1, 3), seed=st.integers(0, 10**6))
def test_random_networks_print_the_same_lines(sizes, activation, output, samples, seed):
    loss = "cross_entropy" if output == "softmax" else "half_squared_error"
    if output == "softmax" and sizes[-1] < 2:
        sizes = [*sizes[:-1], 2]
    text = network_text(sizes, activation, output=output, loss=loss, samples=samples,
                        seed=seed)
    run = api.run(scenario_from_text(text))
    assert _check_run(run, precisions=(2, 4, 6)) > 0


def test_floats_in_a_formula_follow_the_precision():
    z, a = sp.symbols("z1 a1", real=True)
    expr = sp.Float(0.0123456789) * z + a
    printed = printed_form(expr, ("a1", "z1"))
    numbers = {"z1": -1.5, "a1": 2.25}
    for p in (1, 2, 6, 12):
        assert filled_numbers(printed, numbers, p) == numbers_text(expr, numbers, p)
    assert printed.text == formula_text(expr)


def test_negative_numbers_keep_their_parentheses_where_needed():
    w, x, b = sp.symbols("w1 x1 b1", real=True)
    expr = sp.Add(sp.Mul(w, x, evaluate=False), b, evaluate=False)
    printed = printed_form(expr, ("b1", "w1", "x1"))
    for numbers in ({"w1": -0.5, "x1": -2.0, "b1": -1.0}, {"w1": 0.5, "x1": 2.0, "b1": 1.0}):
        assert filled_numbers(printed, numbers) == numbers_text(expr, numbers)


def test_a_half_with_a_denominator_of_its_own_keeps_its_2_below_the_line():
    z = sp.Symbol("z11", real=True)
    step = (z / sp.Abs(z) + 1) / 2  # sympy keeps it as 1/2 + z/(2|z|), as LaTeX prints it
    assert formula_text(step) == "1/2 + z11/(2·|z11|)"
    assert formula_text(sp.diff(step, z)) == "1/(2·|z11|) − sign(z11)/(2·z11)"
    printed = printed_form(step, ("z11",))
    for value, shown in ((3.7, "1/2 + 3.7/(2 × |3.7|)"), (-3.7, "1/2 + (−3.7)/(2 × |−3.7|)")):
        assert numbers_text(step, {"z11": value}) == shown
        assert filled_numbers(printed, {"z11": value}) == shown


def test_a_half_before_a_number_takes_the_multiplication_sign():
    z = sp.Symbol("z1", real=True)
    square = z**2 / 2
    assert formula_text(square) == "½z1²"
    assert numbers_text(square, {"z1": 0.4}) == "½ × 0.4²"
    assert numbers_text(square, {"z1": -0.4}) == "½ × (−0.4)²"
    assert filled_numbers(printed_form(square, ("z1",)), {"z1": -0.4}) == "½ × (−0.4)²"


def test_the_terminal_prints_a_step_activation_as_one_fraction(tmp_path):
    path = tmp_path / "step.yaml"
    path.write_text(network_text([1, 1], "{expression: '(z/abs(z) + 1)/2'}", samples=1),
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), "--no-color", "--width", "120"])
    assert result.exit_code == 0, result.output
    line = next(t for t in result.stdout.splitlines() if t.startswith("a1 "))
    assert "1/2 + z1/(2·|z1|)" in line
    assert "½" not in line
    value = re.search(r"1/2 \+ (\S+)/\(2 × \|(\S+)\|\)", line)
    # the same number in both places: bracketed as a factor, bare between the bars
    assert value is not None and value.group(1).strip("()") == value.group(2), line


def test_a_number_with_an_exponent_as_the_base_of_a_power_is_bracketed(tmp_path):
    """2.9e−5² reads as 2.9 × 10⁻⁵², and 2.9 \\times 10^{-5}^{2} is not LaTeX at all."""
    from typer.testing import CliRunner

    from backprop_tutor.cli import app

    path = tmp_path / "small.yaml"
    path.write_text("inputs: 1\nlayers:\n"
                    "  - {units: 1, activation: tanh, weights: [[0.001]], biases: [0.00002]}\n"
                    "  - {units: 1, activation: sigmoid, weights: [[0.45]], biases: [0.65]}\n"
                    "data:\n  - {inputs: [0.009], targets: [0.25]}\nlearning_rate: 0.4\n",
                    encoding="utf-8")
    runner = CliRunner()
    shown = runner.invoke(app, ["run", str(path), "--width", "120"]).stdout
    assert "1 − (2.9e−5)²" in shown and "2.9e−5²" not in shown
    latex = runner.invoke(app, ["key", str(path), "--format", "latex"]).stdout
    assert r"1 - \left(2.9 \times 10^{-5}\right)^{2}" in latex
    assert r"10^{-5}^{" not in latex
