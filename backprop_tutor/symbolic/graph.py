"""Scenario → symbolic graph: every node a sympy expression of its own inputs.

z11 = w111·x1 + w112·x2 + b11,  a11 = σ(z11),  E = ½(T − a21)².
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from ..maths.activations import Activation, activation_named
from ..maths.activations import Z as GENERIC_Z
from ..maths.expression import custom_activation
from ..maths.losses import LOSSES, Loss
from ..maths.losses import A as LOSS_A
from ..maths.losses import T as LOSS_T
from ..maths.softmax import cross_entropy_delta, softmax_derivative, softmax_expression
from ..scenario.names import NetworkNames, network_names
from ..scenario.schema import CustomActivation, NamedActivation, Scenario


def symbol(name: str) -> sp.Symbol:
    """The sympy symbol of a scalar of the network (all are real)."""
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class Unit:
    """One unit: z = Σ w·input + b, a = f(z)."""

    layer: int  # 1-based
    index: int  # 1-based
    net: sp.Symbol
    out: sp.Symbol
    bias: sp.Symbol | None  # None: no bias; the same symbol for every unit of a shared bias
    weights: tuple[sp.Symbol, ...]
    inputs: tuple[sp.Symbol, ...]  # the previous layer's outputs, or the network's inputs
    activation: Activation
    layer_nets: tuple[sp.Symbol, ...]  # z of every unit of the layer (softmax couples them)
    layer_outs: tuple[sp.Symbol, ...]
    shared_bias: bool = False  # the bias is one parameter of the whole layer

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """The unit's weights, then its bias if it has one."""
        return self.weights if self.bias is None else (*self.weights, self.bias)

    @cached_property
    def net_expression(self) -> sp.Expr:
        """z as written in textbooks: the weighted inputs, then the bias (if any)."""
        terms = [sp.Mul(w, x, evaluate=False)
                 for w, x in zip(self.weights, self.inputs, strict=True)]
        if self.bias is not None:
            terms.append(self.bias)
        return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]

    @cached_property
    def activation_expression(self) -> sp.Expr:
        """a = f(z) in this unit's own symbols (softmax: in the whole layer's z)."""
        if self.activation.coupled:
            return softmax_expression(self.index - 1, self.layer_nets)
        return self.activation.expression.xreplace({GENERIC_Z: self.net})

    @cached_property
    def activation_derivative(self) -> sp.Expr:
        """∂a/∂z in its textbook form, in this unit's symbols."""
        return self.activation.derivative_in(self.net, self.out)

    def derivative_by(self, other: Unit) -> sp.Expr:
        """∂a/∂z_other for a unit of the same softmax layer: a_i(δ_ij − a_j) as taught."""
        return softmax_derivative(self.index - 1, other.index - 1, self.layer_outs)


@dataclass(frozen=True)
class Graph:
    """The symbolic network of a scenario."""

    names: NetworkNames
    inputs: tuple[sp.Symbol, ...]
    targets: tuple[sp.Symbol, ...]
    loss_symbol: sp.Symbol
    layers: tuple[tuple[Unit, ...], ...]
    loss: Loss

    @property
    def outputs(self) -> tuple[Unit, ...]:
        """The output layer's units."""
        return self.layers[-1]

    def loss_term(self, k: int) -> sp.Expr:
        """The loss's term for output k (0-based), scaled, for one sample."""
        unit = self.outputs[k]
        mapping = {LOSS_A: unit.out, LOSS_T: self.targets[k]}
        return self.loss.scale(len(self.outputs)) * self.loss.term.xreplace(mapping)

    @cached_property
    def loss_expression(self) -> sp.Expr:
        """E for one sample, in the output activations and targets."""
        return sp.Add(*(self.loss_term(k) for k in range(len(self.outputs))))

    def loss_derivative(self, k: int) -> sp.Expr:
        """∂E/∂a for output k (0-based) in its textbook form."""
        unit = self.outputs[k]
        scale = self.loss.scale(len(self.outputs))
        local = self.loss.derivative_in(unit.out, self.targets[k])
        return local if scale == 1 else sp.Mul(scale, local, evaluate=False)

    @property
    def softmax_cross_entropy(self) -> bool:
        """Whether ∂E/∂z of the outputs simplifies to a − T (softmax output, cross-entropy)."""
        return self.names.softmax_cross_entropy

    def output_delta(self, k: int) -> sp.Expr:
        """∂E/∂z = a − T of output k (0-based) when ``softmax_cross_entropy``."""
        return cross_entropy_delta(self.outputs[k].out, self.targets[k])

    @property
    def parameter_index(self) -> dict[str, tuple[str, int, int, int | None]]:
        """name → (kind, layer, unit, input), all 1-based; kind is 'weight' or 'bias'."""
        return self.names.parameter_index

    @cached_property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Every parameter, layer by layer, each unit's weights then its bias."""
        return tuple(sp.Symbol(name, real=True) for name in self.names.parameters())

    def unit_of(self, parameter: str) -> Unit:
        """The unit a parameter belongs to."""
        _, layer, unit, _ = self.parameter_index[parameter]
        return self.layers[layer - 1][unit - 1]


def layer_activation(spec: str | NamedActivation | CustomActivation) -> Activation:
    """The activation a layer's ``activation:`` field names or writes."""
    if isinstance(spec, CustomActivation):
        return custom_activation(spec.expression)
    if isinstance(spec, str):
        return activation_named(spec)
    options = {} if spec.alpha is None else {"alpha": spec.alpha}
    return activation_named(spec.name, **options)


def build_graph(scenario: Scenario) -> Graph:
    """Build the symbolic graph of a validated scenario."""
    names = network_names(scenario)
    inputs = tuple(symbol(n) for n in names.inputs)
    previous = inputs
    layers = []
    pairs = zip(scenario.layers, names.layers, strict=True)
    for number, (spec, layer_names) in enumerate(pairs, start=1):
        activation = layer_activation(spec.activation)
        nets = tuple(symbol(n) for n in layer_names.net)
        outs = tuple(symbol(n) for n in layer_names.activations)
        units = tuple(
            Unit(
                layer=number,
                index=j,
                net=symbol(layer_names.net[j - 1]),
                out=symbol(layer_names.activations[j - 1]),
                bias=None if layer_names.unit_bias(j - 1) is None
                else symbol(layer_names.unit_bias(j - 1)),
                weights=tuple(symbol(n) for n in layer_names.weights[j - 1]),
                inputs=previous,
                activation=activation,
                layer_nets=nets,
                layer_outs=outs,
                shared_bias=layer_names.shared,
            )
            for j in range(1, spec.units + 1)
        )
        layers.append(units)
        previous = tuple(u.out for u in units)
    return Graph(
        names=names,
        inputs=inputs,
        targets=tuple(symbol(n) for n in names.targets),
        loss_symbol=symbol(names.loss),
        layers=tuple(layers),
        loss=LOSSES[scenario.loss],
    )
