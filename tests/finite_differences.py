"""Central finite differences of the loss of one iteration's batch, for every parameter.

The loss is the engine's forward pass plus the L2 penalty; the derivative is measured from the
outside, so it checks the backward pass without sharing any of its code.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from backprop_tutor.training.engine import Network, data_arrays
from backprop_tutor.training.trace import Parameters

STEP = 1e-6


def central_differences(run, record) -> Iterator[tuple[float, float]]:
    """(the engine's gradient, the central difference) for every weight and bias.

    A layer without bias (``bias: false``) has none to perturb; a shared bias is one parameter,
    so it is moved in every unit at once (each unit's entry holds its one gradient).
    """
    scenario = run.scenario
    net = Network(run.plan, scenario)
    x, t = data_arrays(scenario)
    index = np.array(record.samples) - 1
    for n, layer in enumerate(record.layers):
        mode = scenario.layers[n].bias
        for kind, grads in (("w", layer.grad_weights), ("b", layer.grad_biases)):
            if kind == "b" and mode is False:
                continue
            shape = (1,) if kind == "b" and mode == "shared" else grads.shape
            for position in np.ndindex(shape):
                if kind == "b" and mode == "shared":
                    position = slice(None)  # noqa: PLW2901 - the one bias is every unit's
                def loss(by: float, n=n, kind=kind, position=position) -> float:
                    w = [a.copy() for a in record_parameters(record).weights]
                    b = [a.copy() for a in record_parameters(record).biases]
                    (w if kind == "w" else b)[n][position] += by
                    penalty = scenario.l2 / 2 * sum(float((a**2).sum()) for a in w)
                    return net.total_loss(Parameters(tuple(w), tuple(b)), x[index],
                                          t[index]) + penalty

                gradient = grads[0] if kind == "b" and mode == "shared" else grads[position]
                yield float(gradient), (loss(STEP) - loss(-STEP)) / (2 * STEP)


def record_parameters(record) -> Parameters:
    """The parameters an iteration started from."""
    return Parameters(tuple(r.weights for r in record.layers),
                      tuple(r.biases for r in record.layers))


def node_difference(run, record, node: str, variable: str) -> np.ndarray:
    """The central difference of ``node`` (the loss's letter, a z or an a) by ``variable`` (a
    parameter or an input), per sample of the iteration's batch [sample]: the engine's forward
    pass from the parameters the iteration started from, ``variable`` moved by ±STEP (a shared
    bias in every unit of its layer, an input in every sample). The loss is each sample's E_s."""
    scenario = run.scenario
    plan = run.plan
    net = Network(plan, scenario)
    x, t = data_arrays(scenario)
    index = np.array(record.samples) - 1

    def value(by: float) -> np.ndarray:
        w = [a.copy() for a in record_parameters(record).weights]
        b = [a.copy() for a in record_parameters(record).biases]
        inputs = x[index].copy()
        if variable in plan.inputs:
            inputs[:, plan.inputs.index(variable)] += by
        else:
            kind, layer, unit, i = plan.parameter_index[variable]
            if kind == "weight":
                w[layer - 1][unit - 1, i - 1] += by
            elif scenario.layers[layer - 1].bias == "shared":
                b[layer - 1][:] += by
            else:
                b[layer - 1][unit - 1] += by
        zs, acts = net.forward(Parameters(tuple(w), tuple(b)), inputs)
        if node == plan.loss_symbol:
            return net.sample_losses(acts[-1], t[index], zs[-1])
        for n, layer in enumerate(plan.layers):
            for j, u in enumerate(layer.units):
                if node in (u.net, u.out):
                    return (zs if node == u.net else acts)[n][:, j]
        raise KeyError(node)

    return (value(STEP) - value(-STEP)) / (2 * STEP)
