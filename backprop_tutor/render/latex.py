"""LaTeX documents: the worked solution (answer key) and the printable worksheet.

Each is a standalone article using only amsmath, so it compiles with a basic TeX install.
"""

from __future__ import annotations

from ..grading.worksheet import Question, questions
from ..network.addresses import base, sample_of
from ..notation.latex import filled_latex, mean_latex, number_latex
from ..notation.symbols import latex_symbol
from ..scenario.optimizer import SYMBOLS, settings
from ..solution.lines import SECTIONS, Line, Row
from ..solution.run import Run
from ..solution.values import state_values
from ..training.trace import IterationRecord
from .formulas import formula_latex

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
    name, options = settings(s)
    if name != "sgd":
        said = ", ".join(f"${latex_symbol(SYMBOLS[k])} = {number_latex(v, precision)}$"
                         for k, v in options.items())
        step = f"; step $t = {record.iteration}$" if name == "adam" else ""
        out.append(escape(f"Optimizer {name}: ") + said + step + r".\par")
    out.append(escape(f"Work iteration {record.iteration} by hand.") + r"\par")
    if run.rounding_note:
        out.append(escape(run.rounding_note[0].upper() + run.rounding_note[1:] + ".") + r"\par")
    rows = []
    for layer, rec in zip(run.plan.layers, record.layers, strict=True):
        for j, u in enumerate(layer.units):
            for i, w in enumerate(u.weights):
                value = number_latex(rec.weights[j, i], precision)
                rows.append(f"{latex_symbol(w)} = {value}")
            if u.bias is not None and (not layer.shared or j == 0):  # a shared bias once
                rows.append(f"{latex_symbol(u.bias)} = {number_latex(rec.biases[j], precision)}")
    rows += [f"{latex_symbol(name)} = {number_latex(value, precision)}"
             for name, value in state_values(run.plan, record, before=True).items()]
    for s_index, x_row, t_row in zip(record.samples, record.inputs, record.targets, strict=True):
        given = [f"{latex_symbol(x)} = {number_latex(v, precision)}"
                 for x, v in zip(run.plan.inputs, x_row, strict=True)]
        given += [f"{latex_symbol(t)} = {number_latex(v, precision)}"
                  for t, v in zip(run.plan.targets, t_row, strict=True)]
        rows.append(r",\quad ".join(given) + (rf"\quad\text{{(sample {s_index})}}"
                                                if len(record.samples) > 1 else ""))
    out += [r"\begin{gather*}", " \\\\\n".join(_chunks(rows)), r"\end{gather*}"]
    return out


def _chunks(rows: list[str], size: int = 4) -> list[str]:
    plain = [r for r in rows if r"\text{(sample" not in r and ",\\quad" not in r]
    samples = [r for r in rows if r not in plain]
    grouped = [r",\quad ".join(plain[i:i + size]) for i in range(0, len(plain), size)]
    return grouped + samples


def address_latex(address: str) -> str:
    """An address in LaTeX, one sample of a batch as a superscript: ``z_{1}^{(2)}``."""
    sample = sample_of(address)
    return latex_symbol(base(address)) + (f"^{{({sample})}}" if sample is not None else "")


def numbers_cell(line: Line, row: Row, precision: int) -> str:
    """The numbers that go into a row's formula, in LaTeX; empty where they say nothing more
    than the value; each sample's term and the mean for a batch's loss or gradient."""
    if row.numbers is None:
        return mean_latex(line.values, precision, line.l2_term, summed=line.summed)
    if line.quantity.trivial or line.frozen:
        return ""
    substituted = filled_latex(line.printed, row.numbers, precision)
    return "" if substituted == line.printed.text else substituted


def _row_latex(line: Line, row: Row, precision: int) -> str:
    lhs, formula = address_latex(row.address), formula_latex(line, mean=row.numbers is None)
    numbers = numbers_cell(line, row, precision)
    value = rf" = {number_latex(row.value, precision)}" if line.quantity.names else ""
    if row.sample is not None:  # one sample of a batch: one line
        return rf"{lhs} &= {formula}" + (f" = {numbers}" if numbers else "") + value
    return rf"{lhs} &= {formula}" + (rf" \\ &= {numbers}" if numbers else "") + value


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
    rows = [(line.section, _row_latex(line, row, precision)) for line in lines
            for row in line.rows()]
    out = _preamble(title) + exercise_latex(run, record) + _sections(rows, r" \\")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _blank_row(q: Question) -> str:
    formula = formula_latex(q.line, mean=q.row.numbers is None)
    return rf"{address_latex(q.address)} &= {formula} = \rule{{3cm}}{{0.4pt}}"


def worksheet_latex(run: Run, record: IterationRecord, lines: list[Line],
                    asks: list[str] | None = None) -> str:
    """The printable worksheet: the exercise, then each quantity with its formula and a blank."""
    title = f"Worksheet: {run.scenario.title or 'backpropagation'}"
    out = _preamble(title) + exercise_latex(run, record)
    out.append(r"Name: \rule{8cm}{0.4pt}\par")
    out += _sections([(q.section, _blank_row(q)) for q in questions(lines, asks)], r" \\[1ex]")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
