"""The full derivative chain of one parameter: ∂-notation, each factor, the product, the update;
and of any node by a parameter or an input (``--of``), each factor, the sum over its paths."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..notation.numbers import number, signed_sum
from ..notation.symbols import filled_numbers, symbol_text
from ..solution.lines import Line
from ..solution.run import Run
from ..training.trace import IterationRecord
from .console import Fit, needs_width

MAX_SAMPLE_COLUMNS = 6
MIN_CELL_WIDTH = 16  # narrower than this, the table of factors gives way to lines


def _factors(factors: list[Line], record: IterationRecord, precision: int
             ) -> list[RenderableType]:
    """The factors of a chain as a table (as many sample columns as fit, else lines), then
    each of their notes once."""
    most = 1 if len(record.samples) == 1 else min(MAX_SAMPLE_COLUMNS, len(record.samples))
    out: list[RenderableType] = [
        Fit(*(_factor_table(factors, record, precision, k) for k in range(most, 0, -1)),
            _factor_lines(factors, record, precision))]
    out += [Text(note, style="italic")
            for note in dict.fromkeys(line.note for line in factors if line.note)]
    return out


def _factor_table(factors: list[Line], record: IterationRecord, precision: int,
                  shown: int) -> Table:
    single = len(record.samples) == 1
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("factor", style="cyan", no_wrap=True)
    table.add_column("derivative", overflow="fold")
    needs_width(table, 1, MIN_CELL_WIDTH)
    if single:
        table.add_column("numbers", overflow="fold")
        needs_width(table, 2, MIN_CELL_WIDTH)
        table.add_column("value", justify="right", style="bold", no_wrap=True)
    else:
        for s in record.samples[:shown]:
            table.add_column(f"sample {s}", justify="right", no_wrap=True)
    for line in factors:
        row = [symbol_text(line.address), line.printed.text]
        if single:
            row += [filled_numbers(line.printed, line.substitutions[0], precision),
                    number(line.result, precision)]
        else:
            row += [number(v, precision) for v in line.values[:shown]]
        table.add_row(*row)
    if shown < len(record.samples):
        rest = record.samples[shown:]
        hidden = f"sample {rest[0]} is" if len(rest) == 1 else \
            f"samples {rest[0]}–{rest[-1]} are"
        table.caption = f"{hidden} not shown at this width"
        table.caption_justify = "left"
    return table


def _factor_lines(factors: list[Line], record: IterationRecord, precision: int) -> Group:
    parts = []
    for line in factors:
        text = Text(symbol_text(line.address), style="cyan")
        text.append(f" = {line.printed.text}")
        if len(record.samples) == 1:
            text.append(f" = {filled_numbers(line.printed, line.substitutions[0], precision)}"
                        f" = {number(line.result, precision)}")
        else:
            pairs = zip(record.samples, line.values, strict=True)
            text.append("   " + "   ".join(f"sample {s}: {number(v, precision)}"
                                           for s, v in pairs))
        parts.append(text)
    return Group(*parts)


def explain_view(run: Run, record: IterationRecord, parameter: str,
                 precision: int = 4) -> RenderableType:
    """Why ∂E/∂p has the value it has, step by step."""
    lines = run.lines(record, only=parameter)
    gradient = next(line for line in lines if line.section == "gradients")
    update = next(line for line in lines if line.section == "updates")
    factors = [line for line in lines if line.section == "factors"]
    single = len(record.samples) == 1
    grad_name = symbol_text(gradient.address)

    parts: list[RenderableType] = [
        Text(f"{grad_name}: iteration {record.iteration}", style="bold reverse"),
        Text(f"{grad_name} = {gradient.printed.text}", style="bold"),
    ]
    if run.rounding_note:
        parts.insert(1, Text(run.rounding_note, style="dim"))
    if gradient.note:
        parts.append(Text(gradient.note))
    parts.extend(_factors(factors, record, precision))
    if single:
        product = filled_numbers(gradient.printed, gradient.substitutions[0], precision)
        parts.append(Text(f"{grad_name} = {product} = {number(gradient.values[0], precision)}"))
    else:
        for s, subs, v in zip(record.samples, gradient.substitutions, gradient.values,
                                 strict=True):
            product = filled_numbers(gradient.printed, subs, precision)
            parts.append(Text(f"sample {s}: {product} = {number(v, precision)}"))
        total = f"({signed_sum(list(gradient.values), precision)})"
        if gradient.summed:  # reduction: sum
            parts.append(Text(f"{grad_name} = sum over the samples = {total}"))
        else:
            mean = f"{total} / {len(gradient.values)}"
            parts.append(Text(f"{grad_name} = mean over the samples = {mean}"))
    if gradient.l2_term:
        parts.append(Text(f"+ L2 term λ·{parameter} = {number(gradient.l2_term, precision)}"))
    parts.append(Text(f"{grad_name} = {number(gradient.result, precision)}", style="bold"))
    held = [line for line in lines if line.section == "optimizer"]
    if held:  # the optimizer's state of the parameter, which its update reads
        parts.append(Text(held[0].note, style="italic"))
    for line in held:
        nums = filled_numbers(line.printed, line.substitutions[0], precision)
        parts.append(Text(f"{symbol_text(line.address)} = {line.printed.text} = {nums} = "
                          f"{number(line.result, precision)}"))
    if update.frozen:
        parts.append(Text(f"{parameter} is frozen: it stays {number(update.result, precision)}"))
    else:
        rule = update.printed.text
        nums = filled_numbers(update.printed, update.substitutions[0], precision)
        parts.append(Text(f"update: {parameter} ← {rule} = {nums} = "
                          f"{number(update.result, precision)}", style="bold"))
    return Group(*parts)


def node_view(run: Run, record: IterationRecord, node: str, variable: str,
              precision: int = 4) -> RenderableType:
    """Why ∂N/∂V has the value it has, for any node N (the loss, a z or an a) and V a
    parameter or an input: every factor, the errors of its δ form, the sum over the paths."""
    derivative = run.node_derivative(node, variable)
    name = symbol_text(derivative.address)
    parts: list[RenderableType] = [Text(f"{name}: iteration {record.iteration}",
                                        style="bold reverse")]
    if run.rounding_note:  # the factors are the rounded trace's; this product is not in it
        parts.append(Text(f"{run.rounding_note}; {name} is not a step of the worked solution: "
                          "the product of its rounded factors, not rounded itself", style="dim"))
    if derivative.form == "zero":
        parts.append(Text(f"{name} = 0", style="bold"))
        parts.append(Text(derivative.note))
        return Group(*parts)
    lines = run.node_lines(record, node, variable)
    final, factors = lines[-1], lines[:-1]
    single = len(record.samples) == 1
    parts.append(Text(f"{name} = {final.printed.text}", style="bold"))
    if final.note:
        parts.append(Text(final.note))
    parts.extend(_factors(factors, record, precision))
    if single:
        product = filled_numbers(final.printed, final.substitutions[0], precision)
        parts.append(Text(f"{name} = {product} = {number(final.values[0], precision)}"))
        parts.append(Text(f"{name} = {number(final.values[0], precision)}", style="bold"))
    else:
        for s, subs, v in zip(record.samples, final.substitutions, final.values, strict=True):
            product = filled_numbers(final.printed, subs, precision)
            parts.append(Text(f"sample {s}: {name} = {product} = {number(v, precision)}"))
        own = f"its own {node}" if node != run.plan.loss_symbol else f"its own loss {node}"
        parts.append(Text(f"one value per sample: each sample has {own} and its own inputs; "
                          "nothing is averaged over the batch"))
    if variable in run.plan.inputs:
        parts.append(Text(f"{variable} is an input, not a parameter: nothing is updated"))
    return Group(*parts)
