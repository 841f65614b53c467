"""``backprop-tutor practice``: the student works each quantity; the tutor checks and hints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from .boundary import error_boundary
from .examples import SCENARIO_HELP, complete_scenario
from .options import Debug, NoColor, Width, shown_precision

if TYPE_CHECKING:
    from ..grading.worksheet import Question

QUIT = {"q", "quit", "exit"}


@dataclass
class Outcome:
    """How one question went: right at the first try, right after hints, or missed."""

    question: Question
    tries: int
    right: bool


def _ask(prompt: str) -> str | None:
    """One answer typed after ``prompt``; None at the end of the input.

    Raises InputError for a line longer than MAX_ANSWER_CHARS, so that an input without line
    ends (``practice < /dev/zero``) is refused instead of filling the memory. A terminal is
    read with input() (its line editing); anything else with a bounded readline."""
    import sys

    from ..errors import InputError
    from ..scenario.limits import MAX_ANSWER_CHARS

    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return input(prompt)
        except EOFError:
            return None
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline(MAX_ANSWER_CHARS + 1) if sys.stdin is not None else ""
    if not line:
        return None
    if len(line) > MAX_ANSWER_CHARS:
        raise InputError(f"an answer is longer than the limit of {MAX_ANSWER_CHARS:,} "
                         "characters", file="<stdin>")
    return line.removesuffix("\n").removesuffix("\r")


def practice(
    scenario: str = typer.Argument(..., help=SCENARIO_HELP, show_default=False,
                                   autocompletion=complete_scenario),
    only: Annotated[list[str], typer.Option(
        "--only", show_default=False,
        help="Practise only these, as worksheet --only takes them: sections (forward, loss, "
             "factors or backward, gradients, updates) or addresses, repeated or "
             "comma-separated.")] = None,
    precision: int = typer.Option(None, "--precision", min=1, max=17, show_default=False,
                                  help="Significant digits of the numbers in hints (default "
                                       "4; rounded as by hand, every digit used)."),
    no_color: NoColor = False,
    width: Width = None,
    debug: Debug = False,
) -> None:
    """Work iteration 1 by hand: type each quantity; a wrong one gets a hint and another try."""
    with error_boundary(debug):
        from .. import api
        from ..examples import resolve
        from ..grading.grade import name_mistake
        from ..grading.magnitude import tolerance_for
        from ..grading.solution import Solution
        from ..grading.tolerance import Tolerance, is_correct, literal
        from ..grading.worksheet import chosen, questions
        from ..render.console import make_console
        from ..render.practice import (
            answer_text,
            ending_view,
            formula_hint,
            intro_view,
            numbers_hint,
            prompt_text,
        )
        from .circuit import circuit_file, practice_circuit

        circuit = circuit_file(scenario)
        if circuit is not None:
            practice_circuit(circuit, scenario, only=only,
                             precision=shown_precision(None, precision),
                             no_color=no_color, width=width, ask=_ask)
            return
        result = api.run(api.load(resolve(scenario)), epochs=1, detail=1)
        precision = shown_precision(result.scenario.rounding, precision)
        record = result.record(1)
        from ..scenario.limits import check_worked

        check_worked(*result.worked_size(), "practice")
        todo = questions(result.lines(record))
        if only:  # the same selection as worksheet --only
            asks = set(chosen([(q.address, q.section) for q in todo],
                              [s for o in only for s in o.split(",") if s.strip()],
                              field="--only"))
            todo = [q for q in todo if q.address in asks]
        console = make_console(no_color=no_color, width=width)
        console.print(intro_view(result, record, len(todo), precision))
        outcomes: list[Outcome] = []
        solution = Solution(result)  # names a wrong answer's mistake as grading does
        own: dict[str, float] = {}  # the student's right answers, as typed
        for n, question in enumerate(todo, start=1):
            key = question.row.value
            tries = 0
            while True:
                console.print(prompt_text(question, n, len(todo)), end="")
                given = _ask("")
                if given is None or given.strip().lower() in QUIT:
                    console.print()
                    console.print(ending_view(outcomes, len(todo), precision, stopped=True,
                                              scenario=scenario))
                    return
                if literal(given) is None:
                    console.print("  that is not a number; type it like 0.4153 or −1.2e−3 "
                                  "(q quits)", style="yellow")
                    continue
                tries += 1
                tol = tolerance_for(solution, question.address, Tolerance())
                if is_correct(given, key, tol, start=solution.start(question.address)):
                    own[question.address] = float(literal(given))
                    console.print(f"  ✓ right: {answer_text(key, precision)}", style="green")
                    outcomes.append(Outcome(question, tries, True))
                    break
                if tries == 1:
                    mistake = name_mistake(solution, question.address, given.strip(), own)
                    console.print(formula_hint(question, mistake))
                elif tries == 2:
                    console.print(numbers_hint(question, precision))
                else:
                    console.print(f"  ✗ it is {answer_text(key, precision)}; on to the next",
                                  style="red")
                    outcomes.append(Outcome(question, tries, False))
                    break
        console.print(ending_view(outcomes, len(todo), precision, scenario=scenario))
