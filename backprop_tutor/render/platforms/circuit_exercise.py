"""A circuit (a computational graph) as a course platform's exercise: the same plain-data
``Exercise`` as a network's (render/platforms/exercise.py), so every platform export takes it.

What is given: the inputs, the parameters and η. What is asked: the questions of
grading/circuit.py (the worksheet's, or ``--only``'s selection), each with its key, exactly the
worked circuit's number, its margin by the grading rules (an update judged by its change), its
formula and worked line in LaTeX (render/circuit_latex.py). The steps are every quantity as a
formula of earlier ones, NumPy source as sympy prints it (a node of its inputs, a local gradient
of its node's inputs, what a use sends back ``v0*v1``, a gradient over several uses their sum,
an update ``v0 - v1*v2``; the local gradient of an exp, σ, tanh or 1/x gate also of the gate's
own output), which a platform's own grader evaluates for error carried forward.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...grading.circuit import chosen_questions, circuit_questions
from ...grading.tolerance import Tolerance
from ...grading.variants import make_circuit_variants
from ...network.addresses import derivative
from ...notation.latex import number_latex
from ...notation.symbols import latex_symbol, symbol_text
from ...scenario.circuit_loader import circuit_from_text
from ...solution.circuit import CircuitSolution, contribution, solve_circuit
from ..circuit_latex import QuestionLatex, address_latex
from .exercise import RULES, Asked, Exercise, Given, Step, _unique, answer_name, margin

ETA = "η"
# a local gradient's second form, of the gate's own output o (grading/circuit_formulas.py's
# OWN_OUTPUT), as NumPy source over v0 = o
OWN_OUTPUT_CODE = {"exp": "v0", "sigmoid": "v0*(1 - v0)", "tanh": "1 - v0**2",
                   "reciprocal": "-v0**2"}


def _steps(solution: CircuitSolution) -> tuple[Step, ...]:
    """Every question of the circuit as a formula of the leaves and earlier questions."""
    code = solution.code()
    f = solution.output
    parents = {s.node: s.parents for s in solution.forward}
    out: list[Step] = []

    gates = {s.node: s.gate for s in solution.forward}

    def local(node: str, parent: str) -> tuple[tuple[tuple[str, ...], str], ...]:
        own = OWN_OUTPUT_CODE.get(gates[node] or "")
        first = code[node][1][parents[node].index(parent)]
        return (first,) if own is None else (first, ((node,), own))

    def product(address: str, u: str, x: str) -> Step:
        if u == f:  # ∂f/∂f = 1: the output's local gradient itself
            return Step(address, local(u, x), ("",))
        return Step(address, (((derivative(f, u), derivative(u, x)), "v0*v1"),), ("",))

    for q in circuit_questions(solution):
        a = q.address
        if q.section == "forward":
            out.append(Step(a, (code[a][0],), ("",)))
        elif q.section == "local":
            top, bottom = a.split("/")
            out.append(Step(a, local(top[1:], bottom[1:]), ("",)))
        elif q.section == "updates":
            w = a.removesuffix("+")
            out.append(Step(a, (((w, ETA, derivative(f, w)), "v0 - v1*v2"),), ("",)))
        elif "*" in a:
            first, second = a.split("*")
            out.append(product(a, first.split("/")[1][1:], second.split("/")[1][1:]))
        else:
            x = a.split("/")[1][1:]
            users = [u for u, _ in solution.gradient(x).uses]
            if len(users) == 1:
                out.append(product(a, users[0], x))
            else:
                parts = tuple(contribution(f, u, x) for u in users)
                source = " + ".join(f"v{i}" for i in range(len(parts))) or "0"
                out.append(Step(a, ((parts, source),), ("",)))
    return tuple(out)


def circuit_exercise(solution: CircuitSolution, *, scenario_name: str, scenario_text: str,
                     asks: Sequence[str] | None = None, tolerance: Tolerance = RULES,
                     variant: str | None = None, title: str | None = None) -> Exercise:
    """The exercise of a worked circuit: ``asks`` are the addresses asked (every question if
    None)."""
    c = solution.circuit
    forms = solution.latex()
    tex = QuestionLatex(solution, forms, 4)
    every = circuit_questions(solution)
    picked = every if asks is None else [q for q in every if q.address in set(asks)]
    names = _unique(answer_name(q.address) for q in picked)
    asked = []
    for q, name in zip(picked, names, strict=True):
        formula, numbers = tex.of(q)
        label = address_latex(q.address)
        value = number_latex(q.value, 6)
        worked = f"{label} = {formula}" if formula != label else label
        if numbers and numbers not in (formula, value, rf"\left({value}\right)"):
            worked += f" = {numbers}"
        if formula != value:
            worked += f" = {value}"
        asked.append(Asked(q.address, name, label, symbol_text(q.address), q.section, q.value,
                           q.start, margin(q.value, q.start, tolerance), formula, worked))
    leaves = [*c.inputs.items(), *c.parameters.items()]
    if c.learning_rate is not None:
        leaves.append((ETA, c.learning_rate))
    given_names = _unique(answer_name(n) for n, _ in leaves)
    given = tuple(Given(n, g, latex_symbol(n), float(v))
                  for (n, v), g in zip(leaves, given_names, strict=True))
    env = {n: float(v) for n, v in leaves}
    statement = tuple(f"{latex_symbol(s.node)} = {forms[s.node][0].text}"
                      for s in solution.forward)
    return Exercise(variant, title or c.title or "A circuit", c.teaches or "", scenario_name,
                    scenario_text, "", "", 1, given, tuple(asked), _steps(solution), env,
                    tolerance, "", circuit=statement, output=c.output)


def circuit_exercises(circuit, *, scenario_name: str, scenario_text: str,
                      selectors: Sequence[str] | None = None, tolerance: Tolerance = RULES,
                      variants: int = 0, seed: int = 2026) -> list[Exercise]:
    """The exercise of a circuit, or (``variants`` > 0) one per variant of it, the same
    quantities asked of each (the variants share the nodes, so the addresses).

    Raises InputError for a selector that names no section or quantity of the circuit."""
    solution = solve_circuit(circuit)
    asks = None
    if selectors:
        asks = [q.address for q in chosen_questions(
            solution, [p for s in selectors for p in s.split(",") if p.strip()],
            field="--only")]
    if not variants:
        return [circuit_exercise(solution, scenario_name=scenario_name,
                                 scenario_text=scenario_text, asks=asks, tolerance=tolerance)]
    out = []
    for v in make_circuit_variants(circuit, variants, seed):
        name = f"{v.id}.yaml"
        out.append(circuit_exercise(solve_circuit(circuit_from_text(v.text, name)),
                                    scenario_name=name, scenario_text=v.text, asks=asks,
                                    tolerance=tolerance, variant=v.id,
                                    title=circuit.title))
    return out
