"""Worksheets and answer keys: YAML sheets that grade, Markdown and LaTeX documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.grading.grade import CORRECT, grade_sheet
from backprop_tutor.grading.sheet import sheet_from_text
from backprop_tutor.grading.solution import Solution
from backprop_tutor.symbolic.printers import latex_symbol

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
runner = CliRunner()


@pytest.mark.parametrize("name", ["two_neuron", "house_price"])
def test_a_blank_worksheet_lists_every_quantity_and_grades_when_filled(name):
    result = runner.invoke(app, ["worksheet", str(SCENARIOS / f"{name}.yaml")])
    assert result.exit_code == 0
    blank = sheet_from_text(result.output)
    solution = Solution(api.run(api.load(SCENARIOS / f"{name}.yaml")))
    assert [a.address for a in blank.answers] == list(solution.steps)
    assert all(a.blank for a in blank.answers)
    filled = re.sub(r"^  (\S+):\s+#",
                    lambda m: f"  {m.group(1)}: {solution.key[m.group(1)]:.5g}  #",
                    result.output, flags=re.M)
    graded = grade_sheet(solution, sheet_from_text(filled))
    assert {i.verdict for i in graded.items} == {CORRECT}


def test_the_worksheet_comments_give_the_formula():
    result = runner.invoke(app, ["worksheet", str(SCENARIOS / "two_neuron.yaml")])
    assert "# ∂a2/∂z2 = a2(1 − a2)" in result.output
    assert "# w2+ = w2 − η·∂E/∂w2" in result.output


def _balanced(tex: str) -> bool:
    depth = 0
    for i, c in enumerate(tex):
        if c in "{}" and (i == 0 or tex[i - 1] != "\\"):
            depth += 1 if c == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def _well_formed(tex: str) -> None:
    assert tex.startswith("\\documentclass")
    assert tex.rstrip().endswith("\\end{document}")
    assert _balanced(tex)
    opened = re.findall(r"\\begin\{(\w+\*?)\}", tex)
    closed = re.findall(r"\\end\{(\w+\*?)\}", tex)
    assert sorted(opened) == sorted(closed)
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+\*?)\}", tex):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack.pop() == env
    assert tex.isascii()


@pytest.mark.parametrize("name", ["two_neuron", "house_price"])
def test_the_latex_key_is_a_well_formed_standalone_document(name):
    result = runner.invoke(app, ["key", str(SCENARIOS / f"{name}.yaml"), "--format", "latex"])
    assert result.exit_code == 0
    _well_formed(result.output)
    run = api.run(api.load(SCENARIOS / f"{name}.yaml"))
    for line in run.lines(run.record(1)):
        assert latex_symbol(line.address) in result.output


def test_the_latex_worksheet_is_well_formed():
    result = runner.invoke(app, ["worksheet", str(SCENARIOS / "house_price.yaml"), "--format",
                                 "latex"])
    _well_formed(result.output)


def test_the_markdown_key_shows_formula_numbers_and_result(tmp_path):
    out = tmp_path / "key.md"
    result = runner.invoke(app, ["key", str(SCENARIOS / "two_neuron.yaml"), "-o", str(out)])
    assert result.exit_code == 0
    text = out.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| $z_{1}$"))
    assert "w_{1} x_{1} + b_{1}" in row and "0.15 \\times 0.1 + 0.4" in row
    assert row.endswith("| 0.415 |")
    assert "| 0.05707 |" in text


def test_the_markdown_worksheet_has_a_blank_per_quantity():
    result = runner.invoke(app, ["worksheet", str(SCENARIOS / "two_neuron.yaml"), "--format",
                                 "markdown"])
    rows = [line for line in result.output.splitlines() if line.endswith("| |")]
    solution = Solution(api.run(api.load(SCENARIOS / "two_neuron.yaml")))
    assert len(rows) == len(solution.steps)
