"""``backprop-tutor run``: train a scenario and show every step."""

from __future__ import annotations

import sys

import typer

from ..errors import InputError, close_names, did_you_mean
from .boundary import error_boundary, note
from .examples import SCENARIO_HELP, complete_node, complete_parameter, complete_scenario
from .options import (
    Debug,
    NoColor,
    SamplesOption,
    View,
    ViewOption,
    Width,
    check_rounded_view,
    matrix_layout,
    shown_precision,
)

# --step keeps this many iterations in full; a learner pressing Enter is never near it
STEP_LIMIT = 10_000


def _check_name(name: str, valid: list[str], what: str, option: str,
                likely: str | None = None) -> None:
    if name in valid:
        return
    hint = did_you_mean((likely,) if likely else close_names(name, valid, cutoff=0.5))
    hint += " " if hint else ""
    raise InputError(f"no {what} is called '{name}'; {hint}valid names: " + ", ".join(valid),
                     field=option)


def _in_letters(name: str, nodes: list[str], letters) -> str | None:
    """The node ``name`` written with the textbook's default letter (a31, z31, E) names in the
    scenario's ``symbols:`` letters (h31), if there is one."""
    for default, letter in (("a", letters.activation), ("z", letters.net), ("E", letters.loss)):
        renamed = letter + name[len(default):]
        if name.startswith(default) and renamed != name and renamed in nodes:
            return renamed
    return None


def _check_parameter(name: str, parameters: list[str]) -> None:
    _check_name(name, parameters, "parameter or input", "--explain")


def _parameter_named(written: str, loss: str) -> str:
    """The parameter ``--explain`` names, also when written as its gradient (``∂E/∂w1``)."""
    from ..network.addresses import derivative, normalise, wrt

    name = normalise(written)
    return wrt(name) if name.startswith(derivative(loss, "")) else name


def _derivative_named(written: str, of: str | None, nodes: list[str],
                      loss: str) -> tuple[str, str]:
    """(node, parameter or input) of ``--explain V --of N``; ``--explain ∂N/∂V`` names both,
    and without a node it is the loss."""
    from ..network.addresses import normalise

    name = normalise(written)
    top, slash, bottom = name.partition("/d")
    if slash and top.startswith("d") and top[1:] in nodes:
        if of is not None and normalise(of) != top[1:]:
            raise InputError(f"--explain {written} is a derivative of {top[1:]}, but --of "
                             f"names {of}; give one of them", field="--of")
        return top[1:], bottom
    node = loss if of is None else normalise(of)
    return node, _parameter_named(written, loss)


def read_key() -> str:
    """One key from the terminal, without waiting for Enter ('' at end of input)."""
    try:
        import termios
        import tty
    except ImportError:  # no termios (Windows): a line will do
        line = sys.stdin.readline()
        return line[:1] if line.strip() else ("\n" if line else "")
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        return sys.stdin.read(1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _step(console, result, precision: int, layout: str | None = None) -> None:
    """One iteration per screen: Enter (or space) shows the next, q quits."""
    from ..render.terminal import header, iteration_view, summary

    shown = iteration_view
    if layout is not None:
        from ..render.matrix_view import matrix_view

        def shown(result, record, precision):
            return matrix_view(result, record, precision, layout)

    records = result.trace.iterations
    for n, record in enumerate(records):
        if console.is_terminal:
            console.clear()
        if n == 0:
            console.print(header(result, precision))
            console.print()
        console.print(shown(result, record, precision))
        if n == len(records) - 1:
            break
        console.print(f"[dim]iteration {record.iteration} of {result.trace.iteration_count} · "
                      "Enter: next · q: quit[/dim]")
        key = read_key()
        while key not in ("\n", "\r", " ", "q", "Q", "\x04", ""):
            key = read_key()
        if key in ("q", "Q", "\x04", ""):
            console.print(f"stopped at iteration {record.iteration} of "
                          f"{result.trace.iteration_count}")
            return
    if result.trace.iteration_count > len(records):
        console.print(f"iterations after {records[-1].iteration} are not kept for stepping; "
                      "the summary covers them")
    if result.trace.iteration_count > 1 or result.trace.epochs_run > 1:
        console.print()
        console.print(summary(result, precision))


def _write_exports(console, svg: str | None, html: str | None, title: str, source) -> None:
    from ..files import atomic_write

    if svg is not None:
        atomic_write(svg, console.export_svg(title=title, clear=False), inputs=[source])
    if html is not None:
        atomic_write(html, console.export_html(clear=False), inputs=[source])


def run(
    scenario: str = typer.Argument(..., help=SCENARIO_HELP, show_default=False,
                                   autocompletion=complete_scenario),
    json_out: bool = typer.Option(False, "--json",
                                  help="Print one JSON document and nothing else."),
    explain: str = typer.Option(None, "--explain", metavar="PARAM",
                                help="Show the full derivative chain of one parameter "
                                     "or input, in iteration 1.",
                                autocompletion=complete_parameter),
    of: str = typer.Option(None, "--of", metavar="NODE",
                           help="With --explain: the derivative of this node (a z, an a or "
                                "the loss) instead of the loss.",
                           autocompletion=complete_node),
    iterations: int = typer.Option(1, "--iterations", min=1,
                                   help="Show (and export) the first N iterations in full."),
    epochs: int = typer.Option(None, "--epochs", min=1, help="Override the file's epochs."),
    round_digits: int = typer.Option(None, "--round-digits", metavar="N", min=1, max=12,
                                     help="Round every value to N significant digits before "
                                          "it is used, as by hand (overrides rounding:)."),
    round_decimals: int = typer.Option(None, "--round-decimals", metavar="N", min=0, max=12,
                                       help="Round every value to N decimals before it is "
                                            "used, as by hand (overrides rounding:)."),
    step: bool = typer.Option(False, "--step",
                              help="One iteration at a time: Enter shows the next, q quits."),
    precision: int = typer.Option(None, "--precision", min=1, max=17, show_default=False,
                                  help="Significant digits shown (default 4; with rounding, "
                                       "every digit used)."),
    svg: str = typer.Option(None, "--svg", metavar="FILE",
                             help="Also save what the terminal shows as an SVG picture."),
    html: str = typer.Option(None, "--html", metavar="FILE",
                              help="Also save what the terminal shows as an HTML page."),
    dot: str = typer.Option(None, "--dot", metavar="FILE",
                             help="Write the computational graph of iteration 1, each node "
                                  "with its value and gradient, in Graphviz DOT."),
    view: ViewOption = View.steps,
    samples: SamplesOption = None,
    no_color: NoColor = False,
    width: Width = None,
    debug: Debug = False,
) -> None:
    """Train a scenario: every step of iteration 1, then the training summary. A circuit
    (a file with nodes:): its forward pass, local gradients and backward pass."""
    with error_boundary(debug):
        layout = matrix_layout(view, samples)
        from .. import api
        from ..examples import resolve
        from .circuit import circuit_file, run_circuit

        circuit = circuit_file(scenario)
        if circuit is not None:  # a computational graph, not a network (cli/circuit.py)
            run_circuit(circuit, scenario, json_out=json_out, explain=explain, dot=dot,
                        precision=4 if precision is None else precision, svg=svg, html=html,
                        no_color=no_color, width=width,
                        refused={"--iterations": iterations != 1, "--epochs": epochs is not None,
                                 "--step": step, "--of": of is not None,
                                 "--view": layout is not None,
                                 "--round-digits": round_digits is not None,
                                 "--round-decimals": round_decimals is not None})
            return
        from ..scenario.course_checks import with_rounding

        loaded = with_rounding(api.load(resolve(scenario)), round_digits, round_decimals)
        precision = shown_precision(loaded.rounding, precision)
        check_rounded_view(layout, loaded.rounding)
        stepping = step and sys.stdin.isatty() and not json_out and explain is None
        from ..scenario.limits import MAX_SHOWN_VALUES, check_shown, parameter_count

        parameters = parameter_count([loaded.input_count, *(u.units for u in loaded.layers)])
        # stepping keeps what memory allows: fewer iterations of a larger network
        detail = min(STEP_LIMIT, max(1, MAX_SHOWN_VALUES // parameters)) if stepping else iterations
        if not stepping:
            check_shown(iterations, parameters)
        from .progress import training_progress

        with training_progress(no_color=no_color) as progress:
            result = api.run(loaded, epochs=epochs, detail=detail, progress=progress)
        node = None
        if of is not None and explain is None:
            raise InputError("--of names the node whose derivative --explain shows; give "
                             "--explain PARAMETER too", field="--of")
        if explain is not None:
            from ..solution.node_lines import node_names, variable_names

            nodes = node_names(result.plan)
            node, explain = _derivative_named(explain, of, nodes, result.plan.loss_symbol)
            _check_parameter(explain, variable_names(result.plan))
            _check_name(node, nodes, "node", "--of", _in_letters(node, nodes, loaded.symbols))
            if layout is not None and (node != result.plan.loss_symbol
                                       or explain not in result.plan.parameter_index):
                raise InputError(f"--view matrix explains a parameter's gradient of the loss; "
                                 f"the derivative of {node} by {explain} is shown without it",
                                 field="--view")
        from ..solution.diagnostics import divergence_message

        note(divergence_message(result))
        if json_out:
            if svg or html:
                raise InputError("--svg and --html save the terminal view; they do not go "
                                 "with --json", field="--json")
            if explain is not None:
                raise InputError("--explain shows one parameter's chain in the terminal; it "
                                 "does not go with --json, which has every factor's chain",
                                 field="--json")
            from ..render.json_out import run_document, write_json

            document = run_document(result)  # built whole before anything is written
            if layout is not None:
                from ..render.matrix_json import add_matrices

                add_matrices(document, result, layout)
            if dot is not None:
                _write_dot(dot, result, precision, resolve(scenario))
            write_json(document, sys.stdout)
            return
        from ..render.console import make_console

        console = make_console(no_color=no_color, width=width, record=bool(svg or html))
        if dot is not None:
            _write_dot(dot, result, precision, resolve(scenario))
        if explain is not None and layout is not None:
            from ..render.matrix_view import matrix_explain_view

            console.print(matrix_explain_view(result, result.record(1), explain, precision,
                                              layout))
        elif explain is not None and node == result.plan.loss_symbol \
                and explain in result.plan.parameter_index:
            from ..render.explain import explain_view

            console.print(explain_view(result, result.record(1), explain, precision))
        elif explain is not None:
            from ..render.explain import node_view

            console.print(node_view(result, result.record(1), node, explain, precision))
        elif stepping:
            _step(console, result, precision, layout)
        elif layout is not None:
            from ..render.matrix_view import matrix_run_view

            console.print(matrix_run_view(result, iterations=iterations, precision=precision,
                                          layout=layout))
        else:
            from ..render.terminal import run_view
            from ..scenario.limits import worked_size

            too_large = worked_size(*result.worked_size())
            console.print(run_view(result, iterations=0 if too_large else iterations,
                                   precision=precision))
            if too_large:
                note(f"{too_large}: the terminal shows the training only; see one "
                     "parameter's chain with --explain PARAMETER, or every number with --json")
        _write_exports(console, svg, html, loaded.title or "backprop-tutor", resolve(scenario))


def _write_dot(path: str, result, precision: int, source) -> None:
    from ..files import atomic_write
    from ..render.dot import dot_text

    atomic_write(path, dot_text(result, result.record(1), precision), inputs=[source])
