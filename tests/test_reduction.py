"""``reduction: sum``: a batch's loss and gradients are the sum over its samples, not their mean.

Checked against the independent closed-form oracle and finite differences, by hand against the
mean (the sum is m times it, the L2 term once), and through every output that says which.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from finite_differences import central_differences
from hand import written
from test_oracle import check_against_oracle
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.grading.grade import CORRECT, WRONG, grade_sheet
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.grading.solution import Solution
from backprop_tutor.scenario.loader import scenario_from_text

EXAMPLES = Path(__file__).resolve().parent.parent / "backprop_tutor" / "examples"
BATCH = """\
title: A batch of two, summed
inputs: 2
layers:
  - {units: 2, activation: sigmoid, weights: [[0.3, -0.4], [0.2, 0.6]], biases: [0.1, -0.2]}
  - {units: 1, activation: sigmoid, weights: [[0.7, -0.5]], biases: [0.25]}
data:
  - {inputs: [0.5, 1.0], targets: [1]}
  - {inputs: [1.0, -0.5], targets: [0]}
loss: half_squared_error
learning_rate: 0.5
reduction: sum
"""


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(("name", "extra"), [
    ("xor", "reduction: sum\nl2: 0.05\n"),
    ("softmax_classifier", "reduction: sum\n"),
    ("stochastic", "reduction: sum\nmode: minibatch\nbatch_size: 2\n"),
    ("tanh_network", "reduction: sum\nmode: batch\n"),
])
def test_sum_agrees_with_the_oracle_and_finite_differences(name: str, extra: str) -> None:
    text = re.sub(r"(?m)^(mode|l2): .*\n", "", (EXAMPLES / f"{name}.yaml").read_text())
    scenario = scenario_from_text(text + extra)
    assert scenario.reduction == "sum"
    check_against_oracle(scenario, epochs=min(scenario.epochs, 3))
    run = api.run(scenario)
    for engine, numeric in central_differences(run, run.trace.iterations[0]):
        assert numeric == pytest.approx(engine, rel=1e-6, abs=1e-6)


def test_the_sum_is_m_times_the_mean_and_the_l2_term_once() -> None:
    summed = api.run(scenario_from_text(BATCH + "l2: 0.1\n")).values(1)
    mean = api.run(scenario_from_text(BATCH.replace("reduction: sum", "reduction: mean")
                                      + "l2: 0.1\n")).values(1)
    assert summed["E"] == pytest.approx(2 * mean["E"], rel=1e-14)
    assert summed["E"] == pytest.approx(summed["E@1"] + summed["E@2"], rel=1e-14)
    # ∂E/∂w = Σ_s ∂E_s/∂w + λw, where the mean is (1/2)Σ_s ∂E_s/∂w + λw
    assert summed["dE/dw211"] - 0.1 * 0.7 == pytest.approx(2 * (mean["dE/dw211"] - 0.1 * 0.7),
                                                           rel=1e-13)
    assert summed["dE/db21"] == pytest.approx(2 * mean["dE/db21"], rel=1e-14)
    assert summed["w211+"] == pytest.approx(0.7 - 0.5 * summed["dE/dw211"], rel=1e-15)


def test_every_output_says_sum(tmp_path: Path) -> None:
    path = tmp_path / "sum.yaml"
    path.write_text(BATCH)
    terminal = invoke("run", str(path), "--no-color", "--width", "120").output
    assert "sum over samples of ½(T − a21)²" in terminal
    assert "sum over samples of ∂E/∂a21 · ∂a21/∂z21 · ∂z21/∂b21" in terminal
    assert "mean over" not in terminal
    assert "E = Σ_s ½ Σ_k (T − a)²" in terminal
    explain = invoke("run", str(path), "--explain", "w211", "--no-color", "--width", "120")
    assert "∂E/∂w211 = sum over the samples = (" in explain.output
    document = json.loads(invoke("run", str(path), "--json").output)
    assert document["scenario"]["reduction"] == "sum"
    key = tmp_path / "key.md"
    assert invoke("key", str(path), "--format", "markdown", "-o", str(key)).exit_code == 0
    assert r"\sum_{s=1}^{2}" in key.read_text() and r"\frac{1}{2}" not in key.read_text()
    summary = invoke("validate", str(path), "--width", "120").output
    assert "the sum over its samples" in summary


def test_a_mean_where_the_scenario_sums_is_named() -> None:
    """The sheet gives the mean scenario's key; graded against the sum, the gradients and the
    loss are named as averaged instead of summed."""
    summed = Solution(api.run(scenario_from_text(BATCH, "sum.yaml")), 1)
    mean_run = api.run(scenario_from_text(BATCH.replace("reduction: sum", "reduction: mean")))
    values = mean_run.values(1)
    body = "".join(f"  {a}: {written(values[a])}\n" for a in ("E", "dE/dw211", "dE/db21"))
    result = grade_sheet(summed, sheet_from_text(f"answers:\n{body}", "s.yaml"))
    answered = [i for i in result.items if i.address in ("E", "dE/dw211", "dE/db21")]
    assert {i.verdict for i in answered} == {WRONG}
    for item in answered:
        assert item.mistake is not None and item.mistake.rule == "sum_for_mean", item.address
        assert "averaged over the batch's 2 samples instead of their sum" in item.feedback
    right = "".join(f"  {a}: {written(v)}\n" for a, v in summed.run.values(1).items()
                    if a in summed.key and a.split("@")[0] not in ("x1", "x2", "T"))
    graded = grade_sheet(summed, sheet_from_text(f"answers:\n{right}", "r.yaml"))
    assert {i.verdict for i in graded.items} == {CORRECT}, [
        (i.address, i.feedback) for i in graded.items if i.verdict != CORRECT]


def test_reduction_is_validated_offered_and_carried(tmp_path: Path) -> None:
    from test_errors import message

    assert message(BATCH.replace("reduction: sum", "reduction: total")) == (
        "s.yaml:11:12: reduction: expected one of: mean, sum; got the text 'total'")
    out = tmp_path / "n.yaml"
    assert invoke("new", "-o", str(out)).exit_code == 0
    assert "reduction: mean" in out.read_text()
    path = tmp_path / "sum.yaml"
    path.write_text(BATCH)
    assert invoke("variants", str(path), "--count", "1", "-o", str(tmp_path / "v")).exit_code == 0
    variant = next(p for p in (tmp_path / "v").glob("*.yaml") if ".sheet" not in p.name)
    assert api.load(variant).reduction == "sum"
