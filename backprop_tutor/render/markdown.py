"""Markdown documents: the worked solution (answer key) and the printable worksheet.

Formulas are sympy's LaTeX in ``$…$``, which Markdown viewers with maths support render.
"""

from __future__ import annotations

from ..grading.worksheet import questions
from ..notation.latex import number_latex
from ..notation.numbers import number
from ..notation.symbols import latex_symbol
from ..scenario.optimizer import description, settings
from ..solution.lines import SECTIONS, Line
from ..solution.run import Run
from ..solution.values import state_values
from ..training.trace import IterationRecord
from .formulas import formula_latex
from .latex import address_latex, numbers_cell


def _cell(text: str) -> str:
    return text.replace("|", r"\vert ")


def _math(tex: str) -> str:
    return f"${_cell(tex)}$"


def optimizer_lines(run: Run, record: IterationRecord) -> list[str]:
    """The optimizer of a handout, with its options and (for Adam) the step t, as a list item;
    nothing for plain gradient descent."""
    said = description(run.scenario)
    if said is None:
        return []
    step = f"; step t = {record.iteration}" if settings(run.scenario)[0] == "adam" else ""
    return [f"- optimizer: {said}{step}"]


def exercise_markdown(run: Run, record: IterationRecord, precision: int = 6) -> list[str]:
    """The exercise: network, initial parameters, data, loss and learning rate."""
    s = run.scenario
    shape = " → ".join(str(n) for n in [s.input_count, *(layer.units for layer in s.layers)])
    out = ["## The exercise", ""]
    if s.teaches:
        out += [f"Teaches: {s.teaches}.", ""]
    rate = _math(r"\eta = " + number_latex(s.learning_rate))
    out += [f"- network: {shape}, activations "
            + ", ".join(str(getattr(layer.activation, "name", layer.activation))
                        for layer in s.layers),
            f"- loss: {s.loss}; learning rate {rate}",
            *optimizer_lines(run, record),
            f"- work iteration {record.iteration} by hand",
            *([f"- {run.rounding_note}"] if run.rounding_note else []), "",
            "| given | value |", "| --- | ---: |"]
    for layer, rec in zip(run.plan.layers, record.layers, strict=True):
        for j, u in enumerate(layer.units):
            for i, w in enumerate(u.weights):
                value = number(rec.weights[j, i], precision)
                out.append(f"| {_math(latex_symbol(w))} | {value} |")
            if u.bias is not None and (not layer.shared or j == 0):  # a shared bias once
                value = number(rec.biases[j], precision)
                out.append(f"| {_math(latex_symbol(u.bias))} | {value} |")
    for name, value in state_values(run.plan, record, before=True).items():
        out.append(f"| {_math(latex_symbol(name))} | {number(value, precision)} |")
    several = len(record.samples) > 1
    for s_index, x_row, t_row in zip(record.samples, record.inputs, record.targets, strict=True):
        suffix = f"@{s_index}" if several else ""
        for x, v in zip(run.plan.inputs, x_row, strict=True):
            out.append(f"| {_math(address_latex(x + suffix))} | {number(v, precision)} |")
        for t, v in zip(run.plan.targets, t_row, strict=True):
            out.append(f"| {_math(address_latex(t + suffix))} | {number(v, precision)} |")
    return out + [""]


def key_markdown(run: Run, record: IterationRecord, lines: list[Line], precision: int = 4) -> str:
    """The worked solution: every step with its formula, the numbers substituted and the result
    (lines printed in LaTeX)."""
    out = [f"# Worked solution: {run.scenario.title or 'backpropagation'}", ""]
    out += exercise_markdown(run, record)
    section = None
    for line in lines:
        if line.section != section:
            section = line.section
            out += ["", f"## {SECTIONS.get(section, section)}", "",
                    "| quantity | formula | numbers | value |", "| --- | --- | --- | ---: |"]
        for row in line.rows():
            numbers = numbers_cell(line, row, precision)
            formula = _math(formula_latex(line, mean=row.numbers is None))
            out.append(f"| {_math(address_latex(row.address))} | {formula} | "
                       f"{_math(numbers) if numbers else ''} | {number(row.value, precision)} |")
    return "\n".join(out) + "\n"


def worksheet_markdown(run: Run, record: IterationRecord, lines: list[Line],
                       asks: list[str] | None = None) -> str:
    """The printable worksheet: the exercise, then each quantity with its formula and a blank."""
    out = [f"# Worksheet: {run.scenario.title or 'backpropagation'}", "", "Name: ________", ""]
    out += exercise_markdown(run, record)
    section = None
    for q in questions(lines, asks):
        if q.section != section:
            section = q.section
            out += ["", f"## {SECTIONS.get(section, section)}", "",
                    "| quantity | formula | your answer |", "| --- | --- | --- |"]
        formula = formula_latex(q.line, mean=q.row.numbers is None)
        out.append(f"| {_math(address_latex(q.address))} | {_math(formula)} | |")
    return "\n".join(out) + "\n"
