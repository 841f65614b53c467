"""The Python API: load a scenario, run it, read the trace and the worked solution.

>>> from backprop_tutor import api
>>> run = api.run(api.load("scenarios/two_neuron.yaml"))
>>> round(run.values()["dE/dw2"], 5)
0.05707

A circuit (a file with ``nodes:``) is worked by ``circuit``:

>>> worked = api.circuit("circuit_add_multiply")
>>> worked.values()["df/dx"]
-4.0

The runs it returns also display themselves: as rich output in a terminal (``rich.print(run)``)
and as HTML in Jupyter. The pipeline itself lives in ``solution.run``; this module adds only
the views, so that nothing below the renderers imports them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from .scenario import Scenario, load_scenario
from .solution import circuit as circuit_solution
from .solution import run as pipeline
from .training.trace import IterationRecord

__all__ = ["CircuitRun", "Explanation", "Run", "circuit", "load", "run"]


def load(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file, or a shipped example by name (``two_neuron``).

    Raises InputError (file, line, column, field, what is expected) for a bad file."""
    from .examples import resolve

    return load_scenario(resolve(path))


@dataclass(frozen=True)
class Run(pipeline.Run):
    """A trained run (see ``solution.run.Run``) that displays itself."""

    def explain(self, parameter: str, iteration: int = 1, of: str | None = None) -> Explanation:
        """The full derivative chain of one parameter (displays as rich output in Jupyter):
        ∂E/∂parameter, or with ``of`` the derivative of that node (a z, an a or the loss);
        ``parameter`` may then also be an input of the network (so may it without ``of``).

        KeyError for an unknown name or an iteration that was not kept in full."""
        node = self.plan.loss_symbol if of is None else of
        if node == self.plan.loss_symbol and parameter in self.plan.parameter_index:
            return Explanation(self, parameter, self.record(iteration))
        self.check_node(node, parameter)
        return Explanation(self, parameter, self.record(iteration), node)

    def matrices(self, iteration: int = 1, samples: str = "columns"):
        """The iteration in matrix form (``solution.matrix_form.MatrixForm``): each equation's
        matrices, samples as ``columns`` or ``rows``; every entry is a number of ``values``.

        KeyError for an iteration that was not kept in full, ValueError for another layout."""
        from .solution.matrix_form import matrix_form

        return matrix_form(self.scenario, self.plan, self.record(iteration), samples)

    def __rich__(self):
        """The terminal view of the run (rich renders it; the core never imports rich)."""
        from .render.terminal import run_view

        return run_view(self)

    def _repr_html_(self) -> str:
        from .render.console import html_of

        return html_of(self.__rich__())


@dataclass(frozen=True)
class Explanation:
    """Why ∂E/∂p (or ∂N/∂V of any node N) has its value in one iteration: shown by rich and
    by Jupyter."""

    run: Run
    parameter: str  # or an input, when ``node`` is given
    record: IterationRecord
    node: str | None = None  # None: the loss, with its gradient and update

    def lines(self):
        """The worked lines of this parameter: factors, gradient, update; of a node: its
        factors, the errors of its δ form, and the derivative (none when it is 0)."""
        if self.node is not None:
            return self.run.node_lines(self.record, self.node, self.parameter)
        return self.run.lines(self.record, only=self.parameter)

    def __rich__(self):
        """The --explain view (with --of for a node)."""
        from .render.explain import explain_view, node_view

        if self.node is not None:
            return node_view(self.run, self.record, self.node, self.parameter)
        return explain_view(self.run, self.record, self.parameter)

    def _repr_html_(self) -> str:
        from .render.console import html_of

        return html_of(self.__rich__())


def run(scenario: Scenario, *, epochs: int | None = None, detail: int = 1,
        progress: Callable[[int, int, float], None] | None = None) -> Run:
    """Train a scenario, keeping the first ``detail`` iterations (and the last) in full.

    ``progress``, if given, is called after every epoch with (epoch, epochs, loss). Raises
    InputError when the run would exceed a resource limit.
    """
    return pipeline.train(scenario, epochs=epochs, detail=detail, progress=progress,
                          run_type=Run)


@dataclass(frozen=True)
class CircuitRun(circuit_solution.CircuitSolution):
    """A worked circuit (see ``solution.circuit.CircuitSolution``) that displays itself."""

    def explain(self, name: str):
        """The chain of one input, parameter or node to the output, as rich output.

        KeyError for a name the circuit does not have."""
        from .render.circuit import explain_view

        self.gradient(name)
        return explain_view(self, name)

    def __rich__(self):
        """The terminal view of the circuit."""
        from .render.circuit import circuit_view

        return circuit_view(self)

    def _repr_html_(self) -> str:
        from .render.console import html_of

        return html_of(self.__rich__())


def circuit(path: str | os.PathLike[str]) -> CircuitRun:
    """Read, validate and work a circuit file, or a shipped circuit by name
    (``circuit_add_multiply``): its forward pass, local gradients, backward pass and update.

    Raises InputError (file, line, column, field, what is expected) for a bad file, or for a
    network scenario (use ``load`` and ``run``)."""
    from .examples import resolve
    from .scenario.circuit_loader import load_circuit

    return circuit_solution.solve_circuit(load_circuit(resolve(path)), CircuitRun)
