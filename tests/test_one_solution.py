"""Every output reads one worked solution: the same numbers, under the same names, in the same
order, in the scenario's own letters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.examples import network_names
from backprop_tutor.grading.solution import Solution
from backprop_tutor.grading.worksheet import questions
from backprop_tutor.notation.latex import number_latex
from backprop_tutor.notation.symbols import symbol_text
from backprop_tutor.render.latex import address_latex

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHIPPED = network_names()
runner = CliRunner()


def invoke(*args: str, **kw) -> str:
    result = runner.invoke(app, [*args], **kw)
    assert result.exit_code == 0, result.output
    return result.stdout


def _addresses(run: api.Run) -> list[str]:
    """The rows of the worked solution of iteration 1, in order."""
    return [q.address for q in questions(run.lines(run.record(1)))]


@pytest.mark.parametrize("name", SHIPPED)
def test_worksheet_key_practice_and_grade_ask_the_same_numbers(name, tmp_path):
    run = api.run(api.load(name))
    expected = _addresses(run)
    given = set(run.plan.inputs) | set(run.plan.targets)
    # the values map's vocabulary, less what is given
    assert sorted(expected) == sorted(a for a in run.values() if a.split("@")[0] not in given)

    sheet = yaml.safe_load(invoke("worksheet", name))
    assert list(sheet["answers"]) == expected

    key = invoke("key", name, "--precision", "17")
    rows = [line for line in key.splitlines() if line.startswith("| $")]
    solved = rows[-len(expected):]
    assert [row.split(" | ")[0] for row in solved] == [f"| ${address_latex(a)}$"
                                                      for a in expected]

    total = invoke("practice", name, "--no-color", input="q\n")
    assert f"[1/{len(expected)}] {symbol_text(expected[0].split('@')[0])}" in total

    assert list(Solution(run).steps) == expected
    blank = tmp_path / "blank.yaml"
    blank.write_text(f"scenario: {name}\nanswers: {{}}\n", encoding="utf-8")
    graded = invoke("grade", name, str(blank), "--format", "json")
    items = json.loads(graded)["sheets"][0]["items"]
    assert [item["address"] for item in items] == expected


@pytest.mark.parametrize("command", [["run", "--no-color", "--width", "200"], ["key"]],
                         ids=["run", "key"])
def test_run_and_key_show_the_backpropagated_errors(command):
    text = invoke(command[0], "two_neuron", *command[1:])
    run = api.run(api.load("two_neuron"))
    values = run.values()
    for address in ("dE/dz2", "dE/da1", "dE/dz1"):
        shown = symbol_text(address) if command[0] == "run" else address_latex(address)
        assert shown in text
    # the numbers the worksheet asks for, with the terminal's precision
    assert f"{values['dE/da1']:.4g}" in text


def test_the_scenario_letters_in_every_output(tmp_path):
    outputs = {
        "run": invoke("run", "house_price", "--no-color", "--width", "200"),
        "explain": invoke("run", "house_price", "--explain", "w111", "--no-color"),
        "worksheet": invoke("worksheet", "house_price"),
        "key": invoke("key", "house_price"),
        "practice": invoke("practice", "house_price", "--no-color", input="0.1\n0.2\n0.3\nq\n"),
    }
    for name, text in outputs.items():
        if name != "practice":  # whose first questions are the forward pass
            assert "∂L/∂" in text or r"\partial L" in text or "dL/" in text, name
        assert "∂E/" not in text and "dE/" not in text and r"\partial E" not in text, name
        assert "∂a" not in text and "da1" not in text, name
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("scenario: house_price\nanswers:\n  dh11/dz11: 0.25\n  dL/dh21: 1.17\n"
                     "  z11: 0.1\n", encoding="utf-8")
    graded = invoke("grade", "house_price", str(sheet), "--no-color", "--width", "200")
    table = graded.splitlines()
    # one spelling in one table: ∂, never d
    assert not any(re.search(r"\bd[A-Za-z]+\d*/d", line) for line in table)
    assert "∂h11/∂z11" in graded and "∂L/∂h21" in graded


def test_practice_names_a_wrong_answer_as_grade_does(tmp_path):
    run = api.run(api.load("two_neuron"))
    order = _addresses(run)
    values = run.values()
    wrong = "0.3929"  # w2 − ∂E/∂w2: the learning rate left out
    typed = [f"{values[a]:.6g}" for a in order[:order.index("w2+")]] + [wrong, "q"]
    practised = invoke("practice", "two_neuron", "--no-color", "--width", "200",
                       input="\n".join(typed) + "\n")
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(f"scenario: two_neuron\nanswers:\n  w2+: {wrong}\n", encoding="utf-8")
    graded = invoke("grade", "two_neuron", str(sheet), "--format", "json")
    items = json.loads(graded)["sheets"][0]["items"]
    feedback = next(item["feedback"] for item in items if item["address"] == "w2+")
    assert "learning rate" in feedback
    assert f"not quite: {feedback}" in practised.replace("\n", " ")


def test_the_key_shows_each_samples_term_of_a_batch_gradient():
    run = api.run(api.load("xor"))
    key = invoke("key", "xor")
    gradient = next(line for line in run.lines(run.record(1)) if line.section == "gradients")
    start = f"| ${address_latex(gradient.address)}$"
    row = next(r for r in key.splitlines() if r.startswith(start))
    terms = [number_latex(abs(v) if i else v) for i, v in enumerate(gradient.values)]
    assert rf"\frac{{1}}{{{len(gradient.values)}}}" in row
    assert all(term in row for term in terms)
    assert row.rstrip(" |").endswith(f"{gradient.result:.4g}".replace("-", "−"))


@pytest.mark.parametrize("name", [*SHIPPED, str(Path(__file__).parent / "golden" /
                                               "deep_delta.yaml")],
                         ids=[*SHIPPED, "deep_delta"])
def test_the_json_factors_are_the_worked_solutions_formulas(name):
    run = api.run(api.load(name))
    document = json.loads(invoke("run", name, "--json"))
    worked = {line.address: line.printed.text
              for line in run.lines(run.record(1), form="latex")}
    assert document["factors"]
    for address, form in document["factors"].items():
        assert form["latex"] == worked[address], address
    # every factor a gradient names is in the document, with its number in values
    numbered = {a.split("@")[0] for a in document["iterations"][0]["values"]}
    for gradient in document["gradients"].values():
        for path in gradient["paths"]:
            assert all(a in document["factors"] and a in numbered for a in path)


def test_explain_takes_a_parameter_as_a_sheet_may_write_its_gradient():
    plain = invoke("run", "house_price", "--explain", "w111", "--no-color")
    assert invoke("run", "house_price", "--explain", "∂L/∂w111", "--no-color") == plain
    assert invoke("run", "house_price", "--explain", "dL/dw111", "--no-color") == plain


def test_a_batch_loss_asked_by_its_address_is_its_mean_alone():
    sheet = yaml.safe_load(invoke("worksheet", "xor", "--only", "E"))
    assert sheet["asks"] == ["E"]
    every = yaml.safe_load(invoke("worksheet", "xor", "--only", "z11"))
    assert every["asks"] == [f"z11@{s}" for s in range(1, 5)]


def test_practice_only_takes_what_worksheet_only_takes():
    sheet = yaml.safe_load(invoke("worksheet", "two_neuron", "--only", "forward,dE/dw2"))
    total = invoke("practice", "two_neuron", "--only", "forward,dE/dw2", "--no-color",
                   input="q\n")
    assert f"[1/{len(sheet['asks'])}] {sheet['asks'][0]}" in total


def test_a_lesson_over_several_lines_stays_a_comment_of_the_sheet(tmp_path):
    scenario = tmp_path / "net.yaml"
    text = (SCENARIOS / "two_neuron.yaml").read_text(encoding="utf-8")
    scenario.write_text(re.sub(r"(?m)^teaches:.*$", "teaches: |\n  one\n  answers: {z1: 1}",
                               text), encoding="utf-8")
    sheet = tmp_path / "sheet.yaml"
    invoke("worksheet", str(scenario), "-o", str(sheet))
    assert yaml.safe_load(sheet.read_text(encoding="utf-8"))["answers"]["z1"] is None
    graded = json.loads(invoke("grade", str(scenario), str(sheet), "--format", "json"))
    assert graded["sheets"][0]["score"] == 0
