"""``backprop-tutor examples``: the shipped scenarios; and shell completion of SCENARIO."""

from __future__ import annotations

from pathlib import Path

import typer

from .boundary import error_boundary
from .options import Debug, NoColor, Width


def complete_scenario(incomplete: str) -> list[str]:
    """Shipped scenario names and YAML files that start with what has been typed."""
    from .. import examples

    found = [n for n in examples.names() if n.startswith(incomplete)]
    head, sep, _ = incomplete.rpartition("/")
    folder = Path(head + sep) if sep else Path(".")
    try:
        for path in sorted(folder.iterdir()):
            text = head + sep + path.name
            if not text.startswith(incomplete):
                continue
            if path.is_dir():
                found.append(text + "/")
            elif path.suffix in examples.SUFFIXES:
                found.append(text)
    except OSError:
        pass
    return found


# options of the commands taking SCENARIO that are followed by a value
_VALUED = {"--explain", "--iterations", "--epochs", "--precision", "--svg", "--html", "--dot",
           "--width", "--only"}


def _scenario_from_command_line() -> str | None:
    """SCENARIO from the words the shell passes to completion (bash, zsh, fish, powershell)."""
    import os
    import shlex

    line = os.environ.get("COMP_WORDS") or os.environ.get("_TYPER_COMPLETE_ARGS") or ""
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    rest = words[2:]  # after the program and the command
    skip = False
    for word in rest:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _VALUED
        else:
            return word
    return None


def complete_parameter(ctx: typer.Context, incomplete: str) -> list[str]:
    """The parameter names of the scenario given earlier on the command line (a circuit's
    names)."""
    # while --explain still lacks its value the parser leaves ctx.params unfilled; the shell's
    # words then say which scenario it is
    argument = ctx.params.get("scenario") or _scenario_from_command_line()
    if not argument:
        return []
    try:
        from ..examples import resolve
        from ..scenario.circuit_loader import Circuit, load_any
        from ..scenario.names import network_names

        loaded = load_any(resolve(argument))
        # a circuit: its inputs, parameters and nodes, each of which --explain takes
        names = [*loaded.leaves, *loaded.nodes] if isinstance(loaded, Circuit) else \
            network_names(loaded).parameters()
    except Exception:  # completion must never fail loudly; an unreadable file offers nothing
        return []
    return [n for n in names if n.startswith(incomplete)]


def complete_node(ctx: typer.Context, incomplete: str) -> list[str]:
    """The node names (the loss, each unit's z and a) of the scenario on the command line."""
    argument = ctx.params.get("scenario") or _scenario_from_command_line()
    if not argument:
        return []
    try:
        from ..examples import resolve
        from ..scenario import load_scenario
        from ..scenario.names import network_names

        names = network_names(load_scenario(resolve(argument)))
    except Exception:  # completion must never fail loudly; an unreadable file offers nothing
        return []
    nodes = [names.loss, *(n for layer in names.layers
                           for pair in zip(layer.net, layer.activations, strict=True)
                           for n in pair)]
    return [n for n in nodes if n.startswith(incomplete)]


SCENARIO_HELP = "A scenario file (YAML), or the name of a shipped example (see `examples`)."


def examples(
    no_color: NoColor = False,
    width: Width = None,
    debug: Debug = False,
) -> None:
    """List the shipped scenarios: name, title and what each teaches."""
    with error_boundary(debug):
        from rich import box
        from rich.table import Table

        from .. import examples as shipped
        from ..render.console import make_console

        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        table.add_column("name", style="cyan", no_wrap=True)
        table.add_column("title")
        table.add_column("teaches")
        for example in shipped.bundled():
            table.add_row(example.name, example.title, example.teaches)
        console = make_console(no_color=no_color, width=width)
        console.print(table)
        console.print("Run one with `backprop-tutor run NAME`; copy one with "
                      "`backprop-tutor show NAME --yaml > my.yaml`.")
