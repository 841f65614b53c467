"""A circuit's questions and the marking of an answer sheet for it.

The questions are every quantity of the worked circuit (solution/circuit.py) in the order it is
worked: each node's value (forward), each local gradient ∂node/∂input (local), each gradient
∂f/∂name in reverse topological order with, for a name used more than once, what each use
sends back (backward), and each updated parameter (updates). An answer counts by the rule of
grading/tolerance.py, as for a network; a circuit has no error carried forward or named
mistakes (grading/solution.py works those out for a network's formulas only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import InputError, close_names, did_you_mean
from ..network.addresses import derivative, normalise, updated
from ..notation.numbers import number, signed_sum
from ..notation.symbols import filled_numbers, symbol_number, symbol_text
from ..solution.circuit import CircuitSolution, contribution
from .grade import (
    BLANK,
    CORRECT,
    NOT_A_NUMBER,
    NOT_ANSWERED,
    NOT_ASKED,
    UNKNOWN,
    WRONG,
    Item,
    Settings,
    SheetResult,
    _how_far,
)
from .sheet import Sheet
from .tolerance import Written, agrees

SECTIONS = {"forward": "Forward pass", "local": "Local gradients",
            "backward": "Backward pass (reverse topological order)",
            "updates": "Updates"}


@dataclass(frozen=True)
class CircuitQuestion:
    """One quantity to work out: its address, section and formula (in symbols)."""

    address: str
    section: str
    formula: str
    value: float
    numbers: str = ""  # the formula's numbers, at the precision asked (practice's hint)


def _d(of: str, wrt: str) -> str:
    return symbol_text(derivative(of, wrt))


def _signed(value: float, precision: int) -> str:
    return symbol_number(value, precision)


def circuit_questions(solution: CircuitSolution, precision: int = 4) -> list[CircuitQuestion]:
    """Every quantity of the worked circuit, in the order it is worked; each with its numbers
    written at ``precision`` significant digits."""
    f = solution.output
    at = solution.numbers
    out = [CircuitQuestion(s.node, "forward", f"{s.node} = {s.formula.text}", s.value,
                           filled_numbers(s.formula, at, precision))
           for s in solution.forward]
    edges = {(e.node, e.parent): e for e in solution.edges()}
    for step in solution.forward:
        if step.node == f:  # its local gradients are the first steps of the backward pass
            continue
        for parent in step.parents:
            e = edges[(step.node, parent)]
            out.append(CircuitQuestion(derivative(e.node, e.parent), "local",
                                       f"{_d(e.node, e.parent)} = {e.local.text}",
                                       e.local_value, filled_numbers(e.local, at, precision)))
    uses: dict[str, int] = {}
    for step in solution.forward:
        for parent in step.parents:
            uses[parent] = uses.get(parent, 0) + 1
    gradients = [g for g, _ in solution.backward if g.name != f] + list(solution.leaves)
    for g in gradients:
        # what the output sends back is its own local gradient (times ∂f/∂f = 1)
        terms = [edges[(u, g.name)].local.text if u == f else f"{_d(f, u)}·{_d(u, g.name)}"
                 for u, _ in g.uses]
        terms = [f"({t})" if u == f and len(g.uses) > 1 and " " in t else t
                 for (u, _), t in zip(g.uses, terms, strict=True)]
        if uses[g.name] > 1:
            for (u, value), term in zip(g.uses, terms, strict=True):
                left = f"{_d(f, u)}·{_d(u, g.name)}"
                shown = left if term == left else f"{left} = {term}"
                e = edges[(u, g.name)]
                out.append(CircuitQuestion(contribution(f, u, g.name), "backward",
                                           f"{shown} (what {u} sends back)", value,
                                           f"{number(e.upstream, precision)} × "
                                           f"{_signed(e.local_value, precision)}"))
        if len(g.uses) > 1:
            numbers = signed_sum([v for _, v in g.uses], precision)
        else:
            e = edges[(g.uses[0][0], g.name)]
            numbers = (f"{number(e.upstream, precision)} × "
                       f"{_signed(e.local_value, precision)}")
        out.append(CircuitQuestion(derivative(f, g.name), "backward",
                                   f"{_d(f, g.name)} = " + " + ".join(terms), g.value,
                                   numbers))
    eta = solution.circuit.learning_rate
    for u in solution.updates:
        out.append(CircuitQuestion(updated(u.parameter), "updates",
                                   f"{u.parameter}+ = {u.parameter} − η·{_d(f, u.parameter)}"
                                   f" (η = {eta:g})", u.updated,
                                   f"{number(u.value, precision)} − {number(eta or 0, 6)} × "
                                   f"{_signed(u.gradient, precision)}"))
    return out


def chosen_questions(solution: CircuitSolution, selectors: Iterable[str], *,
                     field: str | None = None, file: str | None = None
                     ) -> list[CircuitQuestion]:
    """The questions ``selectors`` name (sections or addresses), in the order worked.

    Raises InputError for a selector that names no section or quantity."""
    every = circuit_questions(solution)
    addresses = [q.address for q in every]
    wanted: set[str] = set()
    for selector in selectors:
        name = normalise(selector.strip())
        if name in SECTIONS:
            wanted |= {q.address for q in every if q.section == name}
        elif name in addresses:
            wanted.add(name)
        else:
            hint = did_you_mean(close_names(name, [*SECTIONS, *addresses], cutoff=0.5))
            raise InputError(f"'{selector}' is neither a section ({', '.join(SECTIONS)}) nor a "
                             f"quantity of this circuit" + (f"; {hint}" if hint else ""),
                             field=field, file=file)
    return [q for q in every if q.address in wanted]


def grade_circuit_sheet(solution: CircuitSolution, sheet: Sheet, settings: Settings,
                        scenario: str = "") -> SheetResult:
    """Mark a sheet's answers for a circuit: each asked quantity (its ``asks``, else every
    one) by its value, an unanswered one 0, an answer the exercise does not ask listed but not
    marked, an address the circuit does not have listed with the closest ones."""
    every = circuit_questions(solution)
    key = {q.address: q.value for q in every}
    asks = every if sheet.asks is None else chosen_questions(solution, sheet.asks,
                                                             field="asks", file=sheet.path)
    wanted = {q.address for q in asks}
    answers = {a.address: a for a in sheet.answers}
    items = []
    full = settings.points
    for q in every:
        answer = answers.get(q.address)
        if q.address not in wanted:
            if answer is not None:
                items.append(Item(q.address, answer.written_as, q.value, answer.value,
                                  answer.text, NOT_ASKED, 0.0, 0.0,
                                  "not asked in this exercise: not marked"))
            continue
        if answer is None:
            items.append(Item(q.address, q.address, q.value, None, "", NOT_ANSWERED, 0.0, full,
                              "not answered"))
        elif answer.blank:
            items.append(Item(q.address, answer.written_as, q.value, None, "", BLANK, 0.0, full,
                              "left blank"))
        elif answer.value is None:
            items.append(Item(q.address, answer.written_as, q.value, None, answer.text,
                              NOT_A_NUMBER, 0.0, full, f"'{answer.text}' is not a number"))
        elif agrees(q.value, Written(answer.value, answer.text), settings.tolerance):
            items.append(Item(q.address, answer.written_as, q.value, answer.value, answer.text,
                              CORRECT, full, full, ""))
        else:
            items.append(Item(q.address, answer.written_as, q.value, answer.value, answer.text,
                              WRONG, 0.0, full, f"{_how_far(q.value, answer.value)}; "
                                                f"{q.formula}"))
    for answer in sheet.answers:
        if answer.address not in key:
            close = close_names(answer.address, list(key), most=3, cutoff=0.5)
            hint = f"; {did_you_mean([symbol_text(c) for c in close])}" if close else ""
            items.append(Item(answer.address, answer.written_as, None, answer.value, answer.text,
                              UNKNOWN, 0.0, 0.0,
                              f"this circuit has no quantity '{answer.written_as}'{hint}",
                              suggestions=tuple(close)))
    return SheetResult(sheet.path, sheet.name, sheet.variant, scenario, solution.circuit.title,
                       sheet.iteration, tuple(items),
                       None if sheet.asks is None else tuple(q.address for q in asks))
