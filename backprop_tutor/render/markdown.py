"""Markdown documents: the worked solution (answer key) and the printable worksheet.

Formulas are sympy's LaTeX in ``$…$``, which Markdown viewers with maths support render.
"""

from __future__ import annotations

from ..grading.worksheet import SECTIONS, Question
from ..notation.numbers import number
from ..solution.run import Run
from ..solution.shapes import Line
from ..symbolic.printers import latex_symbol, latex_text
from ..training.trace import IterationRecord
from .latex import number_latex, numbers_latex


def _cell(text: str) -> str:
    return text.replace("|", r"\vert ")


def _math(tex: str) -> str:
    return f"${_cell(tex)}$"


def _address_latex(address: str) -> str:
    base, _, sample = address.partition("@")
    return latex_symbol(base) + (f"^{{({sample})}}" if sample else "")


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
            f"- work iteration {record.iteration} by hand", "",
            "| given | value |", "| --- | ---: |"]
    for units, rec in zip(run.graph.layers, record.layers, strict=True):
        for j, u in enumerate(units):
            for i, w in enumerate(u.weights):
                value = number(rec.weights[j, i], precision)
                out.append(f"| {_math(latex_symbol(w.name))} | {value} |")
            value = number(rec.biases[j], precision)
            out.append(f"| {_math(latex_symbol(u.bias.name))} | {value} |")
    several = len(record.samples) > 1
    for s_index, x_row, t_row in zip(record.samples, record.inputs, record.targets, strict=True):
        suffix = f"@{s_index}" if several else ""
        for x, v in zip(run.graph.inputs, x_row, strict=True):
            out.append(f"| {_math(_address_latex(x.name + suffix))} | {number(v, precision)} |")
        for t, v in zip(run.graph.targets, t_row, strict=True):
            out.append(f"| {_math(_address_latex(t.name + suffix))} | {number(v, precision)} |")
    return out + [""]


def _rows(line: Line, record: IterationRecord) -> list[tuple[str, dict | None, float]]:
    """(address, numbers substituted, value) of each row a line makes: one per sample of a
    batch for a per-sample quantity, else one (a batch mean shows no single substitution)."""
    if line.per_sample and len(line.values) > 1:
        return [(f"{line.address}@{s}", subs, value) for s, subs, value
                in zip(record.samples, line.substitutions, line.values, strict=True)]
    subs = line.substitutions[0] if len(line.substitutions) == 1 else None
    return [(line.address, subs, line.result)]


def key_markdown(run: Run, record: IterationRecord, lines: list[Line], precision: int = 4) -> str:
    """The worked solution: every step with its formula, the numbers substituted and the result."""
    out = [f"# Worked solution: {run.scenario.title or 'backpropagation'}", ""]
    out += exercise_markdown(run, record)
    section = None
    for line in lines:
        if line.section != section:
            section = line.section
            out += ["", f"## {SECTIONS.get(section, section)}", "",
                    "| quantity | formula | numbers | value |", "| --- | --- | --- | ---: |"]
        formula = _math(latex_text(line.formula))
        for address, subs, value in _rows(line, record):
            if subs is None:
                numbers = "mean over the batch"
            elif line.formula.is_Symbol or line.formula.is_number or line.frozen:
                numbers = ""
            else:
                numbers = _math(numbers_latex(line.formula, subs, precision))
            out.append(f"| {_math(_address_latex(address))} | {formula} | {numbers} | "
                       f"{number(value, precision)} |")
    return "\n".join(out) + "\n"


def worksheet_markdown(run: Run, record: IterationRecord, items: list[Question]) -> str:
    """The printable worksheet: the exercise, then each quantity with its formula and a blank."""
    out = [f"# Worksheet: {run.scenario.title or 'backpropagation'}", "", "Name: ________", ""]
    out += exercise_markdown(run, record)
    section = None
    for q in items:
        if q.section != section:
            section = q.section
            out += ["", f"## {SECTIONS.get(section, section)}", "",
                    "| quantity | formula | your answer |", "| --- | --- | --- |"]
        out.append(f"| {_math(_address_latex(q.address))} | {_math(latex_text(q.formula))} | |")
    return "\n".join(out) + "\n"
