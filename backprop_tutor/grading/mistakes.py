"""Named mistakes: the classic slips of a hand calculation, each a rule that re-makes the slip.

A rule proposes variants of the worked solution, each the slip made in one place (or all
through); a wrong value that one variant reproduces is named after the rule. Variants are
evaluated from the key and from the student's own earlier values, so a slip made on top of an
earlier error is still recognised.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace

from ..network.addresses import base as without_sample
from ..network.addresses import derivative, updated
from ..notation.symbols import symbol_text
from ..scenario.limits import worked_size
from ..scenario.optimizer import settings
from .solution import Edit, Solution
from .tolerance import Tolerance, Written, indistinct, literal, quantum, reproduces

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
    also: tuple[str, ...] = ()  # other rules that give the same value, named in description


def _here_and_before(s: Solution, address: str) -> list[str]:
    """The quantity, then what it is computed from in textbook order (the nearest ones of a
    quantity computed from very many: ``Solution.places``)."""
    places = s.places(address)
    return [address, *(a for a in places if a != address)]


def _places(s: Solution, address: str) -> list[str]:
    """``_here_and_before``, where a quantity computed per sample of a batch is also named once
    without its sample (``dE/da21`` for every ``dE/da21@s``): a slip in its formula is made for
    every sample."""
    if not _small(s):  # thousands of samples: a slip in one sample's place only
        return _here_and_before(s, address)
    out: list[str] = []
    for at in _here_and_before(s, address):
        every = without_sample(at)
        if every != at and every not in s.steps and every not in out:
            out.append(every)
        out.append(at)
    return out


def _small(s: Solution) -> bool:
    """Whether the worked solution is small enough to be set out (scenario/limits.py): then a
    slip is also carried through every formula after it, and made in every sample at once."""
    return worked_size(len(s.plan.parameter_index), len(s.suffixes)) is None


def _reads(s: Solution, at: str) -> set[str]:
    """The names a place's formula reads, without their samples (of every sample's step)."""
    steps = [at] if at in s.steps else s.rows_of(at)
    return {n.split("@", 1)[0] for a in steps for n in s.reads(a)}


def sign_flipped(s: Solution, address: str) -> Iterator[Variant]:
    """The sign of the quantity, or of one it is computed from, flipped.

    ∂L/∂b12 printed as −0.057 for +0.0572; −(T − a) written as (T − a); x2 = −0.66 copied as 0.66.
    """
    for at in _places(s, address):
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


def learning_rate_twice(s: Solution, address: str) -> Iterator[Variant]:
    """The learning rate applied twice: w − η·(η·∂E/∂w), as when η is folded into the
    gradient and then applied again in the update."""
    eta = s.base_env[ETA]
    for at in _here_and_before(s, address):
        if s.steps[at].section == "updates":
            p = at.split("@", 1)[0].removesuffix("+")
            yield Variant((Edit(at, set=((ETA, eta * eta),)),),
                          f"learning rate η applied twice ({p} − η²·∂{s.plan.loss_symbol}/∂{p})",
                          at)


def sum_for_mean(s: Solution, address: str) -> Iterator[Variant]:
    """A batch's gradients (and loss) summed over its samples where the scenario takes their
    mean (every one m times the key, and the updates made with them), or averaged where it
    sums (``reduction: sum``; every one 1/m times the key)."""
    m = len(s.suffixes)
    if m < 2:
        return
    summed = s.run.scenario.reduction == "sum"
    E = s.plan.loss_symbol
    edits = tuple(Edit(at, scale=1 / m if summed else float(m))
                  for at in _here_and_before(s, address)
                  if s.steps[at].section == "gradients" or at == E)
    if edits:
        yield Variant(edits, f"averaged over the batch's {m} samples instead of their sum"
                      if summed else f"summed over the batch's {m} samples instead of their mean")


def previous_iteration(s: Solution, address: str) -> Iterator[Variant]:
    """A value of the iteration before used in this one: the quantity copied from it, or the
    parameters before the last update used throughout (the update left out of the forward pass).
    """
    before = s.previous
    if not before:
        return
    if address in before and s.steps[address].section != "updates":  # w+ then is w now
        yield Variant((Edit(address, value=before[address]),),
                      f"the previous iteration's {symbol_text(address)} given", address)
    parameters = {name for name in s.plan.parameter_index if name in before}
    edits = []
    for at in _here_and_before(s, address):
        read = sorted(n for n in s.reads(at) if n in parameters)
        if read:
            edits.append(Edit(at, set=tuple((p, before[p]) for p in read)))
    if edits:
        yield Variant(tuple(edits), "the previous iteration's weights and biases used (the "
                      "last update not made)")


def plain_gradient_step(s: Solution, address: str) -> Iterator[Variant]:
    """Under an optimizer, the update made as plain gradient descent, w − η·∂E/∂w: the
    optimizer's step (the velocity, Adam's m̂/(√v̂ + ε)) left out."""
    if s.steps[address].section != "updates" or not _optimizer_state(s):
        return
    p = without_sample(address).removesuffix("+")
    gradient = derivative(s.plan.loss_symbol, p)
    if p in s.base_env and gradient in s.key:
        value = s.base_env[p] - s.base_env[ETA] * s.key[gradient]
        yield Variant((Edit(address, value=value),),
                      f"update made with the gradient alone ({p} − η·∂{s.plan.loss_symbol}/∂{p}),"
                      " not with the optimizer's step", address)


def state_not_carried(s: Solution, address: str) -> Iterator[Variant]:
    """In iteration 2 or later, the optimizer's state of the iteration before left out: v(w)
    taken as 0 (v+ = ∂E/∂w), as in the first iteration."""
    if s.iteration == 1 or not _optimizer_state(s):
        return
    edits = []
    for at in _here_and_before(s, address):
        if s.steps[at].section == "optimizer" and at.endswith("+"):
            before = at.removesuffix("+")
            if s.base_env.get(before):
                edits.append(Edit(at, set=((before, 0.0),)))
    if edits:
        held = ", ".join(symbol_text(e.at.removesuffix("+")) for e in edits)
        yield Variant(tuple(edits), f"the optimizer's state of the iteration before left out "
                      f"({held} taken as 0)", edits[0].at)


def bias_correction_left_out(s: Solution, address: str) -> Iterator[Variant]:
    """Adam's bias correction left out: m̂ = m+ (or v̂ = v+), not m+/(1 − β1ᵗ)."""
    edits = []
    for at in _here_and_before(s, address):
        if at.startswith(("mhat(", "vhat(")):
            raw = updated(at[0] + at[4:])  # mhat(w2) → m(w2)+
            if raw in s.key:
                edits.append(Edit(at, value=s.key[raw]))
    for edit in edits:
        yield Variant((edit,), f"bias correction left out ({symbol_text(edit.at)} taken as "
                      f"{symbol_text(updated(edit.at[0] + edit.at[4:]))})", edit.at)
    if len(edits) > 1:
        yield Variant(tuple(edits), "bias corrections left out (m̂ = m+ and v̂ = v+)")


def _optimizer_state(s: Solution) -> bool:
    """Whether the iteration has an optimizer's state (an optimizer other than sgd)."""
    return settings(s.run.scenario)[0] != "sgd"


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
    for at in _places(s, address):
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
    for at in _places(s, address):
        for a in sorted(_reads(s, at) & nets.keys()):
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
    edits = []
    for at in _places(s, address):
        base = at.split("@", 1)[0]
        if base == E or base in outputs:
            edits.append(Edit(at, scale=2.0))
            yield Variant((edits[-1],), description, at)
    if len(edits) > 1:  # in the loss's definition: everywhere it is used
        yield Variant(tuple(e for e in edits if "@" not in e.at) or tuple(edits), description)


def wrong_input(s: Solution, address: str) -> Iterator[Variant]:
    """One input used for another: x1 where x2 belongs."""
    inputs = list(s.plan.inputs)
    for at in _places(s, address):
        read = _reads(s, at)
        for wanted in inputs:
            if wanted not in read:
                continue
            for used in inputs:
                if used != wanted:
                    yield Variant((Edit(at, swap=((wanted, used),)),),
                                  f"wrong input: {used} used for {wanted}", at)
                    if used in read and inputs.index(used) > inputs.index(wanted):
                        yield Variant((Edit(at, swap=((wanted, used), (used, wanted))),),
                                      f"wrong inputs: {wanted} and {used} exchanged", at)


Rule = Callable[[Solution, str], Iterator[Variant]]

# The order settles ties: w + η·g is named an update added, not a gradient with its sign flipped.
RULES: dict[str, Rule] = {
    "update_not_applied": update_not_applied,
    "net_and_activation_swapped": net_and_activation_swapped,
    "previous_iteration": previous_iteration,
    "learning_rate_left_out": learning_rate_left_out,
    "learning_rate_twice": learning_rate_twice,
    "update_added": update_added,
    "plain_gradient_step": plain_gradient_step,
    "state_not_carried": state_not_carried,
    "bias_correction_left_out": bias_correction_left_out,
    "sum_for_mean": sum_for_mean,
    "sign_flipped": sign_flipped,
    "half_forgotten": half_forgotten,
    "derivative_left_out": derivative_left_out,
    "new_weight_backpropagated": new_weight_backpropagated,
    "net_for_activation": net_for_activation,
    "wrong_input": wrong_input,
}


# Two rules that describe one slip in two ways: when both reproduce a value, the first named
# alone (w + η·g is an update added, which is the gradient's sign flipped inside the update).
SAME_SLIP = {frozenset({"update_added", "sign_flipped"}),
             frozenset({"learning_rate_left_out", "learning_rate_twice"})}
# values this close are the same value: the rules explain it equally well
SAME_VALUE = 1e-9
# a value that this many different slips explain equally well is named after none of them
MOST_READINGS = 3


def _shows_in(s: Solution, address: str, variant: Variant, accepted: Collection[str],
              tol: Tolerance) -> bool:
    """Whether a slip made before ``address`` would have changed a value it reads that the
    student wrote and got right: then the student did not make it."""
    if variant.at is None or variant.at == address:
        return False
    for read in s.reads(address) & set(accepted):
        if read not in s.key:
            continue
        value = s.evaluate(read, edits=variant.edits, given={})
        if not indistinct(s.key[read], value, tol, s.start(read)):
            return True
    return False


def find_mistake(s: Solution, address: str, given: Written, own: Mapping[str, float],
                 tol: Tolerance, accepted: Collection[str] = ()) -> Mistake | None:
    """The rule whose slip reproduces the wrong value best, if any.

    Every rule's variants are evaluated (from the key, then from the student's own earlier
    values); of those that reproduce ``given`` (within the tolerance, or as written), the one
    nearest to it wins, and among equally near ones the first in ``RULES``. When rules that
    describe different slips give the same value, the description names each ("… , or …"):
    the numbers cannot tell them apart, and a name that may be wrong is not given alone.

    ``accepted``: the student's values marked right. A slip made before the quantity that
    would have changed one of them that the quantity reads (a forgotten ½ doubles ∂E/∂b1 as
    well as b1+) is not what the student did, and is not named.
    """
    if not s.computable(address):
        return None
    key = s.key[address]
    start = s.start(address)
    earlier = {a: v for a, v in own.items() if a != address}
    found: list[tuple[float, int, Mistake]] = []
    # from the key: the slip carried through every formula after it where the worked solution
    # is small enough to be set out; on larger networks (where that costs the network's size
    # for every slip tried) only the steps the slip edits are recomputed, and the first rule
    # that reproduces the value is named
    from_key: dict[str, float] | None = {} if _small(s) else None
    for rank, (rule, propose) in enumerate(RULES.items()):
        for variant in propose(s, address):
            for base in (from_key, earlier):
                if base is earlier and not base:
                    continue
                value = s.evaluate(address, edits=variant.edits, given=base)
                if (math.isfinite(value) and not indistinct(key, value, tol, start)
                        and reproduces(value, given, tol, start)
                        and not (base is from_key and _shows_in(s, address, variant, accepted,
                                                                tol))):
                    found.append((abs(value - given.value), rank,
                                  Mistake(rule, variant.description, variant.at, value,
                                          base is earlier)))
                    if from_key is None:  # too large to search all: the first rule that does
                        return found[0][2]
    return reading(found, given, key, start)


def reading(found: list[tuple[float, int, Mistake]], given: Written, key: float,
            start: float | None, same_slip: set[frozenset[str]] | None = None
            ) -> Mistake | None:
    """Of the mistakes that reproduce ``given`` (each with its distance from it and its
    rule's rank), the one to name: the nearest, among equally near ones the first in rank;
    rules that describe other slips (not pairs of ``same_slip``, by default ``SAME_SLIP``)
    with the same value are named with it ("…, or …"), and a value ``MOST_READINGS`` or more
    explain is named after none. ``start``: the parameter before an update, else None."""
    same_slip = SAME_SLIP if same_slip is None else same_slip
    if not found:
        return None
    nearest = min(distance for distance, _, _ in found)
    # equally near: the same value up to rounding; when none gives the written value itself,
    # every one the written value is the correct rounding of
    same = SAME_VALUE * max(abs(given.value), abs(key), 1e-300)
    limit = nearest + same
    d = literal(given.text)
    if nearest > same and d is not None:
        limit = max(limit, float(quantum(d)) / 2)
    best = sorted(((rank, m) for distance, rank, m in found if distance <= limit),
                  key=lambda pair: pair[0])
    chosen = best[0][1]
    if chosen.rule == "update_not_applied" and d is not None and start is not None \
            and quantum(d) > abs(key - start):
        # the value written is the parameter, but the key too is that, rounded as written
        chosen = replace(chosen, description=chosen.description.removesuffix(")")
                         + ", or the change rounded away: write enough digits to show it)")
    others: list[str] = []
    for _, m in best[1:]:
        if (m.rule != chosen.rule and frozenset({chosen.rule, m.rule}) not in same_slip
                and m.description not in others):
            others.append(m.description)
    if not others:
        return chosen
    if len(others) >= MOST_READINGS:  # the value proves nothing: too few digits, say
        return None
    return Mistake(chosen.rule, ", or ".join((chosen.description, *others)), chosen.at,
                   chosen.value, chosen.from_own_values,
                   also=tuple(dict.fromkeys(m.rule for _, m in best[1:]
                                            if m.rule != chosen.rule)))
