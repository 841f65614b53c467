"""Rich tables of a run: header, forward pass, loss, factors, gradients, updates, epochs.

Every table fits the width it is printed at: long formulas wrap between their factors, batches
show as many sample columns as fit, and where even that is too wide a section is written as
lines (``z1 = w1·x1 + b1 = 0.15 × 0.1 + 0.4 = 0.415``) instead of a table. Nothing is cut.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..notation.numbers import number
from ..notation.symbols import filled_numbers, symbol_text
from ..scenario.optimizer import description
from ..solution.lines import SECTIONS, Line
from ..solution.run import Run
from ..training.trace import IterationRecord
from .console import Fit, needs_width
from .curve import MIN_CURVE_EPOCHS, loss_curve
from .formulas import formula_text
from .network import MAX_PICTURED_WEIGHTS, network_view, shape_text

MAX_SAMPLE_COLUMNS = 6
MAX_EPOCH_ROWS = 20
MIN_CELL_WIDTH = 16  # narrower than this, a table gives way to lines
MIN_FORMULA_WIDTH = 24  # a batch table drops sample columns before squeezing formulas more
SKIPPED = "⋮"  # rows left out of a long table (never "…", which would mean a cut cell)


def header(run: Run, precision: int = 4) -> RenderableType:
    """What is being trained: network (pictured when small), loss, learning rate, data."""
    s = run.scenario
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row("network", shape_text(run.plan))
    table.add_row("loss", f"{s.loss}: {run.plan.loss_formula}")
    table.add_row("learning rate", f"η = {number(s.learning_rate, 6)}")
    optimizer = description(s)
    if optimizer is not None:
        table.add_row("optimizer", optimizer)
    detail = f"{len(s.data)} sample{'s' if len(s.data) > 1 else ''}, {s.mode} updates"
    if s.reduction == "sum":
        detail += ", each batch's loss and gradients summed over its samples"
    if s.shuffle:
        detail += f", samples reshuffled every epoch (shuffle_seed {s.shuffle_seed})"
    table.add_row("data", detail)
    if run.rounding_note is not None:
        table.add_row("rounding", run.rounding_note)
    parts: list[RenderableType] = [Text(s.title or "Scenario", style="bold")]
    if s.teaches:
        parts.append(Text(f"teaches: {s.teaches}", style="italic"))
    parts.append(table)
    if run.plan.weight_count <= MAX_PICTURED_WEIGHTS:
        parts.append(network_view(run.plan, run.initial_parameters, precision))
    if s.init is not None:
        parts.append(drawn_values(run))
    return Group(*parts)


def drawn_values(run: Run) -> RenderableType:
    """The initial values ``init:`` drew, in full, so that a student can copy them."""
    from ..training.initial import drawn_names

    init = run.scenario.init
    drawn = drawn_names(run.scenario, run.plan.names)
    how = (f"uniform in [{number(init.low, 6)}, {number(init.high, 6)}]"
           if init.method == "uniform" else init.method)
    table = _new_table("Drawn initial values")
    table.add_column("parameter", style="cyan", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    for name in drawn:
        table.add_row(name, number(run.initial_parameters[name], 12))
    return Group(table, Text(f"init: seed {init.seed}, {how}, rounded to 4 decimals",
                             style="dim"))


def _formula(line: Line, *, batch: bool = False) -> str:
    # a batch's loss and gradients are its samples' mean (or sum): the formula says which
    return formula_text(line, mean=batch and line.section in ("gradients", "loss"))


def _numbers(line: Line, precision: int) -> str:
    text = filled_numbers(line.printed, line.substitutions[0], precision)
    if line.l2_term:
        sign = " − " if line.l2_term < 0 else " + "
        text += sign + number(abs(line.l2_term), precision)
    return text


def _value(line: Line, precision: int) -> str:
    return number(line.result, precision) + (" (frozen)" if line.frozen else "")


def _new_table(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                 show_edge=False, pad_edge=False)


def _single_table(title: str, lines: list[Line], precision: int) -> Table:
    table = _new_table(title)
    table.add_column("quantity", no_wrap=True, style="cyan")
    table.add_column("formula", overflow="fold")
    table.add_column("numbers", overflow="fold")
    needs_width(table, 1, MIN_CELL_WIDTH)
    needs_width(table, 2, MIN_CELL_WIDTH)
    table.add_column("value", justify="right", no_wrap=True, style="bold")
    for line in lines:
        table.add_row(symbol_text(line.address), _formula(line), _numbers(line, precision),
                      _value(line, precision))
    return table


def _batch_table(title: str, lines: list[Line], record: IterationRecord, precision: int,
                 shown: int) -> Table:
    samples = record.samples
    table = _new_table(title)
    table.add_column("quantity", no_wrap=True, style="cyan")
    table.add_column("formula", overflow="fold")
    needs_width(table, 1, MIN_FORMULA_WIDTH)
    for s in samples[:shown]:
        table.add_column(f"sample {s}", justify="right", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True, style="bold")
    for line in lines:
        formula = _formula(line, batch=True)
        cells = [number(v, precision) for v in line.values[:shown]]
        # a per-sample quantity's value is in its sample columns; the loss's mean is the value
        value = "" if line.per_sample and line.section != "loss" else _value(line, precision)
        table.add_row(symbol_text(line.address), formula, *cells, value)
    if shown < len(samples):
        rest = samples[shown:]
        hidden = f"sample {rest[0]} is" if len(rest) == 1 else \
            f"samples {rest[0]}–{rest[-1]} are"
        table.caption = f"{hidden} not shown at this width (--json has every number)"
        table.caption_justify = "left"
    return table


def _section_lines(title: str, lines: list[Line], record: IterationRecord,
                   precision: int) -> Group:
    single = len(record.samples) == 1
    parts: list[RenderableType] = [Text(title, style="bold")]
    for line in lines:
        text = Text(symbol_text(line.address), style="cyan")
        steps = [_formula(line, batch=not single)]
        if single or line.section == "updates":
            steps.append(_numbers(line, precision))
        value = _value(line, precision) if single or not line.per_sample \
            or line.section == "loss" else None
        previous = None
        for step in steps:  # a step equal to the value or to the step before says nothing
            if step != value and step != previous:
                text.append(f" = {step}")
            previous = step
        if value is not None:
            text.append(" = ")
            text.append(value, style="bold")
        parts.append(text)
        if not single and line.section != "updates":
            cells = [f"sample {s}: {number(v, precision)}"
                     for s, v in zip(record.samples, line.values, strict=True)]
            parts.append(Padding(Columns(cells, padding=(0, 3)), (0, 0, 0, 4)))
    return Group(*parts)


def section_table(title: str, lines: Iterable[Line], record: IterationRecord,
                  precision: int) -> RenderableType:
    """One section of the worked solution: symbol, formula, numbers substituted, value."""
    lines = list(lines)
    # an update is one number for the whole batch: no sample columns
    if len(record.samples) == 1 or all(line.section == "updates" for line in lines):
        candidates: list[RenderableType] = [_single_table(title, lines, precision)]
    else:
        most = min(MAX_SAMPLE_COLUMNS, len(record.samples))
        candidates = [_batch_table(title, lines, record, precision, k)
                      for k in range(most, 0, -1)]
    return Fit(*candidates, _section_lines(title, lines, record, precision))


def status_text(run: Run, record: IterationRecord, precision: int = 4) -> Text:
    """Where the learner is: iteration k of N, its epoch and samples, the loss now."""
    samples = ", ".join(str(s) for s in record.samples)
    if run.scenario.shuffle:
        samples += ", in this epoch's shuffled order"
    plural = "s" if len(record.samples) > 1 else ""
    return Text(f"Iteration {record.iteration} of {run.trace.iteration_count} "
                f"(epoch {record.epoch}; sample{plural} {samples}) · "
                f"loss {number(record.loss, precision)}", style="bold reverse")


def iteration_view(run: Run, record: IterationRecord, precision: int) -> RenderableType:
    """Every step of one iteration."""
    lines = run.lines(record)
    parts: list[RenderableType] = [status_text(run, record, precision)]
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
    """The loss of every epoch (as a table, and as a curve for long runs), for runs of several
    epochs the size of every layer's δ and weight gradients, and the final parameters."""
    trace = run.trace
    epochs = _new_table("")
    epochs.add_column("epoch", justify="right", no_wrap=True)
    epochs.add_column("loss", justify="right", no_wrap=True)
    # stochastic and minibatch: the mean of the losses the epoch's updates saw, as courses print
    running = run.scenario.mode != "batch" and bool(trace.running)
    if running:
        epochs.add_column("mean loss of its updates", justify="right", no_wrap=True)
    for row in _epoch_rows(trace.history):
        if row is None:
            epochs.add_row(*[SKIPPED] * (3 if running else 2))
            continue
        cells = [str(row[0]), number(row[1], precision)]
        if running:
            n = row[0] - 1
            cells.append(number(trace.running[n], precision) if n < len(trace.running) else "")
        epochs.add_row(*cells)
    reasons = {
        "epochs": f"stopped after {trace.epochs_run} epoch(s), as "
                  + ("the scenario asks" if trace.epochs_run == run.scenario.epochs
                     else "--epochs asks"),
        "tolerance": f"stopped after {trace.epochs_run} epoch(s): the loss fell below the "
                     f"tolerance {number(run.scenario.tolerance or 0, precision)}",
        "diverged": f"stopped after {trace.epochs_run} epoch(s): the loss or a parameter became "
                    "infinite or NaN (the note on stderr says which, and why)",
    }
    params = _new_table("Final parameters")
    params.add_column("parameter", style="cyan", no_wrap=True)
    params.add_column("initial", justify="right", no_wrap=True)
    params.add_column("final", justify="right", style="bold", no_wrap=True)
    for name, value in run.final_parameters.items():
        params.add_row(name, number(run.initial_parameters[name], precision),
                       number(value, precision))
    final = Text(f"final loss {number(trace.final_loss, precision)}; "
                 f"{reasons.get(trace.stop_reason, trace.stop_reason)}")
    parts: list[RenderableType] = [
        Text("Training: loss over all samples before each epoch", style="bold"), epochs]
    if len(trace.history) >= MIN_CURVE_EPOCHS:
        parts += [Text(""), loss_curve(trace.history, precision)]
    parts.append(final)
    if trace.epochs_run > 1 and len(run.plan.layers) > 1:  # epochs to watch, layers to compare
        from ..solution.magnitudes import layer_series  # only runs of several epochs need them
        from .magnitudes import magnitude_chart

        parts += [Text(""), magnitude_chart(layer_series(run), precision)]
    return Group(*parts, Text(""), params)


def run_view(run: Run, *, iterations: int = 1, precision: int = 4) -> RenderableType:
    """The whole run as the terminal shows it."""
    parts: list[RenderableType] = [header(run, precision), Text("")]
    for record in run.trace.iterations:
        if record.iteration <= iterations:
            parts += [iteration_view(run, record, precision), Text("")]
    if run.trace.iteration_count > 1 or run.trace.epochs_run > 1:
        parts.append(summary(run, precision))
    return Group(*parts)
