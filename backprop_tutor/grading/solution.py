"""The worked solution as a computation: every quantity from its formula, in textbook order.

Each step of an iteration is evaluated from the quantities before it by the formula the worked
solution shows (``worked.Line``), so it can be re-evaluated from a student's own earlier values
(error carried forward) or with a classic mistake made in one place (named mistakes).
A step whose formula does not reproduce the key is kept as a fixed value and never re-evaluated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from ..solution.run import Run
from ..solution.shapes import L2, LEARNING_RATE, Line
from ..solution.values import iteration_values, parameter_values
from ..symbolic.graph import Graph

# a formula reproduces its key when it agrees to this relative precision
SELF_CHECK = 1e-9


@dataclass(frozen=True)
class Formula:
    """One way to compute a quantity: a sympy expression compiled over its symbols' names."""

    expression: sp.Expr
    names: tuple[str, ...]
    function: Callable[..., float] = field(repr=False, compare=False)

    @classmethod
    def of(cls, expression: sp.Expr) -> Formula:
        """Compile an expression (its symbols are addressed by name)."""
        symbols = sorted(expression.free_symbols, key=lambda s: s.name)
        function = sp.lambdify(symbols, expression, modules="math")
        return cls(expression, tuple(s.name for s in symbols), function)

    def __call__(self, args: Iterable[float]) -> float:
        try:
            return float(self.function(*args))
        except (OverflowError, ZeroDivisionError, ValueError, TypeError):
            return math.nan


@dataclass(frozen=True)
class Edit:
    """A change to one step: the mistake made there.

    ``swap`` reads another quantity in place of an argument, ``set`` puts a number in its place;
    ``scale`` multiplies the step's result and ``value`` replaces it (after any swap or set).
    """

    at: str  # a step's address; without an @s suffix it applies to every sample
    swap: tuple[tuple[str, str], ...] = ()
    set: tuple[tuple[str, float], ...] = ()
    scale: float = 1.0
    value: float | None = None


@dataclass(frozen=True)
class Step:
    """One quantity of the iteration and the formulas that compute it (the shown one first)."""

    address: str
    section: str
    formulas: tuple[Formula, ...]
    suffixes: tuple[str, ...]  # the samples it is evaluated on; several: the mean over them
    constant: float = 0.0  # added after the mean: the L2 term of a gradient

    @property
    def base(self) -> str:
        """The address without its sample suffix."""
        return self.address.split("@", 1)[0]


def _sym(name: str) -> sp.Symbol:
    return sp.Symbol(name)


def _extra_formulas(graph: Graph) -> dict[str, list[sp.Expr]]:
    """Formulas of quantities the worked solution computes inline: δ, ∂E/∂a below the output,
    and the δ form of every gradient, each in the addresses of the values map."""
    E = graph.loss_symbol.name
    out: dict[str, list[sp.Expr]] = {}
    for depth, units in enumerate(graph.layers, start=1):
        above = graph.layers[depth] if depth < len(graph.layers) else ()
        for k, u in enumerate(units):
            a, z = u.out.name, u.net.name
            out.setdefault(f"d{E}/d{z}", []).append(
                sp.Mul(_sym(f"d{E}/d{a}"), _sym(f"d{a}/d{z}"), evaluate=False))
            if above:
                out.setdefault(f"d{E}/d{a}", []).append(sp.Add(*(
                    sp.Mul(_sym(f"d{v.net.name}/d{a}"), _sym(f"d{E}/d{v.net.name}"),
                           evaluate=False) for v in above), evaluate=False))
            else:
                out.setdefault(f"d{E}/d{a}", []).append(graph.loss_derivative(k))
            out.setdefault(f"d{a}/d{z}", []).append(u.activation_derivative)
            for w, x in zip(u.weights, u.inputs, strict=True):
                if u.layer > 1:
                    out.setdefault(f"d{z}/d{x.name}", []).append(w)
                out.setdefault(f"d{z}/d{w.name}", []).append(x)
                out.setdefault(f"d{E}/d{w.name}", []).append(
                    sp.Mul(_sym(f"d{E}/d{z}"), _sym(f"d{z}/d{w.name}"), evaluate=False))
            out.setdefault(f"d{z}/d{u.bias.name}", []).append(sp.Integer(1))
            out.setdefault(f"d{E}/d{u.bias.name}", []).append(
                sp.Mul(_sym(f"d{E}/d{z}"), _sym(f"d{z}/d{u.bias.name}"), evaluate=False))
    return out


class Solution:
    """The key of one iteration of a run, and the means to re-evaluate it."""

    def __init__(self, run: Run, iteration: int = 1) -> None:
        record = run.record(iteration)
        self.run = run
        self.graph = run.graph
        self.lines: dict[str, Line] = {line.address: line for line in run.lines(record)}
        self.key: dict[str, float] = iteration_values(run.plan, record)
        self.parameters = parameter_values(
            run.plan, tuple(r.weights for r in record.layers),
            tuple(r.biases for r in record.layers))
        self.suffixes = tuple(sorted({a.split("@", 1)[1] for a in self.key if "@" in a},
                                     key=int))
        self.suffixes = tuple(f"@{s}" for s in self.suffixes) or ("",)
        self.base_env: dict[str, float] = {
            **self.parameters, LEARNING_RATE.name: run.scenario.learning_rate,
            L2.name: run.scenario.l2, **self.key}
        self.steps: dict[str, Step] = {}
        extra = _extra_formulas(run.graph)
        batch = len(self.suffixes) > 1
        for address in self.key:
            base, _, suffix = address.partition("@")
            line = self.lines.get(base)
            expressions = [line.formula] if line else []
            expressions += [e for e in extra.get(base, []) if e not in expressions]
            if not expressions:
                continue  # an input or a target: given, not computed
            averaged = batch and not suffix and line is not None and not line.per_sample
            suffixes = self.suffixes if averaged else ((f"@{suffix}",) if suffix else ("",))
            constant = line.l2_term if line is not None and line.section == "gradients" else 0.0
            section = line.section if line else _section(base, run.graph)
            step = Step(address, section, (), suffixes, constant)
            formulas = tuple(f for f in (Formula.of(e) for e in expressions)
                             if self._reproduces(step, f))
            self.steps[address] = Step(address, section, formulas, suffixes, constant)

    def _resolve(self, name: str, suffix: str) -> str:
        return name + suffix if suffix and name + suffix in self.base_env else name

    def _reproduces(self, step: Step, formula: Formula) -> bool:
        if any(self._resolve(n, suffix) not in self.base_env
               for n in formula.names for suffix in step.suffixes):
            return False
        value = self._apply(step, formula, self.base_env, None)
        key = self.key[step.address]
        return math.isfinite(value) and abs(value - key) <= SELF_CHECK * max(1.0, abs(key))

    def _apply(self, step: Step, formula: Formula, env: Mapping[str, float],
               edit: Edit | None) -> float:
        swap = dict(edit.swap) if edit else {}
        fixed = dict(edit.set) if edit else {}
        total = 0.0
        for suffix in step.suffixes:
            args = []
            for name in formula.names:
                if name in fixed:
                    args.append(fixed[name])
                else:
                    args.append(env[self._resolve(swap.get(name, name), suffix)])
            total += formula(args)
        return total / len(step.suffixes) + step.constant

    def reads(self, address: str, formula: int = 0) -> set[str]:
        """The quantities one of a step's formulas reads (addresses and leaf names)."""
        step = self.steps.get(address)
        if step is None or len(step.formulas) <= formula:
            return set()
        return {self._resolve(n, s) for n in step.formulas[formula].names for s in step.suffixes}

    def depends(self, address: str, formula: int = 0) -> set[str]:
        """Every quantity one of a step's formulas uses, directly or through earlier steps."""
        read = self.reads(address, formula)
        return read.union(*(self.ancestors(a) for a in read))

    @cached_property
    def _ancestors(self) -> dict[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        for address in self.steps:
            found: set[str] = set()
            for name in self.reads(address):
                if name in self.steps:
                    found |= {name, *out.get(name, ())}
            out[address] = frozenset(found)
        return out

    def ancestors(self, address: str) -> frozenset[str]:
        """Every computed quantity the step depends on, directly or not."""
        return self._ancestors.get(address, frozenset())

    def computable(self, address: str) -> bool:
        """Whether the step has a formula that reproduces its key."""
        step = self.steps.get(address)
        return step is not None and bool(step.formulas)

    def evaluate(self, target: str, *, edits: Iterable[Edit] = (),
                 given: Mapping[str, float] | None = None, formula: int = 0) -> float:
        """The target's value with the edits made, from the student's ``given`` values if any.

        A given value stands in for its step (an edit's scale or value then applies to it);
        the target itself is always computed, with its ``formula``-th formula.
        """
        by_step: dict[str, Edit] = {}
        for edit in edits:
            by_step[edit.at] = edit
        env = dict(self.base_env)
        for address, step in self.steps.items():
            edit = by_step.get(address) or by_step.get(step.base)
            if address == target:
                return self._finish(self._apply(step, step.formulas[formula], env, edit), edit)
            if given is not None and address in given:
                env[address] = self._finish(given[address], edit)
            elif step.formulas and (edit is not None or given is not None):
                env[address] = self._finish(self._apply(step, step.formulas[0], env, edit), edit)
        raise KeyError(target)

    @staticmethod
    def _finish(value: float, edit: Edit | None) -> float:
        if edit is None:
            return value
        if edit.value is not None:
            value = edit.value
        return value * edit.scale


def _section(base: str, graph: Graph) -> str:
    E = graph.loss_symbol.name
    if base.startswith(f"d{E}/d"):
        name = base[len(E) + 2:]
        return "gradients" if name in graph.parameter_index else "factors"
    return "factors" if base.startswith("d") and "/" in base else "forward"
