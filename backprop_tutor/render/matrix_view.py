"""The matrix form of an iteration in the terminal (``run --view matrix``).

Each equation is written once with the shapes it combines, then its matrices in brackets, rows
and columns named. A matrix wider than the terminal is split into column blocks, each saying
which columns it holds; one with more than ``MAX_ROWS`` rows or ``MAX_COLUMNS`` columns shows
its first and last ones and says which it leaves out. No number is ever cut.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.text import Text

from ..notation.numbers import number
from ..solution.matrix_form import Layout, Matrix, MatrixForm, Step, matrix_form, superscript
from ..solution.run import Run
from ..training.trace import IterationRecord

__all__ = ["MAX_COLUMNS", "MAX_ROWS", "MatrixText", "matrix_explain_view", "matrix_run_view",
           "matrix_view"]

MAX_ROWS = 16  # more rows than this: the first HEAD and the last TAIL are shown
MAX_COLUMNS = 16
HEAD, TAIL = 12, 2
MAX_JACOBIANS = 3  # a softmax layer's Jacobians shown, one per sample, in the terminal
INDENT = 2
GAP = 2  # spaces between columns
STAGES = {"forward": "Forward pass", "loss": "Loss",
          "backward": "Backward pass: δ of each layer, from the output down",
          "gradients": "Gradients", "updates": "Updates"}
_LAYOUT = {"columns": "samples as columns", "rows": "samples as rows"}


def kept(count: int, limit: int) -> tuple[list[int], tuple[int, int] | None]:
    """The indices shown of ``count`` rows or columns, and the 1-based range left out."""
    if count <= limit:
        return list(range(count)), None
    return [*range(HEAD), *range(count - TAIL, count)], (HEAD + 1, count - TAIL)


def labels(kind: str, names: tuple[str, ...]) -> str:
    """Row or column names, a long run of them as its first and last (``rows z11–z1,20``),
    samples by their numbers (``columns samples 1, 2, 3``)."""
    if all(name.startswith("sample ") for name in names):
        kind, names = kind + (" samples" if len(names) > 1 else " sample"), tuple(
            name.removeprefix("sample ") for name in names)
    if len(names) > 4 and all(names):
        return f"{kind} {names[0]}–{names[-1]}"
    return f"{kind} {', '.join(names)}"


def spans(numbers: list[int]) -> str:
    """Increasing numbers as runs: ``1–3, 9``."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _brackets(row: int, rows: int) -> tuple[str, str]:
    if rows == 1:
        return "[", "]"
    if row == 0:
        return "⎡", "⎤"
    if row == rows - 1:
        return "⎣", "⎦"
    return "⎢", "⎥"


class MatrixText:
    """A matrix in brackets, split into column blocks that fit the width it is printed at."""

    def __init__(self, matrix: Matrix, precision: int) -> None:
        self.matrix = matrix
        self.precision = precision

    def caption(self) -> str:
        m = self.matrix
        rows, columns = m.shape
        text = f"{m.name}  ({rows}×{columns})"
        named = [labels(kind, names) for kind, names in
                 (("rows", m.rows), ("columns", m.columns)) if any(names)]
        return text + (": " + "; ".join(named) if named else "")

    def lines(self, width: int) -> list[str]:
        """The matrix as lines of at most ``width`` cells (a single column may exceed it only
        when one number does)."""
        m = self.matrix
        rows, columns = m.shape
        shown_rows, hidden_rows = kept(rows, MAX_ROWS)
        shown_columns, hidden_columns = kept(columns, MAX_COLUMNS)
        cells = [[number(m.entries[i][j], self.precision) for j in shown_columns]
                 for i in shown_rows]
        widths = [max(len(r[k]) for r in cells) for k in range(len(shown_columns))]
        room = width - INDENT - 4  # "⎡ " and " ⎤"
        blocks: list[list[int]] = [[]]
        used = 0
        for k, w in enumerate(widths):
            need = w + (GAP if blocks[-1] else 0)
            if blocks[-1] and used + need > room:
                blocks.append([])
                need, used = w, 0
            blocks[-1].append(k)
            used += need
        out: list[str] = []
        pad = " " * INDENT
        for block in blocks:
            if len(blocks) > 1:
                numbers = [shown_columns[k] + 1 for k in block]
                out.append(pad + ("column " if len(numbers) == 1 else "columns ")
                           + spans(numbers) + ":")
            for r, row in enumerate(cells):
                left, right = _brackets(r, len(cells))
                body = (" " * GAP).join(row[k].rjust(widths[k]) for k in block)
                out.append(f"{pad}{left} {body} {right}")
                if hidden_rows and r == HEAD - 1:
                    out.append(f"{pad}⋮ rows {hidden_rows[0]}–{hidden_rows[1]} are not shown")
        if hidden_columns:
            out.append(f"{pad}columns {hidden_columns[0]}–{hidden_columns[1]} are not shown "
                       "(--json --view matrix has every entry)")
        elif hidden_rows:
            out.append(f"{pad}(--json --view matrix has every entry)")
        return out

    def __rich_console__(self, console, options):
        yield Text(self.caption(), style="cyan")
        yield Text("\n".join(self.lines(options.max_width)), no_wrap=True, overflow="ignore")

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        widest = max(len(line) for line in self.lines(options.max_width))
        return Measurement(min(widest, options.max_width), options.max_width)


def step_view(step: Step, precision: int) -> RenderableType:
    """One equation: its formula and shapes, what it means, then its matrices."""
    parts: list[RenderableType] = [Text.assemble((step.text, "bold"), "   ",
                                                 (step.shapes, "dim"))]
    if step.note:
        parts.append(Text(step.note, style="italic"))
    jacobians = [m for m in step.matrices if m.name.startswith("J⁽")]
    hidden = jacobians[MAX_JACOBIANS:]
    for m in step.matrices:
        if m in hidden:
            if m is hidden[0]:
                samples = [j.name.rsplit("sample ", 1)[-1] for j in hidden]
                which = f"Jacobian of sample {samples[0]} is" if len(samples) == 1 else \
                    f"Jacobians of samples {samples[0]}–{samples[-1]} are"
                parts.append(Text(f"the {which} not shown (--json --view matrix has every one)",
                                  style="dim"))
            continue
        parts.append(MatrixText(m, precision))
    return Group(*parts)


def steps_view(form: MatrixForm, steps: Iterable[Step], precision: int) -> RenderableType:
    """Steps under a heading per stage, a blank line between equations."""
    parts: list[RenderableType] = []
    stage = None
    for step in steps:
        if step.stage != stage:
            stage = step.stage
            parts.append(Text(STAGES[stage], style="bold underline"))
        parts += [step_view(step, precision), Text("")]
    return Group(*parts)


def matrix_view(run: Run, record: IterationRecord, precision: int = 4,
                layout: Layout = "columns") -> RenderableType:
    """Every equation of one iteration in matrix form."""
    from .terminal import status_text

    form = matrix_form(run.scenario, run.plan, record, layout)
    m = len(record.samples)
    letters = run.scenario.symbols
    intro = Text(f"Matrix form, {_LAYOUT[layout]}: the batch of m = {m} "
                 f"sample{'s' if m > 1 else ''} is one matrix; δ is each sample's "
                 f"∂{letters.loss}/∂{letters.net}", style="dim")
    return Group(status_text(run, record, precision), intro,
                 steps_view(form, form.steps, precision))


def matrix_explain_view(run: Run, record: IterationRecord, parameter: str,
                        precision: int = 4, layout: Layout = "columns") -> RenderableType:
    """The equations one parameter's gradient needs: the forward pass, δ from the output down
    to its layer, its layer's gradient and update; and which entry is the parameter's."""
    from ..network.addresses import derivative, updated

    form = matrix_form(run.scenario, run.plan, record, layout)
    kind, layer, unit, source = run.plan.parameter_index[parameter]
    own = ("dE/dW", "W+") if kind == "weight" else ("dE/db", "b+")
    wanted = [s for s in form.steps
              if s.stage in ("forward", "loss")
              or (s.stage == "backward" and s.layer >= layer)
              or (s.result in own and s.layer == layer)]
    E = run.plan.loss_symbol
    gradient = derivative(E, parameter)
    letters = run.scenario.symbols
    W, b = letters.weight.upper() + superscript(layer), letters.bias + superscript(layer)
    where = (f"row {unit}, column {source} of {W}" if kind == "weight" else
             f"{b}, one bias shared by the units of layer {layer}"
             if run.plan.layers[layer - 1].shared else f"entry {unit} of {b}")
    values = run.values(record.iteration)
    found = Text.assemble(
        (parameter, "bold cyan"), f" is {where}: ∂{E}/∂{parameter} = "
        f"{number(values[gradient], precision)}, {parameter} after the update = "
        f"{number(values[updated(parameter)], precision)}")
    return Group(found, Text(""), steps_view(form, wanted, precision))


def matrix_run_view(run: Run, *, iterations: int = 1, precision: int = 4,
                    layout: Layout = "columns") -> RenderableType:
    """The whole run with each of the first ``iterations`` in matrix form."""
    from .terminal import header, summary

    parts: list[RenderableType] = [header(run, precision), Text("")]
    for record in run.trace.iterations:
        if record.iteration <= iterations:
            parts += [matrix_view(run, record, precision, layout), Text("")]
    if run.trace.iteration_count > 1 or run.trace.epochs_run > 1:
        parts.append(summary(run, precision))
    return Group(*parts)
