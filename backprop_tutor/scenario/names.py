"""The names of every scalar of a network: what users type after --explain and graders use.

A chain (one input, one unit per layer) is named as seed 000 does: w1 b1 z1 a1, w2 b2 z2 a2.
Anything else is indexed as seed 002 does: w{layer}{unit}{input}, b{layer}{unit}, with the
indices joined by underscores once a layer width, the input count or the depth exceeds 9.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .schema import Scenario


@dataclass(frozen=True)
class LayerNames:
    """The names of one layer's scalars.

    ``biases`` names the layer's bias parameters: one per unit, one for the whole layer when
    ``shared``, none for a layer without bias (``bias: false``).
    """

    weights: tuple[tuple[str, ...], ...]  # [unit][input]
    biases: tuple[str, ...]
    net: tuple[str, ...]
    activations: tuple[str, ...]
    shared: bool = False  # one bias, biases[0], for every unit

    def unit_bias(self, j: int) -> str | None:
        """The bias of unit ``j`` (0-based): its own, the layer's shared one, or None."""
        if not self.biases:
            return None
        return self.biases[0] if self.shared else self.biases[j]

    @property
    def unit_biases(self) -> tuple[str | None, ...]:
        """The bias of every unit (the shared one repeated; None without bias)."""
        return tuple(self.unit_bias(j) for j in range(len(self.net)))


@dataclass(frozen=True)
class NetworkNames:
    """The names of every scalar of a scenario's network."""

    inputs: tuple[str, ...]
    targets: tuple[str, ...]
    loss: str
    layers: tuple[LayerNames, ...]
    softmax_cross_entropy: bool = False  # softmax outputs under cross-entropy: δ = a − T

    @cached_property
    def parameter_index(self) -> dict[str, tuple[str, int, int, int | None]]:
        """name → (kind, layer, unit, input), all 1-based; kind is 'weight' or 'bias'."""
        # a shared bias is indexed at unit 1 of its layer (it is the bias of every unit)
        index: dict[str, tuple[str, int, int, int | None]] = {}
        for number, layer in enumerate(self.layers, start=1):
            for j, (row, bias) in enumerate(zip(layer.weights, layer.unit_biases, strict=True),
                                            1):
                for i, w in enumerate(row, start=1):
                    index[w] = ("weight", number, j, i)
                if bias is not None and bias not in index:
                    index[bias] = ("bias", number, j, None)
        return index

    def parameters(self) -> tuple[str, ...]:
        """Every parameter name, layer by layer, each unit's weights then its bias (a shared
        bias after the layer's last weights; a layer without bias has none)."""
        out: list[str] = []
        for layer in self.layers:
            for unit, bias in zip(layer.weights, layer.unit_biases, strict=True):
                out.extend(unit)
                if bias is not None and not layer.shared:
                    out.append(bias)
            if layer.shared:
                out.append(layer.biases[0])
        return tuple(out)


def _indexer(widths: list[int], depth: int):
    wide = depth > 9 or any(w > 9 for w in widths)
    sep = "_" if wide else ""

    def index(*parts: int) -> str:
        return sep.join(str(p) for p in parts)

    return index


def network_names(scenario: Scenario) -> NetworkNames:
    """Name every scalar of the scenario's network (layer ``names:`` overrides win)."""
    sym = scenario.symbols
    n_in = scenario.input_count
    widths = [layer.units for layer in scenario.layers]
    depth = len(widths)
    chain = n_in == 1 and all(w == 1 for w in widths)
    index = _indexer([n_in, *widths], depth)

    if isinstance(scenario.inputs, list):
        inputs = tuple(scenario.inputs)
    else:
        inputs = tuple(f"{sym.input}{index(i)}" for i in range(1, n_in + 1))
    outputs = widths[-1]
    targets = (sym.target,) if outputs == 1 else tuple(
        f"{sym.target}{index(k)}" for k in range(1, outputs + 1)
    )

    layers = []
    fan_in = n_in
    for number, layer in enumerate(scenario.layers, start=1):
        def unit_name(letter: str, j: int, number: int = number) -> str:
            return f"{letter}{number}" if chain else f"{letter}{index(number, j)}"

        units = range(1, layer.units + 1)
        weights = tuple(
            tuple(
                f"{sym.weight}{number}" if chain else f"{sym.weight}{index(number, j, i)}"
                for i in range(1, fan_in + 1)
            )
            for j in units
        )
        if layer.bias is False:
            biases: tuple[str, ...] = ()
        elif layer.bias == "shared":
            biases = (f"{sym.bias}{number}",)
        else:
            biases = tuple(unit_name(sym.bias, j) for j in units)
        default = LayerNames(
            weights=weights,
            biases=biases,
            net=tuple(unit_name(sym.net, j) for j in units),
            activations=tuple(unit_name(sym.activation, j) for j in units),
            shared=layer.bias == "shared",
        )
        layers.append(_override(default, layer.names))
        fan_in = layer.units
    output = scenario.layers[-1].activation
    softmax = getattr(output, "name", output) == "softmax"
    return NetworkNames(inputs=inputs, targets=targets, loss=sym.loss, layers=tuple(layers),
                        softmax_cross_entropy=softmax and scenario.loss == "cross_entropy")


def _override(default: LayerNames, names) -> LayerNames:
    if names is None:
        return default
    return LayerNames(
        weights=tuple(tuple(r) for r in names.weights) if names.weights else default.weights,
        biases=tuple(names.biases) if names.biases else default.biases,
        net=tuple(names.net) if names.net else default.net,
        activations=tuple(names.activations) if names.activations else default.activations,
        shared=default.shared,
    )
