"""The Python API: load a scenario, run it, read the trace and the worked solution.

>>> from backprop_tutor import api
>>> run = api.run(api.load("scenarios/two_neuron.yaml"))
>>> round(run.values()["dE/dw2"], 5)
0.05707
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

from .derivation import Derivation
from .engine import RunOptions, iterate
from .graph import Graph, build_graph
from .scenario import Scenario, load_scenario
from .trace import IterationRecord, Trace
from .values import iteration_values, parameter_values
from .worked import Line, worked_lines


def load(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file."""
    return load_scenario(path)


@dataclass(frozen=True)
class Run:
    """A scenario, its symbolic graph and derivation, and the numeric trace of training it."""

    scenario: Scenario
    graph: Graph
    derivation: Derivation
    trace: Trace
    _lines: dict = field(default_factory=dict, repr=False, compare=False)

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
            self._lines[key] = worked_lines(
                self.derivation, record, learning_rate=self.scenario.learning_rate,
                l2=self.scenario.l2, frozen=frozenset(self.scenario.frozen), only=only)
        return self._lines[key]

    def values(self, iteration: int = 1) -> dict[str, float]:
        """The values map of an iteration: address → number."""
        return iteration_values(self.graph, self.record(iteration))

    @cached_property
    def final_parameters(self) -> dict[str, float]:
        """Parameter name → value after the last update."""
        return parameter_values(self.graph, self.trace.final.weights, self.trace.final.biases)

    @cached_property
    def initial_parameters(self) -> dict[str, float]:
        """Parameter name → value before training."""
        return parameter_values(self.graph, self.trace.initial.weights, self.trace.initial.biases)


def run(scenario: Scenario, *, epochs: int | None = None, detail: int = 1) -> Run:
    """Train a scenario, keeping the first ``detail`` iterations (and the last) in full."""
    graph = build_graph(scenario)
    trace = iterate(graph, scenario, RunOptions(epochs=epochs, detail=detail))
    return Run(scenario, graph, Derivation(graph), trace)
