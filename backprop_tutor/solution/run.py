"""A trained run: the scenario, its network, the numeric trace and its worked solution.

``train`` is the whole pipeline below the renderers: the network model with its kernels (from
the derive-once cache or sympy), training, and (when first asked for) the symbolic graph and the
worked lines of an iteration. Renderers and grading read a ``Run``; they never build one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ..network.plan import Plan
from ..scenario import Scenario
from ..scenario.limits import check_run
from ..scenario.optimizer import constants
from ..training.engine import RunOptions, iterate
from ..training.hand_rounding import HandRounding, rounding_note, rounding_of
from ..training.trace import IterationRecord, Trace
from .chains import chain_addresses
from .derived import plan_of
from .values import iteration_values, parameter_values

if TYPE_CHECKING:  # sympy is imported only when a symbolic view is asked for
    from ..symbolic.derivation import Derivation
    from ..symbolic.graph import Graph
    from .lines import Line
    from .node_lines import NodeDerivative
    from .worked import Form


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
        from ..symbolic.graph import build_graph

        return build_graph(self.scenario)

    @cached_property
    def derivation(self) -> Derivation:
        """The chain-rule factors of the graph."""
        from ..symbolic.derivation import Derivation

        return Derivation(self.graph)

    @cached_property
    def rounding(self) -> HandRounding | None:
        """How the trace was rounded by hand (training/hand_rounding.py), or None: exact."""
        return rounding_of(self.scenario.rounding)

    @property
    def rounding_note(self) -> str | None:
        """The sentence every output of a rounded run gives, or None for an exact run."""
        return None if self.rounding is None else rounding_note(self.rounding)

    def record(self, iteration: int = 1) -> IterationRecord:
        """The record of an iteration kept in full (1-based); KeyError if it was not kept."""
        for record in self.trace.iterations:
            if record.iteration == iteration:
                return record
        kept = ", ".join(str(r.iteration) for r in self.trace.iterations)
        raise KeyError(f"iteration {iteration} was not kept in full (kept: {kept})")

    def lines(self, record: IterationRecord, only: str | None = None,
              form: Form = "text") -> list[Line]:
        """The worked solution of an iteration, every formula printed in ``form`` (text, latex
        or code); with ``only``, the lines of one parameter's chain (what --explain shows)."""
        key = (record.iteration, only, form)
        if key not in self._lines:
            from .lines import fill
            from .worked import quantities

            chosen = quantities(self, form)
            if only is not None:
                self.check_parameter(only)
                wanted = set(chain_addresses(chosen, only, self.plan.loss_symbol))
                chosen = [q for q in chosen if q.address in wanted]
            s = self.scenario
            self._lines[key] = fill(chosen, self.plan, record, learning_rate=s.learning_rate,
                                    l2=s.l2, frozen=frozenset(s.frozen),
                                    reduction=s.reduction, constants=constants(s))
        return self._lines[key]

    def node_derivative(self, node: str, variable: str) -> NodeDerivative:
        """∂node/∂variable, for any node (the loss, a z or an a) by a parameter or an input,
        derived once per run (solution/node_derivative.py). KeyError for an unknown name."""
        key = ("node", node, variable)
        if key not in self._lines:
            from .node_derivative import node_derivative

            self.check_node(node, variable)
            self._lines[key] = node_derivative(self, node, variable)
        return self._lines[key]

    def node_lines(self, record: IterationRecord, node: str, variable: str) -> list[Line]:
        """The lines of ∂node/∂variable in an iteration: its factors, the errors of its δ
        form and itself, one value per sample (empty when the node does not depend on it)."""
        from .node_lines import node_lines

        s = self.scenario
        return node_lines(self.node_derivative(node, variable), self.plan, record,
                          learning_rate=s.learning_rate, l2=s.l2)

    def check_node(self, node: str, variable: str) -> None:
        """KeyError naming the valid names unless ``node`` is the loss, a z or an a, and
        ``variable`` a parameter or an input."""
        from .node_lines import node_names, variable_names

        for name, valid, what in ((node, node_names(self.plan), "node"),
                                  (variable, variable_names(self.plan), "parameter or input")):
            if name not in valid:
                raise KeyError(f"no {what} is called '{name}'; valid names: "
                               + ", ".join(valid))

    def worked_size(self, iteration: int = 1) -> tuple[int, int]:
        """(parameters, samples of the iteration's batch): what the size of its worked
        solution grows with (scenario/limits.py, worked_size)."""
        return len(self.plan.parameter_index), len(self.record(iteration).samples)

    def values(self, iteration: int = 1) -> dict[str, float]:
        """The values map of an iteration: address → number."""
        return iteration_values(self.plan, self.record(iteration))

    def check_parameter(self, parameter: str) -> None:
        """KeyError naming the valid parameters unless ``parameter`` is one."""
        if parameter not in self.plan.parameter_index:
            raise KeyError(f"no parameter is called '{parameter}'; valid names: "
                           + ", ".join(self.plan.parameter_index))

    @cached_property
    def final_parameters(self) -> dict[str, float]:
        """Parameter name → value after the last update."""
        return parameter_values(self.plan, self.trace.final.weights, self.trace.final.biases)

    @cached_property
    def initial_parameters(self) -> dict[str, float]:
        """Parameter name → value before training."""
        return parameter_values(self.plan, self.trace.initial.weights, self.trace.initial.biases)


def train(scenario: Scenario, *, epochs: int | None = None, detail: int = 1,
          progress: Callable[[int, int, float], None] | None = None,
          run_type: type[Run] = Run) -> Run:
    """Train a scenario, keeping the first ``detail`` iterations (and the last) in full.

    ``progress``, if given, is called after every epoch with (epoch, epochs, loss). Raises
    InputError when the run would exceed a resource limit (scenario/limits.py).
    """
    check_run(scenario, epochs)
    plan = plan_of(scenario)
    trace = iterate(plan, scenario, RunOptions(epochs=epochs, detail=detail, progress=progress))
    return run_type(scenario, plan, trace)
