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
    from ..scenario.yaml_source import read_yaml

    doc = read_yaml(resolve(scenario))
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
            raise InputError(f"{option} is about training a network; a circuit is one forward "
                             "and one backward pass", field=option)
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


def validate_circuit(circuit, scenario: str, *, no_color: bool, width: int | None) -> None:
    """``validate`` on a circuit: the check has passed; its nodes and gates are listed."""
    from rich.text import Text

    from ..render.circuit import forward_table, header
    from ..render.console import make_console
    from ..solution.circuit import solve_circuit

    console = make_console(no_color=no_color, width=width)
    shipped = " (a shipped example)" if not Path(scenario).is_file() else ""
    console.print(Text.assemble(("✓ ", "green"), f"{scenario}{shipped} is a valid circuit"))
    solution = solve_circuit(circuit)
    console.print(header(solution))
    console.print(forward_table(solution))
