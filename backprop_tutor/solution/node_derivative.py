"""Derive ∂N/∂V, the derivative of any node by a parameter or an input, as plain data.

The factors are the worked solution's own quantities, printed as every output prints them
(solution/worked.py); only ∂z/∂x of the first layer, the errors ∂N/∂a and ∂N/∂z of the δ form
and ∂N/∂V itself are new, each a sum of products of earlier ones (symbolic/node_chain.py),
printed here and written as NumPy source that solution/node_lines.py evaluates on the trace.
This module imports sympy; node_lines.py does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from ..symbolic.derivation import Factor
from ..symbolic.forms import code_of, text_form
from ..symbolic.node_chain import NodeChain, find_node
from .lines import Code, Quantity
from .node_lines import NodeDerivative
from .worked import quantities

if TYPE_CHECKING:
    from .run import Run

FACTORS = "factors"


def _new(address: str, expr: sp.Expr, note: str = "", *, evaluated: bool) -> Quantity:
    names = tuple(sorted(s.name for s in expr.free_symbols))
    code = (Code(*code_of(expr)),) if evaluated else ()
    return Quantity(FACTORS, address, True, names, note=note,
                    printed=text_form(expr, names), code=code)


def node_derivative(run: Run, node: str, variable: str) -> NodeDerivative:
    """∂``node``/∂``variable``: its factors, the errors of its δ form, and itself.

    ``node`` is the loss's letter or a unit's z or a; ``variable`` a parameter or an input
    (KeyError otherwise: the command line checks names first)."""
    d = run.derivation
    found = find_node(d, node)
    if found is None:
        raise KeyError(f"no node is called '{node}'")
    chain = NodeChain(d, found, variable)
    n = chain.path_count
    if n == 0:
        return NodeDerivative(node, variable, 0, "zero", chain.independence(), ())
    worked = {q.address: q for q in quantities(run, "text")}
    shown: dict[str, Quantity] = {}

    def factor(f: Factor) -> None:
        if f.address not in shown:
            shown[f.address] = worked.get(f.address) or _new(f.address, f.expression,
                                                             f.note, evaluated=False)

    letters = run.scenario.symbols
    v = variable
    if chain.expanded:
        paths = list(chain.paths())
        for path in paths:
            for f in path:
                factor(f)
        formula = _sum([_product([sp.Symbol(f.address) for f in path]) for path in paths])
        note = (f"a sum over the {n} paths from {node} to {v}: each path contributes the "
                "product of every factor along it") if n > 1 else ""
        out = [*shown.values(), _new(chain.address, formula, note, evaluated=True)]
        return NodeDerivative(node, variable, n, "paths", note, tuple(out))
    intermediates, formula, reads = chain.compact()
    locals_ = {chain.local(t).address: chain.local(t) for t in chain.targets}
    if found.kind == "loss":  # the backpropagated errors δ: the worked solution's own
        wanted = _closure(worked, [a for a in reads if a not in locals_])
        for q in worked.values():
            if q.address in wanted:
                shown[q.address] = q
        note = (f"{n} paths lead from {node} to {v}; they are summed by the backpropagated "
                f"error δ = ∂{node}/∂{letters.net}: at the output δ = ∂{node}/∂{letters.activation}"
                f"·f′({letters.net}), below it δ_j = f′({letters.net}_j)·Σ_k "
                f"{letters.weight}_kj·δ_k")
    else:
        basic = _basic_factors(chain)
        for step in intermediates:
            for address in step.reads:
                if address in basic:
                    factor(basic[address])
            shown[step.address] = _new(step.address, step.expression, evaluated=True)
        for address in reads:
            if address in basic:
                factor(basic[address])
        z, a = letters.net, letters.activation
        note = (f"{n} paths lead from {node} to {v}; they are summed through the derivatives "
                f"of {node} by each unit's net input, from the top down: "
                f"∂{node}/∂{z}_j = ∂{node}/∂{a}_j·f′({z}_j), "
                f"∂{node}/∂{a}_j = Σ_k {letters.weight}_kj·∂{node}/∂{z}_k")
    for f in locals_.values():
        factor(f)
    out = [*shown.values(), _new(chain.address, formula, note, evaluated=True)]
    return NodeDerivative(node, variable, n, "delta", note, tuple(out))


def _basic_factors(chain: NodeChain) -> dict[str, Factor]:
    """Every local factor below the node, by address (what the δ form's errors read)."""
    d = chain.d
    unit = chain.node.unit
    assert unit is not None
    found: dict[str, Factor] = {}
    layers = d.graph.layers
    for depth in range(unit.layer, chain.targets[0].layer - 1, -1):
        for u in layers[depth - 1]:
            if depth < unit.layer or u is unit or u.activation.coupled:
                for _, f in d.activation_step(u):
                    found[f.address] = f
            if depth < unit.layer:
                for upper in layers[depth]:
                    f = d.net_factor(upper, u)
                    found[f.address] = f
    return found


def _closure(worked: dict[str, Quantity], start: list[str]) -> set[str]:
    """The backward-pass quantities ``start`` is built from, followed through their formulas."""
    wanted: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        q = worked.get(name)
        if q is None or q.section != FACTORS or name in wanted:
            continue
        wanted.add(name)
        todo.extend(q.names)
    return wanted


def _product(symbols: list[sp.Expr]) -> sp.Expr:
    return sp.Mul(*symbols, evaluate=False) if len(symbols) > 1 else symbols[0]


def _sum(terms: list[sp.Expr]) -> sp.Expr:
    return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]
