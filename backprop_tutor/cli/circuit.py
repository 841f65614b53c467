"""The commands' circuit side: a SCENARIO with ``nodes:`` is a circuit (a computational graph),
shown by ``run`` and ``validate`` here; a file with ``layers:`` goes on to the network code."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError, close_names, did_you_mean


def circuit_file(scenario: str):
    """The validated Circuit the SCENARIO argument names, or None for a network scenario.

    Raises InputError (file, line, column, field) for a circuit file that is not valid."""
    from ..examples import resolve
    from ..scenario.circuit_loader import circuit_from_document, is_circuit
    from ..scenario.yaml_source import read_source, read_yaml

    path = resolve(scenario)
    text = read_source(path)
    if "nodes" not in text:  # no circuit: a network file is parsed once, by its own loader
        return None
    doc = read_yaml(path, text=text)
    return circuit_from_document(doc) if is_circuit(doc.data) else None


def _named(written: str, solution) -> str:
    from ..network.addresses import normalise, wrt

    name = normalise(written)
    prefix = f"d{solution.output}/d"
    name = wrt(name) if name.startswith(prefix) else name
    names = [*solution.circuit.leaves, *solution.circuit.nodes]
    if name not in names:
        hint = did_you_mean(close_names(name, names, cutoff=0.5))
        hint += " " if hint else ""
        raise InputError(f"no input, parameter or node is called '{name}'; {hint}valid names: "
                         + ", ".join(names), field="--explain")
    return name


def run_circuit(circuit, scenario: str, *, json_out: bool, explain: str | None,
                dot: str | None, precision: int, svg: str | None, html: str | None,
                no_color: bool, width: int | None, refused: dict[str, bool]) -> None:
    """``run`` on a circuit: the forward and backward tables (or one name's chain, or JSON),
    and the DOT picture. ``refused``: the network options given (by name), each an error."""
    from ..examples import resolve
    from ..files import atomic_write
    from ..solution.circuit import solve_circuit

    for option, given in refused.items():
        if given:
            raise InputError(f"{option} is about a network's training and layers; a circuit is "
                             "one forward and one backward pass, shown node by node",
                             field=option)
    solution = solve_circuit(circuit)
    source = resolve(scenario)
    if explain is not None:
        explain = _named(explain, solution)
    if dot is not None:
        from ..render.circuit_out import circuit_dot

        atomic_write(dot, circuit_dot(solution, precision), inputs=[source])
    if json_out:
        if svg or html:
            raise InputError("--svg and --html save the terminal view; they do not go with "
                             "--json", field="--json")
        if explain is not None:
            raise InputError("--explain shows one name's chain in the terminal; it does not "
                             "go with --json, which has every edge", field="--json")
        from ..render.circuit_out import circuit_document
        from ..render.json_out import ANY_JSON, write_json

        write_json(circuit_document(solution, precision), sys.stdout, ANY_JSON)
        return
    from ..render.circuit import circuit_view, explain_view
    from ..render.console import make_console

    console = make_console(no_color=no_color, width=width, record=bool(svg or html))
    if explain is not None:
        console.print(explain_view(solution, explain, precision))
    else:
        console.print(circuit_view(solution, precision))
    if svg is not None:
        atomic_write(svg, console.export_svg(title=circuit.title or "backprop-tutor",
                                             clear=False), inputs=[source])
    if html is not None:
        atomic_write(html, console.export_html(clear=False), inputs=[source])


def validate_circuit(circuit, scenario: str, *, no_color: bool, width: int | None,
                     tick: bool = True) -> None:
    """``validate`` (and ``show``) on a circuit: its inputs, nodes and gates; ``tick``: say
    first that the check has passed."""
    from rich.text import Text

    from ..render.circuit import forward_table, header
    from ..render.console import make_console
    from ..solution.circuit import solve_circuit

    console = make_console(no_color=no_color, width=width)
    shipped = " (a shipped example)" if not Path(scenario).is_file() else ""
    if tick:
        console.print(Text.assemble(("✓ ", "green"), f"{scenario}{shipped} is a valid "
                                                      "circuit"))
    solution = solve_circuit(circuit)
    console.print(header(solution))
    console.print(forward_table(solution))


def circuit_worksheet(circuit, scenario, output_format: str, only: list[str] | None) -> str:
    """``worksheet`` of a circuit: a blank answer sheet (yaml) or a handout (markdown or
    latex)."""
    from ..grading.circuit import chosen_questions, circuit_questions
    from ..render.circuit_sheet import circuit_worksheet_markdown, circuit_worksheet_yaml
    from ..solution.circuit import solve_circuit

    solution = solve_circuit(circuit)
    questions = circuit_questions(solution)
    asks = None
    if only:
        chosen = chosen_questions(solution, [s for o in only for s in o.split(",")
                                             if s.strip()], field="--only")
        asks = [q.address for q in chosen]
        questions = chosen
    if output_format == "yaml":
        from ..examples import resolve

        return circuit_worksheet_yaml(solution, questions, resolve(scenario).name, asks)
    if output_format == "latex":
        from ..render.circuit_latex import circuit_worksheet_latex

        return circuit_worksheet_latex(solution, questions, solution.latex())
    return circuit_worksheet_markdown(solution, questions)


def circuit_key(circuit, output_format: str, precision: int) -> str:
    """``key`` of a circuit: every quantity's formula and value, in markdown or LaTeX."""
    from ..grading.circuit import circuit_questions
    from ..render.circuit_sheet import circuit_key_markdown
    from ..solution.circuit import solve_circuit

    solution = solve_circuit(circuit)
    if output_format == "latex":
        from ..render.circuit_latex import circuit_key_latex

        return circuit_key_latex(solution, circuit_questions(solution), solution.latex(),
                                 precision)
    return circuit_key_markdown(solution, circuit_questions(solution), precision)


def practice_circuit(circuit, scenario: str, *, only: list[str] | None, precision: int,
                     no_color: bool, width: int | None, ask) -> None:
    """``practice`` on a circuit: each quantity in the order worked; a wrong answer gets the
    slip grading would name (if any) and the formula, then its numbers, then the value.
    ``ask`` reads one answer (None: end of input).
    """
    from rich.text import Text

    from ..grading.circuit import chosen_questions, circuit_questions, name_circuit_mistake
    from ..grading.circuit_formulas import CircuitFormulas
    from ..grading.tolerance import Tolerance, is_correct, literal
    from ..notation.numbers import number
    from ..render.circuit import header
    from ..render.circuit_sheet import label
    from ..render.console import make_console
    from ..solution.circuit import solve_circuit

    solution = solve_circuit(circuit)
    todo = circuit_questions(solution, precision)
    if only:
        todo = chosen_questions(solution, [s for o in only for s in o.split(",")
                                           if s.strip()], field="--only")
        todo = [q for q in circuit_questions(solution, precision)
                if q.address in {c.address for c in todo}]
    console = make_console(no_color=no_color, width=width)
    console.print(header(solution, precision))
    console.print(Text("The circuit: " + "; ".join(f"{s.node} = {s.formula.text}"
                                                    for s in solution.forward)))
    count = f"{len(todo)} quantit{'y' if len(todo) == 1 else 'ies'}"
    console.print(f"{count} to work out; a wrong answer gets a hint and another "
                  "try; q quits.")
    first = later = 0
    review: list = []  # (question, how it went) of those that needed a hint or were missed
    formulas = CircuitFormulas(solution)  # names a wrong answer's slip as grading does
    own: dict[str, float] = {}  # the student's right answers, as typed
    for n, q in enumerate(todo, start=1):
        tries = 0
        while True:
            console.print(f"[{n}/{len(todo)}] {label(q.address)} = ", end="")
            given = ask("")
            if given is None or given.strip().lower() in ("q", "quit", "exit"):
                console.print()
                console.print(f"stopped: {first} right at the first try, {later} after a "
                              f"hint, of {n - 1} answered")
                return
            if literal(given) is None:
                console.print("  that is not a number; type it like 0.4153 or −1.2e−3 "
                              "(q quits)", style="yellow")
                continue
            tries += 1
            if is_correct(given, q.value, Tolerance(), q.start):
                own[q.address] = float(literal(given))
                console.print(f"  ✓ right: {number(q.value, precision)}", style="green")
                first += tries == 1
                later += tries > 1
                if tries > 1:
                    review.append((q, f"right at try {tries}"))
                break
            if tries == 1:
                mistake = name_circuit_mistake(formulas, q.address, given.strip(), own)
                said = f": {mistake};" if mistake else ";"
                console.print(f"  ✗ not quite{said} the formula: {q.formula}")
            elif tries == 2:
                console.print(f"  ✗ the numbers: {label(q.address)} = {q.numbers}")
            else:
                console.print(f"  ✗ it is {number(q.value, precision)}; on to the next",
                              style="red")
                review.append((q, "missed"))
                break
    missed = len(todo) - first - later
    console.print(f"done: {first} right at the first try, {later} after a hint, {missed} "
                  f"missed, of {len(todo)}")
    if not todo:
        return
    if review:  # what needed a hint or was missed: its formula and value, as worked
        console.print("To review:")
        for q, how in review:
            console.print(f"  {q.formula} = {number(q.value, precision)}  ({how})")


def circuit_variants(circuit, output, count: int, seed: int) -> list:
    """``variants`` of a circuit: ID.yaml and its blank ID.sheet.yaml per variant."""
    from ..files import atomic_write, new_folder
    from ..grading.circuit import circuit_questions
    from ..grading.variants import make_circuit_variants
    from ..render.circuit_sheet import circuit_worksheet_yaml
    from ..scenario.circuit_loader import load_circuit
    from ..solution.circuit import solve_circuit

    made = make_circuit_variants(circuit, count, seed)
    with new_folder(output) as folder:  # the whole folder, or none of it
        for variant in made:
            atomic_write(folder / f"{variant.id}.yaml", variant.text)
            solution = solve_circuit(load_circuit(folder / f"{variant.id}.yaml"))
            sheet = circuit_worksheet_yaml(solution, circuit_questions(solution),
                                           f"{variant.id}.yaml", variant=variant.id)
            atomic_write(folder / f"{variant.id}.sheet.yaml", sheet)
    return made
