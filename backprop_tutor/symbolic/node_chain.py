"""The chain of any node of the graph with respect to a parameter or an input.

∂N/∂v, for a node N (the loss E, or the net input z or activation a of a unit) and a variable v
(a parameter, or an input of the network), is the sum over every path from N down to v of the
product of the local factors along the path: the same factors as the loss's chains
(derivation.py), from N instead of E. Where there are more than ``EXPAND_LIMIT`` paths it is
written through the errors of N itself, ∂N/∂z_j of each unit j, recursively as the
backpropagated error δ is for E:

    ∂N/∂a_j = Σ_k ∂z_k/∂a_j·∂N/∂z_k,   ∂N/∂z_j = ∂N/∂a_j·∂a_j/∂z_j   (softmax: Σ_i over a_i)

(Goodfellow, Bengio and Courville, *Deep Learning*, §6.5.2, of any node of the graph). Nothing
here is numeric.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import sympy as sp

from ..network.addresses import derivative
from .derivation import EXPAND_LIMIT, Derivation, Factor
from .graph import Unit

NodeKind = Literal["loss", "net", "activation"]


@dataclass(frozen=True)
class Node:
    """A node a derivative is taken of: the loss, or a unit's z or a."""

    kind: NodeKind
    symbol: sp.Symbol
    unit: Unit | None = None  # None for the loss

    @property
    def name(self) -> str:
        """The node's name: ``E``, ``z21``, ``a31``."""
        return self.symbol.name


@dataclass(frozen=True)
class Intermediate:
    """∂N/∂a_j or ∂N/∂z_j of the δ form: its address, formula over earlier addresses, and the
    addresses it reads in the order they appear."""

    address: str
    expression: sp.Expr
    reads: tuple[str, ...]


def find_node(d: Derivation, name: str) -> Node | None:
    """The node called ``name`` (the loss's letter, a z or an a), or None."""
    graph = d.graph
    if name == graph.loss_symbol.name:
        return Node("loss", graph.loss_symbol)
    for layer in graph.layers:
        for u in layer:
            if u.net.name == name:
                return Node("net", u.net, u)
            if u.out.name == name:
                return Node("activation", u.out, u)
    return None


class NodeChain:
    """Every path of factors from a node N down to a variable v (a parameter or an input).

    ``targets`` are the units whose z reads v directly: the parameter's unit (each unit of its
    layer for a shared bias), or every unit of the first layer for an input.
    """

    def __init__(self, d: Derivation, node: Node, variable: str) -> None:
        self.d = d
        self.node = node
        graph = d.graph
        inputs = {x.name: x for x in graph.inputs}
        if variable in inputs:
            self.variable = inputs[variable]
            self.is_input = True
            self.targets: tuple[Unit, ...] = graph.layers[0]
        else:
            chain = d.chain(variable)
            self.variable = chain.parameter
            self.is_input = False
            self.targets = chain.members

    @property
    def address(self) -> str:
        """The derivative's address: ``da31/dw111``."""
        return derivative(self.node.name, self.variable.name)

    def local(self, unit: Unit) -> Factor:
        """∂z/∂v of a target unit."""
        if self.is_input:
            return self.d.input_factor(unit, self.variable)
        return self.d.parameter_factor(unit, self.variable)

    # paths -----------------------------------------------------------------------------

    def _from_net(self, upper: Unit, target: Unit) -> Iterator[tuple[Factor, ...]]:
        """Paths from z of ``upper`` down to z of ``target`` (the factors after z_upper)."""
        if upper is target:
            yield ()
            return
        if upper.layer <= target.layer:
            return
        for lower in self.d.graph.layers[upper.layer - 2]:
            step = self.d.net_factor(upper, lower)
            for rest in self._from_out(lower, target):
                yield (step, *rest)

    def _from_out(self, unit: Unit, target: Unit) -> Iterator[tuple[Factor, ...]]:
        """Paths from a of ``unit`` down to z of ``target``."""
        if unit.layer < target.layer:
            return
        if unit.activation.coupled:
            for peer in self.d.graph.layers[unit.layer - 1]:
                step = self.d.softmax_factor(unit, peer)
                for rest in self._from_net(peer, target):
                    yield (step, *rest)
            return
        step = self.d.activation_factor(unit)
        for rest in self._from_net(unit, target):
            yield (step, *rest)

    def _to_net(self, target: Unit) -> Iterator[tuple[Factor, ...]]:
        node = self.node
        if node.kind == "loss":
            yield from self.d.paths_to_net(target)
        elif node.kind == "net":
            yield from self._from_net(node.unit, target)
        else:
            yield from self._from_out(node.unit, target)

    def paths(self) -> Iterator[tuple[Factor, ...]]:
        """Each path as its factors, from N down to ∂z/∂v."""
        for target in self.targets:
            local = self.local(target)
            for upper in self._to_net(target):
                yield (*upper, local)

    def _count_net(self, upper: Unit, target: Unit) -> int:
        if upper is target:
            return 1
        if upper.layer <= target.layer:
            return 0
        return sum(self._count_out(lower, target)
                   for lower in self.d.graph.layers[upper.layer - 2])

    def _count_out(self, unit: Unit, target: Unit) -> int:
        if unit.layer < target.layer:
            return 0
        if unit.activation.coupled:
            return sum(self._count_net(peer, target)
                       for peer in self.d.graph.layers[unit.layer - 1])
        return self._count_net(unit, target)

    @property
    def path_count(self) -> int:
        """How many paths lead from N to v (0: N does not depend on v)."""
        node = self.node
        total = 0
        for target in self.targets:
            if node.kind == "loss":
                total += self.d.path_count(target)
            elif node.kind == "net":
                total += self._count_net(node.unit, target)
            else:
                total += self._count_out(node.unit, target)
        return total

    @property
    def expanded(self) -> bool:
        """Whether the chain is short enough to show as a sum over its paths."""
        return self.path_count <= EXPAND_LIMIT

    def independence(self) -> str:
        """Why N does not depend on v (only when ``path_count`` is 0)."""
        node, v = self.node, self.variable.name
        target = self.targets[0]
        unit = node.unit
        assert unit is not None  # the loss depends on every parameter and input
        if unit.layer < target.layer:
            return (f"{node.name} is computed in layer {unit.layer}, before {v} is used in "
                    f"layer {target.layer}: no path leads from {node.name} down to {v}")
        reads = ", ".join(t.net.name for t in self.targets)
        if node.kind == "activation":
            source = unit.net.name
        elif unit.layer == 1:
            source = "the inputs"
        else:
            source = f"the activations of layer {unit.layer - 1}"
        return (f"{v} enters only {reads}, and {node.name} is computed from {source}, not "
                f"from {reads}: no path leads from {node.name} down to {v}")

    # the δ form -----------------------------------------------------------------------

    def compact(self) -> tuple[list[Intermediate], sp.Expr, tuple[str, ...]]:
        """(the errors of N it needs, top down; ∂N/∂v as Σ_j ∂N/∂z_j·∂z_j/∂v; the addresses
        that formula reads, in order). For the loss the errors are δ, already in the worked
        solution; for a z or an a each is a new intermediate."""
        d, node = self.d, self.node
        if node.kind == "loss":
            terms = [(d.delta_factor(t).address, self.local(t).address) for t in self.targets]
            return [], _sum_of_products(terms), tuple(a for pair in terms for a in pair)
        unit = node.unit
        assert unit is not None
        n = node.name
        layers = d.graph.layers
        # ∂N/∂z_j of each unit j of the current layer that N depends on: an address, or None
        # for ∂z/∂z = 1 (N is that z)
        errors: dict[int, str | None]
        if node.kind == "net":
            errors = {unit.index: None}
        elif unit.activation.coupled:
            errors = {peer.index: d.softmax_factor(unit, peer).address
                      for peer in layers[unit.layer - 1]}
        else:
            errors = {unit.index: d.activation_factor(unit).address}
        out: list[Intermediate] = []
        target_layer = self.targets[0].layer
        for depth in range(unit.layer - 1, target_layer - 1, -1):
            upper = layers[depth]
            by_out: dict[int, str] = {}
            for lower in layers[depth - 1]:
                terms = [(d.net_factor(upper[k - 1], lower).address, error)
                         for k, error in errors.items()]
                by_out[lower.index] = self._intermediate(out, derivative(n, lower.out.name),
                                                         terms)
            errors = {}
            for lower in layers[depth - 1]:
                steps = [(by_out[source.index], factor.address)
                         for source, factor in d.activation_step(lower)]
                errors[lower.index] = self._intermediate(out, derivative(n, lower.net.name),
                                                         steps)
        terms = [(errors[t.index], self.local(t).address) for t in self.targets]
        reads = tuple(a for pair in terms for a in pair if a is not None)
        return out, _sum_of_products(terms), reads

    @staticmethod
    def _intermediate(out: list[Intermediate], address: str,
                      terms: list[tuple[str, str | None]]) -> str:
        """The address of Σ left·right (right None: 1): an existing address when it is one
        factor alone, else a new intermediate appended to ``out``."""
        if len(terms) == 1 and terms[0][1] is None:
            return terms[0][0]
        reads = tuple(a for pair in terms for a in pair if a is not None)
        out.append(Intermediate(address, _sum_of_products(terms), reads))
        return address


def _sum_of_products(terms: list[tuple[str | None, str | None]]) -> sp.Expr:
    products = []
    for pair in terms:
        symbols = [sp.Symbol(a) for a in pair if a is not None]
        products.append(sp.Mul(*symbols, evaluate=False) if len(symbols) > 1 else symbols[0])
    return sp.Add(*products, evaluate=False) if len(products) > 1 else products[0]
