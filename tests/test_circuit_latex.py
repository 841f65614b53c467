"""A circuit's LaTeX worksheet and answer key: well-formed (every environment, brace and
\\left closed), compiled by pdflatex where it is installed, pinned by golden files, and holding
the published numbers of CS231n's sigmoid-neuron example."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor.cli import app

GOLDEN = Path(__file__).resolve().parent / "golden"
FAN_OUT = str(GOLDEN / "circuit_fan_out.yaml")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
runner = CliRunner()
CIRCUITS = ["circuit_add_multiply", "circuit_sigmoid_neuron", FAN_OUT]
GOLDEN_CASES = {
    "key_circuit_sigmoid_neuron.tex": ["key", "circuit_sigmoid_neuron", "--format", "latex"],
    "key_circuit_fan_out.tex": ["key", FAN_OUT, "--format", "latex"],
    "worksheet_circuit_fan_out.tex": ["worksheet", FAN_OUT, "--format", "latex"],
}


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def well_formed(text: str) -> None:
    """Every \\begin closed by its \\end in order, braces and \\left/\\right balanced on every
    line, one document from \\documentclass to \\end{document}."""
    lines = text.splitlines()
    assert lines[0].startswith(r"\documentclass") and lines[-1] == r"\end{document}"
    stack: list[str] = []
    for kind, name in re.findall(r"\\(begin|end)\{([^}]*)\}", text):
        if kind == "begin":
            stack.append(name)
        else:
            assert stack and stack.pop() == name, f"\\end{{{name}}} closes nothing open"
    assert not stack, f"left open: {stack}"
    for line in lines:
        unescaped = re.sub(r"\\[{}]", "", line)
        assert unescaped.count("{") == unescaped.count("}"), line
        assert len(re.findall(r"\\left\b", line)) == len(re.findall(r"\\right\b", line)), line
    for env in re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", text, re.S):
        assert "\\section" not in env and "\n\n" not in env  # no blank line inside maths


@pytest.mark.parametrize("command", ["key", "worksheet"])
@pytest.mark.parametrize("circuit", CIRCUITS, ids=["add_multiply", "sigmoid_neuron", "fan_out"])
def test_the_latex_is_well_formed_and_compiles(command, circuit, tmp_path):
    text = cli(command, circuit, "--format", "latex")
    well_formed(text)
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed: the LaTeX is checked for balance only")
    (tmp_path / "doc.tex").write_text(text)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "Overfull" not in (tmp_path / "doc.log").read_text(errors="replace")


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_circuit_latex_matches_golden(name):
    text = cli(*GOLDEN_CASES[name]).replace(str(GOLDEN), "tests/golden")
    path = GOLDEN / "circuit" / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {name}: run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


def test_the_key_has_the_published_gradients_of_the_sigmoid_neuron():
    # CS231n, "Backpropagation, intuitions": ∂f/∂x = (0.3932, −0.5898) (their w·x gate's
    # inputs are x0 = −1, x1 = −2), ∂f/∂w = (−0.1966, −0.3932, 0.1966)
    text = cli("key", "circuit_sigmoid_neuron", "--format", "latex")
    for name, value in (("x_{0}", "0.3932"), ("x_{1}", "-0.5898"), ("w_{0}", "-0.1966"),
                        ("w_{1}", "-0.3932"), ("w_{2}", "0.1966")):
        row = next(line for line in text.splitlines()
                   if line.startswith(rf"\frac{{\partial f}}{{\partial {name}}} &="))
        assert row.endswith(f"= {value} \\\\") or row.endswith(f"= {value}"), row


def test_the_worksheet_has_a_blank_for_each_question_and_no_values():
    from backprop_tutor.examples import bundled_path
    from backprop_tutor.grading.circuit import circuit_questions
    from backprop_tutor.scenario.circuit_loader import load_any
    from backprop_tutor.solution.circuit import solve_circuit

    text = cli("worksheet", "circuit_sigmoid_neuron", "--format", "latex")
    questions = circuit_questions(solve_circuit(load_any(bundled_path("circuit_sigmoid_neuron"))))
    assert text.count(r"\rule{3cm}{0.4pt}") == len(questions) == 34
    assert "0.1966" not in text and "0.7311" not in text


def test_worksheet_only_takes_a_section_in_latex():
    text = cli("worksheet", "circuit_add_multiply", "--format", "latex", "--only", "updates,local")
    assert text.count(r"\rule{3cm}") == 2  # dq/dx and dq/dy: the circuit has no parameters
    well_formed(text)
