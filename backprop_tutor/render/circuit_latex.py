"""A circuit's worksheet and answer key as standalone LaTeX documents (article + amsmath, as
render/latex.py writes a network's): the circuit and its given values, then each question of
grading/circuit.py in the order worked, with its formula in sympy's LaTeX, and in the key the
numbers substituted and the value."""

from __future__ import annotations

from ..grading.circuit import SECTIONS, CircuitQuestion
from ..network.addresses import derivative
from ..notation.latex import filled_latex, number_latex
from ..notation.symbols import Printed, latex_symbol
from ..solution.circuit import CircuitSolution, Edge
from .latex import _preamble, escape

# each node's LaTeX formula and local gradients (CircuitSolution.latex())
Forms = dict[str, tuple[Printed, tuple[Printed, ...]]]


def address_latex(address: str) -> str:
    """A circuit's address in LaTeX: ``df/dq*dq/dx`` → ∂f/∂q·∂q/∂x as fractions, ``w0+`` →
    w_{0}^{+}."""
    return r" \cdot ".join(latex_symbol(part) for part in address.split("*"))


def _signed(value: float, precision: int) -> str:
    text = number_latex(value, precision)
    return rf"\left({text}\right)" if text.startswith("-") else text


def _sum(values: list[float], precision: int) -> str:
    out = number_latex(values[0], precision)
    for v in values[1:]:
        out += (" - " if v < 0 else " + ") + number_latex(abs(v), precision)
    return out


class QuestionLatex:
    """Each question's formula in LaTeX and its numbers, from the worked circuit."""

    def __init__(self, solution: CircuitSolution, forms: Forms, precision: int) -> None:
        self.s = solution
        self.forms = forms
        self.precision = precision
        self.f = solution.output
        self.edges = {(e.node, e.parent): e for e in solution.edges()}
        self.parents = {step.node: step.parents for step in solution.forward}
        self.gradients = {g.name: g for g, _ in solution.backward} | {
            g.name: g for g in solution.leaves}

    def _local(self, e: Edge) -> Printed:
        return self.forms[e.node][1][self.parents[e.node].index(e.parent)]

    def _term(self, e: Edge, alone: bool) -> str:
        """What the use ``e.node`` sends back, in symbols."""
        if e.node == self.f:  # ∂f/∂f = 1: the output's local gradient itself
            tex = self._local(e).text
            return tex if alone or " " not in tex else rf"\left({tex}\right)"
        return rf"{latex_symbol(derivative(self.f, e.node))} \cdot " \
               rf"{latex_symbol(derivative(e.node, e.parent))}"

    def _product(self, e: Edge) -> str:
        if e.node == self.f:  # the output's local gradient, its numbers substituted
            return filled_latex(self._local(e), self.s.numbers, self.precision)
        return rf"{number_latex(e.upstream, self.precision)} \times " \
               rf"{_signed(e.local_value, self.precision)}"

    def of(self, q: CircuitQuestion) -> tuple[str, str]:
        """(formula, numbers) of a question; the numbers empty where they say nothing more."""
        at, p = self.s.numbers, self.precision
        if q.section == "forward":
            form = self.forms[q.address][0]
            return form.text, filled_latex(form, at, p)
        if q.section == "local":
            top, bottom = q.address.split("/")
            form = self._local(self.edges[(top[1:], bottom[1:])])
            return form.text, filled_latex(form, at, p)
        if q.section == "updates":
            w = q.address.removesuffix("+")
            u = next(u for u in self.s.updates if u.parameter == w)
            eta = self.s.circuit.learning_rate or 0.0
            return (rf"{latex_symbol(w)} - \eta \cdot {latex_symbol(derivative(self.f, w))}",
                    rf"{number_latex(u.value, p)} - {number_latex(eta, 6)} \times "
                    rf"{_signed(u.gradient, p)}")
        if "*" in q.address:  # what one use sends back
            first, second = q.address.split("*")
            u, x = first.split("/")[1][1:], second.split("/")[1][1:]
            e = self.edges[(u, x)]
            return self._term(e, alone=True), self._product(e)
        x = q.address.split("/")[1][1:]
        g = self.gradients[x]
        edges = [self.edges[(u, x)] for u, _ in g.uses]
        terms = " + ".join(self._term(e, alone=len(edges) == 1) for e in edges)
        if len(edges) == 1:
            return terms, self._product(edges[0])
        return terms, _sum([v for _, v in g.uses], p)


def _exercise(solution: CircuitSolution, forms: Forms, precision: int) -> list[str]:
    c = solution.circuit
    out = [r"\section*{The exercise}"]
    if c.teaches:
        out.append(escape(f"This exercise teaches {c.teaches}.") + r"\par")
    out.append(escape("The circuit, each node a formula of the names above it:"))
    rows = [rf"{latex_symbol(s.node)} &= {forms[s.node][0].text}" for s in solution.forward]
    out += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    given = [f"{latex_symbol(n)} = {number_latex(v, precision)}" for n, v in c.inputs.items()]
    out.append(escape("Inputs: ") + ", ".join(f"${g}$" for g in given) + r".\par")
    if c.parameters:
        params = [f"${latex_symbol(n)} = {number_latex(v, precision)}$"
                  for n, v in c.parameters.items()]
        out.append(escape("Parameters: ") + ", ".join(params) + r".\par")
    if c.learning_rate is not None:
        out.append(escape("Learning rate ") + rf"$\eta = {number_latex(c.learning_rate, 6)}$."
                   + r"\par")
    then = ", then the update of the parameters." if solution.updates else "."
    out.append(escape("Work the forward pass, the local gradients and the backward pass to the "
                      f"gradient of the output {c.output} with respect to every input and "
                      f"parameter{then}") + r"\par")
    return out


def _sections(questions: list[CircuitQuestion], row, separator: str) -> list[str]:
    out: list[str] = []
    section = None
    for q in questions:
        if q.section != section:
            if section is not None:
                out.append(r"\end{align*}")
            section = q.section
            out += [rf"\section*{{{escape(SECTIONS[section])}}}", r"\begin{align*}"]
        else:
            out[-1] += separator
        out.append(row(q))
    if section is not None:
        out.append(r"\end{align*}")
    return out


def circuit_key_latex(solution: CircuitSolution, questions: list[CircuitQuestion],
                      forms: Forms, precision: int = 4) -> str:
    """The worked circuit as a standalone LaTeX document: each question's formula, its
    numbers and its value. ``forms``: ``solution.latex()``."""
    formulas = QuestionLatex(solution, forms, precision)

    def row(q: CircuitQuestion) -> str:
        formula, numbers = formulas.of(q)
        value = number_latex(q.value, precision)
        address = address_latex(q.address)
        # the numbers, where they say more than the value (a single name's number does not)
        shown = numbers not in ("", formula, value, rf"\left({value}\right)")
        if formula == address:  # what one use sends back: its name is its formula
            return rf"{address} &= {numbers} = {value}" if shown else rf"{address} &= {value}"
        lhs = rf"{address} &= {formula}"
        if shown:
            return rf"{lhs} \\ &= {numbers} = {value}"
        return rf"{lhs} = {value}" if formula != value else lhs

    title = f"Worked solution: {solution.circuit.title or 'a circuit'}"
    out = _preamble(title) + _exercise(solution, forms, precision)
    out += _sections(questions, row, r" \\")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def circuit_worksheet_latex(solution: CircuitSolution, questions: list[CircuitQuestion],
                            forms: Forms, precision: int = 4) -> str:
    """The printable worksheet: the circuit and its given values, then each question with its
    formula and a blank. ``forms``: ``solution.latex()``."""
    formulas = QuestionLatex(solution, forms, precision)

    def row(q: CircuitQuestion) -> str:
        formula, _ = formulas.of(q)
        address = address_latex(q.address)
        if formula == address:  # what one use sends back: its name is its formula
            return rf"{address} &= \rule{{3cm}}{{0.4pt}}"
        return rf"{address} &= {formula} = \rule{{3cm}}{{0.4pt}}"

    title = f"Worksheet: {solution.circuit.title or 'a circuit'}"
    out = _preamble(title) + _exercise(solution, forms, precision)
    out.append(r"Name: \rule{8cm}{0.4pt}\par")
    out += _sections(questions, row, r" \\[1ex]")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
