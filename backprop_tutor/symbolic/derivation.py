"""Graph → chain-rule factors: every local derivative by sympy, every path from E to a parameter.

∂E/∂p is the sum, over every path from the loss down to p, of the product of the local factors
along the path. Nothing here is numeric; the engine evaluates and the renderers print.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import sympy as sp

from ..network.addresses import derivative
from .graph import Graph, Unit

Role = Literal["loss", "activation", "softmax", "net", "weight", "bias", "delta", "upstream"]

# Up to this many paths a chain is shown expanded as a sum of products; beyond it, as the
# backpropagated error δ = ∂E/∂z of the parameter's unit times ∂z/∂p.
EXPAND_LIMIT = 8


@dataclass(frozen=True)
class Factor:
    """One local derivative ∂of/∂wrt, in textbook form.

    ``role`` and ``where`` (1-based layer, unit, and input or lower unit; for softmax, layer,
    output unit i and net unit j of ∂a_i/∂z_j) say which scalar of a numeric record holds its
    value.
    """

    of: sp.Symbol
    wrt: sp.Symbol
    expression: sp.Expr
    role: Role
    where: tuple[int, ...]
    note: str = ""  # why the factor has the form it has, when that is not the textbook default

    @property
    def address(self) -> str:
        """The factor's name in the values map: ``dE/da2``."""
        return derivative(self.of.name, self.wrt.name)


@dataclass(frozen=True)
class Chain:
    """Every path of factors from the loss to one parameter.

    A parameter enters the z of one unit, except a shared bias (``bias: shared``), which enters
    the z of every unit of its layer: its paths are those through each of ``units`` in turn, so
    its gradient is Σ_j ∂E/∂z_j·∂z_j/∂b.
    """

    parameter: sp.Symbol
    unit: Unit  # the (first) unit whose z the parameter enters
    path_count: int
    derivation: Derivation
    units: tuple[Unit, ...] = ()  # every unit whose z it enters, when several (a shared bias)

    @property
    def members(self) -> tuple[Unit, ...]:
        """Every unit whose z the parameter enters."""
        return self.units or (self.unit,)

    @property
    def address(self) -> str:
        """The gradient's name in the values map: ``dE/dw2``."""
        return derivative(self.derivation.graph.loss_symbol.name, self.parameter.name)

    def paths(self) -> Iterator[tuple[Factor, ...]]:
        """Each path as its factors, from the loss down to ∂z/∂p (unit by unit)."""
        d = self.derivation
        for unit in self.members:
            local = d.parameter_factor(unit, self.parameter)
            for upper in d.paths_to_net(unit):
                yield (*upper, local)

    @property
    def expanded(self) -> bool:
        """Whether the chain is short enough to show as a sum over its paths."""
        return self.path_count <= EXPAND_LIMIT

    def compact(self) -> tuple[Factor, Factor]:
        """The chain as δ·∂z/∂p, the form of the backpropagated-error recursion (of the first
        unit; ``compact_paths`` gives one such pair per unit of a shared bias)."""
        d = self.derivation
        return d.delta_factor(self.unit), d.parameter_factor(self.unit, self.parameter)

    def compact_paths(self) -> tuple[tuple[Factor, Factor], ...]:
        """δ_j·∂z_j/∂p for every unit j the parameter enters: the terms of its gradient."""
        d = self.derivation
        return tuple((d.delta_factor(u), d.parameter_factor(u, self.parameter))
                     for u in self.members)

    def factors(self) -> tuple[Factor, ...]:
        """The distinct factors of all paths, in the order they first appear."""
        seen: dict[str, Factor] = {}
        for path in self.paths():
            for f in path:
                seen.setdefault(f.address, f)
        return tuple(seen.values())


SIMPLIFIED_NOTE = (
    "softmax with cross-entropy: the sum over the outputs Σ_i ∂E/∂a_i·∂a_i/∂z_j simplifies "
    "to a_j − T_j, because the targets of a sample sum to 1; the tool shows this one factor")

# ∂z/∂w, ∂z/∂a and ∂z/∂b are derived once, on a generic net input z = w·x + b + (other terms),
# and instantiated for each unit: the work does not grow with the width of a layer.
_W, _X, _B, _REST = sp.symbols("w x b rest", real=True)
_NET = _W * _X + _B + _REST
NET_BY_WEIGHT = sp.diff(_NET, _W)
NET_BY_INPUT = sp.diff(_NET, _X)
NET_BY_BIAS = sp.diff(_NET, _B)


def _position(items: tuple[sp.Symbol, ...], item: sp.Symbol) -> int:
    # identity first: sympy's == is slow, and a wide layer looks up every one of its weights
    for i, candidate in enumerate(items):
        if candidate is item:
            return i
    return items.index(item)


class Derivation:
    """The chain-rule factors of a graph, built on demand for what is shown."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._deltas: dict[tuple[int, int], Factor] = {}
        self._upstreams: dict[tuple[int, int], Factor] = {}

    def loss_factor(self, k: int) -> Factor:
        """∂E/∂a for output unit k (1-based)."""
        unit = self.graph.outputs[k - 1]
        expr = self.graph.loss_derivative(k - 1)
        return Factor(self.graph.loss_symbol, unit.out, expr, "loss", (unit.layer, k))

    def activation_factor(self, unit: Unit) -> Factor:
        """∂a/∂z of a unit."""
        return Factor(unit.out, unit.net, unit.activation_derivative, "activation",
                      (unit.layer, unit.index))

    def net_factor(self, upper: Unit, lower: Unit) -> Factor:
        """∂z/∂a from a unit to one of the units feeding it: the weight between them."""
        i = _position(upper.inputs, lower.out)
        expr = NET_BY_INPUT.xreplace({_W: upper.weights[i], _X: lower.out})
        return Factor(upper.net, lower.out, expr, "net", (upper.layer, upper.index, lower.index))

    def input_factor(self, unit: Unit, x: sp.Symbol) -> Factor:
        """∂z/∂x of a first-layer unit by one of the network's inputs: the weight between them
        (in no parameter's chain; the derivative of a node by an input reads it)."""
        i = _position(unit.inputs, x)
        expr = NET_BY_INPUT.xreplace({_W: unit.weights[i], _X: x})
        return Factor(unit.net, x, expr, "net", (unit.layer, unit.index, i + 1))

    def parameter_factor(self, unit: Unit, parameter: sp.Symbol) -> Factor:
        """∂z/∂p for one of the unit's own parameters: its input, or 1 for the bias."""
        if parameter == unit.bias:
            return Factor(unit.net, parameter, NET_BY_BIAS, "bias", (unit.layer, unit.index))
        i = _position(unit.weights, parameter)
        expr = NET_BY_WEIGHT.xreplace({_W: parameter, _X: unit.inputs[i]})
        return Factor(unit.net, parameter, expr, "weight", (unit.layer, unit.index, i + 1))

    def softmax_factor(self, of: Unit, wrt: Unit) -> Factor:
        """∂a_i/∂z_j between two units of one softmax layer."""
        return Factor(of.out, wrt.net, of.derivative_by(wrt), "softmax",
                      (of.layer, of.index, wrt.index))

    def simplified_output_factor(self, unit: Unit) -> Factor:
        """∂E/∂z = a − T of a softmax output under cross-entropy, one factor for the sum."""
        expr = self.graph.output_delta(unit.index - 1)
        return Factor(self.graph.loss_symbol, unit.net, expr, "delta", (unit.layer, unit.index),
                      note=SIMPLIFIED_NOTE)

    def is_simplified(self, unit: Unit) -> bool:
        """Whether ∂E/∂z of this unit is shown as the single simplified factor a − T."""
        return unit.layer == len(self.graph.layers) and self.graph.softmax_cross_entropy

    def activation_step(self, unit: Unit) -> tuple[tuple[Unit, Factor], ...]:
        """The factors from the layer's activations to ``unit``'s z: (unit of the a, factor).

        One factor ∂a/∂z for an elementwise activation; ∂a_i/∂z_j from every unit i of the layer
        for softmax, whose outputs all depend on z_j.
        """
        if unit.activation.coupled:
            layer = self.graph.layers[unit.layer - 1]
            return tuple((peer, self.softmax_factor(peer, unit)) for peer in layer)
        return ((unit, self.activation_factor(unit)),)

    def upward_paths(self, unit: Unit) -> Iterator[tuple[Factor, ...]]:
        """Every path of factors from the loss down to ∂E/∂a of ``unit`` (exclusive)."""
        layers = self.graph.layers
        if unit.layer == len(layers):
            yield (self.loss_factor(unit.index),)
            return
        for upper in layers[unit.layer]:
            step = self.net_factor(upper, unit)
            for above in self.paths_to_net(upper):
                yield (*above, step)

    def paths_to_net(self, unit: Unit) -> Iterator[tuple[Factor, ...]]:
        """Every path of factors from the loss down to ``unit``'s z (inclusive)."""
        if self.is_simplified(unit):
            yield (self.simplified_output_factor(unit),)
            return
        for source, factor in self.activation_step(unit):
            for above in self.upward_paths(source):
                yield (*above, factor)

    def path_count(self, unit: Unit) -> int:
        """How many paths lead from the loss to the z of a unit of this layer."""
        layers = self.graph.layers
        count = 1  # to the a of an output unit
        for depth in range(len(layers), unit.layer - 1, -1):
            layer = layers[depth - 1]
            if depth == len(layers) and self.is_simplified(layer[0]):
                count = 1
            elif layer[0].activation.coupled:
                count *= len(layer)
            if depth > unit.layer:
                count *= len(layer)  # through each unit of this layer to the one below
        return count

    def chain(self, parameter: str) -> Chain:
        """The chain of one parameter, by name."""
        unit = self.graph.unit_of(parameter)
        symbol = next(p for p in unit.parameters if p.name == parameter)
        if unit.shared_bias and symbol is unit.bias:
            return self._shared_chain(self.graph.layers[unit.layer - 1])
        return Chain(symbol, unit, self.path_count(unit), self)

    def _shared_chain(self, layer: tuple[Unit, ...]) -> Chain:
        first = layer[0]
        return Chain(first.bias, first, len(layer) * self.path_count(first), self, layer)

    def chains(self) -> Iterator[Chain]:
        """Every parameter's chain, output layer first, as textbooks work them: each unit's
        weights and bias, a layer's shared bias after its last unit."""
        for layer in reversed(self.graph.layers):
            for unit in layer:
                for p in unit.weights if unit.shared_bias else unit.parameters:
                    yield Chain(p, unit, self.path_count(unit), self)
            if layer[0].shared_bias:
                yield self._shared_chain(layer)

    def upstream_factor(self, unit: Unit) -> Factor:
        """∂E/∂a of a unit: the loss's derivative at the output; below it Σ_k w_k·δ_k over the
        units k of the layer above (each ∂z_k/∂a = w_k times their backpropagated error)."""
        layers = self.graph.layers
        if unit.layer == len(layers):
            return self.loss_factor(unit.index)
        key = (unit.layer, unit.index)
        if key not in self._upstreams:
            E = self.graph.loss_symbol
            expr = sp.Add(*(
                sp.Mul(self.net_factor(upper, unit).expression,
                       sp.Symbol(derivative(E.name, upper.net.name)), evaluate=False)
                for upper in layers[unit.layer]), evaluate=False)
            self._upstreams[key] = Factor(E, unit.out, expr, "upstream", key)
        return self._upstreams[key]

    def delta_factor(self, unit: Unit) -> Factor:
        """δ = ∂E/∂z of a unit: ∂E/∂a·∂a/∂z (softmax: Σ_i ∂E/∂a_i·∂a_i/∂z), each factor by its
        address; a − T for softmax outputs under cross-entropy (Goodfellow et al., §6.2.2.3)."""
        key = (unit.layer, unit.index)
        if key not in self._deltas:
            self._deltas[key] = self._delta_factor(unit)
        return self._deltas[key]

    def _delta_factor(self, unit: Unit) -> Factor:
        if self.is_simplified(unit):
            return self.simplified_output_factor(unit)
        E = self.graph.loss_symbol
        terms = [sp.Mul(sp.Symbol(derivative(E.name, source.out.name)),
                        sp.Symbol(factor.address), evaluate=False)
                 for source, factor in self.activation_step(unit)]
        expr = sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]
        return Factor(E, unit.net, expr, "delta", (unit.layer, unit.index))
