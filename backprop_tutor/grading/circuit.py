"""A circuit's questions and the marking of an answer sheet for it.

The questions are every quantity of the worked circuit (solution/circuit.py) in the order it is
worked: each node's value (forward), each local gradient ∂node/∂input (local), each gradient
∂f/∂name in reverse topological order with, for a name used more than once, what each use
sends back (backward), and each updated parameter (updates). An answer counts by the rule of
grading/tolerance.py, as for a network (an update by its change); a wrong one that follows
from the student's own earlier values is carried forward (grading/circuit_formulas.py), and
one a classic slip reproduces is named (grading/circuit_mistakes.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import InputError, close_names, did_you_mean
from ..network.addresses import derivative, normalise, updated
from ..notation.numbers import number, signed_sum
from ..notation.symbols import filled_numbers, symbol_number, symbol_text
from ..solution.circuit import CircuitSolution, contribution
from .circuit_formulas import CircuitFormulas
from .circuit_mistakes import find_circuit_mistake
from .ecf import EXACT, CarriedForward
from .grade import (
    BLANK,
    CARRIED,
    CORRECT,
    NOT_A_NUMBER,
    NOT_ANSWERED,
    NOT_ASKED,
    UNKNOWN,
    WRONG,
    Item,
    Settings,
    SheetResult,
    _accepted,
    _change_off,
    _how_far,
    _listing,
    mistake_text,
)
from .sheet import Sheet
from .tolerance import Tolerance, Written, agrees, literal

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
    start: float | None = None  # an update's parameter before it: its change is judged


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
                                   f"{_signed(u.gradient, precision)}", u.value))
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
    one) in the order worked, an unanswered one 0, an answer the exercise does not ask listed
    but not marked, an address the circuit does not have listed with the closest ones.

    A wrong value that the quantity's formula gives from the student's own earlier values,
    one of them wrong, is carried forward (``settings.ecf_credit`` of its points); another
    wrong value is checked against the named mistakes of grading/circuit_mistakes.py."""
    every = circuit_questions(solution)
    formulas = CircuitFormulas(solution)
    key = {q.address: q.value for q in every}
    asks = every if sheet.asks is None else chosen_questions(solution, sheet.asks,
                                                             field="asks", file=sheet.path)
    wanted = {q.address for q in asks}
    answers = {a.address: a for a in sheet.answers}
    own = {a.address: a.value for a in sheet.answers
           if a.address in key and a.value is not None}
    wrong: set[str] = set()
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
            item = Item(q.address, q.address, q.value, None, "", NOT_ANSWERED, 0.0, full,
                        "not answered")
        elif answer.blank:
            item = Item(q.address, answer.written_as, q.value, None, "", BLANK, 0.0, full,
                        "left blank")
        elif answer.value is None:
            item = Item(q.address, answer.written_as, q.value, None, answer.text,
                        NOT_A_NUMBER, 0.0, full, f"'{answer.text}' is not a number")
        else:
            item = _mark(formulas, q, Written(answer.value, answer.text), answer.written_as,
                         own, wrong, settings)
        if item.verdict != CORRECT:
            wrong.add(q.address)
        items.append(item)
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


def _mark(formulas: CircuitFormulas, q: CircuitQuestion, written: Written, written_as: str,
          own: dict[str, float], wrong: set[str], settings: Settings) -> Item:
    """One answered quantity: correct, carried forward, or wrong (with its mistake named)."""
    full = settings.points
    tol = settings.tolerance
    start = q.start

    def item(verdict: str, points: float, feedback: str, **kw) -> Item:
        return Item(q.address, written_as, q.value, written.value, written.text, verdict,
                    points, full, feedback, **kw)

    # the quantity from the student's own earlier values, by the first of its forms that
    # gives what they wrote (else by its first form)
    forms = formulas.formulas[q.address].forms()
    reads, from_own, follows = forms[0][0], math.nan, False
    for form_reads, rule in forms:
        value = formulas.evaluate(q.address, given=own, instead={q.address: rule})
        if math.isfinite(value) and agrees(value, written, tol, start):
            reads, from_own, follows = form_reads, value, True
            break
    if agrees(q.value, written, tol, start):
        feedback = _accepted(q.value, written, start)
        used = tuple(r for r in reads if r in own)
        if feedback and used and follows and agrees(from_own, written, EXACT, start):
            feedback = f"follows from your rounded {_listing(used)}"
        return item(CORRECT, full, feedback)
    if follows:
        exact = agrees(from_own, written, EXACT, start)
        sources = tuple(r for r in reads if r in wrong and r in own)
        carried = CarriedForward(from_own, sources, exact)
        if not sources:
            return item(CORRECT, full, "follows from your rounded earlier values" if exact else
                        "within tolerance of what your rounded earlier values give",
                        carried=carried)
        told = "follows from your" if exact else "within tolerance of what follows from your"
        return item(CARRIED, full * settings.ecf_credit,
                    f"{told} {_listing(sources)} (error carried forward)", carried=carried)
    mistake = find_circuit_mistake(formulas, q.address, written, own, tol)
    if mistake is not None:
        return item(WRONG, 0.0, mistake_text(mistake), mistake=mistake)
    if start is not None:
        return item(WRONG, 0.0, f"{_change_off(q.value, start, written.value, written.text)}; "
                                f"{q.formula}")
    return item(WRONG, 0.0, f"{_how_far(q.value, written.value)}; {q.formula}")


def name_circuit_mistake(formulas: CircuitFormulas, address: str, text: str,
                         own: dict[str, float]) -> str | None:
    """The slip a wrong answer ``text`` for ``address`` is explained by, as grading names it
    (grading/circuit_mistakes.py), given the student's ``own`` earlier values; None when no
    rule explains it or the text is not a number (practice's first hint)."""
    d = literal(text)
    if d is None:
        return None
    mistake = find_circuit_mistake(formulas, address, Written(float(d), text), own, Tolerance())
    return None if mistake is None else mistake_text(mistake)
