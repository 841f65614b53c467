"""The initial parameters of a scenario: as written in the file, or drawn from its ``init:``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..scenario.names import NetworkNames
from ..scenario.schema import Init, Scenario
from ..signals import numpy_random
from .trace import Parameters


def _draw(rng: Callable[[], np.random.Generator], init: Init, shape: tuple[int, ...],
          fan_in: int, fan_out: int) -> np.ndarray:
    if init.method == "xavier":
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        values = rng().uniform(-bound, bound, shape)
    elif init.method == "he":
        values = rng().normal(0.0, np.sqrt(2.0 / fan_in), shape)
    else:
        values = rng().uniform(init.low, init.high, shape)
    # rounded so that a student can copy them by hand
    return np.round(values, 4)


def initial_parameters(scenario: Scenario) -> Parameters:
    """Weights and biases before training; missing ones drawn with the scenario's seed."""
    init = scenario.init or Init()
    drawn: list[np.random.Generator] = []

    def rng() -> np.random.Generator:
        # numpy.random is imported on first use: a file that gives every number never needs it
        if not drawn:
            drawn.append(numpy_random().default_rng(init.seed))
        return drawn[0]

    weights, biases = [], []
    fan_in = scenario.input_count
    for layer in scenario.layers:
        shape = (layer.units, fan_in)
        if layer.weights is not None:
            weights.append(np.array(layer.weights, dtype=float))
        else:
            weights.append(_draw(rng, init, shape, fan_in, layer.units))
        if not layer.bias_count:  # no bias: z has no bias term, which is a bias held at 0
            biases.append(np.zeros(layer.units))
        elif layer.biases is not None:  # one per unit, or the shared one for every unit
            biases.append(np.resize(np.array(layer.biases, dtype=float), layer.units))
        elif layer.bias == "shared":
            biases.append(np.full(layer.units, _draw(rng, init, (1,), fan_in, layer.units)[0])
                          if init.method == "uniform" else np.zeros(layer.units))
        elif init.method == "uniform":
            biases.append(_draw(rng, init, (layer.units,), fan_in, layer.units))
        else:
            biases.append(np.zeros(layer.units))
        fan_in = layer.units
    return Parameters(tuple(weights), tuple(biases))


def drawn_names(scenario: Scenario, names: NetworkNames) -> tuple[str, ...]:
    """The parameters the file leaves out and ``init:`` draws, in the order of the network."""
    out: list[str] = []
    for layer, layer_names in zip(scenario.layers, names.layers, strict=True):
        for row, bias in zip(layer_names.weights, layer_names.unit_biases, strict=True):
            if layer.weights is None:
                out.extend(row)
            if layer.biases is None and bias is not None and not layer_names.shared:
                out.append(bias)
        if layer.biases is None and layer_names.shared:
            out.append(layer_names.biases[0])
    return tuple(out)
