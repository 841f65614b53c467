"""``backprop-tutor show``: a scenario at a glance and a picture of its network."""

from __future__ import annotations

import sys

import typer

from .boundary import error_boundary
from .examples import SCENARIO_HELP, complete_scenario
from .options import Debug, NoColor, Width


def show(
    scenario: str = typer.Argument(..., help=SCENARIO_HELP, show_default=False,
                                   autocompletion=complete_scenario),
    yaml: bool = typer.Option(False, "--yaml", help="Print the scenario file itself (to copy "
                              "a shipped example: show NAME --yaml > my.yaml)."),
    precision: int = typer.Option(4, "--precision", min=1, max=17,
                                  help="Significant digits shown."),
    no_color: NoColor = False,
    width: Width = None,
    debug: Debug = False,
) -> None:
    """Show a scenario and draw its network with the initial weights, without training."""
    with error_boundary(debug):
        from ..examples import resolve
        from ..scenario import load_scenario
        from ..solution.derived import plan_of
        from ..solution.values import parameter_values
        from ..training.initial import initial_parameters

        path = resolve(scenario)
        from .circuit import circuit_file, validate_circuit

        circuit = circuit_file(scenario)
        if circuit is not None and yaml:
            sys.stdout.write(path.read_text(encoding="utf-8"))
            return
        if circuit is not None:  # its inputs and nodes: a circuit has no network to draw
            validate_circuit(circuit, scenario, no_color=no_color, width=width, tick=False)
            return
        loaded = load_scenario(path)
        if yaml:
            sys.stdout.write(path.read_text(encoding="utf-8"))
            return
        from rich.text import Text

        from ..render.console import make_console
        from ..render.network import network_view, scenario_table

        plan = plan_of(loaded)
        start = initial_parameters(loaded)
        parameters = parameter_values(plan, start.weights, start.biases)
        console = make_console(no_color=no_color, width=width)
        console.print(scenario_table(loaded, plan, precision))
        console.print()
        console.print(Text("Network with its initial weights", style="bold"))
        console.print(network_view(plan, parameters, precision))
