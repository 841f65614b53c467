"""The Python API: load a scenario, run it, read the trace and the worked solution.

>>> from backprop_tutor import api
>>> run = api.run(api.load("scenarios/two_neuron.yaml"))
>>> round(run.values()["dE/dw2"], 5)
0.05707
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from .engine import RunOptions, iterate
from .limits import check_run
from .plan import Plan, plan_of
from .scenario import Scenario, load_scenario
from .trace import IterationRecord, Trace
from .values import iteration_values, parameter_values

if TYPE_CHECKING:  # sympy is imported only when a symbolic view is asked for
    from .derivation import Derivation
    from .graph import Graph
    from .worked import Line


def load(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file, or a shipped example by name (``two_neuron``)."""
    from .examples import resolve

    return load_scenario(resolve(path))


@dataclass(frozen=True)
class Run:
    """A scenario, its plan, the numeric trace of training it, and (built when first asked
    for) its symbolic graph and derivation."""

    scenario: Scenario
    plan: Plan
    trace: Trace
    _lines: dict = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def graph(self) -> Graph:
        """The symbolic network: every node a sympy expression."""
        from .graph import build_graph

        return build_graph(self.scenario)

    @cached_property
    def derivation(self) -> Derivation:
        """The chain-rule factors of the graph."""
        from .derivation import Derivation

        return Derivation(self.graph)

    def record(self, iteration: int = 1) -> IterationRecord:
        """The record of an iteration kept in full (1-based)."""
        for record in self.trace.iterations:
            if record.iteration == iteration:
                return record
        kept = ", ".join(str(r.iteration) for r in self.trace.iterations)
        raise KeyError(f"iteration {iteration} was not kept in full (kept: {kept})")

    def lines(self, record: IterationRecord, only: str | None = None) -> list[Line]:
        """The worked solution of an iteration (of one parameter with ``only``)."""
        key = (record.iteration, only)
        if key not in self._lines:
            from .worked import worked_lines

            self._lines[key] = worked_lines(
                self.derivation, record, learning_rate=self.scenario.learning_rate,
                l2=self.scenario.l2, frozen=frozenset(self.scenario.frozen), only=only)
        return self._lines[key]

    def values(self, iteration: int = 1) -> dict[str, float]:
        """The values map of an iteration: address → number."""
        return iteration_values(self.plan, self.record(iteration))

    def explain(self, parameter: str, iteration: int = 1) -> Explanation:
        """The full derivative chain of one parameter (displays as rich output in Jupyter)."""
        if parameter not in self.plan.parameter_index:
            raise KeyError(f"no parameter is called '{parameter}'; valid names: "
                           + ", ".join(self.plan.parameter_index))
        return Explanation(self, parameter, self.record(iteration))

    def __rich__(self):
        """The terminal view of the run (rich renders it; the core never imports rich)."""
        from .render.terminal import run_view

        return run_view(self)

    def _repr_html_(self) -> str:
        from .render.console import html_of

        return html_of(self.__rich__())

    @cached_property
    def final_parameters(self) -> dict[str, float]:
        """Parameter name → value after the last update."""
        return parameter_values(self.plan, self.trace.final.weights, self.trace.final.biases)

    @cached_property
    def initial_parameters(self) -> dict[str, float]:
        """Parameter name → value before training."""
        return parameter_values(self.plan, self.trace.initial.weights, self.trace.initial.biases)


@dataclass(frozen=True)
class Explanation:
    """Why ∂E/∂p has its value in one iteration: shown by rich and by Jupyter."""

    run: Run
    parameter: str
    record: IterationRecord

    def lines(self) -> list[Line]:
        """The worked lines of this parameter: factors, gradient, update."""
        return self.run.lines(self.record, only=self.parameter)

    def __rich__(self):
        """The --explain view."""
        from .render.explain import explain_view

        return explain_view(self.run, self.record, self.parameter)

    def _repr_html_(self) -> str:
        from .render.console import html_of

        return html_of(self.__rich__())


def run(scenario: Scenario, *, epochs: int | None = None, detail: int = 1,
        progress: Callable[[int, int, float], None] | None = None) -> Run:
    """Train a scenario, keeping the first ``detail`` iterations (and the last) in full.

    ``progress``, if given, is called after every epoch with (epoch, epochs, loss).
    """
    check_run(scenario, epochs)
    plan = plan_of(scenario)
    trace = iterate(plan, scenario, RunOptions(epochs=epochs, detail=detail, progress=progress))
    return Run(scenario, plan, trace)
