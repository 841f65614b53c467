"""A picture of the network: layers of units, their activations, and the weights on the edges."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..network.plan import Plan, PlanLayer, PlanUnit
from ..notation.numbers import number
from ..scenario.optimizer import description
from ..training.hand_rounding import rounding_note, rounding_of
from .console import Fit

# Beyond this many weights the header of `run` shows the network's shape, not its picture.
MAX_PICTURED_WEIGHTS = 24


def shape_text(plan: Plan) -> str:
    """The network in one line: ``2 inputs → 2 σ → 1 linear``."""
    count = len(plan.inputs)
    parts = [f"{count} input{'s' if count != 1 else ''}"]
    parts += [f"{len(layer.units)} {layer.activation}" for layer in plan.layers]
    return " → ".join(parts)


def _edges(unit: PlanUnit, parameters: dict[str, float], precision: int) -> Text:
    sources = list(unit.inputs)
    weights = [number(parameters[w], precision) for w in unit.weights]
    source_width = max(len(s) for s in sources)
    weight_width = max(len(w) for w in weights) + 2
    lines = [f"{s.ljust(source_width)} ─{(' ' + w + ' ').center(weight_width, '─')}─▶"
             for s, w in zip(sources, weights, strict=True)]
    text = Text("\n".join(lines), no_wrap=True)
    for line_start, w in zip(_starts(lines), weights, strict=True):
        at = lines[line_start[0]].index(" " + w + " ") + 1
        text.stylize("yellow", line_start[1] + at, line_start[1] + at + len(w))
    return text


def _starts(lines: list[str]) -> list[tuple[int, int]]:
    out, offset = [], 0
    for i, line in enumerate(lines):
        out.append((i, offset))
        offset += len(line) + 1
    return out


def _node(layer: PlanLayer, unit: PlanUnit, parameters: dict[str, float],
          precision: int) -> Panel:
    body = Text(layer.label, style="bold", justify="center")
    if unit.bias is not None:
        shared = " (shared)" if layer.shared else ""
        body.append(f"\nb {number(parameters[unit.bias], precision)}{shared}", style="default")
    return Panel(body, title=Text(unit.out, style="cyan"), box=box.ROUNDED, expand=False,
                 padding=(0, 1))


def picture(plan: Plan, parameters: dict[str, float], precision: int = 4) -> Table:
    """Layers side by side: each unit's incoming edges with their weights, then the unit."""
    grid = Table.grid(padding=(0, 1))
    titles: list[RenderableType] = []
    for index in range(1, len(plan.layers) + 1):
        grid.add_column(no_wrap=True, vertical="middle", justify="right")
        grid.add_column(no_wrap=True, vertical="middle")
        titles += [Text(""), Text(f"layer {index}", style="bold")]
    grid.add_column(no_wrap=True, vertical="middle")
    titles.append(Text(plan.loss_symbol, style="bold"))
    grid.add_row(*titles)
    rows = max(len(layer.units) for layer in plan.layers)
    for j in range(rows):
        cells: list[RenderableType] = []
        for layer in plan.layers:
            if j < len(layer.units):
                cells += [_edges(layer.units[j], parameters, precision),
                          _node(layer, layer.units[j], parameters, precision)]
            else:
                cells += [Text(""), Text("")]
        outputs = plan.outputs
        cells.append(Text(f"─▶ vs {plan.targets[j]}") if j < len(outputs) else Text(""))
        grid.add_row(*cells)
    return grid


def listing(plan: Plan, parameters: dict[str, float], precision: int = 4) -> Group:
    """The same network as lines, one unit each, for terminals too narrow for the picture."""
    parts: list[RenderableType] = []
    for index, layer in enumerate(plan.layers, start=1):
        parts.append(Text(f"layer {index}: {len(layer.units)} {layer.activation}", style="bold"))
        label = layer.label
        for unit in layer.units:
            terms = " + ".join(f"{number(parameters[w], precision)}·{x}"
                               for w, x in zip(unit.weights, unit.inputs, strict=True))
            inner = terms if unit.bias is None \
                else f"{terms} + {number(parameters[unit.bias], precision)}"
            parts.append(Text(f"  {unit.out} = {label}({inner})" if label != "linear"
                              else f"  {unit.out} = {inner}"))
    targets = ", ".join(plan.targets)
    parts.append(Text(f"loss {plan.loss_symbol} compares the outputs with {targets}"))
    return Group(*parts)


def network_view(plan: Plan, parameters: dict[str, float], precision: int = 4
                 ) -> RenderableType:
    """The picture where the width allows it, else the listing."""
    return Fit(picture(plan, parameters, precision), listing(plan, parameters, precision))


def scenario_table(scenario, plan: Plan, precision: int = 4) -> Table:
    """A scenario at a glance: network, parameters, loss, data and training settings."""
    s = scenario
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row("title", s.title or "(none)")
    if s.teaches:
        table.add_row("teaches", s.teaches)
    table.add_row("network", shape_text(plan))
    names = list(plan.parameter_index)
    table.add_row("parameters", f"{len(names)}: " + ", ".join(names))
    kinds = {True: "one per unit", False: "none", "shared": "one shared by the layer's units"}
    if any(layer.bias is not True for layer in s.layers):
        table.add_row("biases", "; ".join(f"layer {n}: {kinds[layer.bias]}"
                                          for n, layer in enumerate(s.layers, 1)))
    table.add_row("loss", f"{s.loss}: {plan.loss_formula}")
    table.add_row("learning rate", f"η = {number(s.learning_rate, 6)}")
    plural = "s" if len(s.data) != 1 else ""
    table.add_row("data", f"{len(s.data)} sample{plural}; targets "
                  + ", ".join(plan.targets))
    training = f"{s.epochs} epoch{'s' if s.epochs != 1 else ''}, {s.mode} updates"
    if s.mode == "minibatch":
        training += f" of {s.batch_size}"
    several = s.mode == "batch" and len(s.data) > 1 or s.mode == "minibatch" and (
        s.batch_size or 1) > 1
    if several or s.reduction == "sum":  # a batch of several: its E and gradients are a mean
        # or a sum of its samples' terms
        training += ("; a batch's loss and gradients are the sum over its samples"
                     if s.reduction == "sum" else "; a batch's loss and gradients are the mean "
                     "over its samples")
    if s.shuffle:
        training += f", samples reshuffled every epoch (shuffle_seed {s.shuffle_seed})"
    if s.tolerance is not None:
        training += f", until the loss is below {number(s.tolerance, precision)}"
    table.add_row("training", training)
    optimizer = description(s)
    if optimizer is not None:
        table.add_row("optimizer", optimizer)
    if s.l2:
        table.add_row("L2", f"λ = {number(s.l2, 6)}")
    if s.frozen:
        table.add_row("frozen", ", ".join(s.frozen))
    if s.rounding is not None:
        rule = rounding_of(s.rounding)
        table.add_row("rounding", rounding_note(rule) if rule is not None else "")
    if s.init is not None:
        table.add_row("init", f"missing parameters drawn {s.init.method} with seed {s.init.seed}")
    return table
