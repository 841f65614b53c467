"""A circuit in the terminal: forward pass, local gradients with their gate patterns, the
backward pass edge by edge (upstream × local = downstream), the sums where a value is used
more than once, and the parameters' update; ``--explain`` keeps the chain of one name."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..network.addresses import derivative
from ..notation.numbers import number, signed_sum
from ..notation.symbols import filled_numbers, symbol_text
from ..solution.circuit import MAX_PATHS, CircuitSolution, Edge, Gradient

# What each gate does to the gradient that reaches it (CS231n, "Patterns in backward flow").
GATE_NAMES = {
    "add": "add gate", "add_constant": "add a constant", "multiply": "multiply gate",
    "scale": "multiply by a constant", "max": "max gate", "min": "min gate",
    "exp": "exp gate", "reciprocal": "1/x gate", "sigmoid": "sigmoid gate",
    "tanh": "tanh gate",
}
GATE_PATTERNS = {
    "add": "an add gate passes its upstream gradient to each input unchanged",
    "add_constant": "adding a constant passes the upstream gradient on unchanged",
    "multiply": "a multiply gate sends each input the other input's value × the upstream "
                "gradient",
    "scale": "multiplying by a constant c sends back c × the upstream gradient",
    "max": "a max gate routes the upstream gradient to the larger input and 0 to the other "
           "(½ each at a tie)",
    "min": "a min gate routes the upstream gradient to the smaller input and 0 to the other "
           "(½ each at a tie)",
    "exp": "an exp gate's local gradient is its own output: ∂(e^x)/∂x = e^x",
    "reciprocal": "a 1/x gate's local gradient is −1/x², minus its output squared",
    "sigmoid": "a sigmoid gate's local gradient is σ(x)(1 − σ(x)), from its own output",
    "tanh": "a tanh gate's local gradient is 1 − tanh²(x), from its own output",
}
FAN_OUT = ("a value used by several nodes gets the sum of what each use sends back: adding "
           "them up (not keeping the last one) is the classic slip of hand calculations and "
           "of a first autograd's backward()")


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                 show_edge=False, pad_edge=False)


def _d(of: str, wrt: str) -> str:
    return symbol_text(derivative(of, wrt))


def header(solution: CircuitSolution, precision: int = 4) -> RenderableType:
    """Title, lesson and what the circuit starts from."""
    c = solution.circuit
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()

    def listing(values: dict[str, float]) -> str:
        return ", ".join(f"{k} = {number(v, precision)}" for k, v in values.items())

    if c.inputs:
        grid.add_row("inputs", listing(c.inputs))
    if c.parameters:
        grid.add_row("parameters", listing(c.parameters))
    grid.add_row("circuit", f"{len(c.nodes)} node{'s' if len(c.nodes) > 1 else ''}, "
                            f"output {c.output}")
    if c.learning_rate is not None:
        grid.add_row("learning rate", f"η = {number(c.learning_rate, 6)}")
    parts: list[RenderableType] = [Text(c.title or "Circuit", style="bold")]
    if c.teaches:
        parts.append(Text(f"teaches: {c.teaches}", style="italic"))
    parts.append(grid)
    return Group(*parts)


def forward_table(solution: CircuitSolution, precision: int = 4) -> Table:
    """Each node: its formula, the numbers put in, its value and gate."""
    table = _table("Forward pass")
    table.add_column("node", style="cyan", no_wrap=True)
    table.add_column("formula", overflow="fold")
    table.add_column("numbers", overflow="fold")
    table.add_column("value", justify="right", style="bold", no_wrap=True)
    table.add_column("gate", style="dim")
    for step in solution.forward:
        table.add_row(step.node, step.formula.text,
                      filled_numbers(step.formula, solution.numbers, precision),
                      number(step.value, precision), GATE_NAMES.get(step.gate or "", ""))
    return table


def local_table(solution: CircuitSolution, edges: tuple[Edge, ...], precision: int = 4
                ) -> Table:
    """Each edge's local gradient ∂node/∂parent: sympy's formula and its value."""
    table = _table("Local gradients")
    table.add_column("local", style="cyan", no_wrap=True)
    table.add_column("formula", overflow="fold")
    table.add_column("numbers", overflow="fold")
    table.add_column("value", justify="right", style="bold", no_wrap=True)
    for e in sorted(edges, key=lambda e: _order(solution)[e.node]):
        table.add_row(_d(e.node, e.parent), e.local.text,
                      filled_numbers(e.local, solution.numbers, precision),
                      number(e.local_value, precision))
    return table


def _order(solution: CircuitSolution) -> dict[str, int]:
    return {step.node: n for n, step in enumerate(solution.forward)}


def _uses(solution: CircuitSolution) -> dict[str, int]:
    count: dict[str, int] = {}
    for step in solution.forward:
        for p in step.parents:
            count[p] = count.get(p, 0) + 1
    return count


def _sum_row(table: Table, solution: CircuitSolution, gradient: Gradient,
             precision: int) -> None:
    f = solution.output
    terms = " + ".join(f"{_d(f, u)}·{_d(u, gradient.name)}" for u, _ in gradient.uses)
    table.add_row(_d(f, gradient.name), terms,
                  signed_sum([v for _, v in gradient.uses], precision),
                  number(gradient.value, precision),
                  f"sum of its {len(gradient.uses)} uses")


def backward_table(solution: CircuitSolution, only: set[str] | None = None,
                   precision: int = 4) -> Table:
    """The backward pass in reverse topological order: ∂f/∂f = 1 at the output, then each
    edge's upstream × local = downstream, and a sum row for each name used more than once.
    ``only``: the names whose rows are kept (``--explain``)."""
    f = solution.output
    uses = _uses(solution)
    table = _table("Backward pass (reverse topological order; upstream × local = downstream)")
    table.add_column("gradient", style="cyan", no_wrap=True)
    table.add_column("upstream × local", overflow="fold")
    table.add_column("numbers", overflow="fold")
    table.add_column("value", justify="right", style="bold", no_wrap=True)
    table.add_column("note", style="dim", overflow="fold")
    gates = {step.node: step.gate for step in solution.forward}
    for gradient, edges in solution.backward:
        if only is not None and gradient.name not in only:
            continue
        if gradient.name == f:
            table.add_row(_d(f, f), "start at the output", "", "1", "")
        elif uses.get(gradient.name, 0) > 1:
            _sum_row(table, solution, gradient, precision)
        for e in edges:
            if only is not None and e.parent not in only:
                continue
            several = uses[e.parent] > 1
            name = (f"{_d(f, e.node)}·{_d(e.node, e.parent)}" if several
                    else _d(f, e.parent))
            table.add_row(name, f"{_d(f, e.node)} × {_d(e.node, e.parent)}",
                          f"{number(e.upstream, precision)} × "
                          f"{_signed(e.local_value, precision)}",
                          number(e.product, precision),
                          _edge_note(gates[e.node], e, solution, precision)
                          + ("; one of its uses" if several else ""))
    for gradient in solution.leaves:
        if (only is None or gradient.name in only) and uses.get(gradient.name, 0) > 1:
            _sum_row(table, solution, gradient, precision)
    return table


def _signed(value: float, precision: int) -> str:
    text = number(value, precision)
    return f"({text})" if text.startswith("−") else text


def _edge_note(gate: str | None, e: Edge, solution: CircuitSolution, precision: int) -> str:
    step = next(s for s in solution.forward if s.node == e.node)
    if gate in ("add", "add_constant"):
        return "passed on unchanged"
    if gate == "multiply":
        other = next(p for p in step.parents if p != e.parent)
        return f"the other input {other} = {number(solution.numbers[other], precision)} × upstream"
    if gate in ("max", "min"):
        return ("routed here" if e.local_value == 1 else "not routed here"
                if e.local_value == 0 else "split at a tie")
    return GATE_NAMES.get(gate or "", "")


def gradients_table(solution: CircuitSolution, precision: int = 4) -> Table:
    """∂f/∂ each input and parameter."""
    table = _table(f"Gradients of {solution.output}")
    table.add_column("gradient", style="cyan", no_wrap=True)
    table.add_column("value", justify="right", style="bold", no_wrap=True)
    for gradient in solution.leaves:
        table.add_row(_d(solution.output, gradient.name), number(gradient.value, precision))
    return table


def update_table(solution: CircuitSolution, precision: int = 4) -> Table:
    """Gradient descent on the parameters: p+ = p − η·∂f/∂p."""
    f = solution.output
    eta = solution.circuit.learning_rate
    table = _table(f"Update (gradient descent on {f}, η = {number(eta or 0, 6)})")
    table.add_column("parameter", style="cyan", no_wrap=True)
    table.add_column("formula", overflow="fold")
    table.add_column("numbers", overflow="fold")
    table.add_column("value", justify="right", style="bold", no_wrap=True)
    for u in solution.updates:
        table.add_row(f"{u.parameter}+", f"{u.parameter} − η·{_d(f, u.parameter)}",
                      f"{number(u.value, precision)} − {number(eta or 0, 6)} × "
                      f"{_signed(u.gradient, precision)}", number(u.updated, precision))
    return table


def _notes(solution: CircuitSolution, gates: list[str | None], fan_out: bool) -> Text:
    text = Text()
    seen = []
    for gate in gates:
        if gate and gate not in seen:
            seen.append(gate)
    for gate in seen:
        nodes = ", ".join(s.node for s in solution.forward if s.gate == gate)
        text.append(f"• {nodes}: {GATE_PATTERNS[gate]}\n")
    if fan_out:
        text.append(f"• {FAN_OUT}\n")
    text.rstrip()
    return text


def circuit_view(solution: CircuitSolution, precision: int = 4) -> RenderableType:
    """The whole worked solution of a circuit."""
    fan_out = any(n > 1 for n in _uses(solution).values())
    parts: list[RenderableType] = [
        header(solution, precision), Text(),
        forward_table(solution, precision), Text(),
        local_table(solution, solution.edges(), precision), Text(),
        backward_table(solution, precision=precision), Text(),
        gradients_table(solution, precision)]
    if solution.updates:
        parts += [Text(), update_table(solution, precision)]
    notes = _notes(solution, [s.gate for s in solution.forward], fan_out)
    if notes.plain:
        parts += [Text(), Text("Patterns", style="bold"), notes]
    return Group(*parts)


def on_the_way(solution: CircuitSolution, name: str) -> set[str]:
    """``name`` and every node on a path from it to the output."""
    below = {name}
    for step in solution.forward:
        if below & set(step.parents):
            below.add(step.node)
    return below


def explain_view(solution: CircuitSolution, name: str, precision: int = 4) -> RenderableType:
    """The chain of one input, parameter or node: every path from it to the output as a
    product of local gradients, their sum, and the backward rows it takes."""
    f = solution.output
    gradient = solution.gradient(name)
    parts: list[RenderableType] = [Text(f"{_d(f, name)}: the chain from {name} to {f}",
                                        style="bold")]
    found = solution.paths(name) if name != f else None
    if found and name != f:
        lines = Text()
        terms = []
        several = _uses(solution).get(name, 0) > 1
        for path in found:
            symbols = "·".join(_d(a, b) for a, b in path.factors)
            if several and len(path.factors) == 1:  # the output's local gradient, one use
                symbols = f"{_d(f, f)}·{symbols}"  # of several: not the whole ∂f/∂x
            numbers = " × ".join(number(v, precision) if k == 0 else _signed(v, precision)
                                 for k, v in enumerate(path.locals))
            lines.append(f"path {' → '.join(path.names)}: {symbols} = {numbers} = "
                         f"{number(path.product, precision)}\n")
            terms.append(symbols)
        if len(found) > 1:
            lines.append(f"{_d(f, name)} = " + " + ".join(terms)
                         + f" = {number(gradient.value, precision)} (the sum over its paths)")
        else:
            lines.append(f"{_d(f, name)} = {number(gradient.value, precision)}")
        parts.append(lines)
    elif name != f:
        parts.append(Text(f"{name} reaches {f} by more than {MAX_PATHS} paths; the rows below "
                          "add them up one node at a time"))
    parts += [Text(), backward_table(solution, on_the_way(solution, name), precision)]
    update = next((u for u in solution.updates if u.parameter == name), None)
    if update is not None:
        eta = solution.circuit.learning_rate or 0
        parts.append(Text(f"{name}+ = {name} − η·{_d(f, name)} = {number(update.value, precision)}"
                          f" − {number(eta, 6)} × {_signed(update.gradient, precision)} = "
                          f"{number(update.updated, precision)}"))
    return Group(*parts)
