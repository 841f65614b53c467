"""A picture of the network: layers of units, their activations, and the weights on the edges."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..graph import Graph, Unit
from .console import Fit
from .numbers import number

# Beyond this many weights the header of `run` shows the network's shape, not its picture.
MAX_PICTURED_WEIGHTS = 24


def activation_label(unit: Unit) -> str:
    """How a unit's activation is written in the picture: σ, tanh, linear."""
    act = unit.activation
    return act.display or act.name


def shape_text(graph: Graph) -> str:
    """The network in one line: ``2 inputs → 2 σ → 1 linear``."""
    count = len(graph.inputs)
    parts = [f"{count} input{'s' if count != 1 else ''}"]
    parts += [f"{len(layer)} {layer[0].activation.name}" for layer in graph.layers]
    return " → ".join(parts)


def weight_count(graph: Graph) -> int:
    """How many weights the network has."""
    return sum(len(unit.weights) for layer in graph.layers for unit in layer)


def _edges(unit: Unit, parameters: dict[str, float], precision: int) -> Text:
    sources = [x.name for x in unit.inputs]
    weights = [number(parameters[w.name], precision) for w in unit.weights]
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


def _node(unit: Unit, parameters: dict[str, float], precision: int) -> Panel:
    body = Text(activation_label(unit), style="bold", justify="center")
    body.append(f"\nb {number(parameters[unit.bias.name], precision)}", style="default")
    return Panel(body, title=Text(unit.out.name, style="cyan"), box=box.ROUNDED, expand=False,
                 padding=(0, 1))


def picture(graph: Graph, parameters: dict[str, float], precision: int = 4) -> Table:
    """Layers side by side: each unit's incoming edges with their weights, then the unit."""
    grid = Table.grid(padding=(0, 1))
    titles: list[RenderableType] = []
    for index in range(1, len(graph.layers) + 1):
        grid.add_column(no_wrap=True, vertical="middle", justify="right")
        grid.add_column(no_wrap=True, vertical="middle")
        titles += [Text(""), Text(f"layer {index}", style="bold")]
    grid.add_column(no_wrap=True, vertical="middle")
    titles.append(Text(graph.loss_symbol.name, style="bold"))
    grid.add_row(*titles)
    rows = max(len(layer) for layer in graph.layers)
    for j in range(rows):
        cells: list[RenderableType] = []
        for layer in graph.layers:
            if j < len(layer):
                cells += [_edges(layer[j], parameters, precision),
                          _node(layer[j], parameters, precision)]
            else:
                cells += [Text(""), Text("")]
        outputs = graph.layers[-1]
        cells.append(Text(f"─▶ vs {graph.targets[j].name}") if j < len(outputs) else Text(""))
        grid.add_row(*cells)
    return grid


def listing(graph: Graph, parameters: dict[str, float], precision: int = 4) -> Group:
    """The same network as lines, one unit each, for terminals too narrow for the picture."""
    parts: list[RenderableType] = []
    for index, layer in enumerate(graph.layers, start=1):
        parts.append(Text(f"layer {index}: {len(layer)} {layer[0].activation.name}", style="bold"))
        for unit in layer:
            terms = " + ".join(f"{number(parameters[w.name], precision)}·{x.name}"
                               for w, x in zip(unit.weights, unit.inputs, strict=True))
            bias = number(parameters[unit.bias.name], precision)
            label = activation_label(unit)
            inner = f"{terms} + {bias}"
            parts.append(Text(f"  {unit.out.name} = {label}({inner})" if label != "linear"
                              else f"  {unit.out.name} = {inner}"))
    targets = ", ".join(t.name for t in graph.targets)
    parts.append(Text(f"loss {graph.loss_symbol.name} compares the outputs with {targets}"))
    return Group(*parts)


def network_view(graph: Graph, parameters: dict[str, float], precision: int = 4
                 ) -> RenderableType:
    """The picture where the width allows it, else the listing."""
    return Fit(picture(graph, parameters, precision), listing(graph, parameters, precision))


def scenario_table(scenario, graph: Graph, precision: int = 4) -> Table:
    """A scenario at a glance: network, parameters, loss, data and training settings."""
    s = scenario
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row("title", s.title or "(none)")
    if s.teaches:
        table.add_row("teaches", s.teaches)
    table.add_row("network", shape_text(graph))
    names = [p.name for p in graph.parameters]
    table.add_row("parameters", f"{len(names)}: " + ", ".join(names))
    table.add_row("loss", f"{s.loss}: {graph.loss.formula}")
    table.add_row("learning rate", f"η = {number(s.learning_rate, 6)}")
    plural = "s" if len(s.data) != 1 else ""
    table.add_row("data", f"{len(s.data)} sample{plural}; targets "
                  + ", ".join(t.name for t in graph.targets))
    training = f"{s.epochs} epoch{'s' if s.epochs != 1 else ''}, {s.mode} updates"
    if s.mode == "minibatch":
        training += f" of {s.batch_size}"
    if s.tolerance is not None:
        training += f", until the loss is below {number(s.tolerance, precision)}"
    table.add_row("training", training)
    if s.l2:
        table.add_row("L2", f"λ = {number(s.l2, 6)}")
    if s.frozen:
        table.add_row("frozen", ", ".join(s.frozen))
    if s.init is not None:
        table.add_row("init", f"missing parameters drawn {s.init.method} with seed {s.init.seed}")
    return table
