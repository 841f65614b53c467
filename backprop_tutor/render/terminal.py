"""Rich tables of a run: header, forward pass, loss, factors, gradients, updates, epochs."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..api import Run
from ..trace import IterationRecord
from ..worked import Line
from .numbers import number
from .printing import formula_text, numbers_text, symbol_text

SECTIONS = {
    "forward": "Forward pass",
    "loss": "Loss",
    "factors": "Backward pass: local derivatives (chain-rule factors)",
    "gradients": "Gradients: the product of the factors along each path",
    "updates": "Updates",
}
MAX_SAMPLE_COLUMNS = 6
MAX_EPOCH_ROWS = 20


def header(run: Run) -> RenderableType:
    """What is being trained: network, loss, learning rate, data."""
    s = run.scenario
    shape = " → ".join(
        [f"{s.input_count} input{'s' if s.input_count > 1 else ''}"]
        + [f"{len(units)} {units[0].activation.name}" for units in run.graph.layers]
    )
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("network", shape)
    table.add_row("loss", f"{s.loss}: {run.graph.loss.formula}")
    table.add_row("learning rate", f"η = {number(s.learning_rate, 6)}")
    detail = f"{len(s.data)} sample{'s' if len(s.data) > 1 else ''}, {s.mode} updates"
    table.add_row("data", detail)
    title = Text(s.title or "Scenario", style="bold")
    return Group(title, table)


def _value_columns(record: IterationRecord) -> list[str]:
    samples = record.samples
    shown = samples[:MAX_SAMPLE_COLUMNS]
    return [f"sample {s}" for s in shown] + (["…"] if len(samples) > len(shown) else [])


def section_table(title: str, lines: Iterable[Line], record: IterationRecord,
                  precision: int) -> Table:
    """One section of the worked solution: symbol, formula, numbers substituted, value."""
    lines = list(lines)
    single = len(record.samples) == 1
    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                  show_edge=False, pad_edge=False)
    table.add_column("quantity", no_wrap=True, style="cyan")
    table.add_column("formula", overflow="fold")
    if single:
        table.add_column("numbers", overflow="fold")
        table.add_column("value", justify="right", no_wrap=True, style="bold")
    else:
        for name in _value_columns(record):
            table.add_column(name, justify="right", no_wrap=True)
        table.add_column("value", justify="right", no_wrap=True, style="bold")
    for line in lines:
        name = _quantity(line)
        formula = formula_text(line.formula)
        if single:
            numbers = numbers_text(line.formula, line.substitutions[0], precision)
            value = number(line.result, precision)
            if line.l2_term:
                formula += " + λ·w"
            table.add_row(name, formula, numbers, value + (" (frozen)" if line.frozen else ""))
        else:
            cells = [number(v, precision) for v in line.values[:MAX_SAMPLE_COLUMNS]]
            if len(line.values) > MAX_SAMPLE_COLUMNS:
                cells.append("…")
            if line.per_sample:
                value = ""
            else:
                value = number(line.result, precision)
                if line.section != "updates":
                    formula = f"mean over samples of {formula}"
            if line.section == "updates":
                cells = [""] * len(cells)
                formula = formula + "  =  " + numbers_text(line.formula, line.substitutions[0],
                                                           precision)
            table.add_row(name, formula, *cells, value + (" (frozen)" if line.frozen else ""))
    return table


def _quantity(line: Line) -> str:
    if line.section == "updates":
        return symbol_text(line.address)
    return symbol_text(line.address)


def iteration_view(run: Run, record: IterationRecord, precision: int) -> RenderableType:
    """Every step of one iteration."""
    lines = run.lines(record)
    samples = ", ".join(str(s) for s in record.samples)
    title = Text(f"Iteration {record.iteration} of {run.trace.iteration_count} "
                 f"(epoch {record.epoch}; sample{'s' if len(record.samples) > 1 else ''} "
                 f"{samples})", style="bold reverse")
    parts: list[RenderableType] = [title]
    for section, heading in SECTIONS.items():
        chosen = [line for line in lines if line.section == section]
        if chosen:
            parts.append(section_table(heading, chosen, record, precision))
    return Group(*parts)


def _epoch_rows(history: tuple[float, ...]) -> list[tuple[int, float] | None]:
    rows: list[tuple[int, float] | None] = list(enumerate(history, start=1))
    if len(rows) > MAX_EPOCH_ROWS:
        rows = rows[:10] + [None] + rows[-5:]
    return rows


def summary(run: Run, precision: int) -> RenderableType:
    """The loss of every epoch and the parameters training ended with."""
    trace = run.trace
    epochs = Table(title="Training: loss over all samples before each epoch",
                   title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                   show_edge=False, pad_edge=False)
    epochs.add_column("epoch", justify="right")
    epochs.add_column("loss", justify="right")
    for row in _epoch_rows(trace.history):
        epochs.add_row(*(("…", "…") if row is None else (str(row[0]), number(row[1], precision))))
    reasons = {
        "epochs": f"stopped after {trace.epochs_run} epoch(s), as the scenario asks",
        "tolerance": f"stopped after {trace.epochs_run} epoch(s): the loss fell below the "
                     f"tolerance {number(run.scenario.tolerance or 0, precision)}",
        "diverged": f"stopped after {trace.epochs_run} epoch(s): the loss or a parameter became "
                    "infinite or NaN (is the learning rate too high?)",
    }
    params = Table(title="Final parameters", title_justify="left", title_style="bold",
                   box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    params.add_column("parameter", style="cyan")
    params.add_column("initial", justify="right")
    params.add_column("final", justify="right", style="bold")
    for name, value in run.final_parameters.items():
        params.add_row(name, number(run.initial_parameters[name], precision),
                       number(value, precision))
    final = Text(f"final loss {number(trace.final_loss, precision)}; {reasons[trace.stop_reason]}")
    return Group(epochs, final, Text(""), params)


def run_view(run: Run, *, iterations: int = 1, precision: int = 4) -> RenderableType:
    """The whole run as the terminal shows it."""
    parts: list[RenderableType] = [header(run), Text("")]
    for record in run.trace.iterations:
        if record.iteration <= iterations:
            parts += [iteration_view(run, record, precision), Text("")]
    if run.trace.iteration_count > 1 or run.trace.epochs_run > 1:
        parts.append(summary(run, precision))
    return Group(*parts)
