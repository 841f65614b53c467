"""The worked solution of a circuit as plain data: forward values, the backward pass edge by
edge (upstream × local = downstream), each gradient as the sum of what its uses send back, and
the parameters' gradient-descent update.

Addresses (network/addresses.py's spelling): a value is its name (``q``, ``f``); a local
gradient ∂q/∂x is ``dq/dx``; a gradient of the output f is ``df/dq``; what one use sends back,
∂f/∂q·∂q/∂x, is ``df/dq*dq/dx``; a parameter after its update is ``w0+``. The output's own
local gradients are known by what they send back, ``df/df*df/dq`` (``local_address``), since
``df/dq`` is q's whole gradient, which differs from ∂f/∂q when q is used more than once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache

from ..errors import InputError
from ..network.addresses import derivative, updated
from ..notation.symbols import Printed
from ..scenario.circuit_schema import Circuit

__all__ = ["MAX_PATHS", "CircuitSolution", "Edge", "Gradient", "Path", "Step", "Update",
           "contribution", "solve_circuit"]

# the most paths from one name to the output that --explain writes out one by one
MAX_PATHS = 8


def contribution(of: str, node: str, parent: str) -> str:
    """The address of what ``node`` sends back to ``parent``: ``df/dq*dq/dx``."""
    return f"{derivative(of, node)}*{derivative(node, parent)}"


@dataclass(frozen=True)
class Step:
    """A node of the forward pass: its formula with names and numbers, its value and gate."""

    node: str
    formula: Printed
    value: float
    gate: str | None
    parents: tuple[str, ...]


@dataclass(frozen=True)
class Edge:
    """One edge of the backward pass: the upstream gradient ∂f/∂node times the local gradient
    ∂node/∂parent is what the node sends back to ``parent``."""

    node: str
    parent: str
    upstream: float
    local: Printed
    local_value: float
    product: float


@dataclass(frozen=True)
class Gradient:
    """∂f/∂name: the sum of what each use of ``name`` sends back (one term for one use)."""

    name: str
    uses: tuple[tuple[str, float], ...]  # (the node that uses it, what it sends back)
    value: float


@dataclass(frozen=True)
class Update:
    """p+ = p − η·∂f/∂p."""

    parameter: str
    value: float
    gradient: float
    updated: float


@dataclass(frozen=True)
class Path:
    """One path from a name to the output: its names in order, and the local gradients along
    it from the output back (``factors`` (node, input) pairs, ``locals`` their values), whose
    product is what the path adds to the name's gradient."""

    names: tuple[str, ...]
    factors: tuple[tuple[str, str], ...]
    locals: tuple[float, ...]
    product: float


@dataclass(frozen=True)
class CircuitSolution:
    """Every number of a circuit's forward and backward pass and of its update.

    ``backward`` holds, in reverse topological order (the output first), each node's gradient
    and the edges to what it uses; ``leaves`` the gradients of the inputs and parameters;
    ``numbers`` every name's value, to fill printed formulas."""

    circuit: Circuit
    forward: tuple[Step, ...]
    backward: tuple[tuple[Gradient, tuple[Edge, ...]], ...]
    leaves: tuple[Gradient, ...]
    updates: tuple[Update, ...]
    numbers: dict[str, float]

    @property
    def output(self) -> str:
        """The output node's name."""
        return self.circuit.output

    def gradient(self, name: str) -> Gradient:
        """∂f/∂name for a node, input or parameter; KeyError for another name."""
        for g in (*(g for g, _ in self.backward), *self.leaves):
            if g.name == name:
                return g
        raise KeyError(name)

    def edges(self) -> tuple[Edge, ...]:
        """Every edge, in the order the backward pass visits them."""
        return tuple(e for _, edges in self.backward for e in edges)

    def local_address(self, edge: Edge) -> str:
        """The address of an edge's local gradient: ``dq/dx``. For an edge of the output f,
        ``df/dx`` is the gradient of x (the sum over all of x's uses), so its local gradient
        ∂f/∂x (which the upstream 1 leaves unchanged) is known by what it sends back,
        ``df/df*df/dx``."""
        if edge.node == self.output:
            return contribution(self.output, edge.node, edge.parent)
        return derivative(edge.node, edge.parent)

    def paths(self, name: str, most: int = MAX_PATHS) -> tuple[Path, ...] | None:
        """Every path from ``name`` to the output, or None when there are more than ``most``.

        The sum of the paths' products is ∂f/∂name (the multivariable chain rule); each
        product is of the float local gradients, so the sum may differ from ``gradient(name)``
        in the last digits."""
        users: dict[str, list[str]] = {}
        for step in self.forward:
            for parent in step.parents:
                users.setdefault(parent, []).append(step.node)
        local = {(e.node, e.parent): e.local_value for e in self.edges()}
        found: list[Path] = []
        stack = [(name,)]
        while stack:
            names = stack.pop()
            if names[-1] == self.output:
                factors = tuple((names[k + 1], names[k]) for k in range(len(names) - 1))[::-1]
                values = tuple(local[pair] for pair in factors)
                product = 1.0
                for value in values:
                    product *= value
                found.append(Path(names, factors, values, product))
                if len(found) > most:
                    return None
                continue
            stack.extend((*names, u) for u in reversed(users.get(names[-1], [])))
        return tuple(found)

    def at(self, node: str, values: Mapping[str, float]
           ) -> tuple[float, tuple[float, ...]] | None:
        """A node's value and its local gradients (one per parent, in the order of the step's
        ``parents``) where its parents take the given ``values`` (by name) instead of the
        key's: what a student's own earlier values give. Worked out to 30 digits as the key
        is, rounded to floats; None where they are not finite real numbers (1/v at v = 0).
        Raises KeyError for a name that is not a node, or a parent missing from ``values``."""
        text, known, parents = self._parsing[node]
        return _node_at(node, text, known, tuple(float(values[p]) for p in parents))

    @cached_property
    def _parsing(self) -> dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]:
        # each node's formula, the names above it (as it was parsed) and its parents
        names = list(self.circuit.leaves)
        out = {}
        for step in self.forward:
            out[step.node] = (self.circuit.nodes[step.node], tuple(names), step.parents)
            names.append(step.node)
        return out

    def latex(self) -> dict[str, tuple[Printed, tuple[Printed, ...]]]:
        """Each node's formula and local gradients (in the order of its parents) printed in
        LaTeX, by node name: printed on demand, for the LaTeX worksheet and key only."""
        from ..maths.circuit import parse_node
        from ..symbolic.circuit import latex_node

        known = list(self.circuit.leaves)
        out = {}
        for name, text in self.circuit.nodes.items():
            out[name] = latex_node(parse_node(name, text, known))
            known.append(name)
        return out

    def code(self) -> dict[str, tuple[tuple[tuple[str, ...], str],
                                      tuple[tuple[tuple[str, ...], str], ...]]]:
        """Each node's formula and local gradients (in the order of its parents) as NumPy
        source with the names it reads, by node name (symbolic/circuit.py's ``code_node``):
        printed on demand, for the platform exports only."""
        from ..maths.circuit import parse_node
        from ..symbolic.circuit import code_node

        known = list(self.circuit.leaves)
        out = {}
        for name, text in self.circuit.nodes.items():
            out[name] = code_node(parse_node(name, text, known))
            known.append(name)
        return out

    def values(self) -> dict[str, float]:
        """Every quantity by address (module docstring), in the order of the solution."""
        f = self.output
        out = dict(self.numbers)
        for gradient, edges in self.backward:
            out[derivative(f, gradient.name)] = gradient.value
            for e in edges:
                out[self.local_address(e)] = e.local_value
                out[contribution(f, e.node, e.parent)] = e.product
        for gradient in self.leaves:
            out[derivative(f, gradient.name)] = gradient.value
        for u in self.updates:
            out[updated(u.parameter)] = u.updated
        return out


@lru_cache(maxsize=4096)
def _node_at(name: str, text: str, known: tuple[str, ...], at: tuple[float, ...]
             ) -> tuple[float, tuple[float, ...]] | None:
    from ..maths.circuit import NotFinite, evaluate, parse_node

    node = parse_node(name, text, known)
    if not all(math.isfinite(v) for v in at):
        return None
    try:
        numbers = evaluate((node,), dict(zip(node.parents, at, strict=True)))
    except NotFinite:
        return None
    value = float(numbers.values[name])
    local = tuple(float(v) for v in numbers.local[name])
    if not all(math.isfinite(v) for v in (value, *local)):
        return None
    return value, local


def solve_circuit(circuit: Circuit, solution_type: type[CircuitSolution] = CircuitSolution
                  ) -> CircuitSolution:
    """The worked solution of a validated circuit (scenario/circuit_loader.py).

    Values and gradients are worked out to 30 digits (maths/circuit.py) and rounded to floats
    at the end; the backward pass is reverse-mode differentiation as CS231n's notes and
    micrograd's ``backward`` do it: from ∂f/∂f = 1 at the output, each node, once every use of
    it has sent its part back, sends ∂f/∂node × ∂node/∂parent to each parent, and a name used
    several times sums (never overwrites) what its uses send back. ``solution_type``: the class
    of the result (api.py's displays itself). Raises InputError when a gradient is beyond a
    double's range (every value and local gradient is within it: circuit_loader.py).
    """
    import sympy as sp

    from ..maths.circuit import DIGITS, evaluate, parse_node
    from ..symbolic.circuit import printed_node

    known = list(circuit.leaves)
    nodes = []
    for name, text in circuit.nodes.items():
        nodes.append(parse_node(name, text, known))
        known.append(name)
    numbers = evaluate(tuple(nodes), circuit.leaves)
    printed = {n.name: printed_node(n) for n in nodes}
    values = {name: float(v) for name, v in numbers.values.items()}
    forward = tuple(Step(n.name, printed[n.name].formula, values[n.name], printed[n.name].gate,
                         n.parents) for n in nodes)

    sent: dict[str, list[tuple[str, sp.Float]]] = {name: [] for name in known}
    totals: dict[str, sp.Float] = {}
    backward = []
    for node in reversed(nodes):
        uses = sent[node.name]
        total = sp.Float(1, DIGITS) if node.name == circuit.output else sp.Add(
            *(v for _, v in uses))
        totals[node.name] = total
        edges = []
        for parent, form, local in zip(node.parents, printed[node.name].local,
                                       numbers.local[node.name], strict=True):
            product = total * local
            sent[parent].append((node.name, product))
            edges.append(Edge(node.name, parent, float(total), form, float(local),
                              float(product)))
        gradient = Gradient(node.name, tuple((u, float(v)) for u, v in reversed(uses)),
                            float(total))
        backward.append((gradient, tuple(edges)))
    leaves = []
    for name in circuit.leaves:
        uses = sent[name]
        totals[name] = sp.Add(*(v for _, v in uses))
        leaves.append(Gradient(name, tuple((u, float(v)) for u, v in reversed(uses)),
                               float(totals[name])))
    for name, total in totals.items():
        if not math.isfinite(float(total)):
            raise InputError(f"the gradient ∂{circuit.output}/∂{name} is {total:.3e}, beyond "
                             "the range of a double (about 1.8e308); use smaller values",
                             field=f"nodes.{name}" if name in circuit.nodes else None)
    updates = ()
    if circuit.learning_rate is not None:
        eta = sp.Float(repr(circuit.learning_rate), DIGITS)
        updates = tuple(Update(p, values[p], float(totals[p]),
                               float(numbers.values[p] - eta * totals[p]))
                        for p in circuit.parameters)
    return solution_type(circuit, forward, tuple(backward), tuple(leaves), updates, values)
