"""Worked-solution lines: each quantity of one iteration with the numbers that go into it.

A line has two halves. Its shape (``Shape``: which quantity, its formula, where its numbers
come from) depends only on the network; worked.py derives it with sympy. Its numbers depend on
the iteration; ``fill`` takes them from the record, with no sympy. A shape whose formula has
been printed (``Printed``) can be kept and filled again later without sympy at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..notation.symbols import Printed
from ..scenario.names import NetworkNames
from ..training.trace import IterationRecord
from .values import located_values

RATE = "η"  # the learning rate's symbol in an update's formula


@dataclass(frozen=True)
class Shape:
    """One line without its numbers: the quantity, its formula, where its numbers come from.

    ``recipe`` is plain data: ("z" | "a", layer, unit) for the forward pass, ("loss",),
    ("factor", role, where), ("gradient" | "update", kind, layer, unit, input) with 1-based
    layer, unit and input (None for a bias).
    """

    section: str  # forward | loss | factors | gradients | updates
    address: str  # z1, E, dE/da2, dE/dw2, w2+
    formula: Any  # the sympy expression; None for a shape read back from a cache
    recipe: tuple
    names: tuple[str, ...]  # the formula's symbols, whose numbers each line lists
    paths: tuple[tuple[str, ...], ...] = ()  # gradients: each path as factor addresses
    note: str = ""
    printed: Printed | None = None


@dataclass(frozen=True)
class Line:
    """One quantity of the worked solution."""

    section: str  # forward | loss | factors | gradients | updates
    address: str  # z1, E, dE/da2, dE/dw2, w2+
    formula: Any  # the sympy expression (None when the line was filled from a printed shape)
    values: tuple[float, ...]  # one per sample of the batch
    substitutions: tuple[dict[str, float], ...]  # per sample: symbol name → its number
    result: float  # the value that counts: the sample's value, or the batch's mean
    per_sample: bool = True  # False when the line is one number for the whole batch
    paths: tuple[tuple[str, ...], ...] = ()  # gradients: each path as factor addresses
    l2_term: float = 0.0  # gradients of weights: λ·w
    frozen: bool = False
    extra: dict[str, float] = field(default_factory=dict)
    note: str = ""  # factors: why the factor has the form it has (softmax with cross-entropy)
    printed: Printed | None = None


def scalars(names: NetworkNames, record: IterationRecord) -> dict[str, np.ndarray]:
    """Per-sample values of every named scalar of one iteration."""
    m = len(record.samples)
    table: dict[str, np.ndarray] = {}
    for i, x in enumerate(names.inputs):
        table[x] = record.inputs[:, i]
    for k, t in enumerate(names.targets):
        table[t] = record.targets[:, k]
    E = names.loss
    for layer, rec in zip(names.layers, record.layers, strict=True):
        for j, (net, out, bias) in enumerate(
                zip(layer.net, layer.activations, layer.biases, strict=True)):
            table[net] = rec.z[:, j]
            table[out] = rec.a[:, j]
            table[bias] = np.full(m, rec.biases[j])
            table[f"d{E}/d{net}"] = rec.dE_dz[:, j]
            table[f"d{E}/d{out}"] = rec.dE_da[:, j]
            for i, w in enumerate(layer.weights[j]):
                table[w] = np.full(m, rec.weights[j, i])
    return table


def fill(shapes: list[Shape], names: NetworkNames, record: IterationRecord, *,
         learning_rate: float, l2: float = 0.0, frozen: frozenset[str] = frozenset()
         ) -> list[Line]:
    """The lines of one iteration: each shape with the record's numbers."""
    table = scalars(names, record)
    m = len(record.samples)
    places = {s.address: s.recipe[1:] for s in shapes if s.recipe[0] == "factor"}
    lines: list[Line] = []
    for shape in shapes:
        kind = shape.recipe[0]
        if kind == "gradient":
            lines.append(_gradient(shape, record, places, l2))
        elif kind == "update":
            lines.append(_update(shape, record, learning_rate, frozen))
        else:
            if kind in ("z", "a"):
                layer, unit = shape.recipe[1:]
                rec = record.layers[layer - 1]
                raw = (rec.z if kind == "z" else rec.a)[:, unit - 1]
            elif kind == "loss":
                raw = record.sample_losses
            else:
                raw = located_values(*shape.recipe[1:], record)
            values = tuple(float(v) for v in np.broadcast_to(raw, (m,)))
            result = record.loss if kind == "loss" else values[0]
            subs = tuple({n: float(table[n][s]) for n in shape.names} for s in range(m))
            lines.append(Line(shape.section, shape.address, shape.formula, values, subs,
                              float(result), per_sample=kind != "loss" or m == 1,
                              note=shape.note, printed=shape.printed))
    return lines


def _gradient(shape: Shape, record: IterationRecord, places: dict[str, tuple],
              l2: float) -> Line:
    factor = {a: located_values(*places[a], record) for path in shape.paths for a in path}
    per_path = [np.prod([factor[a] for a in path], axis=0) for path in shape.paths]
    values = np.sum(per_path, axis=0)
    subs = tuple({a: float(factor[a][s]) for path in shape.paths for a in path}
                 for s in range(len(record.samples)))
    kind, layer, j, i = shape.recipe[1:]
    rec = record.layers[layer - 1]
    if kind == "weight":
        gradient, l2_term = rec.grad_weights[j - 1, i - 1], rec.l2_weights[j - 1, i - 1]
    else:
        gradient, l2_term = rec.grad_biases[j - 1], 0.0
    return Line("gradients", shape.address, shape.formula, tuple(float(v) for v in values), subs,
                float(gradient), per_sample=False, paths=shape.paths,
                l2_term=float(l2_term) if l2 else 0.0, printed=shape.printed)


def _update(shape: Shape, record: IterationRecord, rate: float, frozen: frozenset[str]) -> Line:
    kind, layer, j, i = shape.recipe[1:]
    rec = record.layers[layer - 1]
    if kind == "weight":
        old, grad, new = (rec.weights[j - 1, i - 1], rec.grad_weights[j - 1, i - 1],
                          rec.weights_after[j - 1, i - 1])
    else:
        old, grad, new = rec.biases[j - 1], rec.grad_biases[j - 1], rec.biases_after[j - 1]
    parameter, gradient = shape.names[0], shape.names[-1]
    subs = {parameter: float(old), RATE: rate, gradient: float(grad)}
    return Line("updates", shape.address, shape.formula, (float(new),), (subs,), float(new),
                per_sample=False, frozen=parameter in frozen, printed=shape.printed)
