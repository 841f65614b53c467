"""The worked solution of a network, derived and printed once, kept by the derive-once cache.

``quantities(run, form)`` is the one list every output reads: each quantity of the iteration
(solution/shapes.py) with its formula printed in one form: ``text`` (terminal, explain,
practice, answer sheets), ``latex`` (Markdown and LaTeX keys and worksheets) or ``code`` (the
NumPy source grading evaluates, with the shown formula's alternatives). Each form is its own
cache entry, so a run only prints what it shows; a run whose entry is cached imports no sympy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..network.kernels import Kernel, compile_kernel
from ..notation.symbols import Printed
from ..scenario.limits import worked_size
from ..scenario.optimizer import STEP_SYMBOL, constants, settings
from ..training.engine import RunOptions, iterate
from ..training.hand_rounding import HandRounding
from ..training.optimizers import optimizer_state
from .cache import cached
from .lines import SECTIONS, Code, Quantity, fill, quantity_arrays, vocabulary

if TYPE_CHECKING:
    from ..scenario.schema import Scenario
    from ..training.trace import IterationRecord
    from .run import Run

Form = Literal["text", "latex", "code"]


def quantities(run: Run, form: Form = "text") -> list[Quantity]:
    """Every quantity of the run's worked solution, in textbook order, printed in ``form``.

    A stored entry is used only if it names this network's quantities; a stored ``code`` form
    only if every formula reproduces the numbers the engine computed (with checked kernels) at
    every iteration kept in full and at a copy of the network moved at random (``reproduces``).
    Text and LaTeX forms only say how a formula is written: every number shown is put in from
    the trace."""
    known, required = vocabulary(run.plan, *optimizer_names(run.scenario))

    def read(data: Any) -> list[Quantity]:
        out = _read(data)
        addresses = [q.address for q in out]
        used = {n for q in out for n in (q.address, *q.names, *(a for p in q.paths for a in p))}
        if len(set(addresses)) != len(addresses) or not used <= known \
                or not required <= set(addresses):
            raise ValueError("not this network's worked solution")
        return out

    def check(out: list[Quantity]) -> None:
        if form == "code":
            parameters = len(run.plan.parameter_index)
            if worked_size(parameters, len(run.trace.iterations[0].samples)) is None:
                records = (*run.trace.iterations, _elsewhere(run))
            else:  # a large batch: every formula checked on a few samples, not on thousands
                records = (_elsewhere(run, samples=CHECKED_SAMPLES),)
            for record in records:
                reproduces(out, run, record)

    return cached(f"worked-{form}", run.scenario, lambda: _derive(run, form), read, check)


# a formula reproduces a number of the trace when it agrees to this relative precision
SELF_CHECK = 1e-9


# samples of the moved copy a large network's code formulas are checked on
CHECKED_SAMPLES = 4


def _elsewhere(run: Run, samples: int | None = None) -> IterationRecord:
    """The first iteration of a copy of the run's network whose initial weights, biases and
    inputs are moved at random, afresh at every run (its targets are kept: a simplified
    softmax cross-entropy factor needs targets that sum to 1); with ``samples``, of its first
    that many samples only (a formula is the same for every sample of a batch)."""
    rng = np.random.default_rng()  # from the system's entropy

    def moved(values: np.ndarray) -> list:
        return (values * rng.uniform(0.5, 1.5, values.shape)
                + rng.normal(0.0, 0.2, values.shape)).tolist()

    scenario = run.scenario
    initial = run.trace.initial
    layers = [layer.model_copy(update={"weights": moved(w), "biases": moved(b)})
              for layer, w, b in zip(scenario.layers, initial.weights, initial.biases,
                                     strict=True)]
    kept = scenario.data if samples is None else scenario.data[:samples]
    data = [sample.model_copy(update={"inputs": moved(np.asarray(sample.inputs, dtype=float))})
            for sample in kept]
    update: dict[str, Any] = {"layers": layers, "data": data, "epochs": 1, "init": None}
    if scenario.batch_size is not None:
        update["batch_size"] = min(scenario.batch_size, len(data))
    copy = scenario.model_copy(update=update)
    return iterate(run.plan, copy, RunOptions(epochs=1, detail=1)).iterations[0]


def optimizer_names(scenario: Scenario) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the names of the scenario's optimizer's state, the symbols of its options and of the
    step t): nothing for sgd."""
    held = optimizer_state(scenario)
    return held, ((*constants(scenario), STEP_SYMBOL) if held else ())


def reproduces(out: list[Quantity], run: Run, record: IterationRecord) -> None:
    """Check every code formula (the shown one and its alternatives) against the numbers of an
    iteration the engine computed: evaluated at that iteration's own values, each must give
    every sample's number to ``SELF_CHECK``. In a run rounded by hand (training/hand_rounding.py)
    the shown formula, evaluated on the rounded numbers it reads, must give each number once
    rounded the same way (a net input z, which is not rounded, to ``SELF_CHECK``; a formula that
    copies a number, such as ∂z/∂w = a, the number itself), and an alternative formula, which
    rounds in another order, must come within ``HAND_SLACK`` units of the last digit kept.
    Raises ValueError (or KernelError, which is one)
    for the first that does not, or that reads a name the iteration does not have."""
    scenario = run.scenario
    given = constants(scenario)
    table = quantity_arrays(run.plan, record, learning_rate=scenario.learning_rate,
                            l2=scenario.l2, constants=given)
    hand = run.rounding
    nets = {u.net for layer in run.plan.layers for u in layer.units} if hand else set()
    for line in fill(out, run.plan, record, learning_rate=scenario.learning_rate,
                     l2=scenario.l2, frozen=frozenset(scenario.frozen), constants=given):
        expected = np.asarray(line.values, dtype=float)
        count = len(expected)
        for shown, code in enumerate(line.quantity.code):
            args = (*(f"v{i}" for i in range(len(code.names))), "unused")
            function = compile_kernel(Kernel(args, code.source))
            if not all(n in line.columns or n in table for n in code.names):
                raise ValueError(f"a formula of {line.address} reads an unknown name")
            values = [np.broadcast_to(np.asarray(line.columns[n] if n in line.columns
                                                 else table[n], dtype=float), (count,))
                      for n in code.names]
            with np.errstate(all="ignore"):
                got = np.broadcast_to(np.asarray(function(*values, np.zeros(count)),
                                                 dtype=float), (count,))
            agree = np.abs(got - expected) <= SELF_CHECK * np.maximum(1.0, np.abs(expected))
            if hand is not None and line.address not in nets:
                agree = hand_agrees(hand, got, expected, shown == 0)
            if not np.all(agree | (got == expected) | (np.isnan(got) & np.isnan(expected))):
                raise ValueError(f"a formula of {line.address} does not give its number")


# an alternative formula of a run rounded by hand rounds in another order: it may end this many
# units of the last digit kept away from the shown formula's number
HAND_SLACK = 10


def hand_agrees(hand: HandRounding, got: np.ndarray, expected: np.ndarray, shown: bool
                ) -> np.ndarray:
    """Per sample: whether a formula's value ``got`` (on rounded numbers) gives the rounded
    number ``expected``: exactly once rounded (or exactly, for a copy) for the ``shown``
    formula, within ``HAND_SLACK`` units of the last digit kept for an alternative."""
    if shown:
        return (hand(got) == expected) | (got == expected)
    unit = np.array([hand.unit(float(v)) for v in expected])
    return np.abs(got - expected) <= HAND_SLACK * unit


def _derive(run: Run, form: Form) -> list[list[Any]]:
    from ..symbolic.forms import code_of, latex_form, text_form  # sympy: only to derive
    from .shapes import shapes

    out = []
    scenario = run.scenario
    for shape in shapes(run.derivation, frozen=frozenset(scenario.frozen),
                        letters=scenario.symbols, optimizer=settings(scenario)[0]):
        names = shape.names
        printed: list[Any] = []
        code: list[Any] = []
        if form == "code":
            code = [_code(code_of(e)) for e in (shape.formula, *shape.alternatives)]
        else:
            p = (text_form if form == "text" else latex_form)(shape.formula, names)
            printed = [p.text, p.template, list(p.names)]
        out.append([shape.section, shape.address, shape.per_sample, list(names),
                    [list(path) for path in shape.paths], shape.note, printed, code])
    return out


def _code(pair: tuple[tuple[str, ...], str]) -> list[Any]:
    names, source = pair
    return [list(names), source]


def _strings(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(t, str) for t in items)


def _read(data: Any) -> list[Quantity]:
    """The stored list back as quantities; ValueError if it is not what ``_derive`` writes."""
    out = []
    for section, address, per_sample, names, paths, note, printed, code in data:
        if section not in SECTIONS or not isinstance(address, str) or not _strings(names) \
                or not isinstance(per_sample, bool) or not isinstance(note, str) \
                or not all(_strings(path) for path in paths):
            raise ValueError("not a worked-solution quantity")
        shown = None
        if printed:
            text, template, tokens = printed
            if not (isinstance(text, str) and isinstance(template, str) and _strings(tokens)):
                raise ValueError("not a printed formula")
            shown = Printed(text, template, tuple(tokens))
            if not shown.reads_only(set(names)):
                raise ValueError("a printed formula reads a number its quantity does not list")
        codes = []
        for code_names, source in code:
            if not (_strings(code_names) and isinstance(source, str)):
                raise ValueError("not a formula's code")
            codes.append(Code(tuple(code_names), source))
        out.append(Quantity(section, address, per_sample, tuple(names),
                            tuple(tuple(path) for path in paths), note, shown, tuple(codes)))
    return out
