"""Derivation + trace → the worked solution of one iteration, line by line, as plain data.

Each line is one quantity: its address, its formula (sympy, in the symbols a textbook uses),
the numbers that go into the formula and the result, for every sample of the batch. Terminal
tables, Markdown and LaTeX keys, worksheets and grading all read these lines; none computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .derivation import Chain, Derivation, Factor
from .graph import Graph
from .trace import IterationRecord
from .values import factor_values

LEARNING_RATE = sp.Symbol("η")
L2 = sp.Symbol("λ")


@dataclass(frozen=True)
class Line:
    """One quantity of the worked solution."""

    section: str  # forward | loss | factors | gradients | updates
    address: str  # z1, E, dE/da2, dE/dw2, w2+
    formula: sp.Expr
    values: tuple[float, ...]  # one per sample of the batch
    substitutions: tuple[dict[str, float], ...]  # per sample: symbol name → its number
    result: float  # the value that counts: the sample's value, or the batch's mean
    per_sample: bool = True  # False when the line is one number for the whole batch
    paths: tuple[tuple[str, ...], ...] = ()  # gradients: each path as factor addresses
    l2_term: float = 0.0  # gradients of weights: λ·w
    frozen: bool = False
    extra: dict[str, float] = field(default_factory=dict)
    note: str = ""  # factors: why the factor has the form it has (softmax with cross-entropy)


def _ordered_product(symbols: list[sp.Symbol]) -> sp.Expr:
    return sp.Mul(*symbols, evaluate=False) if len(symbols) > 1 else symbols[0]


def _ordered_sum(terms: list[sp.Expr]) -> sp.Expr:
    return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]


class _Scalars:
    """Per-sample values of every named scalar of one iteration."""

    def __init__(self, graph: Graph, record: IterationRecord) -> None:
        m = len(record.samples)
        table: dict[str, np.ndarray] = {}
        for i, x in enumerate(graph.inputs):
            table[x.name] = record.inputs[:, i]
        for k, t in enumerate(graph.targets):
            table[t.name] = record.targets[:, k]
        E = graph.loss_symbol.name
        for units, rec in zip(graph.layers, record.layers, strict=True):
            for j, u in enumerate(units):
                table[u.net.name] = rec.z[:, j]
                table[u.out.name] = rec.a[:, j]
                table[u.bias.name] = np.full(m, rec.biases[j])
                table[f"d{E}/d{u.net.name}"] = rec.dE_dz[:, j]
                table[f"d{E}/d{u.out.name}"] = rec.dE_da[:, j]
                for i, w in enumerate(u.weights):
                    table[w.name] = np.full(m, rec.weights[j, i])
        self.table = table

    def substitutions(self, expr: sp.Expr) -> tuple[dict[str, float], ...]:
        names = sorted(s.name for s in expr.free_symbols)
        m = len(next(iter(self.table.values())))
        return tuple({n: float(self.table[n][s]) for n in names} for s in range(m))


def worked_lines(derivation: Derivation, record: IterationRecord, *, learning_rate: float,
                 l2: float = 0.0, frozen: frozenset[str] = frozenset(),
                 only: str | None = None) -> list[Line]:
    """Every line of one iteration, in textbook order (``only``: the lines of one parameter)."""
    graph = derivation.graph
    scalars = _Scalars(graph, record)
    lines: list[Line] = []

    def add(section: str, address: str, formula: sp.Expr, values: np.ndarray, **kw) -> None:
        values = tuple(float(v) for v in np.broadcast_to(values, (len(record.samples),)))
        result = kw.pop("result", values[0])
        lines.append(Line(section, address, formula, values, scalars.substitutions(formula),
                          float(result), **kw))

    for units, rec in zip(graph.layers, record.layers, strict=True):
        for j, u in enumerate(units):
            add("forward", u.net.name, u.net_expression, rec.z[:, j])
            add("forward", u.out.name, u.activation_expression, rec.a[:, j])
    add("loss", graph.loss_symbol.name, graph.loss_expression, record.sample_losses,
        result=record.loss, per_sample=len(record.samples) == 1)

    seen: set[str] = set()
    chains = [derivation.chain(only)] if only else list(derivation.chains())
    for chain in chains:
        for f in _chain_factors(chain):
            if f.address not in seen:
                seen.add(f.address)
                add("factors", f.address, f.expression, factor_values(f, record), note=f.note)

    for chain in chains:
        lines.append(_gradient_line(chain, record, scalars, l2))
    for chain in chains:
        lines.append(_update_line(chain, record, learning_rate, frozen))
    return lines


def _chain_factors(chain: Chain) -> list[Factor]:
    if chain.expanded:
        return list(chain.factors())
    d = chain.derivation
    # the δ of every unit from the output down to this one, each after the factors it uses,
    # then ∂z/∂p
    out: list[Factor] = []
    last = len(d.graph.layers)
    for layer in reversed(d.graph.layers[chain.unit.layer - 1:]):
        for unit in layer:
            if unit.layer == chain.unit.layer and unit is not chain.unit:
                continue  # in its own layer, only the parameter's unit is on the way
            if not d.is_simplified(unit):
                if unit.layer == last:
                    out.append(d.loss_factor(unit.index))
                out.extend(factor for _, factor in d.activation_step(unit))
            out.append(d.delta_factor(unit))
    out.append(chain.compact()[1])
    return out


def _gradient_line(chain: Chain, record: IterationRecord, scalars: _Scalars, l2: float) -> Line:
    graph = chain.derivation.graph
    paths = list(chain.paths()) if chain.expanded else [chain.compact()]
    per_path = [np.prod([factor_values(f, record) for f in path], axis=0) for path in paths]
    values = np.sum(per_path, axis=0)
    formula = _ordered_sum([_ordered_product([sp.Symbol(f.address) for f in p]) for p in paths])
    subs = tuple(
        {f.address: float(factor_values(f, record)[s]) for p in paths for f in p}
        for s in range(len(record.samples))
    )
    rec = record.layers[chain.unit.layer - 1]
    kind, _, j, i = graph.parameter_index[chain.parameter.name]
    if kind == "weight":
        gradient, l2_term = rec.grad_weights[j - 1, i - 1], rec.l2_weights[j - 1, i - 1]
    else:
        gradient, l2_term = rec.grad_biases[j - 1], 0.0
    return Line("gradients", chain.address, formula, tuple(float(v) for v in values), subs,
                float(gradient), per_sample=False,
                paths=tuple(tuple(f.address for f in p) for p in paths),
                l2_term=float(l2_term) if l2 else 0.0)


def _update_line(chain: Chain, record: IterationRecord, rate: float,
                 frozen: frozenset[str]) -> Line:
    graph = chain.derivation.graph
    p = chain.parameter
    rec = record.layers[chain.unit.layer - 1]
    kind, _, j, i = graph.parameter_index[p.name]
    if kind == "weight":
        old, grad, new = (rec.weights[j - 1, i - 1], rec.grad_weights[j - 1, i - 1],
                          rec.weights_after[j - 1, i - 1])
    else:
        old, grad, new = rec.biases[j - 1], rec.grad_biases[j - 1], rec.biases_after[j - 1]
    is_frozen = p.name in frozen
    gradient = sp.Symbol(chain.address)
    formula = p if is_frozen else sp.Add(
        p, sp.Mul(-1, sp.Mul(LEARNING_RATE, gradient, evaluate=False), evaluate=False),
        evaluate=False)
    subs = {p.name: float(old), LEARNING_RATE.name: rate, chain.address: float(grad)}
    return Line("updates", f"{p.name}+", formula, (float(new),), (subs,), float(new),
                per_sample=False, frozen=is_frozen)
