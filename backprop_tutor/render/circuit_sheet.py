"""A circuit's answer sheet, handout and answer key (the questions: grading/circuit.py)."""

from __future__ import annotations

from ..grading.circuit import SECTIONS, CircuitQuestion
from ..notation.numbers import number
from ..notation.symbols import symbol_text
from ..solution.circuit import CircuitSolution
from .grading import answer_sheet_head


def label(address: str) -> str:
    """An address as the tables write it: ``df/dq*dq/dx`` → ∂f/∂q·∂q/∂x."""
    return symbol_text(address)


def _given(solution: CircuitSolution, precision: int) -> list[str]:
    c = solution.circuit
    rows = ["| given | value |", "| --- | ---: |"]
    rows += [f"| {name} (input) | {number(v, precision)} |" for name, v in c.inputs.items()]
    rows += [f"| {name} (parameter) | {number(v, precision)} |"
             for name, v in c.parameters.items()]
    if c.learning_rate is not None:
        rows.append(f"| η (learning rate) | {number(c.learning_rate, 6)} |")
    return rows


def _exercise(solution: CircuitSolution, heading: str, precision: int) -> list[str]:
    c = solution.circuit
    out = [f"# {heading}: {c.title or 'a circuit'}", ""]
    if c.teaches:
        out += [f"Teaches: {c.teaches}.", ""]
    out += ["The circuit, each node a formula of the names above it:", ""]
    out += [f"- {s.node} = {s.formula.text}" for s in solution.forward]
    out += ["", f"Work the forward pass, the local gradients and the backward pass to the "
                f"gradient of the output {c.output} with respect to every input and parameter"
                + (", then the update of the parameters." if solution.updates else "."), ""]
    return out + _given(solution, precision) + [""]


def circuit_worksheet_yaml(solution: CircuitSolution, questions: list[CircuitQuestion],
                           scenario: str, asks: list[str] | None = None,
                           variant: str | None = None) -> str:
    """A blank answer sheet: each question's address, its formula as a comment."""
    c = solution.circuit
    out = answer_sheet_head(c.title or "a circuit", c.teaches, scenario, variant, asks)
    width = max((len(q.address) for q in questions), default=0) + 2
    section = None
    for q in questions:
        if q.section != section:
            section = q.section
            out.append(f"  # {SECTIONS[section]}")
        out.append(f"  {q.address + ':':<{width}} # {q.formula}")
    return "\n".join(out) + "\n"


def circuit_worksheet_markdown(solution: CircuitSolution, questions: list[CircuitQuestion],
                               precision: int = 4) -> str:
    """A printable handout: the circuit, the given values, a blank for each question."""
    return _questions_markdown(solution, questions, precision, key=False)


def circuit_key_markdown(solution: CircuitSolution, questions: list[CircuitQuestion],
                         precision: int = 4) -> str:
    """The answer key: every question's formula and value."""
    return _questions_markdown(solution, questions, precision, key=True)


def _questions_markdown(solution: CircuitSolution, questions: list[CircuitQuestion],
                        precision: int, *, key: bool) -> str:
    # the exercise, then a table per section: each question's formula, and its value (key) or
    # a blank (handout)
    out = _exercise(solution, "Worked solution" if key else "Worksheet", precision)
    section = None
    for n, q in enumerate(questions):
        if q.section != section:
            section = q.section
            out += [f"## {SECTIONS[section]}", "", "| quantity | formula | value |",
                    "| --- | --- | ---: |" if key else "| --- | --- | --- |"]
        value = f" {number(q.value, precision)} " if key else " "
        out.append(f"| {label(q.address)} | {q.formula} |{value}|")
        if n == len(questions) - 1 or questions[n + 1].section != section:
            out.append("")
    return "\n".join(out)
