"""Trace + plan → named values: the ``values`` map that scripts and graders address.

Addresses: node values (``z1``, ``a1``; ``z1@2`` for sample 2 of a batch), the loss (``E``),
chain factors (``dE/da2``, ``da2/dz2``, ``dz2/da1``, ``dz2/dw2``; a softmax layer's
``da21/dz22`` for every pair), δ (``dE/dz2``) and ∂E/∂a of
hidden units, gradients (``dE/dw2``), an optimizer's state after the update (``v(w2)+``; Adam's
``m(w2)+``, ``v(w2)+`` and their bias corrections ``mhat(w2)``, ``vhat(w2)``) and updated
parameters (``w2+``).
"""

from __future__ import annotations

import numpy as np

from ..network.addresses import at_sample, derivative, state, updated
from ..network.kernels import softmax_factor
from ..network.plan import Plan
from ..training.trace import IterationRecord


def sample_suffixes(record: IterationRecord) -> list[str]:
    """``@s`` for each sample of a batch of several, nothing for a batch of one."""
    if len(record.samples) == 1:
        return [""]
    return [at_sample("", s) for s in record.samples]


def iteration_values(plan: Plan, record: IterationRecord, *, per_sample_values: bool = True
                     ) -> dict[str, float]:
    """Every quantity of one iteration, by address, in the order a textbook works them.

    Without ``per_sample_values``, a batch of several samples keeps only its batch-level
    quantities (loss, weights as factors, gradients, updates).
    """
    out: dict[str, float] = {}
    suffixes = sample_suffixes(record)
    E = plan.loss_symbol
    keep = per_sample_values or len(suffixes) == 1
    # arrays become Python floats in bulk (tolist), then are indexed: the same numbers as
    # float() of each element, without a call per element

    def per_sample(name: str, column: list[float]) -> None:
        if not keep:
            return
        for suffix, v in zip(suffixes, column, strict=True):
            out[name + suffix] = v

    def columns(array: np.ndarray) -> list[list[float]]:
        return array.T.tolist() if keep else []

    def column(cols: list[list[float]], j: int) -> list[float]:
        return cols[j] if keep else []

    inputs = columns(record.inputs)
    for i, x in enumerate(plan.inputs):
        per_sample(x, column(inputs, i))
    targets = columns(record.targets)
    for k, t in enumerate(plan.targets):
        per_sample(t, column(targets, k))
    for layer, rec in zip(plan.layers, record.layers, strict=True):
        z, a = columns(rec.z), columns(rec.a)
        for j, u in enumerate(layer.units):
            per_sample(u.net, column(z, j))
            per_sample(u.out, column(a, j))
    out[E] = record.loss
    if len(suffixes) > 1:
        per_sample(E, record.sample_losses.tolist())
    layers = list(zip(plan.layers, record.layers, strict=True))
    for layer, rec in reversed(layers):
        units = layer.units
        dE_da, da_dz, dE_dz = columns(rec.dE_da), columns(rec.da_dz), columns(rec.dE_dz)
        weights = rec.weights.tolist()
        below = columns(record.layers[units[0].layer - 2].a if units[0].layer > 1
                        else record.inputs)
        for j, u in enumerate(units):
            per_sample(derivative(E, u.out), column(dE_da, j))
            if layer.coupled:
                # softmax: every a_i of the layer depends on z_j
                for i, peer in enumerate(units):
                    per_sample(derivative(peer.out, u.net), softmax_factor(rec.a, i, j).tolist())
            else:
                per_sample(derivative(u.out, u.net), column(da_dz, j))
            per_sample(derivative(E, u.net), column(dE_dz, j))
            row = weights[j]
            for i, (w, x) in enumerate(zip(u.weights, u.inputs, strict=True)):
                if u.layer > 1:  # ∂z/∂x of the first layer is in no parameter's chain
                    out[derivative(u.net, x)] = row[i]
                per_sample(derivative(u.net, w), column(below, i))
            if u.bias is not None:
                out[derivative(u.net, u.bias)] = 1.0
    for layer, rec in reversed(layers):
        grad_w, grad_b = rec.grad_weights.tolist(), rec.grad_biases.tolist()
        for j, u in enumerate(layer.units):
            for i, w in enumerate(u.weights):
                out[derivative(E, w)] = grad_w[j][i]
            if u.bias is not None:  # a shared bias: every unit holds its gradient
                out[derivative(E, u.bias)] = grad_b[j]
    out.update(state_values(plan, record))
    for layer, rec in reversed(layers):
        after_w, after_b = rec.weights_after.tolist(), rec.biases_after.tolist()
        for j, u in enumerate(layer.units):
            for i, w in enumerate(u.weights):
                out[updated(w)] = after_w[j][i]
            if u.bias is not None:
                out[updated(u.bias)] = after_b[j]
    return out


def state_values(plan: Plan, record: IterationRecord, *, before: bool = False
                 ) -> dict[str, float]:
    """An optimizer's state of every parameter after the iteration's update, by address, in
    the order of the worked solution: parameter by parameter from the output layer down, each
    state in the optimizer's order (``m(w2)+``, ``v(w2)+``, ``mhat(w2)``, ``vhat(w2)``); with
    ``before``, the state the update starts from (``m(w2)``, ``v(w2)``: what a hand calculation
    is given), layer by layer from the first. Empty for plain gradient descent."""
    out: dict[str, float] = {}
    if record.layers[0].state is None:
        return out
    layers = list(zip(plan.layers, record.layers, strict=True))
    for layer, rec in layers if before else reversed(layers):
        held_state = rec.state if before else rec.state_after
        for j, u in enumerate(layer.units):
            held = [(w, held_state.weights, (j, i)) for i, w in enumerate(u.weights)]
            if u.bias is not None:
                held.append((u.bias, held_state.biases, (j,)))
            for parameter, arrays, index in held:
                for kind, array in arrays.items():
                    address = state(kind, parameter)
                    if not before and kind not in ("mhat", "vhat"):
                        address = updated(address)
                    out[address] = float(array[index])
    return out


def parameter_values(plan: Plan, weights, biases) -> dict[str, float]:
    """Parameter name → value, layer by layer."""
    out: dict[str, float] = {}
    for layer, w, b in zip(plan.layers, weights, biases, strict=True):
        rows, column = np.asarray(w).tolist(), np.asarray(b).tolist()
        for j, u in enumerate(layer.units):
            for name, value in zip(u.weights, rows[j], strict=True):
                out[name] = value
            if u.bias is not None:
                out[u.bias] = column[j]
    return out
