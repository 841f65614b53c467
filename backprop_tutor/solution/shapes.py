"""Derivation → the worked solution's quantities, each with its formula over earlier ones.

One ordered list per network, in textbook order: the forward pass (z and a of every unit), the
loss, the backward pass (for each unit from the output down: ∂E/∂a, ∂a/∂z, the backpropagated
error δ = ∂E/∂z, then ∂z/∂a below, ∂z/∂w and ∂z/∂b), every gradient as the product of the
factors along its paths (or δ·∂z/∂p where there are more than ``EXPAND_LIMIT`` paths), and every
update. Each quantity's formula is a sympy expression whose symbols are network scalars (w2,
a1, T) or the addresses of earlier quantities (dE/dz2); the address of every quantity is made by
``network.addresses``. Every output of the tool (terminal, explain, key, worksheet, practice,
grading, JSON) reads this one list; solution/lines.py puts an iteration's numbers into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..network.addresses import derivative, updated
from ..scenario.schema import Symbols
from ..symbolic.derivation import Chain, Derivation, Factor
from ..symbolic.graph import Unit
from .optimizer_shapes import optimizer_shapes

__all__ = ["L2", "LEARNING_RATE", "RATE", "Shape", "shapes"]

RATE = "η"  # the learning rate's symbol in an update's formula
LEARNING_RATE = sp.Symbol(RATE)
L2 = sp.Symbol("λ")

FORWARD, LOSS, BACKWARD, GRADIENTS, UPDATES = "forward", "loss", "factors", "gradients", "updates"
OPTIMIZER = "optimizer"
SECTION_ORDER = (FORWARD, LOSS, BACKWARD, GRADIENTS, OPTIMIZER, UPDATES)


@dataclass(frozen=True)
class Shape:
    """One quantity of the worked solution without its numbers.

    ``formula`` is the formula shown; ``alternatives`` are other formulas that give the same
    value from earlier quantities (the δ form of an expanded gradient, ∂E/∂a through ∂z/∂a),
    which grading accepts for error carried forward.
    """

    section: str  # forward | loss | factors | gradients | updates
    address: str  # z1, E, dE/da2, dE/dw2, w2+
    formula: sp.Expr
    per_sample: bool  # one value per sample of the batch (else one for the whole batch)
    paths: tuple[tuple[str, ...], ...] = ()  # gradients: each path as factor addresses
    note: str = ""  # why the formula has the form it has, when not the textbook default
    alternatives: tuple[sp.Expr, ...] = field(default=(), compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        """The formula's symbols by name, sorted: whose numbers each line lists."""
        return tuple(sorted(s.name for s in self.formula.free_symbols))


def _product(symbols: list[sp.Expr]) -> sp.Expr:
    return sp.Mul(*symbols, evaluate=False) if len(symbols) > 1 else symbols[0]


def _sum(terms: list[sp.Expr]) -> sp.Expr:
    return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]


def _ref(factor_or_address: Factor | str) -> sp.Symbol:
    """The symbol standing for an earlier quantity in a later formula."""
    address = getattr(factor_or_address, "address", factor_or_address)
    return sp.Symbol(address)


def shapes(derivation: Derivation, *, frozen: frozenset[str] = frozenset(),
           letters: Symbols | None = None, optimizer: str = "sgd") -> list[Shape]:
    """Every quantity of one iteration, in textbook order, notes in the scenario's letters;
    under an ``optimizer`` other than sgd, its state before the updates, which read it
    (solution/optimizer_shapes.py)."""
    letters = letters or Symbols()
    graph = derivation.graph
    out: list[Shape] = []
    for units in graph.layers:
        for u in units:
            out.append(Shape(FORWARD, u.net.name, u.net_expression, True))
            out.append(Shape(FORWARD, u.out.name, u.activation_expression, True))
    out.append(Shape(LOSS, graph.loss_symbol.name, graph.loss_expression, True))
    for units in reversed(graph.layers):
        out.extend(_backward(derivation, units))
    chains = list(derivation.chains())
    out.extend(_gradient(chain, letters) for chain in chains)
    if optimizer != "sgd":
        formulas = optimizer_shapes(optimizer, [(c.parameter, sp.Symbol(c.address))
                                                for c in chains], frozen, LEARNING_RATE)
        out.extend(Shape(section, address, formula, False, note=note)
                   for section, address, formula, note in formulas)
        return out
    out.extend(_update(chain, frozen) for chain in chains)
    return out


def _upstream(d: Derivation, unit: Unit) -> tuple[sp.Expr, tuple[sp.Expr, ...]]:
    """∂E/∂a of a unit (derivation.upstream_factor), and below the output the same sum through
    the factors ∂z_k/∂a by their addresses."""
    shown = d.upstream_factor(unit).expression
    graph = d.graph
    if unit.layer == len(graph.layers):
        return shown, ()
    E = graph.loss_symbol.name
    through = _sum([sp.Mul(_ref(d.net_factor(v, unit)), _ref(derivative(E, v.net.name)),
                           evaluate=False) for v in graph.layers[unit.layer]])
    return shown, (through,)


def _backward(d: Derivation, units: tuple[Unit, ...]) -> list[Shape]:
    E = d.graph.loss_symbol.name
    out: list[Shape] = []
    coupled = units[0].activation.coupled
    if coupled:  # every a of a softmax layer feeds each δ: all ∂E/∂a come first
        for u in units:
            shown, others = _upstream(d, u)
            out.append(Shape(BACKWARD, derivative(E, u.out.name), shown, True,
                             alternatives=others))
    for u in units:
        if not coupled:
            shown, others = _upstream(d, u)
            out.append(Shape(BACKWARD, derivative(E, u.out.name), shown, True,
                             alternatives=others))
        steps = d.activation_step(u)
        for _, factor in steps:
            out.append(Shape(BACKWARD, factor.address, factor.expression, True))
        delta = d.delta_factor(u)
        if d.is_simplified(u):  # a − T, and the sum it simplifies
            through = _sum([sp.Mul(_ref(derivative(E, source.out.name)), _ref(factor),
                                   evaluate=False) for source, factor in steps])
            out.append(Shape(BACKWARD, delta.address, delta.expression, True, note=delta.note,
                             alternatives=(through,)))
        else:
            out.append(Shape(BACKWARD, delta.address, delta.expression, True))
        for w, x in zip(u.weights, u.inputs, strict=True):
            if u.layer > 1:  # ∂z/∂x of the first layer is in no parameter's chain
                lower = d.graph.layers[u.layer - 2][_position(u.inputs, x)]
                factor = d.net_factor(u, lower)
                out.append(Shape(BACKWARD, factor.address, factor.expression, False))
            factor = d.parameter_factor(u, w)
            out.append(Shape(BACKWARD, factor.address, factor.expression, True))
        if u.bias is not None:  # a layer without bias has no ∂z/∂b
            factor = d.parameter_factor(u, u.bias)
            out.append(Shape(BACKWARD, factor.address, factor.expression, False))
    return out


def _position(items: tuple[sp.Symbol, ...], item: sp.Symbol) -> int:
    for i, candidate in enumerate(items):
        if candidate is item:
            return i
    return items.index(item)


def _gradient(chain: Chain, letters: Symbols) -> Shape:
    compact = chain.compact_paths()
    delta_form = _sum([_product([_ref(f) for f in pair]) for pair in compact])
    n, E, p = chain.path_count, letters.loss, chain.parameter.name
    if len(compact) > 1:  # a shared bias: the sum over the units of its layer, by their δ
        z = letters.net
        units = len(compact)
        note = (f"{p} is one bias shared by the {units} units of its layer: its gradient is the "
                f"sum over them, Σ_j ∂{E}/∂{z}_j·∂{z}_j/∂{p}")
        expanded = _sum([_product([sp.Symbol(f.address) for f in path])
                         for path in chain.paths()]) if chain.expanded else None
        return Shape(GRADIENTS, chain.address, delta_form, False,
                     paths=tuple(tuple(f.address for f in pair) for pair in compact),
                     note=note, alternatives=() if expanded is None else (expanded,))
    if not chain.expanded:
        a, z = letters.activation, letters.net
        note = (f"{n} paths lead from {E} to {p}; they are summed by the backpropagated error "
                f"δ = ∂{E}/∂{z}: at the output δ = ∂{E}/∂{a}·f′({z}), below it "
                f"δ_j = f′({z}_j)·Σ_k {letters.weight}_kj·δ_k")
        compact = tuple(f.address for f in chain.compact())
        return Shape(GRADIENTS, chain.address, delta_form, False, paths=(compact,), note=note)
    paths = [tuple(f.address for f in path) for path in chain.paths()]
    formula = _sum([_product([sp.Symbol(a) for a in path]) for path in paths])
    others = () if formula == delta_form else (delta_form,)
    note = f"a sum over the {n} paths from {E} to {p}" if n > 1 else ""
    return Shape(GRADIENTS, chain.address, formula, False, paths=tuple(paths), note=note,
                 alternatives=others)


def _update(chain: Chain, frozen: frozenset[str]) -> Shape:
    p = chain.parameter
    gradient = sp.Symbol(chain.address)
    formula = p if p.name in frozen else sp.Add(
        p, sp.Mul(-1, sp.Mul(LEARNING_RATE, gradient, evaluate=False), evaluate=False),
        evaluate=False)
    return Shape(UPDATES, updated(p.name), formula, False)
