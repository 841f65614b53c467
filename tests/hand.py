"""A student's hand calculation of one iteration, with or without a classic slip.

Written straight from the textbook definitions for dense networks of sigmoid, tanh or linear
units under the half squared error, batch mean (it does not use the tool's worked solution,
derivation, kernels or engine; only the tool's names for the quantities, so that the result is
an answer sheet). Each slip is made where a student makes it, and the rest of the calculation
goes on from the slipped value, as on paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from backprop_tutor.network.plan import Plan
from backprop_tutor.scenario.schema import Scenario

SLIPS = (
    "sign_flipped",  # ∂E/∂a = (T − a) for −(T − a)
    "half_forgotten",  # E = (T − a)², ∂E/∂a = 2(a − T)
    "derivative_left_out",  # δ = ∂E/∂a, without ∂a/∂z
    "net_for_activation",  # ∂z/∂w = z of the unit below, not its a
    "net_and_activation_swapped",  # a written as z (σ never applied), carried on
    "update_not_applied",  # w+ = w
    "learning_rate_left_out",  # w+ = w − g
    "learning_rate_twice",  # w+ = w − η²g
    "update_added",  # w+ = w + ηg
    "new_weight_backpropagated",  # the output layer updated first, its w+ used to pass δ down
    "wrong_input",  # x1 and x2 swapped in the first unit's net input
    "sum_for_mean",  # the batch's gradients summed
    "previous_iteration",  # iteration 2 worked with the initial parameters
)

_F = {
    "sigmoid": (lambda z: 1 / (1 + math.exp(-z)), lambda z, a: a * (1 - a)),
    "tanh": (math.tanh, lambda z, a: 1 - a * a),
    "linear": (lambda z: z, lambda z, a: 1.0),
}


@dataclass
class Network:
    """Weights [layer][unit][input] and biases [layer][unit] as plain floats."""

    weights: list[list[list[float]]]
    biases: list[list[float]]

    @classmethod
    def of(cls, scenario: Scenario) -> Network:
        return cls([[list(map(float, row)) for row in layer.weights] for layer in scenario.layers],
                   [list(map(float, layer.biases)) for layer in scenario.layers])


def _d(top: str, bottom: str) -> str:
    return f"d{top}/d{bottom}"


def work(scenario: Scenario, plan: Plan, slip: str | None = None, iteration: int = 1
         ) -> dict[str, float]:
    """Every quantity of the iteration by address, worked by hand with ``slip`` made."""
    net = Network.of(scenario)
    for k in range(1, iteration):
        stale = slip == "previous_iteration" and k == iteration - 1
        values, net_after = _iteration(scenario, plan, net, None)
        if not stale:
            net = net_after
    return _iteration(scenario, plan, net, None if slip == "previous_iteration" else slip)[0]


def _iteration(scenario: Scenario, plan: Plan, net: Network, slip: str | None
               ) -> tuple[dict[str, float], Network]:
    eta = scenario.learning_rate
    samples = scenario.data
    m = len(samples)
    out: dict[str, float] = {}
    E = plan.loss_symbol
    kinds = [layer.activation for layer in scenario.layers]

    def at(name: str, s: int) -> str:
        return f"{name}@{s + 1}" if m > 1 else name

    grads_w = [[[0.0] * len(row) for row in layer] for layer in net.weights]
    grads_b = [[0.0] * len(layer) for layer in net.biases]
    losses = []
    for s, sample in enumerate(samples):
        x = [float(v) for v in sample.inputs]
        if slip == "wrong_input" and len(x) > 1:
            x_first = [x[1], x[0], *x[2:]]  # in the first unit only
        else:
            x_first = x
        for name, v in zip(plan.inputs, x, strict=True):
            out[at(name, s)] = v
        for name, v in zip(plan.targets, sample.targets, strict=True):
            out[at(name, s)] = float(v)
        below = x
        zs, acts = [], []
        for li, layer in enumerate(plan.layers):
            f, _ = _F[kinds[li]]
            z_l, a_l = [], []
            for j, unit in enumerate(layer.units):
                inputs = x_first if (li == 0 and j == 0) else below
                row = net.weights[li][j]
                z = sum(w * v for w, v in zip(row, inputs, strict=True)) + net.biases[li][j]
                a = f(z)
                if slip == "net_and_activation_swapped" and li == 0:
                    a = z  # σ never applied in the first layer
                out[at(unit.net, s)] = z
                out[at(unit.out, s)] = a
                z_l.append(z)
                a_l.append(a)
            zs.append(z_l)
            acts.append(a_l)
            below = a_l
        targets = [float(t) for t in sample.targets]
        outs = acts[-1]
        half = 1.0 if slip == "half_forgotten" else 0.5
        loss = sum(half * (t - a) ** 2 for t, a in zip(targets, outs, strict=True))
        losses.append(loss)
        if m > 1:
            out[at(E, s)] = loss
        # the backward pass, layer by layer from the output
        dE_da = []
        for j, unit in enumerate(plan.layers[-1].units):
            g = -(targets[j] - outs[j]) * (2.0 if slip == "half_forgotten" else 1.0)
            if slip == "sign_flipped":
                g = -g
            out[at(_d(E, unit.out), s)] = g
            dE_da.append(g)
        new_top = None  # with that slip: the output layer's weights once updated
        deltas: list[list[float]] = [[] for _ in plan.layers]
        for li in range(len(plan.layers) - 1, -1, -1):
            layer = plan.layers[li]
            _, fprime = _F[kinds[li]]
            below = acts[li - 1] if li > 0 else x
            below_z = zs[li - 1] if li > 0 else x
            if li < len(plan.layers) - 1:
                upper = plan.layers[li + 1]
                dE_da = []
                for j, unit in enumerate(layer.units):
                    total = 0.0
                    for k, up in enumerate(upper.units):
                        w = net.weights[li + 1][k][j]
                        if new_top is not None and li + 1 == len(plan.layers) - 1:
                            w = new_top[k][j]
                        out[_d(up.net, unit.out)] = w
                        total += deltas[li + 1][k] * w
                    out[at(_d(E, unit.out), s)] = total
                    dE_da.append(total)
            for j, unit in enumerate(layer.units):
                da_dz = fprime(zs[li][j], acts[li][j])
                out[at(_d(unit.out, unit.net), s)] = da_dz
                delta = dE_da[j] * (1.0 if slip == "derivative_left_out" else da_dz)
                out[at(_d(E, unit.net), s)] = delta
                deltas[li].append(delta)
                inputs = x_first if (li == 0 and j == 0) else below
                if slip == "net_for_activation" and li > 0:
                    inputs = below_z
                for i, wname in enumerate(unit.weights):
                    out[at(_d(unit.net, wname), s)] = inputs[i]
                    grads_w[li][j][i] += delta * inputs[i]
                out[_d(unit.net, unit.bias)] = 1.0
                grads_b[li][j] += delta
            if slip == "new_weight_backpropagated" and li == len(plan.layers) - 1:
                # the student updates the output layer now, with this sample's gradient
                new_top = [[w - eta * deltas[li][k] * acts[li - 1][i]
                            for i, w in enumerate(row)] for k, row in enumerate(net.weights[li])]
    scale = 1.0 if slip == "sum_for_mean" else 1.0 / m
    out[E] = sum(losses) * scale
    after = Network([[list(row) for row in layer] for layer in net.weights],
                    [list(layer) for layer in net.biases])
    for li, layer in enumerate(plan.layers):
        for j, unit in enumerate(layer.units):
            for i, wname in enumerate(unit.weights):
                g = grads_w[li][j][i] * scale
                out[_d(E, wname)] = g
                after.weights[li][j][i] = net.weights[li][j][i] - eta * g
                out[f"{wname}+"] = _update(net.weights[li][j][i], g, eta, slip)
            g = grads_b[li][j] * scale
            out[_d(E, unit.bias)] = g
            after.biases[li][j] = net.biases[li][j] - eta * g
            out[f"{unit.bias}+"] = _update(net.biases[li][j], g, eta, slip)
    return out, after


def _update(w: float, g: float, eta: float, slip: str | None) -> float:
    if slip == "update_not_applied":
        return w
    if slip == "learning_rate_left_out":
        return w - g
    if slip == "learning_rate_twice":
        return w - eta * eta * g
    if slip == "update_added":
        return w + eta * g
    return w - eta * g


def written(value: float, digits: int = 5) -> str:
    """A number as a student writes it: ``digits`` significant digits, trailing zeros kept."""
    return f"{value:#.{digits}g}".rstrip(".")
