"""LaTeX documents: the worked solution (answer key) and the printable worksheet.

Each is a standalone article using only amsmath, so it compiles with a basic TeX install.
"""

from __future__ import annotations

import sympy as sp

from ..grading.worksheet import SECTIONS, Question
from ..notation.numbers import number
from ..solution.run import Run
from ..solution.shapes import Line
from ..symbolic.printers import latex_symbol, latex_text
from ..training.trace import IterationRecord

_TEXT = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
         "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
         "^": r"\textasciicircum{}", "−": "-", "–": "--", "—": "---", "’": "'", "‘": "`",
         "“": "``", "”": "''", "…": r"\dots{}", "→": r"$\to$", "·": r"$\cdot$",
         "×": r"$\times$", "½": r"$\frac{1}{2}$", "²": r"$^2$", "η": r"$\eta$",
         "σ": r"$\sigma$", "δ": r"$\delta$", "∂": r"$\partial$", "λ": r"$\lambda$",
         "Σ": r"$\Sigma$", "≤": r"$\le$", "≥": r"$\ge$"}


def escape(text: str) -> str:
    """Plain text for LaTeX: special characters escaped, other non-ASCII characters as ?."""
    return "".join(_TEXT.get(c, c if c.isascii() else "?") for c in text)


def number_latex(value: float, precision: int = 4) -> str:
    """A number in LaTeX: ``-0.32``, ``1.2 \\times 10^{-5}``."""
    text = number(value, precision, unicode=False)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def numbers_latex(expr: sp.Expr, numbers: dict[str, float], precision: int = 4) -> str:
    """The expression in LaTeX with each symbol's number in its place."""
    names = {}
    for s in expr.free_symbols:
        if s.name in numbers:
            text = number_latex(numbers[s.name], precision)
            names[s] = f"\\left({text}\\right)" if text.startswith("-") else text
        else:
            names[s] = latex_symbol(s.name)
    return sp.latex(expr, order="none", symbol_names=names, mul_symbol="times")


def _preamble(title: str) -> list[str]:
    return [r"\documentclass[11pt]{article}", r"\usepackage{amsmath}",
            r"\allowdisplaybreaks", r"\setlength{\parindent}{0pt}",
            rf"\title{{{escape(title)}}}", r"\date{}", r"\begin{document}", r"\maketitle"]


def exercise_latex(run: Run, record: IterationRecord, precision: int = 6) -> list[str]:
    """The exercise: network, initial parameters, data, loss and learning rate."""
    s = run.scenario
    out = [r"\section*{The exercise}"]
    if s.teaches:
        out.append(escape(f"This exercise teaches {s.teaches}.") + r"\par")
    shape = " - ".join(str(n) for n in [s.input_count, *(layer.units for layer in s.layers)])
    out.append(escape(f"Network {shape}; loss {s.loss}; learning rate ") +
               rf"$\eta = {number_latex(s.learning_rate, precision)}$.\par")
    out.append(escape(f"Work iteration {record.iteration} by hand.") + r"\par")
    rows = []
    for units, rec in zip(run.graph.layers, record.layers, strict=True):
        for j, u in enumerate(units):
            for i, w in enumerate(u.weights):
                value = number_latex(rec.weights[j, i], precision)
                rows.append(f"{latex_symbol(w.name)} = {value}")
            rows.append(f"{latex_symbol(u.bias.name)} = {number_latex(rec.biases[j], precision)}")
    for s_index, x_row, t_row in zip(record.samples, record.inputs, record.targets, strict=True):
        given = [f"{latex_symbol(x.name)} = {number_latex(v, precision)}"
                 for x, v in zip(run.graph.inputs, x_row, strict=True)]
        given += [f"{latex_symbol(t.name)} = {number_latex(v, precision)}"
                  for t, v in zip(run.graph.targets, t_row, strict=True)]
        rows.append(r",\quad ".join(given) + (rf"\quad\text{{(sample {s_index})}}"
                                                if len(record.samples) > 1 else ""))
    out += [r"\begin{gather*}", " \\\\\n".join(_chunks(rows)), r"\end{gather*}"]
    return out


def _chunks(rows: list[str], size: int = 4) -> list[str]:
    plain = [r for r in rows if r"\text{(sample" not in r and ",\\quad" not in r]
    samples = [r for r in rows if r not in plain]
    grouped = [r",\quad ".join(plain[i:i + size]) for i in range(0, len(plain), size)]
    return grouped + samples


def _line_rows(line: Line, precision: int) -> list[str]:
    lhs = latex_symbol(line.address)
    formula = latex_text(line.formula)
    if line.per_sample and len(line.values) > 1:
        rows = [rf"{lhs}^{{({s})}} &= {formula} = {numbers_latex(line.formula, subs, precision)}"
                rf" = {number_latex(v, precision)}"
                for s, (subs, v) in enumerate(
                    zip(line.substitutions, line.values, strict=True), start=1)]
        return rows
    numbers = line.substitutions[0] if len(line.substitutions) == 1 else None
    row = rf"{lhs} &= {formula}"
    if line.formula.is_Symbol or line.formula.is_number:
        pass  # the number is the result itself
    elif numbers is not None and not line.frozen:
        substituted = numbers_latex(line.formula, numbers, precision)
        if substituted != formula:
            row += rf" \\ &= {substituted}"
    elif numbers is None:
        row += r" \quad\text{(mean over the batch)}"
    if line.formula.is_number and float(line.formula) == line.result:
        return [row]
    return [row + rf" = {number_latex(line.result, precision)}"]


def _sections(rows: list[tuple[str, str]], separator: str) -> list[str]:
    """Rows of (section, LaTeX row) as one align* environment per section, in order."""
    out: list[str] = []
    section = None
    for row_section, row in rows:
        if row_section != section:
            if section is not None:
                out.append(r"\end{align*}")
            section = row_section
            out += [rf"\section*{{{escape(SECTIONS.get(section, section))}}}",
                    r"\begin{align*}"]
        else:
            out[-1] += separator
        out.append(row)
    if section is not None:
        out.append(r"\end{align*}")
    return out


def key_latex(run: Run, record: IterationRecord, lines: list[Line], precision: int = 4) -> str:
    """The worked solution as a standalone LaTeX document."""
    title = f"Worked solution: {run.scenario.title or 'backpropagation'}"
    rows = [(line.section, " \\\\\n".join(_line_rows(line, precision))) for line in lines]
    out = _preamble(title) + exercise_latex(run, record) + _sections(rows, r" \\")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _blank_row(q: Question) -> str:
    address, _, sample = q.address.partition("@")
    mark = rf"^{{({sample})}}" if sample else ""
    return (rf"{latex_symbol(address)}{mark} &= {latex_text(q.formula)} = "
            r"\rule{3cm}{0.4pt}")


def worksheet_latex(run: Run, record: IterationRecord, items: list[Question]) -> str:
    """The printable worksheet: the exercise, then each quantity with its formula and a blank."""
    title = f"Worksheet: {run.scenario.title or 'backpropagation'}"
    out = _preamble(title) + exercise_latex(run, record)
    out.append(r"Name: \rule{8cm}{0.4pt}\par")
    out += _sections([(q.section, _blank_row(q)) for q in items], r" \\[1ex]")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
