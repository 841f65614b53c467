"""The derivative of any node by a parameter or an input, as plain data, with an iteration's
numbers.

``NodeDerivative`` is what ``--explain V --of N`` shows: the factors of ∂N/∂V (quantities of the
worked solution, whose numbers the trace has), the errors ∂N/∂a and ∂N/∂z of its δ form, and
∂N/∂V itself, each new quantity with its formula as NumPy source. ``node_lines`` fills them with
one iteration's numbers: a factor's from the trace (``quantity_arrays``), a new quantity's by
evaluating its code on those, in order. solution/node_derivative.py derives it (with sympy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network.addresses import derivative
from ..network.kernels import Kernel, compile_kernel
from ..network.plan import Plan
from ..training.trace import IterationRecord
from .lines import Line, Quantity, quantity_arrays

__all__ = ["NodeDerivative", "node_lines", "node_names", "variable_names"]


@dataclass(frozen=True)
class NodeDerivative:
    """∂N/∂V of one network, without numbers.

    ``form`` is ``paths`` (a sum over every path, at most ``EXPAND_LIMIT``), ``delta`` (through
    the errors ∂N/∂z of the units, beyond it) or ``zero`` (N does not depend on V: ``note``
    says why, and ``quantities`` is empty). ``quantities`` lists the factors and errors in the
    order they are worked, then ∂N/∂V, whose ``code`` (like every new quantity's) is its
    formula as NumPy source.
    """

    node: str
    variable: str
    path_count: int
    form: str  # paths | delta | zero
    note: str
    quantities: tuple[Quantity, ...]

    @property
    def address(self) -> str:
        """``da31/dw111``."""
        return derivative(self.node, self.variable)


def node_names(plan: Plan) -> list[str]:
    """Every node a derivative can be taken of: the loss, then each unit's z and a, layer by
    layer."""
    names = [plan.loss_symbol]
    for layer in plan.layers:
        for u in layer.units:
            names += [u.net, u.out]
    return names


def variable_names(plan: Plan) -> list[str]:
    """Everything a derivative can be taken with respect to: every parameter, then the
    network's inputs."""
    return [*plan.parameter_index, *plan.inputs]


def node_lines(nd: NodeDerivative, plan: Plan, record: IterationRecord, *,
               learning_rate: float, l2: float = 0.0) -> list[Line]:
    """The lines of ∂N/∂V in one iteration, one value per sample of its batch (each sample has
    its own N, and its own inputs): each factor's numbers from the trace, each error's and
    ∂N/∂V's by their formulas evaluated on them. Raises KernelError if a formula is not
    NumPy arithmetic on its names (it always is, as node_derivative.py writes them)."""
    table = dict(quantity_arrays(plan, record, learning_rate=learning_rate, l2=l2))
    m = len(record.samples)
    lines = []
    for q in nd.quantities:
        if q.code:
            code = q.code[0]
            function = compile_kernel(Kernel((*(f"v{i}" for i in range(len(code.names))),
                                              "unused"), code.source))
            args = [np.broadcast_to(np.asarray(table[n], dtype=float), (m,))
                    for n in code.names]
            with np.errstate(all="ignore"):
                raw = np.broadcast_to(np.asarray(function(*args, np.zeros(m)), dtype=float),
                                      (m,)).copy()
            table[q.address] = raw
        else:
            raw = np.asarray(table[q.address], dtype=float)
        values = tuple(raw.tolist())
        columns = {n: np.asarray(table[n], dtype=float).tolist() for n in q.names}
        lines.append(Line(q, record.samples, values, columns, values[0]))
    return lines
