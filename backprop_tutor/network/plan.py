"""The network as plain data: every scalar's name and each layer's compiled kernels.

This is what the engine, the values map and the JSON document need from the symbolic side,
without sympy: the names come from the scenario (scenario/names.py), the kernels from the
derivation (symbolic/kernel_source.py), or from the cache of an earlier run with the same
network (solution/derived.py, solution/cache.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..scenario.names import NetworkNames, network_names
from ..scenario.schema import Scenario
from .kernels import Kernel


@dataclass(frozen=True)
class Kernels:
    """What the maths contributes: each layer's f and f′ (and the activation's name and label),
    the loss term, ∂l/∂a and the loss's formula."""

    layers: tuple[tuple[Kernel | None, Kernel], ...]  # (f, f′); f is None for softmax
    loss: tuple[Kernel, Kernel]
    loss_scale: float  # E_s = scale · Σ_k l(a_k, T_k)
    activations: tuple[tuple[str, str], ...]  # each layer's (name, label): ("sigmoid", "σ")
    loss_formula: str  # in the scenario's letters: "L = (1/m) Σ_s ½ Σ_k (y − h)²"

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-able data (``from_data`` reads it back)."""
        def one(kernel: Kernel | None) -> list[Any] | None:
            return None if kernel is None else [list(kernel.args), kernel.source]

        return {"layers": [[one(f), one(df)] for f, df in self.layers],
                "loss": [one(k) for k in self.loss], "loss_scale": self.loss_scale,
                "activations": [list(pair) for pair in self.activations],
                "loss_formula": self.loss_formula}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Kernels:
        """The kernels ``to_data`` wrote; a KeyError/TypeError/ValueError if it is not that."""
        def one(item: Any) -> Kernel | None:
            if item is None:
                return None
            args, source = item
            if not (isinstance(source, str) and all(isinstance(a, str) for a in args)):
                raise TypeError("a kernel is [args, source]")
            return Kernel(tuple(args), source)

        layers = tuple((one(f), one(df)) for f, df in data["layers"])
        term, derivative = (one(k) for k in data["loss"])
        scale, formula = data["loss_scale"], data["loss_formula"]
        activations = tuple((name, label) for name, label in data["activations"])
        if any(df is None for _, df in layers) or term is None or derivative is None \
                or not isinstance(scale, float) or not isinstance(formula, str) \
                or len(activations) != len(layers) \
                or not all(isinstance(t, str) for pair in activations for t in pair):
            raise ValueError("incomplete kernels")
        return cls(layers, (term, derivative), scale, activations, formula)


@dataclass(frozen=True)
class PlanUnit:
    """One unit's names: z = Σ w·input + b, a = f(z)."""

    layer: int  # 1-based
    index: int  # 1-based
    net: str
    out: str
    bias: str | None  # None: a layer without bias; the same name for every unit when shared
    weights: tuple[str, ...]
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class PlanLayer:
    """A layer's units and the kernels of its activation."""

    units: tuple[PlanUnit, ...]
    function: Kernel | None  # None: softmax, whose a couples the layer's units
    derivative: Kernel
    activation: str  # its name: sigmoid, leaky_relu, custom
    label: str  # how it is written in a picture: σ, tanh, z/(1 + |z|)
    shared: bool = False  # one bias for every unit (``bias: shared``)

    @property
    def biases(self) -> tuple[str, ...]:
        """The layer's bias parameters, each once: one per unit, one when shared, or none."""
        return tuple(dict.fromkeys(u.bias for u in self.units if u.bias is not None))

    @property
    def coupled(self) -> bool:
        """Whether every a of the layer depends on every z (softmax)."""
        return self.function is None


@dataclass(frozen=True)
class Plan:
    """Names and kernels of a scenario's network."""

    names: NetworkNames
    inputs: tuple[str, ...]
    targets: tuple[str, ...]
    loss_symbol: str
    loss_name: str
    layers: tuple[PlanLayer, ...]
    loss: tuple[Kernel, Kernel]
    loss_scale: float
    loss_formula: str

    @property
    def outputs(self) -> tuple[PlanUnit, ...]:
        """The output layer's units."""
        return self.layers[-1].units

    @property
    def softmax_cross_entropy(self) -> bool:
        """Whether ∂E/∂z of the outputs is a − T (softmax output, cross-entropy loss)."""
        return self.names.softmax_cross_entropy

    @property
    def weight_count(self) -> int:
        """How many weights the network has."""
        return sum(len(unit.weights) for layer in self.layers for unit in layer.units)

    @property
    def parameter_index(self) -> dict[str, tuple[str, int, int, int | None]]:
        """name → (kind, layer, unit, input), all 1-based; kind is 'weight' or 'bias'."""
        return self.names.parameter_index


def build_plan(scenario: Scenario, kernels: Kernels) -> Plan:
    """The plan of a validated scenario, with the kernels derived for it."""
    names = network_names(scenario)
    previous = names.inputs
    layers = []
    for number, (layer_names, (f, df), (activation, label)) in enumerate(
            zip(names.layers, kernels.layers, kernels.activations, strict=True), start=1):
        units = tuple(
            PlanUnit(number, j, net, out, bias, weights, previous)
            for j, (net, out, bias, weights) in enumerate(
                zip(layer_names.net, layer_names.activations, layer_names.unit_biases,
                    layer_names.weights, strict=True), start=1))
        layers.append(PlanLayer(units, f, df, activation, label, layer_names.shared))
        previous = layer_names.activations
    return Plan(names, names.inputs, names.targets, names.loss, scenario.loss, tuple(layers),
                kernels.loss, kernels.loss_scale, kernels.loss_formula)
