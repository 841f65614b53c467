"""Derivation + trace → the worked solution of one iteration, line by line, as plain data.

Each line is one quantity: its address, its formula (sympy, in the symbols a textbook uses),
the numbers that go into the formula and the result, for every sample of the batch. Terminal
tables, Markdown and LaTeX keys, worksheets and grading all read these lines; none computes.
This module derives each line's shape (quantity, formula, where its numbers come from);
lines.py fills in an iteration's numbers.
"""

from __future__ import annotations

import sympy as sp

from ..symbolic.derivation import Chain, Derivation, Factor
from ..training.trace import IterationRecord
from .lines import RATE, Line, Shape, fill

__all__ = ["L2", "LEARNING_RATE", "Line", "shapes", "worked_lines"]

LEARNING_RATE = sp.Symbol(RATE)
L2 = sp.Symbol("λ")


def _ordered_product(symbols: list[sp.Symbol]) -> sp.Expr:
    return sp.Mul(*symbols, evaluate=False) if len(symbols) > 1 else symbols[0]


def _ordered_sum(terms: list[sp.Expr]) -> sp.Expr:
    return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]


def worked_lines(derivation: Derivation, record: IterationRecord, *, learning_rate: float,
                 l2: float = 0.0, frozen: frozenset[str] = frozenset(),
                 only: str | None = None) -> list[Line]:
    """Every line of one iteration, in textbook order (``only``: the lines of one parameter)."""
    return fill(shapes(derivation, frozen=frozen, only=only), derivation.graph.names, record,
                learning_rate=learning_rate, l2=l2, frozen=frozen)


def shapes(derivation: Derivation, *, frozen: frozenset[str] = frozenset(),
           only: str | None = None) -> list[Shape]:
    """Every line's shape, in textbook order (``only``: the lines of one parameter)."""
    graph = derivation.graph
    out: list[Shape] = []

    def add(section: str, address: str, formula: sp.Expr, recipe: tuple, **kw) -> None:
        names = tuple(sorted(s.name for s in formula.free_symbols))
        out.append(Shape(section, address, formula, recipe, names, **kw))

    for units in graph.layers:
        for u in units:
            add("forward", u.net.name, u.net_expression, ("z", u.layer, u.index))
            add("forward", u.out.name, u.activation_expression, ("a", u.layer, u.index))
    add("loss", graph.loss_symbol.name, graph.loss_expression, ("loss",))

    seen: set[str] = set()
    chains = [derivation.chain(only)] if only else list(derivation.chains())
    for chain in chains:
        for f in _chain_factors(chain):
            if f.address not in seen:
                seen.add(f.address)
                add("factors", f.address, f.expression, ("factor", f.role, f.where), note=f.note)
    out.extend(_gradient_shape(chain) for chain in chains)
    out.extend(_update_shape(chain, frozen) for chain in chains)
    return out


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


def _gradient_shape(chain: Chain) -> Shape:
    paths = list(chain.paths()) if chain.expanded else [chain.compact()]
    formula = _ordered_sum([_ordered_product([sp.Symbol(f.address) for f in p]) for p in paths])
    addresses = tuple(tuple(f.address for f in p) for p in paths)
    kind, layer, j, i = chain.derivation.graph.parameter_index[chain.parameter.name]
    return Shape("gradients", chain.address, formula, ("gradient", kind, layer, j, i),
                 tuple(dict.fromkeys(a for path in addresses for a in path)), paths=addresses)


def _update_shape(chain: Chain, frozen: frozenset[str]) -> Shape:
    p = chain.parameter
    kind, layer, j, i = chain.derivation.graph.parameter_index[p.name]
    gradient = sp.Symbol(chain.address)
    formula = p if p.name in frozen else sp.Add(
        p, sp.Mul(-1, sp.Mul(LEARNING_RATE, gradient, evaluate=False), evaluate=False),
        evaluate=False)
    return Shape("updates", f"{p.name}+", formula, ("update", kind, layer, j, i),
                 (p.name, LEARNING_RATE.name, chain.address))
