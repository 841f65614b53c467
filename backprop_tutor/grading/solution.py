"""The worked solution as a computation: every quantity from its formula, in textbook order.

Each number of an iteration (a row of the worked solution's lines) is evaluated from the
quantities before it by the formula the worked solution shows, printed once as NumPy source
(solution/printed.py, form ``code``) and evaluated by the kernel interpreter
(network/kernels.py), so it can be re-evaluated from a student's own earlier values (error
carried forward) or with a classic mistake made in one place (named mistakes). A formula that
does not reproduce the key is never used.

Nothing is built for the whole network: a quantity's formulas are compiled, its key looked up and
what it depends on searched only when grading asks for that quantity, so the cost of a sheet grows
with its answers and what they are computed from, not with the network or its samples.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np

from ..errors import InputError
from ..network.addresses import at_sample, base, normalise, sample_of, state_of
from ..network.kernels import Kernel, KernelError, compile_kernel
from ..scenario.optimizer import STEP_SYMBOL, constants
from ..solution.lines import L2, RATE, Code, Quantity, quantity_columns, result_of
from ..solution.run import Run
from ..solution.values import iteration_values, parameter_values
from ..solution.worked import quantities
from .worksheet import SECTION_NAMES, chosen

# a formula reproduces its key when it agrees to this relative precision
SELF_CHECK = 1e-9
# the most places a slip is looked for in one quantity (``places``): every place of a lecture
# network's quantity, the nearest ones of a quantity computed from a large batch
PLACES = 100


@dataclass(frozen=True)
class Formula:
    """One way to compute a quantity: NumPy source over the named quantities it reads."""

    names: tuple[str, ...]
    source: str
    function: Callable[..., object] = field(repr=False, compare=False)

    @classmethod
    @cache
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


class _Key(Mapping[str, float]):
    """Address → the key's value: the given inputs and targets, then every row of the worked
    solution, in textbook order; each value looked up when asked for."""

    def __init__(self, solution: Solution) -> None:
        self._s = solution

    def __getitem__(self, address: str) -> float:
        return self._s._value(address)

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and self._s.position(address) is not None

    def __iter__(self) -> Iterator[str]:
        return self._s._addresses(given=True)

    def __len__(self) -> int:
        return sum(1 for _ in self._s._addresses(given=True))


class _Steps(Mapping[str, Step]):
    """Address → its step (formulas compiled and checked on first use), in textbook order."""

    def __init__(self, solution: Solution) -> None:
        self._s = solution

    def __getitem__(self, address: str) -> Step:
        return self._s._step(address)

    def __contains__(self, address: object) -> bool:
        position = self._s.position(address) if isinstance(address, str) else None
        return position is not None and position[0] >= 0

    def __iter__(self) -> Iterator[str]:
        return self._s._addresses(given=False)

    def __len__(self) -> int:
        return sum(1 for _ in self._s._addresses(given=False))


class _Env(Mapping[str, float]):
    """The key's environment: parameters, η, λ and every quantity of the key."""

    def __init__(self, solution: Solution) -> None:
        self._s = solution

    def __getitem__(self, name: str) -> float:
        fixed = self._s._fixed
        return fixed[name] if name in fixed else self._s._value(name)

    def __contains__(self, name: object) -> bool:
        return name in self._s._fixed or name in self._s.key

    def __iter__(self) -> Iterator[str]:
        yield from self._s._fixed
        yield from self._s.key

    def __len__(self) -> int:
        return len(self._s._fixed) + len(self._s.key)


class Solution:
    """The key of one iteration of a run, and the means to re-evaluate it."""

    def __init__(self, run: Run, iteration: int = 1) -> None:
        record = run.record(iteration)
        self.run = run
        self.iteration = iteration
        self.plan = run.plan
        self._record = record
        self._quantities: list[Quantity] = quantities(run, "code")
        self._line = {q.address: n for n, q in enumerate(self._quantities)}
        optimizer = constants(run.scenario)
        self._columns = quantity_columns(run.plan, record, learning_rate=run.scenario.learning_rate,
                                         l2=run.scenario.l2, constants=optimizer)
        self._arrays: dict[str, list[float]] = {}
        self._given = (*run.plan.inputs, *run.plan.targets)
        self._given_index = {name: n for n, name in enumerate(self._given)}
        self.samples = record.samples
        self._sample_index = {s: n for n, s in enumerate(record.samples)} \
            if len(record.samples) > 1 else {}
        self.parameters = parameter_values(
            run.plan, tuple(r.weights for r in record.layers),
            tuple(r.biases for r in record.layers))
        self.suffixes = tuple(at_sample("", s) for s in record.samples) \
            if len(record.samples) > 1 else ("",)
        # an optimizer's options, the step t, and its state before the update: given, like w
        held = {name: float(column()[0]) for name, column in self._columns.items()
                if name in optimizer or name == STEP_SYMBOL
                or (state_of(name) is not None and not name.endswith("+")
                    and not name.startswith(("mhat(", "vhat(")))} if optimizer else {}
        self._fixed: dict[str, float] = {
            **self.parameters, RATE: run.scenario.learning_rate, L2: run.scenario.l2, **held}
        self.key: Mapping[str, float] = _Key(self)
        self.steps: Mapping[str, Step] = _Steps(self)
        self.base_env: Mapping[str, float] = _Env(self)
        self._results: dict[int, tuple[float, float]] = {}
        self._built: dict[str, Step] = {}
        self._positions: dict[str, tuple[int, int] | None] = {}
        self._resolved: dict[tuple[str, str], str] = {}
        self._read_names: dict[tuple[tuple[str, ...], str], tuple[str, ...]] = {}
        self._terms: dict[tuple[str, str, str], float] = {}
        self._reached: dict[frozenset[str], Callable[[str], bool]] = {}
        self._given_values: tuple[frozenset, dict[str, float]] = (frozenset(), {})

    # --- where a quantity is, and its key -------------------------------------------------

    def position(self, address: str) -> tuple[int, int] | None:
        """Where an address comes in textbook order (the given inputs and targets first), or
        None if the key has no such address."""
        try:
            return self._positions[address]
        except KeyError:
            found = self._positions[address] = self._position(address)
            return found

    def _position(self, address: str) -> tuple[int, int] | None:
        name, at, sample = address.partition("@")
        if at:
            if not self._sample_index or not sample.isdigit():
                return None
            index = self._sample_index.get(int(sample))
            if index is None or str(int(sample)) != sample:
                return None
        else:
            index = None
        if name in self._given_index:
            if (index is None) != (not self._sample_index):
                return None
            return (-1, self._given_index[name] * len(self.samples) + (index or 0))
        line = self._line.get(name)
        if line is None:
            return None
        q = self._quantities[line]
        batch_rows = q.per_sample and bool(self._sample_index)
        if index is None:
            if batch_rows and q.section != "loss":
                return None
            return (line, len(self.samples))  # the loss of the batch comes after each sample's
        return (line, index) if batch_rows else None

    def in_order(self, addresses: Iterable[str]) -> list[str]:
        """The addresses of the key among ``addresses``, in textbook order."""
        placed = [(p, a) for a in set(addresses) if (p := self.position(a)) is not None]
        return [a for _, a in sorted(placed)]

    def _addresses(self, given: bool) -> Iterator[str]:
        suffixes = self.suffixes
        if given:
            for name in self._given:
                for suffix in suffixes:
                    yield name + suffix
        for q in self._quantities:
            yield from self.rows_of(q.address)

    def rows_of(self, name: str) -> list[str]:
        """The addresses of a quantity's rows: one per sample of a batch, and the batch's loss."""
        line = self._line.get(name)
        if line is None:
            return []
        q = self._quantities[line]
        if q.per_sample and self._sample_index:
            rows = [name + suffix for suffix in self.suffixes]
            return [*rows, name] if q.section == "loss" else rows
        return [name]

    def section_of(self, address: str) -> str:
        """The section of the worked solution a quantity belongs to."""
        return self._quantities[self._line[base(address)]].section

    def quantity_sections(self) -> list[tuple[str, str]]:
        """(quantity, section) of every quantity, without samples, in textbook order."""
        return [(q.address, q.section) for q in self._quantities]

    def chosen(self, selectors: Iterable[str], *, file: str | None = None) -> list[str]:
        """The addresses an exercise's ``asks`` choose, in textbook order (``chosen``)."""
        selectors = list(selectors)
        names = {SECTION_NAMES.get(normalise(s.strip()).lower()) or normalise(s.strip())
                 for s in selectors}
        # what each selector can name: its section's rows, its address, its quantity's rows
        candidates = [(a, q.section) for q in self._quantities
                      if q.section in names or q.address in names
                      or any(base(n) == q.address for n in names)
                      for a in self.rows_of(q.address)]
        try:
            return chosen(candidates, selectors, file=file)
        except InputError:  # said with every quantity's name at hand
            every = [(a, q.section) for q in self._quantities for a in self.rows_of(q.address)]
            return chosen(every, selectors, file=file)

    def _array(self, name: str) -> list[float]:
        found = self._arrays.get(name)
        if found is None:
            found = self._arrays[name] = self._columns[name]().tolist()
        return found

    def _result(self, line: int) -> tuple[float, float]:
        found = self._results.get(line)
        if found is None:
            q = self._quantities[line]
            raw = np.asarray(self._array(q.address))
            result, l2_term = result_of(q, self._record, self.plan, raw)
            found = self._results[line] = (result, l2_term if self.run.scenario.l2 else 0.0)
        return found

    def _value(self, address: str) -> float:
        position = self.position(address)
        if position is None:
            raise KeyError(address)
        line, index = position
        name, _, sample = address.partition("@")
        if line < 0:
            return self._array(name)[self._sample_index[int(sample)] if sample else 0]
        if index < len(self.samples) and self._sample_index:
            return self._array(name)[index]
        return self._result(line)[0]

    # --- steps ------------------------------------------------------------------------------

    def _step(self, address: str) -> Step:
        step = self._built.get(address)
        if step is not None:
            return step
        position = self.position(address)
        if position is None or position[0] < 0:
            raise KeyError(address)
        line, index = position
        q = self._quantities[line]
        constant = self._result(line)[1] if q.section == "gradients" else 0.0
        if index < len(self.samples) and self._sample_index:
            suffixes: tuple[str, ...] = (self.suffixes[index],)
        else:
            suffixes = self.suffixes if q.per_sample or q.section == "gradients" else ("",)
        step = Step(address, q.section, (), suffixes, constant)
        formulas = []
        for code in q.code:
            try:
                formula = Formula.of(code)
            except KernelError:
                continue
            if self._reproduces(step, formula):
                formulas.append(formula)
        step = self._built[address] = Step(address, q.section, tuple(formulas), suffixes,
                                           constant)
        return step

    def _resolve(self, name: str, suffix: str) -> str:
        if not suffix:
            return name
        try:
            return self._resolved[name, suffix]
        except KeyError:
            found = name + suffix if name + suffix in self.base_env else name
            self._resolved[name, suffix] = found
            return found

    def _reproduces(self, step: Step, formula: Formula) -> bool:
        if any(self._resolve(n, suffix) not in self.base_env
               for n in formula.names for suffix in step.suffixes):
            return False
        value = self._apply(step, formula, self.base_env.__getitem__, None)
        key = self.key[step.address]
        return math.isfinite(value) and abs(value - key) <= SELF_CHECK * max(1.0, abs(key))

    def _apply(self, step: Step, formula: Formula, env: Callable[[str], float],
               edit: Edit | None, plain: Callable[[str], bool] | None = None) -> float:
        """The step by one formula, reading ``env``; a sample's term whose every argument is
        ``plain`` (the key's value) is the key's term, computed once."""
        swap = dict(edit.swap) if edit else {}
        fixed = dict(edit.set) if edit else {}
        total = 0.0
        for suffix in step.suffixes:
            if edit is None:
                names = self._names(formula, suffix)
                if plain is not None and all(map(plain, names)):
                    total += self._term(step, formula, suffix, names)
                else:
                    total += formula([env(n) for n in names])
                continue
            args = []
            for name in formula.names:
                if name in fixed:
                    args.append(fixed[name])
                else:
                    args.append(env(self._resolve(swap.get(name, name), suffix)))
            total += formula(args)
        summed = self.run.scenario.reduction == "sum"  # a batch's sum, else its mean
        return (total if summed else total / len(step.suffixes)) + step.constant

    def _names(self, formula: Formula, suffix: str) -> tuple[str, ...]:
        try:
            return self._read_names[formula.names, suffix]
        except KeyError:
            found = tuple(self._resolve(n, suffix) for n in formula.names)
            self._read_names[formula.names, suffix] = found
            return found

    def _term(self, step: Step, formula: Formula, suffix: str, names: tuple[str, ...]) -> float:
        key = (step.address, formula.source, suffix)
        found = self._terms.get(key)
        if found is None:
            found = self._terms[key] = formula([self.base_env[n] for n in names])
        return found

    def reads(self, address: str, formula: int = 0) -> set[str]:
        """The quantities one of a step's formulas reads (addresses and leaf names)."""
        if address not in self.steps:
            return set()
        step = self.steps[address]
        if len(step.formulas) <= formula:
            return set()
        return {self._resolve(n, s) for n in step.formulas[formula].names for s in step.suffixes}

    def _computed_reads(self, address: str) -> list[str]:
        """The steps a step's shown formula reads that come before it (a later one is read
        at its key's value)."""
        here = self.position(address)
        return [r for r in self.reads(address)
                if (p := self.position(r)) is not None and 0 <= p[0] and p < here]

    def depends(self, address: str, formula: int = 0) -> set[str]:
        """Every quantity one of a step's formulas uses, directly or through earlier steps."""
        read = self.reads(address, formula)
        return read.union(*(self.ancestors(a) for a in read))

    def ancestors(self, address: str) -> frozenset[str]:
        """Every computed quantity the step depends on, directly or not."""
        if address not in self.steps:
            return frozenset()
        found: set[str] = set()
        expanded: set[str] = set()
        todo = [address]
        while todo:
            node = todo.pop()
            here = self.position(node)
            for name in self.reads(node):
                if name not in self.steps:
                    continue
                found.add(name)
                if name not in expanded and self.position(name) < here:
                    expanded.add(name)
                    todo.append(name)
        return frozenset(found)

    def places(self, address: str) -> list[str]:
        """Where a slip in a quantity may have been made, in textbook order: the quantity and
        every quantity it is computed from, or, when those are ``PLACES`` or more, the nearest
        (what it reads, then what those read, ...) up to that many."""
        chosen = [address]
        seen = {address}
        level = [address]
        while level:
            here = {node: self.position(node) for node in level}
            following = self.in_order(n for node in level for n in self.reads(node)
                                      if n not in seen and n in self.steps)
            if len(chosen) + len(following) >= PLACES:
                return self.in_order([*chosen, *following[:PLACES - len(chosen)]])
            seen.update(following)
            chosen += following
            # a quantity read before it is computed is read at its key: not searched further
            level = [n for n in following if any(
                n in self.reads(node) and self.position(n) < here[node] for node in level)]
        return self.in_order(chosen)

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
        return address in self.steps and bool(self.steps[address].formulas)

    # --- evaluating with edits and the student's values --------------------------------------

    def evaluate(self, target: str, *, edits: Iterable[Edit] = (),
                 given: Mapping[str, float] | None = None, formula: int = 0) -> float:
        """The target's value with the edits made, from the student's ``given`` values if any.

        A given value stands in for its step (an edit's scale or value then applies to it);
        the target itself is always computed, with its ``formula``-th formula. Without given
        values only the edited steps are recomputed (each from the key's values and the edited
        steps before it); with them every step computed from a given value or an edited step
        is recomputed from the ones before it, and every other step keeps the key's value.
        """
        by_step: dict[str, Edit] = {}
        for edit in edits:
            by_step[edit.at] = edit
        step = self.steps[target]
        here = self.position(target)

        def edit_of(address: str) -> Edit | None:
            return by_step.get(address) or by_step.get(base(address)) if by_step else None

        if given is None:
            env: dict[str, float] = {}
            for address in self.in_order(a for at in by_step for a in self._edited(at)):
                if self.position(address) >= here or address not in self.steps:
                    continue
                edited = self.steps[address]
                if edited.formulas:
                    env[address] = self._finish(self._apply(
                        edited, edited.formulas[0], lambda n: env[n] if n in env
                        else self.base_env[n], edit_of(address)), edit_of(address))
            lookup = (lambda n: env[n] if n in env else self.base_env[n]) if env \
                else self.base_env.__getitem__
            return self._finish(self._apply(step, step.formulas[formula], lookup,
                                            edit_of(target), lambda n: n not in env),
                                edit_of(target))

        given_sources = frozenset(a for a in given if a in self.steps)
        from_given = self._reached.get(given_sources)
        if from_given is None:
            self._reached.clear()  # one sheet's values at a time
            from_given = self._reached[given_sources] = self._reach(set(given_sources))
        from_edits = self._reach({a for at in by_step for a in self._edited(at)})

        def reached(name: str) -> bool:
            return from_given(name) or from_edits(name)

        # what only the given values reach is the same for every edit: kept for the sheet
        given_key = frozenset(given.items())
        if self._given_values[0] != given_key:
            self._given_values = (given_key, {})
        shared = self._given_values[1]
        values: dict[str, float] = {}

        def value(name: str, reader: tuple[int, int]) -> float:
            position = self.position(name)
            if position is None or position[0] < 0 or position >= reader:
                return self.base_env[name]  # a leaf, a given input, or not yet recomputed
            memo = values if from_edits(name) else shared
            found = memo.get(name)
            if found is not None:
                return found
            if name in given:
                found = self._finish(given[name], edit_of(name))
            elif not reached(name):
                found = self.base_env[name]
            else:
                s = self.steps[name]
                if s.formulas:
                    found = self._finish(self._apply(s, s.formulas[0],
                                                     lambda n: value(n, position),
                                                     edit_of(name),
                                                     lambda n: plain(n, position)),
                                         edit_of(name))
                else:
                    found = self.base_env[name]
            memo[name] = found
            return found

        def plain(name: str, reader: tuple[int, int]) -> bool:
            position = self.position(name)
            return position is None or position[0] < 0 or position >= reader or (
                name not in given and not reached(name))

        return self._finish(self._apply(step, step.formulas[formula],
                                        lambda n: value(n, here), edit_of(target),
                                        lambda n: plain(n, here)),
                            edit_of(target))

    def _edited(self, at: str) -> list[str]:
        # an edit's address without a sample applies to that quantity of every sample
        return [at] if at in self.steps else self.rows_of(at)

    def _reach(self, sources: set[str]) -> Callable[[str], bool]:
        """Whether a step is one of ``sources`` or computed from one of them.

        One sample's quantity of a batch is computed only from that sample's and from the
        quantities shared by every sample (a weight as the factor ∂z/∂a), never from a mean over
        the batch: only those sources are searched for, and only among the quantities after
        the first of them.
        """
        if not sources:
            return lambda name: False
        shared = [a for a in sources if sample_of(a) is None and self.steps[a].suffixes == ("",)]
        by_sample: dict[int | None, tuple[int, int]] = {}
        for a in sources:
            sample = sample_of(a)
            if sample is not None or a in shared:
                p = self.position(a)
                by_sample[sample] = min(p, by_sample.get(sample, p))
        first_shared = by_sample.get(None)
        first_any = min(self.position(a) for a in sources)
        memo: dict[str, bool] = {}

        def reached(name: str) -> bool:
            if name in sources:
                return True
            found = memo.get(name)
            if found is not None:
                return found
            position = self.position(name)
            sample = sample_of(name)
            if sample is None:
                first = first_any
            else:
                firsts = [p for p in (by_sample.get(sample), first_shared) if p is not None]
                first = min(firsts) if firsts else None
            if first is None or position < first:
                found = False
            else:
                found = any(reached(r) for r in self._computed_reads(name))
            memo[name] = found
            return found

        return reached

    @staticmethod
    def _finish(value: float, edit: Edit | None) -> float:
        if edit is None:
            return value
        if edit.value is not None:
            value = edit.value
        return value * edit.scale
