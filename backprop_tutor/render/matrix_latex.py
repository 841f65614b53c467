"""The matrix form of an iteration as an answer key (``key --view matrix``): LaTeX and Markdown.

Matrices are amsmath ``bmatrix``. A matrix too wide for the page is split into column blocks
of at most ``MAX_BLOCK_CHARACTERS`` characters of numbers (about 5 columns of 4 significant
digits), one too tall into blocks of ``MAX_BLOCK_ROWS`` rows; each block says which columns
and rows it holds, so the key has every entry and still fits an A4 or letter page.
"""

from __future__ import annotations

from ..notation.latex import number_latex
from ..solution.matrix_form import Layout, Matrix, MatrixForm, Step, matrix_form
from ..solution.run import Run
from ..training.trace import IterationRecord
from .latex import _preamble, escape, exercise_latex
from .markdown import exercise_markdown
from .matrix_view import STAGES, spans

__all__ = ["MAX_BLOCK_CHARACTERS", "MAX_BLOCK_ROWS", "key_matrix_latex", "key_matrix_markdown",
           "matrix_latex"]

MAX_BLOCK_CHARACTERS = 40
MAX_BLOCK_ROWS = 24
_LAYOUT = {"columns": "Samples are the columns of a batch matrix (one column per sample): "
                      "Z = WA + b.",
           "rows": "Samples are the rows of a batch matrix (one row per sample): "
                   "Z = AW^T + b, with W of shape units x inputs as in the column form."}


def _printed_width(tex: str) -> int:
    """About how many characters a number takes on the page: 10^{-5} as 4."""
    if r"\times" in tex:
        mantissa = tex.split(r" \times", 1)[0]
        return len(mantissa) + 6
    return len(tex)


def _blocks(widths: list[int]) -> list[list[int]]:
    blocks: list[list[int]] = [[]]
    used = 0
    for k, w in enumerate(widths):
        if blocks[-1] and used + w + 2 > MAX_BLOCK_CHARACTERS:
            blocks.append([])
            used = 0
        blocks[-1].append(k)
        used += w + 2
    return blocks


def matrix_latex(m: Matrix, precision: int = 4) -> list[str]:
    """A matrix as one or more ``name = \\begin{bmatrix}…\\end{bmatrix}`` lines, split in
    blocks that fit a page, each naming its columns and rows when it is not the whole."""
    rows, columns = m.shape
    cells = [[number_latex(v, precision) for v in row] for row in m.entries]
    widths = [max(_printed_width(cells[i][j]) for i in range(rows)) for j in range(columns)]
    column_blocks = _blocks(widths)
    row_blocks = [list(range(start, min(start + MAX_BLOCK_ROWS, rows)))
                  for start in range(0, rows, MAX_BLOCK_ROWS)]
    out = []
    for rb in row_blocks:
        for cb in column_blocks:
            parts = []
            if len(row_blocks) > 1:
                parts.append(("row " if len(rb) == 1 else "rows ")
                             + spans([i + 1 for i in rb]))
            if len(column_blocks) > 1:
                parts.append(("column " if len(cb) == 1 else "columns ")
                             + spans([j + 1 for j in cb]))
            name = rf"{{{m.latex}}}_{{\text{{{escape(', '.join(parts))}}}}}" if parts \
                else m.latex
            body = r" \\ ".join(" & ".join(cells[i][j] for j in cb) for i in rb)
            out.append(rf"{name} = \begin{{bmatrix}} {body} \end{{bmatrix}}")
    return out


_SHAPES = {"×": r"\times ", "⊙": r"\odot ", "ᵀ": r"^{\mathsf{T}}", "→": r"\to ", "−": "-"}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))


def shapes_latex(shapes: str) -> str:
    """How shapes combine, in maths: ``(2\times 3)(3\times 4) \to 2\times 4``."""
    return "".join(_SHAPES.get(c, c) for c in shapes)


def note_latex(note: str) -> str:
    """A step's note as LaTeX text: layer superscripts, ᵀ, ⊙ and primes in maths."""
    out, i = [], 0
    while i < len(note):
        c = note[i]
        if c == "⁽":
            end = note.index("⁾", i)
            digits = "".join(_SUPERSCRIPTS.get(d, d) for d in note[i + 1:end])
            out.append(f"$^{{({digits})}}$")
            i = end + 1
            continue
        out.append({"ᵀ": r"$^{\mathsf{T}}$", "⊙": r"$\odot$", "′": "'"}.get(c, escape(c)))
        i += 1
    return "".join(out)


def _step_latex(step: Step, precision: int) -> list[str]:
    head = [step.latex, rf"\text{{shapes: }} {shapes_latex(step.shapes)}"]
    lines = [*head, *(line for m in step.matrices for line in matrix_latex(m, precision))]
    out = []
    if step.note:
        out.append(note_latex(step.note) + r"\par")
    out += [r"\begin{gather*}", " \\\\\n".join(lines), r"\end{gather*}"]
    return out


def _matrix_intro(run: Run, form: MatrixForm) -> str:
    m, letters = len(form.samples), run.scenario.symbols
    return escape(f"{_LAYOUT[form.layout]} The batch of m = {m} sample"
                  f"{'s' if m > 1 else ''} is one matrix; δ is each sample's "
                  f"∂{letters.loss}/∂{letters.net}, and every entry is a number of the worked "
                  "solution.")


def key_matrix_latex(run: Run, record: IterationRecord, precision: int = 4,
                     layout: Layout = "columns") -> str:
    """The worked solution in matrix form as a standalone LaTeX document."""
    form = matrix_form(run.scenario, run.plan, record, layout)
    title = f"Worked solution in matrix form: {run.scenario.title or 'backpropagation'}"
    out = _preamble(title)
    out.insert(out.index(r"\usepackage{amsmath}") + 1, r"\setcounter{MaxMatrixCols}{30}")
    out += exercise_latex(run, record) + [_matrix_intro(run, form) + r"\par"]
    stage = None
    for step in form.steps:
        if step.stage != stage:
            stage = step.stage
            out.append(rf"\section*{{{escape(STAGES[stage])}}}")
        out += _step_latex(step, precision)
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def key_matrix_markdown(run: Run, record: IterationRecord, precision: int = 4,
                        layout: Layout = "columns") -> str:
    """The worked solution in matrix form as Markdown with ``$$…$$`` maths (bmatrix)."""
    form = matrix_form(run.scenario, run.plan, record, layout)
    m = len(form.samples)
    out = [f"# Worked solution in matrix form: {run.scenario.title or 'backpropagation'}", ""]
    out += exercise_markdown(run, record)
    out += [f"{_LAYOUT[layout]} The batch of m = {m} sample{'s' if m > 1 else ''} is one "
            f"matrix; δ is each sample's ∂{run.scenario.symbols.loss}/"
            f"∂{run.scenario.symbols.net}, and every entry is a number of the worked "
            "solution.", ""]
    stage = None
    for step in form.steps:
        if step.stage != stage:
            stage = step.stage
            out += [f"## {STAGES[stage]}", ""]
        out += [f"${step.latex}$ — {step.shapes}", ""]
        if step.note:
            out += [f"*{step.note}*", ""]
        for matrix in step.matrices:
            for line in matrix_latex(matrix, precision):
                out += ["$$", line, "$$", ""]
    return "\n".join(out)
