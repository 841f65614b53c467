"""The printed chains of a network: each parameter's gradient as paths of chain-rule factors,
and each factor's symbolic form as sympy text and LaTeX, as plain data.

It depends only on the network, not on its numbers, so it is made once per network and kept
(cache.py, read by json_layout.py). This module imports sympy; json_layout.py does not.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.str import StrPrinter

from ..symbolic.derivation import Derivation, Factor
from ..symbolic.graph import Unit
from ..symbolic.printers import latex_symbol, latex_text
from .json_types import ChainLayout, FactorForm, GradientForm
from .run import Run


def chain_layout(run: Run) -> ChainLayout:
    """``factors``: address → the factor's printed form, each factor once, in the order the
    chains first name them; ``gradients``: parameter → its form and paths of factor addresses."""
    printed = _Printed()
    factors: dict[str, FactorForm] = {}
    gradients: dict[str, GradientForm] = {}
    d = run.derivation
    explained: set[tuple[int, int]] = set()  # units whose δ's factors are in ``factors``
    for chain in d.chains():
        shared = len(chain.members) > 1  # a shared bias: δ_j·∂z_j/∂b summed over its layer
        paths = list(chain.compact_paths()) if shared or not chain.expanded \
            else list(chain.paths())
        addresses = []
        for path in paths:
            row = []
            for f in path:
                row.append(f.address)
                if f.address not in factors:  # a factor is shared by many chains
                    factors[f.address] = _form(f, printed)
            addresses.append(row)
        for unit in chain.members if shared or not chain.expanded else ():
            place = (unit.layer, unit.index)
            if place not in explained:
                # δ's formula reads ∂E/∂a and ∂a/∂z, and ∂E/∂a the δ of the layer above
                explained.add(place)
                _add_delta_factors(d, unit, factors, printed)
        gradients[chain.parameter.name] = {
            "form": "delta" if shared or not chain.expanded else "paths", "paths": addresses}
    return {"factors": factors, "gradients": gradients}


def _add_delta_factors(d: Derivation, unit: Unit, factors: dict[str, FactorForm],
                       printed: _Printed) -> None:
    """The factors δ of ``unit`` is made of, and theirs, up to the loss (each once)."""
    todo = [unit]
    while todo:
        u = todo.pop()
        if d.is_simplified(u):
            continue
        steps = d.activation_step(u)
        for source, factor in steps:
            upstream = d.upstream_factor(source)
            for f in (upstream, factor):
                if f.address not in factors:
                    factors[f.address] = _form(f, printed)
            if source.layer < len(d.graph.layers):
                for upper in d.graph.layers[source.layer]:
                    delta = d.delta_factor(upper)
                    if delta.address not in factors:
                        factors[delta.address] = _form(delta, printed)
                        todo.append(upper)


def _form(f: Factor, printed: _Printed) -> FactorForm:
    expression, latex = printed(f)
    form: FactorForm = {"expression": expression, "latex": latex}
    if f.note:
        form["note"] = f.note
    return form


class _Printed:
    """Each factor's expression printed once per run: as text and as LaTeX.

    The δ of every unit of a layer has the same tree with other symbols, and a wide layer's δ
    is a long sum: it is printed once per tree shape, with numbered placeholders for the
    symbols, and each unit's names are put in. The δ sums keep the order they were built in
    (k = 1, 2, ..., not sorted by name), which is the order of the backpropagation recursion.
    """

    def __init__(self) -> None:
        self._by_address: dict[str, tuple[str, str]] = {}
        self._by_shape: dict[tuple, tuple[str, str] | None] = {}
        # the same few names (a unit's inputs, the δ of the layer above) recur in many factors
        self._latex_names: dict[str, str] = {}

    def _latex_symbol(self, name: str) -> str:
        found = self._latex_names.get(name)
        if found is None:
            found = self._latex_names[name] = latex_symbol(name)
        return found

    def __call__(self, factor: Factor) -> tuple[str, str]:
        found = self._by_address.get(factor.address)
        if found is None:
            found = self._print(factor)
            self._by_address[factor.address] = found
        return found

    def _print(self, factor: Factor) -> tuple[str, str]:
        expr = factor.expression
        if isinstance(expr, sp.Symbol):  # most factors are a bare weight or input
            return expr.name, self._latex_symbol(expr.name)
        if factor.role not in ("delta", "upstream"):  # the long sums of a wide layer
            return str(expr), latex_text(expr)
        order: dict[sp.Symbol, int] = {}
        shape = _shape(expr, order)
        names = [s.name for s in order]
        if shape not in self._by_shape:
            self._by_shape[shape] = _template(expr, list(order))
        template = self._by_shape[shape]
        if template is None:
            return _in_order(expr), latex_text(expr)
        return _fill(template[0], names), _fill(template[1], [self._latex_symbol(n) for n in names])


_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


class _OrderedText(StrPrinter):
    """sympy's str form, terms in the order they were built; symbols as given."""

    def __init__(self, names: dict[sp.Symbol, str] | None = None) -> None:
        super().__init__({"order": "none"})
        self.names = names or {}

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self.names.get(expr, expr.name)


def _in_order(expr: sp.Expr) -> str:
    return _OrderedText().doprint(expr)


def _shape(expr: sp.Basic, order: dict[sp.Symbol, int]) -> tuple:
    # the tree with each symbol replaced by the position of its first appearance
    if isinstance(expr, sp.Symbol):
        return ("symbol", order.setdefault(expr, len(order)))
    if not expr.args:
        return (type(expr), expr)
    return (type(expr), *(_shape(arg, order) for arg in expr.args))


def _fill(template: str, names: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: names[int(m.group(1))], template)


def _template(expr: sp.Expr, symbols: list[sp.Symbol]) -> tuple[str, str] | None:
    tokens = {s: f"\ue000{k}\ue001" for k, s in enumerate(symbols)}
    text = _OrderedText(tokens).doprint(expr)
    latex = sp.latex(expr, order="none", symbol_names=tokens)
    names = [s.name for s in symbols]
    # a printer that looked at the names themselves would make the template wrong
    if (_fill(text, names) != _in_order(expr)
            or _fill(latex, [latex_symbol(n) for n in names]) != latex_text(expr)):
        return None
    return text, latex
