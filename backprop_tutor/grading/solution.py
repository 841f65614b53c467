"""The worked solution as a computation: every quantity from its formula, in textbook order.

Each number of an iteration (a row of the worked solution's lines) is evaluated from the
quantities before it by the formula the worked solution shows, printed once as NumPy source
(solution/printed.py, form ``code``) and evaluated by the kernel interpreter
(network/kernels.py), so it can be re-evaluated from a student's own earlier values (error
carried forward) or with a classic mistake made in one place (named mistakes). A formula that
does not reproduce the key is never used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..network.addresses import at_sample, base
from ..network.kernels import Kernel, KernelError, compile_kernel
from ..solution.lines import L2, RATE, Code, Line
from ..solution.run import Run
from ..solution.values import iteration_values, parameter_values

# a formula reproduces its key when it agrees to this relative precision
SELF_CHECK = 1e-9


@dataclass(frozen=True)
class Formula:
    """One way to compute a quantity: NumPy source over the named quantities it reads."""

    names: tuple[str, ...]
    source: str
    function: Callable[..., object] = field(repr=False, compare=False)

    @classmethod
    def of(cls, code: Code) -> Formula:
        """Compile a formula's code (a trailing unused argument keeps constants callable);
        KernelError if it is not arithmetic on its arguments."""
        args = (*(f"v{i}" for i in range(len(code.names))), "unused")
        return cls(code.names, code.source, compile_kernel(Kernel(args, code.source)))

    def __call__(self, args: Iterable[float]) -> float:
        try:
            with np.errstate(all="ignore"):
                return float(self.function(*(np.float64(a) for a in args), np.float64(0.0)))
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
    """One number of the iteration and the formulas that compute it (the shown one first)."""

    address: str
    section: str
    formulas: tuple[Formula, ...]
    suffixes: tuple[str, ...]  # the samples it is evaluated on; several: the mean over them
    constant: float = 0.0  # added after the mean: the L2 term of a gradient

    @property
    def base(self) -> str:
        """The address without its sample suffix."""
        return base(self.address)


class Solution:
    """The key of one iteration of a run, and the means to re-evaluate it."""

    def __init__(self, run: Run, iteration: int = 1) -> None:
        record = run.record(iteration)
        self.run = run
        self.iteration = iteration
        self.plan = run.plan
        self.lines: list[Line] = run.lines(record, form="code")
        values = iteration_values(run.plan, record)
        given = set(run.plan.inputs) | set(run.plan.targets)
        # the inputs and targets (given, not computed), then every row of the worked solution
        self.key: dict[str, float] = {a: v for a, v in values.items() if base(a) in given}
        self.key.update((row.address, row.value) for line in self.lines for row in line.rows())
        self.parameters = parameter_values(
            run.plan, tuple(r.weights for r in record.layers),
            tuple(r.biases for r in record.layers))
        self.suffixes = tuple(at_sample("", s) for s in record.samples) \
            if len(record.samples) > 1 else ("",)
        self.base_env: dict[str, float] = {
            **self.parameters, RATE: run.scenario.learning_rate, L2: run.scenario.l2,
            **self.key}
        self.steps: dict[str, Step] = {}
        for line in self.lines:
            constant = line.l2_term if line.section == "gradients" else 0.0
            for row in line.rows():
                if row.sample is not None:
                    suffixes: tuple[str, ...] = (self.suffixes[row.sample],)
                else:
                    suffixes = self.suffixes if line.per_sample or line.section == "gradients" \
                        else ("",)
                step = Step(row.address, line.section, (), suffixes, constant)
                formulas = []
                for code in line.quantity.code:
                    try:
                        formula = Formula.of(code)
                    except KernelError:
                        continue
                    if self._reproduces(step, formula):
                        formulas.append(formula)
                self.steps[row.address] = Step(row.address, line.section, tuple(formulas),
                                               suffixes, constant)

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

    @cached_property
    def previous(self) -> dict[str, float]:
        """The iteration before this one: every quantity by address, and each parameter's value
        then (w1: the weight before the last update); empty in iteration 1."""
        if self.iteration == 1:
            return {}
        try:
            record = self.run.record(self.iteration - 1)
        except KeyError:  # not kept in full
            return {}
        return {**iteration_values(self.plan, record),
                **parameter_values(self.plan, tuple(r.weights for r in record.layers),
                                   tuple(r.biases for r in record.layers))}

    def start(self, address: str) -> float | None:
        """For an update w+ = w − η·∂E/∂w, the parameter's value before it (w), from which
        the update's change is judged; None for every other quantity."""
        step = self.steps.get(address)
        if step is None or step.section != "updates":
            return None
        return self.parameters.get(base(address).removesuffix("+"))

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
        needed = self.depends(target, formula)  # the rest cannot change the target
        for address, step in self.steps.items():
            if address != target and address not in needed:
                continue
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
