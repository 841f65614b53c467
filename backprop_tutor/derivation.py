"""Graph → chain-rule factors: every local derivative by sympy, every path from E to a parameter.

∂E/∂p is the sum, over every path from the loss down to p, of the product of the local factors
along the path. Nothing here is numeric; the engine evaluates and the renderers print.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import sympy as sp

from .graph import Graph, Unit

Role = Literal["loss", "activation", "net", "weight", "bias", "delta"]

# Up to this many paths a chain is shown expanded as a sum of products; beyond it, as the
# backpropagated error δ = ∂E/∂z of the parameter's unit times ∂z/∂p.
EXPAND_LIMIT = 8


@dataclass(frozen=True)
class Factor:
    """One local derivative ∂of/∂wrt, in textbook form.

    ``role`` and ``where`` (1-based layer, unit, and input or lower unit) say which scalar of a
    numeric record holds its value.
    """

    of: sp.Symbol
    wrt: sp.Symbol
    expression: sp.Expr
    role: Role
    where: tuple[int, ...]

    @property
    def address(self) -> str:
        """The factor's name in the values map: ``dE/da2``."""
        return f"d{self.of.name}/d{self.wrt.name}"


@dataclass(frozen=True)
class Chain:
    """Every path of factors from the loss to one parameter."""

    parameter: sp.Symbol
    unit: Unit
    path_count: int
    derivation: Derivation

    @property
    def address(self) -> str:
        """The gradient's name in the values map: ``dE/dw2``."""
        return f"d{self.derivation.graph.loss_symbol.name}/d{self.parameter.name}"

    def paths(self) -> Iterator[tuple[Factor, ...]]:
        """Each path as its factors, from ∂E/∂a of an output down to ∂z/∂p."""
        d = self.derivation
        local = (d.activation_factor(self.unit), d.parameter_factor(self.unit, self.parameter))
        for upper in d.upward_paths(self.unit):
            yield (*upper, *local)

    @property
    def expanded(self) -> bool:
        """Whether the chain is short enough to show as a sum over its paths."""
        return self.path_count <= EXPAND_LIMIT

    def compact(self) -> tuple[Factor, Factor]:
        """The chain as δ·∂z/∂p, the form of the backpropagated-error recursion."""
        d = self.derivation
        return d.delta_factor(self.unit), d.parameter_factor(self.unit, self.parameter)

    def factors(self) -> tuple[Factor, ...]:
        """The distinct factors of all paths, in the order they first appear."""
        seen: dict[str, Factor] = {}
        for path in self.paths():
            for f in path:
                seen.setdefault(f.address, f)
        return tuple(seen.values())


# ∂z/∂w, ∂z/∂a and ∂z/∂b are derived once, on a generic net input z = w·x + b + (other terms),
# and instantiated for each unit: the work does not grow with the width of a layer.
_W, _X, _B, _REST = sp.symbols("w x b rest", real=True)
_NET = _W * _X + _B + _REST
NET_BY_WEIGHT = sp.diff(_NET, _W)
NET_BY_INPUT = sp.diff(_NET, _X)
NET_BY_BIAS = sp.diff(_NET, _B)


class Derivation:
    """The chain-rule factors of a graph, built on demand for what is shown."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._deltas: dict[tuple[int, int], Factor] = {}

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
        i = upper.inputs.index(lower.out)
        expr = NET_BY_INPUT.xreplace({_W: upper.weights[i], _X: lower.out})
        return Factor(upper.net, lower.out, expr, "net", (upper.layer, upper.index, lower.index))

    def parameter_factor(self, unit: Unit, parameter: sp.Symbol) -> Factor:
        """∂z/∂p for one of the unit's own parameters: its input, or 1 for the bias."""
        if parameter == unit.bias:
            return Factor(unit.net, parameter, NET_BY_BIAS, "bias", (unit.layer, unit.index))
        i = unit.weights.index(parameter)
        expr = NET_BY_WEIGHT.xreplace({_W: parameter, _X: unit.inputs[i]})
        return Factor(unit.net, parameter, expr, "weight", (unit.layer, unit.index, i + 1))

    def upward_paths(self, unit: Unit) -> Iterator[tuple[Factor, ...]]:
        """Every path of factors from the loss down to ∂E/∂a of ``unit`` (exclusive)."""
        layers = self.graph.layers
        if unit.layer == len(layers):
            yield (self.loss_factor(unit.index),)
            return
        for upper in layers[unit.layer]:
            step = (self.activation_factor(upper), self.net_factor(upper, unit))
            for above in self.upward_paths(upper):
                yield (*above, *step)

    def path_count(self, unit: Unit) -> int:
        """How many paths lead from the loss to a unit of this layer."""
        return math.prod(len(layer) for layer in self.graph.layers[unit.layer:])

    def chain(self, parameter: str) -> Chain:
        """The chain of one parameter, by name."""
        unit = self.graph.unit_of(parameter)
        symbol = next(p for p in (*unit.weights, unit.bias) if p.name == parameter)
        return Chain(symbol, unit, self.path_count(unit), self)

    def chains(self) -> Iterator[Chain]:
        """Every parameter's chain, output layer first, as textbooks work them."""
        for layer in reversed(self.graph.layers):
            for unit in layer:
                for p in (*unit.weights, unit.bias):
                    yield Chain(p, unit, self.path_count(unit), self)

    def delta_factor(self, unit: Unit) -> Factor:
        """δ = ∂E/∂z of a unit: ∂E/∂a·f′(z) at the output, f′(z)·Σ_k w_k·δ_k below it."""
        key = (unit.layer, unit.index)
        if key not in self._deltas:
            self._deltas[key] = self._delta_factor(unit)
        return self._deltas[key]

    def _delta_factor(self, unit: Unit) -> Factor:
        E = self.graph.loss_symbol
        f_prime = unit.activation_derivative
        if unit.layer == len(self.graph.layers):
            upstream: sp.Expr = sp.Symbol(self.loss_factor(unit.index).address)
        else:
            upstream = sp.Add(*(
                sp.Mul(self.net_factor(upper, unit).expression,
                       sp.Symbol(f"d{E.name}/d{upper.net.name}"), evaluate=False)
                for upper in self.graph.layers[unit.layer]
            ), evaluate=False)
        expr = sp.Mul(f_prime, upstream, evaluate=False)
        return Factor(E, unit.net, expr, "delta", (unit.layer, unit.index))

    def delta_terms(self, unit: Unit) -> tuple[Factor, tuple[tuple[Factor, Unit], ...]]:
        """δ of a hidden unit as f′(z)·Σ_k (∂z_k/∂a)·δ_k: its activation factor and the terms."""
        upper_layer = self.graph.layers[unit.layer] if unit.layer < len(self.graph.layers) else ()
        terms = tuple((self.net_factor(upper, unit), upper) for upper in upper_layer)
        return self.activation_factor(unit), terms
