"""``backprop-tutor validate``: check a scenario file and summarise it, without training."""

from __future__ import annotations

from pathlib import Path

import typer

from .boundary import error_boundary
from .examples import SCENARIO_HELP, complete_scenario
from .options import Debug, NoColor, Width


def validate(
    scenario: str = typer.Argument(..., help=SCENARIO_HELP, show_default=False,
                                   autocompletion=complete_scenario),
    no_color: NoColor = False,
    width: Width = None,
    debug: Debug = False,
) -> None:
    """Check a scenario (format, shapes, names) and print a summary of its network or
    circuit."""
    with error_boundary(debug):
        from ..examples import resolve
        from ..scenario import load_scenario
        from ..solution.derived import plan_of
        from ..symbolic.graph import build_graph
        from .circuit import circuit_file, validate_circuit

        circuit = circuit_file(scenario)
        if circuit is not None:
            validate_circuit(circuit, scenario, no_color=no_color, width=width)
            return
        path = resolve(scenario)
        loaded = load_scenario(path)
        build_graph(loaded)  # the symbolic graph is part of the check; nothing is run

        from ..render.console import make_console
        from ..render.network import scenario_table

        console = make_console(no_color=no_color, width=width)
        from rich.text import Text

        shipped = " (a shipped example)" if not Path(scenario).is_file() else ""
        console.print(Text.assemble(("✓ ", "green"), f"{scenario}{shipped} is a valid scenario"))
        console.print(scenario_table(loaded, plan_of(loaded)))
