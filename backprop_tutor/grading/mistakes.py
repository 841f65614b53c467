"""Named mistakes: the classic slips of a hand calculation, each a rule that re-makes the slip.

A rule proposes variants of the worked solution, each the slip made in one place (or all
through); a wrong value that one variant reproduces is named after the rule. Variants are
evaluated from the key and from the student's own earlier values, so a slip made on top of an
earlier error is still recognised.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ..network.addresses import base as without_sample
from ..network.addresses import derivative, updated
from ..notation.symbols import symbol_text
from .solution import Edit, Solution
from .tolerance import Tolerance, Written, matches, within

ETA = "η"


@dataclass(frozen=True)
class Variant:
    """The worked solution with one slip made: the edits, and the slip in words."""

    edits: tuple[Edit, ...]
    description: str
    at: str | None = None  # the quantity where the slip was made


@dataclass(frozen=True)
class Mistake:
    """A named mistake that reproduces a wrong value."""

    rule: str
    description: str
    at: str | None
    value: float  # the value the slip gives
    from_own_values: bool  # reproduced from the student's earlier values, not the key's


def _here_and_before(s: Solution, address: str) -> list[str]:
    """The quantity, then what it is computed from in textbook order (the nearest ones of a
    quantity computed from very many: ``Solution.places``)."""
    places = s.places(address)
    return [address, *(a for a in places if a != address)]


def sign_flipped(s: Solution, address: str) -> Iterator[Variant]:
    """The sign of the quantity, or of one it is computed from, flipped.

    ∂L/∂b12 printed as −0.057 for +0.0572; −(T − a) written as (T − a); x2 = −0.66 copied as 0.66.
    """
    for at in _here_and_before(s, address):
        where = "" if at == address else f" in {symbol_text(at)}"
        yield Variant((Edit(at, scale=-1.0),), f"sign flipped{where}", at)


def update_not_applied(s: Solution, address: str) -> Iterator[Variant]:
    """The parameter written down unchanged: w+ = w, the update never made."""
    if s.steps[address].section == "updates":
        parameter = without_sample(address).removesuffix("+")
        yield Variant((Edit(address, set=((ETA, 0.0),)),),
                      f"update not applied ({symbol_text(address)} left at {parameter})", address)


def net_and_activation_swapped(s: Solution, address: str) -> Iterator[Variant]:
    """The net input z written where its activation a = f(z) belongs, or a where z belongs,
    in the quantity itself (``net_for_activation`` finds z used inside a later formula)."""
    name, at, sample = address.partition("@")
    pairs = {u.out: u.net for layer in s.plan.layers for u in layer.units}
    swapped = pairs.get(name) or {z: a for a, z in pairs.items()}.get(name)
    if swapped is None:
        return
    other = swapped + at + sample
    if other in s.key:
        described = (f"net input {swapped} given for {name}" if name in pairs
                     else f"activation {swapped} given for {name}")
        yield Variant((Edit(address, value=s.key[other]),), described, address)


def learning_rate_left_out(s: Solution, address: str) -> Iterator[Variant]:
    """The update written w − ∂E/∂w: the gradient not multiplied by the learning rate η."""
    for at in _here_and_before(s, address):
        if s.steps[at].section == "updates":
            yield Variant((Edit(at, set=((ETA, 1.0),)),), "learning rate η left out of the update",
                          at)


def update_added(s: Solution, address: str) -> Iterator[Variant]:
    """The update written w + η·∂E/∂w: a step up the gradient instead of down it."""
    eta = s.base_env[ETA]
    loss = s.plan.loss_symbol
    for at in _here_and_before(s, address):
        if s.steps[at].section == "updates":
            # in the scenario's letters: w211 + η·∂L/∂w211
            p = at.split("@", 1)[0].removesuffix("+")
            yield Variant((Edit(at, set=((ETA, -eta),)),),
                          f"update added instead of subtracted ({p} + η·∂{loss}/∂{p})", at)


def new_weight_backpropagated(s: Solution, address: str) -> Iterator[Variant]:
    """The updated weight w+ used for ∂z/∂a when backpropagating to the layer below.

    Happens when a layer's weights are updated before the error is passed down through them.
    """
    weights = {name for name, kind in s.plan.parameter_index.items() if kind[0] == "weight"}
    edits = []
    for at in _here_and_before(s, address):
        if s.steps[at].section not in ("factors", "gradients"):
            continue
        read = sorted(n for n in s.reads(at) if n in weights)
        if read:
            edit = Edit(at, set=tuple((w, s.key[updated(w)]) for w in read))
            edits.append(edit)
            used = ", ".join(f"{w}+ for {w}" for w in read)
            yield Variant((edit,), f"updated weight used when backpropagating ({used})", at)
    if len(edits) > 1:
        yield Variant(tuple(edits), "updated weights used when backpropagating")


def _activation_factors(s: Solution) -> dict[str, str]:
    """∂a/∂z address → the unit's activation name."""
    return {derivative(u.out, u.net): u.out for layer in s.plan.layers for u in layer.units}


def derivative_left_out(s: Solution, address: str) -> Iterator[Variant]:
    """The activation's derivative ∂a/∂z (a(1 − a) for the sigmoid) left out of a chain."""
    factors = _activation_factors(s)
    edits = []
    for at in _here_and_before(s, address):
        if at != address and at.split("@", 1)[0] in factors:
            edit = Edit(at, value=1.0)
            edits.append(edit)
            yield Variant((edit,), f"the activation's derivative {symbol_text(at)} left out",
                          at)
    if len(edits) > 1:
        yield Variant(tuple(edits), "the activations' derivatives left out")


def net_for_activation(s: Solution, address: str) -> Iterator[Variant]:
    """The net input z used where the activation a = f(z) belongs (before or without f)."""
    nets = {u.out: u.net for layer in s.plan.layers for u in layer.units}
    everywhere: dict[str, list[Edit]] = {}
    for at in _here_and_before(s, address):
        for a in sorted({n.split("@", 1)[0] for n in s.reads(at)} & nets.keys()):
            edit = Edit(at, swap=((a, nets[a]),))
            everywhere.setdefault(a, []).append(edit)
            yield Variant((edit,), f"net input {nets[a]} used where {a} belongs", at)
    for a, edits in everywhere.items():
        if len(edits) > 1:
            yield Variant(tuple(edits), f"net input {nets[a]} used for {a} throughout")


def half_forgotten(s: Solution, address: str) -> Iterator[Variant]:
    """The ½ of E = ½(T − a)² forgotten: the loss and every gradient twice the key."""
    if s.run.scenario.loss != "half_squared_error":
        return
    E = s.plan.loss_symbol
    outputs = {derivative(E, u.out) for u in s.plan.outputs}
    description = "the ½ of the loss forgotten (a factor of 2)"
    for at in _here_and_before(s, address):
        base = at.split("@", 1)[0]
        if base == E or base in outputs:
            yield Variant((Edit(at, scale=2.0),), description, at)


def wrong_input(s: Solution, address: str) -> Iterator[Variant]:
    """One input used for another: x1 where x2 belongs."""
    inputs = list(s.plan.inputs)
    for at in _here_and_before(s, address):
        read = {n.split("@", 1)[0] for n in s.reads(at)}
        for wanted in inputs:
            if wanted not in read:
                continue
            for used in inputs:
                if used != wanted:
                    yield Variant((Edit(at, swap=((wanted, used),)),),
                                  f"wrong input: {used} used for {wanted}", at)


Rule = Callable[[Solution, str], Iterator[Variant]]

# The order settles ties: w + η·g is named an update added, not a gradient with its sign flipped.
RULES: dict[str, Rule] = {
    "update_not_applied": update_not_applied,
    "net_and_activation_swapped": net_and_activation_swapped,
    "learning_rate_left_out": learning_rate_left_out,
    "update_added": update_added,
    "sign_flipped": sign_flipped,
    "half_forgotten": half_forgotten,
    "derivative_left_out": derivative_left_out,
    "new_weight_backpropagated": new_weight_backpropagated,
    "net_for_activation": net_for_activation,
    "wrong_input": wrong_input,
}


def find_mistake(s: Solution, address: str, given: Written, own: Mapping[str, float],
                 tol: Tolerance) -> Mistake | None:
    """The first rule with a variant that reproduces the wrong value, if any."""
    if not s.computable(address):
        return None
    key = s.key[address]
    earlier = {a: v for a, v in own.items() if a != address}
    for rule, propose in RULES.items():
        for variant in propose(s, address):
            for base in (None, earlier):
                if base is not None and not base:
                    continue
                value = s.evaluate(address, edits=variant.edits, given=base)
                if (math.isfinite(value) and not within(key, value, tol)
                        and matches(value, given, tol)):
                    return Mistake(rule, variant.description, variant.at, value,
                                   base is not None)
    return None
