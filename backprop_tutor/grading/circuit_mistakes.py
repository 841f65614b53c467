"""Named mistakes of a circuit's hand calculation: the classic slips of backpropagating through
a computational graph, each a rule that re-makes the slip and carries it through the formulas
(grading/circuit_formulas.py).

The slips are those CS231n's notes on backpropagation and micrograd warn of: a value used by
several nodes given one use's gradient instead of the sum ("fan-out not summed": the classic
mistake of hand calculations and of beginners' autograd code, which overwrite a gradient
instead of accumulating it), the local gradient given for the downstream one (the upstream
factor left out), a multiply gate's own input used where the other input belongs, a sign
slip, and an update with the gradient added or not made at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ..notation.symbols import symbol_text
from .circuit_formulas import CircuitFormulas, Rule
from .mistakes import Mistake, reading
from .tolerance import Tolerance, Written, indistinct, reproduces

MULTIPLY = "multiply"  # symbolic/circuit.py's gate pattern of q * z
# the most quantities before the one marked where a slip is tried
MOST_PLACES = 40


@dataclass(frozen=True)
class Variant:
    """The circuit worked with one slip: the quantities worked out another way, and the slip
    in words."""

    instead: dict[str, Rule]
    description: str
    at: str


def _where(place: str, address: str) -> str:
    return "" if place == address else f" in {symbol_text(place)}"


def _places(c: CircuitFormulas, address: str) -> list[str]:
    return [address, *c.depends(address)[:MOST_PLACES]]


def update_not_applied(c: CircuitFormulas, address: str) -> Iterator[Variant]:
    """w+ written as w: the update never made."""
    formula = c.formulas[address]
    if formula.kind == "update":
        w = c.leaves[formula.parent]  # type: ignore[index]
        yield Variant({address: lambda get: w},
                      f"update not applied ({symbol_text(address)} left at {formula.parent})",
                      address)


def update_added(c: CircuitFormulas, address: str) -> Iterator[Variant]:
    """w + η·∂f/∂w: the step taken up the gradient, not down."""
    formula = c.formulas[address]
    if formula.kind == "update":
        w, grad = c.leaves[formula.parent], formula.reads[0]  # type: ignore[index]
        eta = c.solution.circuit.learning_rate or 0.0
        yield Variant({address: lambda get: w + eta * get(grad)},
                      f"update added ({formula.parent} + η·{symbol_text(grad)}: gradient "
                      "ascent)", address)


def learning_rate_left_out(c: CircuitFormulas, address: str) -> Iterator[Variant]:
    """w − ∂f/∂w: the gradient not multiplied by the learning rate η."""
    formula = c.formulas[address]
    if formula.kind == "update":
        w, grad = c.leaves[formula.parent], formula.reads[0]  # type: ignore[index]
        yield Variant({address: lambda get: w - get(grad)},
                      "learning rate η left out of the update", address)


def fan_out_not_summed(c: CircuitFormulas, address: str) -> Iterator[Variant]:
    """The gradient of a value used by several nodes given what one use sends back instead
    of the sum over every use (the last use overwriting the others, as a beginner's autograd
    does with ``grad =`` for ``grad +=``)."""
    for place in _places(c, address):
        formula = c.formulas[place]
        if formula.kind != "sum" or len(formula.uses) < 2:
            continue
        x = formula.parent
        for part, u in zip(formula.reads, formula.uses, strict=True):
            yield Variant({place: lambda get, part=part: get(part)},
                          f"fan-out not summed{_where(place, address)}: only what {u} sends "
                          f"back to {x}, not the sum over its {len(formula.uses)} uses", place)


def upstream_left_out(c: CircuitFormulas, address: str) -> Iterator[Variant]:
    """The local gradient ∂u/∂x given for what u sends back, ∂f/∂u·∂u/∂x: the upstream
    gradient ∂f/∂u left out of the chain rule."""
    for place in _places(c, address):
        formula = c.formulas[place]
        if formula.kind != "product":
            continue
        up, local = formula.reads
        yield Variant({place: lambda get, local=local: get(local)},
                      f"upstream gradient {symbol_text(up)} left out{_where(place, address)}: "
                      f"the local gradient {symbol_text(local)} alone", place)


def multiply_own_input(c: CircuitFormulas, address: str) -> Iterator[Variant]:
    """A multiply gate q = x·z's local gradient ∂q/∂x taken as x, the input itself, where
    the other input z belongs."""
    for place in _places(c, address):
        formula = c.formulas[place]
        if formula.kind not in ("local", "output_local"):
            continue
        q, x = formula.node, formula.parent
        parents = c.parents[q]  # type: ignore[index]
        if c.gates[q] != MULTIPLY or len(parents) != 2:  # type: ignore[index]
            continue
        other = parents[1 - parents.index(x)]  # type: ignore[arg-type]
        yield Variant({place: lambda get, x=x: c.name_value(x, get)},
                      f"multiply gate {q} = {parents[0]}·{parents[1]}: ∂{q}/∂{x} taken as {x}, "
                      f"its own input, not the other input {other}{_where(place, address)}",
                      place)


def sign_flipped(c: CircuitFormulas, address: str) -> Iterator[Variant]:
    """The quantity, or one it is worked out from, with its sign flipped."""
    for place in _places(c, address):
        rule = c.formulas[place].rule
        yield Variant({place: lambda get, rule=rule: -rule(get)},
                      f"sign flipped{_where(place, address)}", place)


RULES: dict[str, Callable[[CircuitFormulas, str], Iterator[Variant]]] = {
    "update_not_applied": update_not_applied,
    "update_added": update_added,
    "learning_rate_left_out": learning_rate_left_out,
    "fan_out_not_summed": fan_out_not_summed,
    "upstream_left_out": upstream_left_out,
    "multiply_own_input": multiply_own_input,
    "sign_flipped": sign_flipped,
}
# w + η·g is an update added, which is the gradient's sign flipped inside the update: the
# first is named alone
SAME_SLIP = {frozenset({"update_added", "sign_flipped"})}


def find_circuit_mistake(c: CircuitFormulas, address: str, given: Written,
                         own: Mapping[str, float], tol: Tolerance) -> Mistake | None:
    """The slip that reproduces a wrong value best, if any, as grading/mistakes.py's
    ``find_mistake`` chooses for a network: every rule's variants worked out from the key's
    values and from the student's own earlier ones; of those that reproduce ``given`` the
    nearest wins, among equally near ones the first in ``RULES``; rules that describe other
    slips with the same value are named too ("…, or …"), and a value that three or more
    explain is named after none."""
    key = c.key[address]
    start = c.start(address)
    # the student's own values (``evaluate`` never reads the quantity's own)
    earlier = own if any(a != address for a in own) else {}
    found: list[tuple[float, int, Mistake]] = []
    for rank, (rule, propose) in enumerate(RULES.items()):
        for variant in propose(c, address):
            for base in ({}, earlier):
                if base is earlier and not base:
                    continue
                value = c.evaluate(address, given=base, instead=variant.instead)
                if (math.isfinite(value) and not indistinct(key, value, tol, start)
                        and reproduces(value, given, tol, start)):
                    found.append((abs(value - given.value), rank,
                                  Mistake(rule, variant.description, variant.at, value,
                                          base is earlier)))
    return reading(found, given, key, start, SAME_SLIP)

