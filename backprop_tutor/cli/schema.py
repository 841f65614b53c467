"""``backprop-tutor schema``: the JSON Schema of each document the tool reads or writes."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated

import typer

from .boundary import error_boundary


class Document(str, Enum):
    """The documents with a schema."""

    scenario = "scenario"
    circuit = "circuit"
    trace = "trace"
    sheet = "sheet"
    grades = "grades"


def schema(
    document: Annotated[Document, typer.Argument(show_default=False,
                                        help="scenario, circuit, trace (run --json), sheet or "
                                             "grades.")],
) -> None:
    """Print the JSON Schema of a scenario, a circuit, a --json trace, an answer sheet or
    grades."""
    with error_boundary():
        from ..grading.schemas import document_schema

        typer.echo(json.dumps(document_schema(document.value), indent=2, ensure_ascii=False))
