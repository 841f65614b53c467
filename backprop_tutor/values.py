"""Trace + graph → named values: the ``values`` map that scripts and graders address.

Addresses: node values (``z1``, ``a1``; ``z1@2`` for sample 2 of a batch), the loss (``E``),
chain factors (``dE/da2``, ``da2/dz2``, ``dz2/da1``, ``dz2/dw2``; a softmax layer's
``da21/dz22`` for every pair), δ (``dE/dz2``) and ∂E/∂a of
hidden units, gradients (``dE/dw2``) and updated parameters (``w2+``).
"""

from __future__ import annotations

import numpy as np

from .derivation import Factor
from .graph import Graph
from .trace import IterationRecord


def factor_values(factor: Factor, record: IterationRecord) -> np.ndarray:
    """The value of a factor for every sample of the record's batch."""
    m = len(record.samples)
    layer, unit, *rest = factor.where
    rec = record.layers[layer - 1]
    if factor.role == "loss":
        return rec.dE_da[:, unit - 1]
    if factor.role == "delta":
        return rec.dE_dz[:, unit - 1]
    if factor.role == "activation":
        return rec.da_dz[:, unit - 1]
    if factor.role == "softmax":
        a = rec.a
        j = rest[0] - 1
        return a[:, unit - 1] * ((unit - 1 == j) - a[:, j])
    if factor.role == "net":
        return np.full(m, rec.weights[unit - 1, rest[0] - 1])
    if factor.role == "weight":
        below = record.layers[layer - 2].a if layer > 1 else record.inputs
        return below[:, rest[0] - 1]
    return np.ones(m)


def sample_suffixes(record: IterationRecord) -> list[str]:
    """``@s`` for each sample of a batch of several, nothing for a batch of one."""
    if len(record.samples) == 1:
        return [""]
    return [f"@{s}" for s in record.samples]


def iteration_values(graph: Graph, record: IterationRecord, *, per_sample_values: bool = True
                     ) -> dict[str, float]:
    """Every quantity of one iteration, by address, in the order a textbook works them.

    Without ``per_sample_values``, a batch of several samples keeps only its batch-level
    quantities (loss, weights as factors, gradients, updates).
    """
    out: dict[str, float] = {}
    suffixes = sample_suffixes(record)
    E = graph.loss_symbol.name
    keep = per_sample_values or len(suffixes) == 1

    def per_sample(name: str, column: np.ndarray) -> None:
        if not keep:
            return
        for suffix, v in zip(suffixes, column, strict=True):
            out[name + suffix] = float(v)

    for i, x in enumerate(graph.inputs):
        per_sample(x.name, record.inputs[:, i])
    for k, t in enumerate(graph.targets):
        per_sample(t.name, record.targets[:, k])
    for units, rec in zip(graph.layers, record.layers, strict=True):
        for j, u in enumerate(units):
            per_sample(u.net.name, rec.z[:, j])
            per_sample(u.out.name, rec.a[:, j])
    out[E] = record.loss
    if len(suffixes) > 1:
        per_sample(E, record.sample_losses)
    for units, rec in reversed(list(zip(graph.layers, record.layers, strict=True))):
        for j, u in enumerate(units):
            per_sample(f"d{E}/d{u.out.name}", rec.dE_da[:, j])
            if u.activation.coupled:
                # softmax: every a_i of the layer depends on z_j
                for i, peer in enumerate(units):
                    per_sample(f"d{peer.out.name}/d{u.net.name}",
                               rec.a[:, i] * ((i == j) - rec.a[:, j]))
            else:
                per_sample(f"d{u.out.name}/d{u.net.name}", rec.da_dz[:, j])
            per_sample(f"d{E}/d{u.net.name}", rec.dE_dz[:, j])
            for i, (w, x) in enumerate(zip(u.weights, u.inputs, strict=True)):
                if u.layer > 1:  # ∂z/∂x of the first layer is in no parameter's chain
                    out[f"d{u.net.name}/d{x.name}"] = float(rec.weights[j, i])
                below = record.layers[u.layer - 2].a if u.layer > 1 else record.inputs
                per_sample(f"d{u.net.name}/d{w.name}", below[:, i])
            out[f"d{u.net.name}/d{u.bias.name}"] = 1.0
    for units, rec in reversed(list(zip(graph.layers, record.layers, strict=True))):
        for j, u in enumerate(units):
            for i, w in enumerate(u.weights):
                out[f"d{E}/d{w.name}"] = float(rec.grad_weights[j, i])
            out[f"d{E}/d{u.bias.name}"] = float(rec.grad_biases[j])
    for units, rec in reversed(list(zip(graph.layers, record.layers, strict=True))):
        for j, u in enumerate(units):
            for i, w in enumerate(u.weights):
                out[f"{w.name}+"] = float(rec.weights_after[j, i])
            out[f"{u.bias.name}+"] = float(rec.biases_after[j])
    return out


def parameter_values(graph: Graph, weights, biases) -> dict[str, float]:
    """Parameter name → value, layer by layer."""
    out: dict[str, float] = {}
    for units, w, b in zip(graph.layers, weights, biases, strict=True):
        for j, u in enumerate(units):
            for i, name in enumerate(u.weights):
                out[name.name] = float(w[j, i])
            out[u.bias.name] = float(b[j])
    return out
