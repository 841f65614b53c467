"""A circuit's quantities as formulas of one another, to work any of them out again from a
student's own earlier values (error carried forward) or with a slip made on the way (named
mistakes: grading/circuit_mistakes.py).

Every quantity of the worked circuit (grading/circuit.py's questions) reads others:

- a node's value q reads its parents' values (q = x + y);
- a local gradient ∂q/∂x reads the values of q's parents (∂f/∂q = z);
- what a use u of x sends back, ∂f/∂u·∂u/∂x, reads u's gradient ∂f/∂u and the local
  gradient ∂u/∂x (for u the output f: only the values of f's parents, since ∂f/∂f = 1);
- x's gradient ∂f/∂x reads what each of its uses sends back and adds them (for one use, it is
  that use's product itself);
- an update w+ = w − η·∂f/∂w reads w's gradient.

Inputs and parameters are given, never asked: their values are the circuit's own.

A local gradient that textbooks write with the gate's own output has that second form too
(CS231n's notes, "Patterns in backward flow"): exp(u)'s is its output e, σ(u)'s is
σ(1 − σ), tanh(u)'s 1 − tanh², 1/v's −(1/v)². A student who works it from their own output
value (right or wrong) follows from it as much as from the input's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..network.addresses import derivative, updated
from ..solution.circuit import CircuitSolution, contribution

# how a quantity is worked out: from a function giving any quantity's value by address
Rule = Callable[[Callable[[str], float]], float]

# symbolic/circuit.py's gate patterns whose local gradient is a function of the gate's own
# output o: the second form of the local gradient, from o
OWN_OUTPUT: dict[str, Callable[[float], float]] = {
    "exp": lambda o: o,
    "sigmoid": lambda o: o * (1 - o),
    "tanh": lambda o: 1 - o * o,
    "reciprocal": lambda o: -o * o,
}


@dataclass(frozen=True)
class Formula:
    """How one quantity is worked out: what it reads and the arithmetic. ``kind`` is
    ``value``, ``local``, ``product`` (upstream × local), ``output_local`` (a local gradient
    of the output, the upstream being ∂f/∂f = 1), ``sum`` (a gradient over several uses) or
    ``update``; ``node``/``parent`` name the edge of a local gradient or product, ``uses``
    the nodes a summed gradient adds over."""

    address: str
    kind: str
    reads: tuple[str, ...]
    rule: Rule
    node: str | None = None
    parent: str | None = None
    uses: tuple[str, ...] = ()
    # other forms of the same quantity: (what it reads, the arithmetic)
    alternates: tuple[tuple[tuple[str, ...], Rule], ...] = ()

    def forms(self) -> list[tuple[tuple[str, ...], Rule]]:
        """Every form of the quantity, the first the one the key is worked by."""
        return [(self.reads, self.rule), *self.alternates]


class CircuitFormulas:
    """The formulas of every quantity of a worked circuit, and their evaluation from the
    key's values, from a student's own, or with some quantities worked out another way."""

    def __init__(self, solution: CircuitSolution) -> None:
        self.solution = solution
        self.key = solution.values()
        f = solution.output
        self.output = f
        self.leaves = dict(solution.circuit.leaves)
        self.parents = {s.node: s.parents for s in solution.forward}
        self.gates = {s.node: s.gate for s in solution.forward}
        self.formulas: dict[str, Formula] = {}
        self._depends: dict[str, list[str]] = {}
        self._below: dict[str, set[str]] = {}
        self._users: dict[str, list[str]] = {}
        self._bases: list[tuple[dict[str, float], dict[str, float]]] = []
        for step in solution.forward:
            self._add(Formula(step.node, "value", self._nodes(step.node),
                              self._value_rule(step.node), node=step.node))
            if step.node == f:
                continue
            for parent in step.parents:
                self._add(Formula(derivative(step.node, parent), "local",
                                  self._nodes(step.node),
                                  self._local_rule(step.node, parent), step.node, parent,
                                  alternates=self._own_output(step.node)))
        for gradient in [g for g, _ in solution.backward if g.name != f] + list(solution.leaves):
            x = gradient.name
            users = tuple(u for u, _ in gradient.uses)
            if len(users) > 1:
                for u in users:
                    self._add(self._product(contribution(f, u, x), u, x))
                parts = tuple(contribution(f, u, x) for u in users)
                self._add(Formula(derivative(f, x), "sum", parts,
                                  lambda get, parts=parts: math.fsum(get(p) for p in parts),
                                  parent=x, uses=users))
            elif users:
                self._add(self._product(derivative(f, x), users[0], x))
            else:  # a name no node uses: its gradient is 0
                self._add(Formula(derivative(f, x), "sum", (), lambda get: 0.0, parent=x))
        eta = solution.circuit.learning_rate or 0.0
        for u in solution.updates:
            grad = derivative(f, u.parameter)
            self._add(Formula(updated(u.parameter), "update", (grad,),
                              lambda get, w=u.value, g=grad: w - eta * get(g),
                              parent=u.parameter))

    def _add(self, formula: Formula) -> None:
        self.formulas[formula.address] = formula

    def _nodes(self, node: str) -> tuple[str, ...]:
        return tuple(p for p in self.parents[node] if p not in self.leaves)

    def name_value(self, name: str, get: Callable[[str], float]) -> float:
        """The value of an input, parameter or node: given, or as ``get`` has it."""
        return self.leaves[name] if name in self.leaves else get(name)

    def _at(self, node: str, get: Callable[[str], float]) -> tuple[float, tuple[float, ...]]:
        found = self.solution.at(node, {p: self.name_value(p, get) for p in self.parents[node]})
        return (math.nan, tuple(math.nan for _ in self.parents[node])) if found is None \
            else found

    def _value_rule(self, node: str) -> Rule:
        return lambda get: self._at(node, get)[0]

    def _local_rule(self, node: str, parent: str) -> Rule:
        index = self.parents[node].index(parent)
        return lambda get: self._at(node, get)[1][index]

    def _own_output(self, node: str) -> tuple[tuple[tuple[str, ...], Rule], ...]:
        form = OWN_OUTPUT.get(self.gates[node] or "")
        if form is None:
            return ()
        return (((node,), lambda get: form(get(node))),)

    def _product(self, address: str, u: str, x: str) -> Formula:
        if u == self.output:
            return Formula(address, "output_local", self._nodes(u), self._local_rule(u, x),
                           u, x, alternates=self._own_output(u))
        up, local = derivative(self.output, u), derivative(u, x)
        return Formula(address, "product", (up, local), lambda get: get(up) * get(local), u, x)

    def start(self, address: str) -> float | None:
        """The parameter's value before an update (whose change is judged), else None."""
        formula = self.formulas[address]
        return self.leaves[formula.parent] if formula.kind == "update" else None  # type: ignore[index]

    def depends(self, address: str) -> list[str]:
        """Every quantity ``address`` is worked out from, the nearest first."""
        if address not in self._depends:
            out: dict[str, None] = {}
            frontier = [address]
            while frontier:
                nxt = []
                for a in frontier:
                    for r in self.formulas[a].reads:
                        if r not in out:
                            out[r] = None
                            nxt.append(r)
                frontier = nxt
            self._depends[address] = list(out)
        return self._depends[address]

    def _downstream(self, address: str) -> set[str]:
        """``address`` and every quantity worked out from it, directly or not."""
        if address not in self._below:
            users: dict[str, list[str]] = {}
            if not self._users:
                for a, formula in self.formulas.items():
                    for r in formula.reads:
                        self._users.setdefault(r, []).append(a)
            users = self._users
            out = {address}
            todo = [address]
            while todo:
                for u in users.get(todo.pop(), ()):
                    if u not in out:
                        out.add(u)
                        todo.append(u)
            self._below[address] = out
        return self._below[address]

    def _base(self, given: Mapping[str, float]) -> dict[str, float]:
        """Every quantity: the value ``given`` where there is one, else worked out from the
        others in the order worked (the key's values for ``given`` empty)."""
        for known, values in self._bases:
            if known == given:
                return values
        values = {}
        for a, formula in self.formulas.items():
            values[a] = given[a] if a in given else formula.rule(values.__getitem__)
        if len(self._bases) >= 4:  # a sheet at a time: the key's and a student's own
            self._bases.pop(0)
        self._bases.append((dict(given), values))
        return values

    def evaluate(self, address: str, given: Mapping[str, float] | None = None,
                 instead: Mapping[str, Rule] | None = None) -> float:
        """``address`` worked out by its formula from the quantities it reads, each of them
        the value ``given`` (a student's own) where there is one, else worked out the same
        way; ``instead`` works some quantities out by another rule (a slip made there).

        What no quantity of ``instead`` changes is read from the whole solution worked out
        once for ``given``, so a slip costs only the quantities between it and ``address``."""
        given = given or {}
        instead = instead or {}
        base = self._base(given)
        changed: set[str] = {address}
        for place in instead:
            changed |= self._downstream(place)
        memo: dict[str, float] = {}

        def get(a: str) -> float:
            if a not in memo:
                if a in instead:
                    memo[a] = instead[a](get)
                elif a != address and (a in given or a not in changed):
                    memo[a] = base[a]
                else:
                    memo[a] = self.formulas[a].rule(get)
            return memo[a]

        return get(address)
