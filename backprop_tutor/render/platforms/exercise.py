"""An exercise as a course platform takes it: plain data every platform export reads.

One ``Exercise`` per version of the exercise (the scenario itself, or each of its variants from
grading/variants.py): what is given (parameters, inputs, targets, η), and each quantity asked
(the worksheet's selection, grading/worksheet.py ``chosen``) with its key, exactly the worked
solution's number (the ``values`` map of ``run --json``), the margin the grading rules give it
(docs/grading.md), its formula and its worked line in LaTeX, and the formulas that compute it
from earlier quantities (the worked solution's code form), which a platform's own grader uses
for error carried forward.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ...grading.circuit import SECTIONS as CIRCUIT_SECTIONS
from ...grading.solution import Solution
from ...grading.tolerance import Tolerance
from ...grading.variants import make_variants
from ...grading.worksheet import chosen, questions
from ...network.addresses import base
from ...notation.latex import number_latex
from ...notation.symbols import latex_symbol, symbol_text
from ...scenario.loader import scenario_from_text
from ...scenario.optimizer import STEP_SYMBOL, constants
from ...solution.lines import SECTIONS
from ...solution.run import Run, train
from ...solution.values import state_values
from ..formulas import formula_latex
from ..latex import address_latex, numbers_cell

RULES = Tolerance()  # the grading rules' default tolerance (docs/grading.md)

# An update whose change is 0 (a frozen parameter, an input of 0) must keep its value as
# written; a platform compares numbers, not how they are written, so its margin is half a unit
# in this decimal place
ZERO_CHANGE_DECIMALS = 4
# a difference of this many units in the last place between an update and its parameter is
# the rounding of the arithmetic, no change (as grading/tolerance.py judges it)
_ULPS = 4


@dataclass(frozen=True)
class Margin:
    """How far from the key an answer may be.

    ``rel`` and ``abs`` are a relative and an absolute tolerance as PrairieLearn's ``relabs``
    comparison takes them (|given − key| ≤ abs + rel·|key|); ``width`` is the same as one
    absolute half-width (key ± width), as Moodle and Canvas take it. ``note`` says why, where
    the margin is not the plain relative tolerance.
    """

    rel: float
    abs: float
    width: float
    note: str = ""


@dataclass(frozen=True)
class Given:
    """A number the exercise gives: a parameter, an input, a target, the learning rate."""

    address: str
    name: str  # a platform's identifier for it
    label: str  # LaTeX, in the scenario's letters
    value: float


@dataclass(frozen=True)
class Asked:
    """One quantity the exercise asks."""

    address: str  # z1, dE/dw2, w2+, z1@2
    name: str  # a platform's identifier for its answer: dE_dw2, w2_new, z1_s2
    label: str  # LaTeX, in the scenario's letters: \frac{\partial E}{\partial w_{2}}
    text: str  # plain text: ∂E/∂w2
    section: str
    key: float
    start: float | None  # an update's parameter before it: its change is what is judged
    margin: Margin
    formula: str  # LaTeX
    worked: str  # LaTeX: the formula, the numbers substituted, the value


@dataclass(frozen=True)
class Step:
    """One quantity of the iteration as a computation: the formulas (NumPy source over
    ``v0, v1, …`` standing for their names) that give it from earlier quantities, evaluated on
    each of ``suffixes`` (several: the mean over a batch's samples) plus ``constant``."""

    address: str
    formulas: tuple[tuple[tuple[str, ...], str], ...]
    suffixes: tuple[str, ...]
    constant: float = 0.0


@dataclass(frozen=True)
class Exercise:
    """One version of an exercise, ready for a platform."""

    variant: str | None  # the variant's id; None for the scenario itself
    title: str
    teaches: str
    scenario_name: str  # the file name: two_neuron.yaml
    scenario_text: str  # the scenario as YAML
    network: str  # 2 → 2 → 1, sigmoid, sigmoid
    loss: str
    iteration: int
    given: tuple[Given, ...]
    asked: tuple[Asked, ...]
    steps: tuple[Step, ...]  # every quantity of the iteration, in order
    env: dict[str, float] = field(repr=False)  # parameters, η, λ, inputs, targets and the key
    tolerance: Tolerance = Tolerance()
    rounding: str = ""  # how the key was rounded as by hand ("" when exact)
    circuit: tuple[str, ...] = ()  # a circuit's nodes in LaTeX (q = x + y); () for a network
    output: str = ""  # a circuit's output node

    @property
    def key(self) -> dict[str, float]:
        """Each asked quantity's key by address."""
        return {a.address: a.key for a in self.asked}


def plain_number(value: float) -> str:
    """A float in positional notation with the shortest digits that read back as it:
    ``0.41500000000000004``, ``0.0000102``; never an exponent, never ``-0``."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_SPELLING = {"/": "_", "+": "_new", "@": "_s", "*": "_times_", "η": "eta", "λ": "lambda",
             "(": "_", ")": "",
             "μ": "mu", "ρ": "rho", "β": "beta", "ε": "epsilon"}


def answer_name(address: str) -> str:
    """A platform identifier for an address: ``dE/dw2`` → ``dE_dw2``, ``w2+`` → ``w2_new``,
    ``z1@2`` → ``z1_s2``, a circuit's ``df/dq*dq/dx`` → ``df_dq_times_dq_dx``, ``v(w2)+`` →
    ``v_w2_new``, ``β1`` → ``beta1``; any other character
    as its code point."""
    name = re.sub(r"[^A-Za-z0-9_]", lambda m: _SPELLING.get(m.group(), f"_u{ord(m.group()):x}_"),
                  address)
    return name if name[:1].isalpha() else f"q_{name}"


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name}_{n + 1}")
    return out


def change_of(start: float, key: float) -> float:
    """key − start, 0 where they differ by a few units in the last place only."""
    change = key - start
    scale = max(abs(start), abs(key))
    return 0.0 if abs(change) <= _ULPS * 2.220446049250313e-16 * scale else change


def margin(key: float, start: float | None, tolerance: Tolerance) -> Margin:
    """The margin the grading rules give a key (docs/grading.md).

    A quantity is right within the relative tolerance of the key (or the absolute one). An
    update w+ = w − η·∂E/∂w is judged by its change Δ: its margin is absolute, rel·|Δ| (plus the
    absolute tolerance); a change of 0 gets half a unit in the ZERO_CHANGE_DECIMALS-th decimal.
    Correct rounding at the precision written, which grading also accepts, is not a margin:
    platforms that compare numbers cannot apply it.
    """
    if start is None:
        width = max(tolerance.abs, tolerance.rel * abs(key))
        return Margin(tolerance.rel, tolerance.abs, width)
    change = change_of(start, key)
    if change == 0:
        width = max(tolerance.abs, 0.5 * 10.0 ** -ZERO_CHANGE_DECIMALS)
        return Margin(0.0, width, width,
                      f"this parameter does not change (it stays {plain_number(start)}): "
                      f"any value within {plain_number(width)} of it counts, half a unit in "
                      f"decimal {ZERO_CHANGE_DECIMALS}")
    width = tolerance.abs + tolerance.rel * abs(change)
    return Margin(0.0, width, width,
                  f"judged by its change {change:+.6g} from {plain_number(start)}: "
                  f"within {tolerance.rel:.3g} of the change, {width:.3g}")


def _network(run: Run) -> str:
    s = run.scenario
    shape = " → ".join(str(n) for n in [s.input_count, *(layer.units for layer in s.layers)])
    activations = ", ".join(str(getattr(layer.activation, "name", layer.activation))
                            for layer in s.layers)
    return f"{shape}, activations {activations}"


def _given(run: Run, iteration: int) -> list[tuple[str, str, float]]:
    record = run.record(iteration)
    out: list[tuple[str, str, float]] = []
    for layer, rec in zip(run.plan.layers, record.layers, strict=True):
        for j, u in enumerate(layer.units):
            for i, w in enumerate(u.weights):
                out.append((w, latex_symbol(w), float(rec.weights[j, i])))
            if u.bias is not None:  # a layer without bias has none
                out.append((u.bias, latex_symbol(u.bias), float(rec.biases[j])))
    # an optimizer's state before the update
    out += [(name, latex_symbol(name), v)
            for name, v in state_values(run.plan, record, before=True).items()]
    several = len(record.samples) > 1
    for s, x_row, t_row in zip(record.samples, record.inputs, record.targets, strict=True):
        suffix = f"@{s}" if several else ""
        for x, v in zip(run.plan.inputs, x_row.tolist(), strict=True):
            out.append((x + suffix, address_latex(x + suffix), v))
        for t, v in zip(run.plan.targets, t_row.tolist(), strict=True):
            out.append((t + suffix, address_latex(t + suffix), v))
    out.append(("η", r"\eta", float(run.scenario.learning_rate)))
    if run.scenario.l2:
        out.append(("λ", r"\lambda", float(run.scenario.l2)))
    for symbol, value in constants(run.scenario).items():
        out.append((symbol, latex_symbol(symbol), float(value)))
    if "m" in (record.layers[0].state.weights if record.layers[0].state else {}):
        out.append((STEP_SYMBOL, STEP_SYMBOL, float(iteration)))  # Adam's step t
    return out


def exercise(run: Run, *, scenario_name: str, scenario_text: str,
             asks: Sequence[str] | None = None, tolerance: Tolerance = RULES,
             variant: str | None = None, iteration: int = 1, title: str | None = None
             ) -> Exercise:
    """The exercise of one run: ``asks`` are the addresses asked (every quantity if None)."""
    record = run.record(iteration)
    solution = Solution(run, iteration)
    lines = run.lines(record, form="latex")
    asked = []
    picked = questions(lines, None if asks is None else set(asks))
    names = _unique(answer_name(q.address) for q in picked)
    for q, name in zip(picked, names, strict=True):
        line, row = q.line, q.row
        key = row.value
        if key != solution.key[q.address]:  # one worked solution: never two keys
            raise AssertionError(f"{q.address}: two keys")
        start = solution.start(q.address)
        formula = formula_latex(line, mean=row.numbers is None)
        numbers = numbers_cell(line, row, 4)
        worked = f"{address_latex(q.address)} = {formula}" + (f" = {numbers}" if numbers else "")
        if line.quantity.names:
            worked += f" = {number_latex(key, 6)}"
        tol = tolerance if run.rounding is None else \
            replace(tolerance, abs=max(tolerance.abs, run.rounding.slack(key)))  # as grading
        asked.append(Asked(q.address, name, address_latex(q.address), symbol_text(q.base)
                           + (f" ({q.label})" if q.label else ""), q.section, key, start,
                           margin(key, start, tol), formula, worked))
    given_names = _unique(answer_name(a) for a, _, _ in _given(run, iteration))
    given = tuple(Given(a, n, label, v) for (a, label, v), n in
                  zip(_given(run, iteration), given_names, strict=True))
    steps = tuple(Step(s.address, tuple((f.names, f.source) for f in s.formulas), s.suffixes,
                       s.constant) for s in solution.steps.values())
    s = run.scenario
    return Exercise(variant, title or s.title or "Backpropagation", s.teaches or "", scenario_name,
                    scenario_text, _network(run), str(s.loss), iteration, given, tuple(asked),
                    steps, dict(solution.base_env), tolerance, run.rounding_note or "")


def selection(run: Run, selectors: Sequence[str] | None, *, field: str = "--only"
              ) -> list[str] | None:
    """The addresses ``--only`` selectors choose (as ``worksheet --only``); None: all."""
    if not selectors:
        return None
    lines = run.lines(run.record(1))
    every = [(q.address, q.section) for q in questions(lines)]
    return chosen(every, [p for s in selectors for p in s.split(",") if p.strip()], field=field)


def exercises(run: Run, *, scenario_name: str, scenario_text: str,
              selectors: Sequence[str] | None = None, tolerance: Tolerance = RULES,
              variants: int = 0, seed: int = 2026) -> list[Exercise]:
    """The exercise of a run, or (``variants`` > 0) one per variant of it, the same quantities
    asked of each (the variants share the network, so its addresses)."""
    asks = selection(run, selectors)
    if not variants:
        return [exercise(run, scenario_name=scenario_name, scenario_text=scenario_text,
                         asks=asks, tolerance=tolerance)]
    out = []
    for v in make_variants(run, variants, seed):
        name = f"{v.id}.yaml"
        variant_run = train(scenario_from_text(v.text, name))
        out.append(exercise(variant_run, scenario_name=name, scenario_text=v.text, asks=asks,
                            tolerance=tolerance, variant=v.id, title=run.scenario.title))
    return out


def section_title(section: str) -> str:
    """The title every output gives a section of the worked solution (of a network, or of a
    circuit: its local gradients and backward pass)."""
    return SECTIONS.get(section) or CIRCUIT_SECTIONS.get(section, section)


def base_address(address: str) -> str:
    """An address without its sample."""
    return base(address)
