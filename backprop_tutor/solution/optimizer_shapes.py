"""The quantities an optimizer adds to the worked solution: its state, then the updates that
read it.

For a parameter p with gradient g = ∂E/∂p at step t (training/optimizers.py has the rules and
their source, PyTorch's ``torch.optim``):

- momentum:  v(p)+ = μ·v(p) + g;                p+ = p − η·v(p)+
- nesterov:  v(p)+ = μ·v(p) + g;                p+ = p − η·(g + μ·v(p)+)
- rmsprop:   v(p)+ = ρ·v(p) + (1 − ρ)·g²;       p+ = p − η·g/(√v(p)+ + ε)
- adam:      m(p)+ = β1·m(p) + (1 − β1)·g;      v(p)+ = β2·v(p) + (1 − β2)·g²;
             m̂(p) = m(p)+/(1 − β1ᵗ);   v̂(p) = v(p)+/(1 − β2ᵗ);   p+ = p − η·m̂(p)/(√v̂(p) + ε)

v(p), m(p) are the state before the update (0 before the first), read like the parameter p
itself. A frozen parameter keeps its value and its state: p+ = p, v(p)+ = v(p).
"""

from __future__ import annotations

import sympy as sp

from ..network.addresses import state, updated
from ..scenario.optimizer import STEP_SYMBOL, SYMBOLS

OPTIMIZER, UPDATES = "optimizer", "updates"  # the sections of solution/shapes.py
# one quantity: (section, address, formula, note)
Formula = tuple[str, str, sp.Expr, str]

__all__ = ["optimizer_shapes"]

MU, RHO, BETA1, BETA2, EPSILON = (sp.Symbol(SYMBOLS[k]) for k in
                                  ("momentum", "rho", "beta1", "beta2", "epsilon"))
STEP = sp.Symbol(STEP_SYMBOL)
_NOTES = {
    "momentum": "the velocity v: μ times the last one plus the gradient (torch.optim.SGD)",
    "nesterov": "the velocity v: μ times the last one plus the gradient; the update looks "
                "ahead, g + μ·v (torch.optim.SGD, nesterov=True)",
    "rmsprop": "v: the running mean of the squared gradient (torch.optim.RMSprop)",
    "adam": "Adam's running means of the gradient (m) and of its square (v), divided by "
            "1 − βᵗ at step t to undo their start at 0 (torch.optim.Adam)",
}


def _add(*terms: sp.Expr) -> sp.Expr:
    return sp.Add(*terms, evaluate=False)


def _mul(*factors: sp.Expr) -> sp.Expr:
    return sp.Mul(*factors, evaluate=False)


def _minus(term: sp.Expr) -> sp.Expr:
    return _mul(-1, term)


def _average(decay: sp.Symbol, before: sp.Symbol, term: sp.Expr) -> sp.Expr:
    """decay·before + (1 − decay)·term: a running mean."""
    return _add(_mul(decay, before), _mul(_add(1, _minus(decay)), term))


def _over(top: sp.Expr, bottom: sp.Expr) -> sp.Expr:
    return _mul(top, sp.Pow(bottom, -1, evaluate=False))


def optimizer_shapes(name: str, parameters: list[tuple[sp.Symbol, sp.Symbol]],
                     frozen: frozenset[str], rate: sp.Symbol) -> list[Formula]:
    """The optimizer's state quantities of every parameter, then every update, for
    ``parameters`` given as (parameter, the symbol of its gradient), in order; ``rate`` is the
    learning rate's symbol."""
    states: list[Formula] = []
    updates: list[Formula] = []
    note = _NOTES[name]
    for p, g in parameters:
        held = p.name in frozen

        def before(kind: str, p: sp.Symbol = p) -> sp.Symbol:
            return sp.Symbol(state(kind, p.name))

        def after(kind: str, p: sp.Symbol = p) -> sp.Symbol:
            return sp.Symbol(updated(state(kind, p.name)))

        def kept(kind: str, formula: sp.Expr, held: bool = held) -> Formula:
            return OPTIMIZER, after(kind).name, before(kind) if held else formula, note

        square = sp.Pow(g, 2, evaluate=False)
        if name in ("momentum", "nesterov"):
            states.append(kept("v", _add(_mul(MU, before("v")), g)))
            change: sp.Expr = after("v") if name == "momentum" else _add(g, _mul(MU, after("v")))
        elif name == "rmsprop":
            states.append(kept("v", _average(RHO, before("v"), square)))
            change = _over(g, _add(sp.sqrt(after("v"), evaluate=False), EPSILON))
        else:  # adam
            m_hat, v_hat = (sp.Symbol(state(k, p.name)) for k in ("mhat", "vhat"))
            states += [
                kept("m", _average(BETA1, before("m"), g)),
                kept("v", _average(BETA2, before("v"), square)),
                (OPTIMIZER, m_hat.name,
                 _over(after("m"), _add(1, _minus(sp.Pow(BETA1, STEP, evaluate=False)))), note),
                (OPTIMIZER, v_hat.name,
                 _over(after("v"), _add(1, _minus(sp.Pow(BETA2, STEP, evaluate=False)))), note),
            ]
            change = _over(m_hat, _add(sp.sqrt(v_hat, evaluate=False), EPSILON))
        formula = p if held else _add(p, _minus(_mul(rate, change)))
        updates.append((UPDATES, updated(p.name), formula, ""))
    return states + updates
