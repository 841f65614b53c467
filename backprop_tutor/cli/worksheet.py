"""``backprop-tutor worksheet`` and ``key``: a blank answer sheet or handout, and the worked
solution."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .boundary import error_boundary
from .options import (
    Debug,
    SamplesOption,
    View,
    ViewOption,
    check_rounded_view,
    matrix_layout,
    shown_precision,
)


class WorksheetFormat(str, Enum):
    """Formats of ``worksheet``."""

    yaml = "yaml"
    markdown = "markdown"
    latex = "latex"


class KeyFormat(str, Enum):
    """Formats of ``key``."""

    markdown = "markdown"
    latex = "latex"


def _write(text: str, output: Path | None, source: Path) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from ..files import atomic_write

    atomic_write(output, text, inputs=[source])


def _resolved(scenario: Path) -> Path:
    from ..examples import resolve

    return resolve(scenario)


def _load(scenario: Path):
    from .. import api
    from ..examples import resolve

    path = resolve(scenario)
    return path, api.run(api.load(path))


def worksheet(
    scenario: Annotated[Path, typer.Argument(show_default=False, help="The scenario file.")],
    output_format: Annotated[WorksheetFormat, typer.Option(
        "--format", help="yaml: a blank answer sheet; markdown or latex: a printable handout."
    )] = WorksheetFormat.yaml,
    output: Annotated[Path, typer.Option("-o", "--output", help="Write to this file.")] = None,
    only: Annotated[list[str], typer.Option(
        "--only", show_default=False,
        help="Ask only these: sections (forward, loss, factors or backward, gradients, "
             "optimizer, updates) or addresses, repeated or comma-separated; the sheet lists "
             "them in 'asks' and grading counts exactly those.")] = None,
    debug: Debug = False,
) -> None:
    """Write a blank answer sheet (every quantity, with the formula to use) or a handout."""
    with error_boundary(debug):
        from .circuit import circuit_file, circuit_worksheet

        circuit = circuit_file(str(scenario))
        if circuit is not None:
            text = circuit_worksheet(circuit, scenario, output_format.value, only)
            _write(text, output, _resolved(scenario))
            return
        path, result = _load(scenario)
        record = result.record(1)
        from ..scenario.limits import check_worked

        check_worked(*result.worked_size(), "a worksheet")
        asks = None
        if only:
            from ..grading.worksheet import chosen, questions

            every = [(q.address, q.section) for q in questions(result.lines(record))]
            asks = chosen(every, [s for o in only for s in o.split(",") if s.strip()],
                          field="--only")
        if output_format is WorksheetFormat.yaml:
            from ..render.grading import worksheet_yaml

            text = worksheet_yaml(result, result.lines(record), path.name, asks=asks)
        elif output_format is WorksheetFormat.markdown:
            from ..render.markdown import worksheet_markdown

            text = worksheet_markdown(result, record, result.lines(record, form="latex"), asks)
        else:
            from ..render.latex import worksheet_latex

            text = worksheet_latex(result, record, result.lines(record, form="latex"), asks)
        _write(text, output, path)


def key_command(
    scenario: Annotated[Path, typer.Argument(show_default=False, help="The scenario file.")],
    output_format: Annotated[KeyFormat, typer.Option(
        "--format", help="markdown, or latex (a standalone document).")] = KeyFormat.markdown,
    precision: int = typer.Option(None, "--precision", min=1, max=17, show_default=False,
                                  help="Significant digits of the numbers shown (default 4; "
                                       "rounded as by hand, every digit used)."),
    output: Annotated[Path, typer.Option("-o", "--output", help="Write to this file.")] = None,
    view: ViewOption = View.steps,
    samples: SamplesOption = None,
    debug: Debug = False,
) -> None:
    """Write the worked solution: every step's formula, the numbers substituted, the result."""
    with error_boundary(debug):
        from .circuit import circuit_file, circuit_key

        circuit = circuit_file(str(scenario))
        if circuit is not None:
            if view is not View.steps or samples is not None:
                raise InputError("--view and --samples set out a network's layers as matrices; "
                                 "a circuit's key is written node by node", field="--view")
            text = circuit_key(circuit, output_format.value, shown_precision(None, precision))
            _write(text, output, _resolved(scenario))
            return
        layout = matrix_layout(view, samples)
        path, result = _load(scenario)
        precision = shown_precision(result.scenario.rounding, precision)
        check_rounded_view(layout, result.scenario.rounding)
        record = result.record(1)
        from ..scenario.limits import check_worked

        check_worked(*result.worked_size(), "an answer key")
        if layout is not None:
            from ..render.matrix_latex import key_matrix_latex, key_matrix_markdown

            write = key_matrix_markdown if output_format is KeyFormat.markdown \
                else key_matrix_latex
            _write(write(result, record, precision, layout), output, path)
            return
        lines = result.lines(record, form="latex")
        if output_format is KeyFormat.markdown:
            from ..render.markdown import key_markdown

            text = key_markdown(result, record, lines, precision)
        else:
            from ..render.latex import key_latex

            text = key_latex(result, record, lines, precision)
        _write(text, output, path)
