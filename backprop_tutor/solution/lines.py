"""The worked solution of one iteration: every quantity with its printed formula and numbers.

A ``Quantity`` is a quantity of the network's worked solution (solution/shapes.py) with its
formula printed once (as text, LaTeX or Python: symbolic/forms.py) and no sympy left: it is
plain data, kept by the derive-once cache. ``fill`` puts one iteration's numbers into every
quantity, taken from the numeric trace (``quantity_arrays``), never recomputed from a formula.
A filled ``Line`` says which rows it gives (``rows``): the addresses of the ``values`` map, the
questions of a worksheet and of practice, the rows of a key and what grading expects, all the
same list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np

from ..network.addresses import at_sample, derivative, state, state_of, updated
from ..network.kernels import softmax_factor
from ..network.plan import Plan
from ..notation.symbols import Printed
from ..scenario.optimizer import STEP_SYMBOL
from ..training.trace import IterationRecord

__all__ = ["SECTIONS", "Code", "Line", "Quantity", "Row", "fill", "quantity_arrays",
           "quantity_columns", "result_of"]

# the sections of a worked solution, in order, with the title every output gives them
SECTIONS = {
    "forward": "Forward pass",
    "loss": "Loss",
    "factors": "Backward pass: local derivatives and errors δ",
    "gradients": "Gradients: the product of the factors along each path",
    "optimizer": "Optimizer state",
    "updates": "Updates",
}

_ONE_TOKEN = re.compile("\ue000\\d+\ue001")
RATE = "η"  # the learning rate's symbol in an update's formula (as solution/shapes.py names it)
L2 = "λ"


@dataclass(frozen=True)
class Code:
    """A formula as NumPy source over positional arguments v0, v1, … standing for ``names``."""

    names: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Quantity:
    """One quantity of the worked solution, printed: plain data, no sympy.

    ``printed`` is the formula in the form asked for (text or LaTeX, with its numbers template);
    ``code`` is the shown formula then its alternatives as NumPy source (empty unless asked for).
    """

    section: str  # forward | loss | factors | gradients | updates
    address: str  # z1, E, dE/da2, dE/dw2, w2+
    per_sample: bool  # one value per sample of a batch (else one for the whole batch)
    names: tuple[str, ...]  # the formula's symbols: whose numbers a line lists
    paths: tuple[tuple[str, ...], ...] = ()  # gradients: each path as factor addresses
    note: str = ""
    printed: Printed | None = None
    code: tuple[Code, ...] = ()

    @property
    def trivial(self) -> bool:
        """Whether the formula's numbers say nothing the value does not (a symbol, a number)."""
        printed = self.printed
        return printed is None or not printed.names or _ONE_TOKEN.fullmatch(printed.template) \
            is not None


@dataclass(frozen=True)
class Row:
    """One number of the worked solution: what a worksheet asks and a key shows on one row."""

    address: str  # with @s for one sample of a batch
    sample: int | None  # 0-based index into the batch, or None for the batch as a whole
    value: float
    numbers: dict[str, float] | None  # the formula's numbers, None for a mean over the batch


@dataclass(frozen=True)
class Line:
    """One quantity of one iteration, with its numbers.

    ``values`` has one number per sample of the batch (for a gradient, each sample's term
    ∂E_s/∂p before the mean); ``result`` is the number that counts: the sample's value, the
    loss or gradient of the batch (mean over the samples, or their sum under ``reduction:
    sum``, plus the L2 term λ·w), the update.
    """

    quantity: Quantity
    samples: tuple[int, ...]  # the batch's 1-based sample numbers
    values: tuple[float, ...]
    columns: dict[str, list[float]]  # the formula's symbols: name → its number per sample
    result: float
    l2_term: float = 0.0  # gradients of weights: λ·w
    frozen: bool = False
    summed: bool = False  # a batch's loss and gradients are the sum over its samples (else mean)

    @property
    def reduction(self) -> str:
        """How a batch's loss and gradients gather its samples: ``mean`` or ``sum``."""
        return "sum" if self.summed else "mean"

    @cached_property
    def substitutions(self) -> tuple[dict[str, float], ...]:
        """Per sample: each of the formula's symbols → its number."""
        return tuple({n: column[s] for n, column in self.columns.items()}
                     for s in range(len(self.samples)))

    @property
    def section(self) -> str:
        """forward | loss | factors | gradients | updates."""
        return self.quantity.section

    @property
    def address(self) -> str:
        """The quantity's address: ``dE/dw2``."""
        return self.quantity.address

    @property
    def per_sample(self) -> bool:
        """Whether the quantity has one value per sample of a batch."""
        return self.quantity.per_sample

    @property
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """Gradients: each path as factor addresses."""
        return self.quantity.paths

    @property
    def note(self) -> str:
        """Why the formula has the form it has, when that is not the textbook default."""
        return self.quantity.note

    @property
    def printed(self) -> Printed | None:
        """The printed formula."""
        return self.quantity.printed

    @property
    def batch(self) -> bool:
        """Whether the iteration's batch has several samples."""
        return len(self.samples) > 1

    def rows(self) -> list[Row]:
        """The numbers this quantity contributes, each under its address: one per sample of a
        batch for a per-sample quantity (and the mean for the loss), else one."""
        if self.per_sample and self.batch:
            rows = [Row(at_sample(self.address, s), i, v, subs) for i, (s, v, subs) in
                    enumerate(zip(self.samples, self.values, self.substitutions, strict=True))]
            if self.section == "loss":
                rows.append(Row(self.address, None, self.result, None))
            return rows
        numbers = None if self.batch and self.section == "gradients" else self.substitutions[0]
        return [Row(self.address, None, self.result, numbers)]


def quantity_arrays(plan: Plan, record: IterationRecord, *, learning_rate: float,
                    l2: float = 0.0, constants: dict[str, float] | None = None
                    ) -> dict[str, np.ndarray]:
    """Every number of one iteration by address (no sample suffix), one per sample [sample].

    Taken from the trace as the engine computed it: network scalars, the loss of each sample,
    every factor, δ and ∂E/∂a, each sample's term of every gradient, an optimizer's state before
    and after the update (its options by their symbols in ``constants``, and the step t), every
    update.
    """
    return {name: column() for name, column in
            quantity_columns(plan, record, learning_rate=learning_rate, l2=l2,
                             constants=constants).items()}


def quantity_columns(plan: Plan, record: IterationRecord, *, learning_rate: float,
                     l2: float = 0.0, constants: dict[str, float] | None = None
                     ) -> dict[str, Callable[[], np.ndarray]]:
    """``quantity_arrays`` with each array made only when asked for: name → a function that
    returns it (a network's worth of names, no network's worth of arrays)."""
    m = len(record.samples)
    E = plan.loss_symbol
    table: dict[str, Callable[[], np.ndarray]] = {RATE: partial(np.full, m, learning_rate),
                                                   L2: partial(np.full, m, l2)}
    for symbol, value in (constants or {}).items():
        table[symbol] = partial(np.full, m, float(value))
    held = record.layers[0].state
    if held is not None and "m" in held.weights:  # Adam's bias corrections read the step t
        table[STEP_SYMBOL] = partial(np.full, m, float(record.iteration))

    def constant(value: float) -> Callable[[], np.ndarray]:
        return partial(np.full, m, float(value))

    def column(array: np.ndarray, j: int) -> Callable[[], np.ndarray]:
        return lambda: array[:, j]

    def product(left: np.ndarray, j: int, right: np.ndarray, i: int) -> Callable[[], np.ndarray]:
        return lambda: left[:, j] * right[:, i]

    def term(terms: np.ndarray, j: int, i: int) -> Callable[[], np.ndarray]:
        return lambda: terms[:, j, i]  # a run rounded by hand: each sample's term as written

    def coupled(a: np.ndarray, i: int, j: int) -> Callable[[], np.ndarray]:
        return lambda: softmax_factor(a, i, j)

    for i, x in enumerate(plan.inputs):
        table[x] = column(record.inputs, i)
    for k, t in enumerate(plan.targets):
        table[t] = column(record.targets, k)
    table[E] = lambda: record.sample_losses
    for layer, rec in zip(plan.layers, record.layers, strict=True):
        below = record.layers[layer.units[0].layer - 2].a if layer.units[0].layer > 1 \
            else record.inputs
        for j, u in enumerate(layer.units):
            table[u.net], table[u.out] = column(rec.z, j), column(rec.a, j)
            table[derivative(E, u.out)] = column(rec.dE_da, j)
            table[derivative(E, u.net)] = column(rec.dE_dz, j)
            if layer.coupled:
                for i, peer in enumerate(layer.units):
                    table[derivative(peer.out, u.net)] = coupled(rec.a, i, j)
            else:
                table[derivative(u.out, u.net)] = column(rec.da_dz, j)
            for i, (w, x) in enumerate(zip(u.weights, u.inputs, strict=True)):
                table[w] = constant(rec.weights[j, i])
                table[derivative(u.net, x)] = table[w]
                table[derivative(u.net, w)] = column(below, i)
                table[derivative(E, w)] = product(rec.dE_dz, j, below, i) \
                    if rec.weight_terms is None else term(rec.weight_terms, j, i)
                table[updated(w)] = constant(rec.weights_after[j, i])
                if rec.state is not None:
                    _state_columns(table, w, rec.state.weights, rec.state_after.weights,
                                   (j, i), constant)
            if u.bias is None:  # a layer without bias
                continue
            table[u.bias] = constant(rec.biases[j])
            table[derivative(u.net, u.bias)] = constant(1.0)
            table[updated(u.bias)] = constant(rec.biases_after[j])
            if rec.state is not None:
                _state_columns(table, u.bias, rec.state.biases, rec.state_after.biases, (j,),
                               constant)
            if not layer.shared:
                table[derivative(E, u.bias)] = column(
                    rec.dE_dz if rec.bias_terms is None else rec.bias_terms, j)
        if layer.shared:  # each sample's term of a shared bias: Σ_j ∂E_s/∂z_j
            table[derivative(E, layer.units[0].bias)] = partial(rec.dE_dz.sum, axis=1) \
                if rec.bias_terms is None else column(rec.bias_terms, 0)
    return table


def _state_columns(table: dict, parameter: str, before: dict[str, np.ndarray],
                   after: dict[str, np.ndarray], index: tuple[int, ...],
                   constant: Callable[[float], Callable[[], np.ndarray]]) -> None:
    """An optimizer's state of one parameter: before the update (``v(w2)``), after it
    (``v(w2)+``), and what the step derives (``mhat(w2)``)."""
    for kind, array in before.items():
        table[state(kind, parameter)] = constant(array[index])
    for kind, array in after.items():
        address = state(kind, parameter)
        table[address if kind in ("mhat", "vhat") else updated(address)] = constant(array[index])


def result_of(quantity: Quantity, record: IterationRecord, plan: Plan,
            values: np.ndarray) -> tuple[float, float]:
    """(result, L2 term) of a quantity: what counts for the batch."""
    if quantity.section == "loss":
        return record.loss, 0.0
    if quantity.section == "gradients":
        kind, layer, j, i = plan.parameter_index[quantity.address.split("/d", 1)[1]]
        rec = record.layers[layer - 1]
        if kind == "weight":
            return float(rec.grad_weights[j - 1, i - 1]), float(rec.l2_weights[j - 1, i - 1])
        return float(rec.grad_biases[j - 1]), 0.0
    return float(values[0]), 0.0


def fill(quantities: list[Quantity], plan: Plan, record: IterationRecord, *,
         learning_rate: float, l2: float = 0.0, frozen: frozenset[str] = frozenset(),
         reduction: str = "mean", constants: dict[str, float] | None = None) -> list[Line]:
    """The lines of one iteration: each quantity with the trace's numbers (a batch's loss and
    gradients are the ``reduction`` of its samples' terms: their mean or their sum; an
    optimizer's options by their symbols in ``constants``)."""
    table = quantity_arrays(plan, record, learning_rate=learning_rate, l2=l2,
                            constants=constants)
    m = len(record.samples)
    lines = []
    gradients: dict[str, float] = {}  # the batch's gradients, which updates use
    for q in quantities:
        raw = table[q.address]
        values = tuple(raw.tolist())
        columns = {n: [gradients[n]] * m if n in gradients
                   and q.section in ("updates", "optimizer")
                   else table[n].tolist() for n in q.names}
        result, l2_term = result_of(q, record, plan, raw)
        if q.section == "gradients":
            gradients[q.address] = result
        is_frozen = q.section == "updates" and q.address[:-1] in frozen or (
            q.section == "optimizer" and q.address.endswith("+")
            and state_of(q.address) in frozen)
        lines.append(Line(q, record.samples, values, columns, result,
                          l2_term=l2_term if l2 else 0.0, frozen=is_frozen,
                          summed=reduction == "sum"))
    return lines


def vocabulary(plan: Plan, optimizer: tuple[str, ...] = (),
               constants: tuple[str, ...] = ()) -> tuple[set[str], set[str]]:
    """(every name a formula of the network may read, the addresses every worked solution of
    the network has): what a worked solution read back from the cache is checked against.
    ``optimizer``: the names of its state (``v``; ``m``, ``v``, ``mhat``, ``vhat``), whose
    addresses every parameter has; ``constants``: its options' symbols (μ, β1, ε, t)."""
    E = plan.loss_symbol
    names = {*plan.inputs, *plan.targets, E, RATE, L2, *constants}
    required = {E}
    for layer in plan.layers:
        for u in layer.units:
            names |= {u.net, u.out, derivative(E, u.out), derivative(E, u.net)}
            if u.bias is not None:
                names |= {u.bias, derivative(u.net, u.bias)}
            names |= {derivative(peer.out, u.net) for peer in layer.units} if layer.coupled \
                else {derivative(u.out, u.net)}
            required |= {u.net, u.out}
            for w, x in zip(u.weights, u.inputs, strict=True):
                names |= {w, derivative(u.net, x), derivative(u.net, w)}
            for p in (*u.weights, *(() if u.bias is None else (u.bias,))):
                required |= {derivative(E, p), updated(p)}
                for kind in optimizer:
                    address = state(kind, p)
                    names.add(address)
                    required.add(address if kind in ("mhat", "vhat") else updated(address))
    return names | required, required
