"""JSON Schemas of the documents the tool reads and writes, made by pydantic from the types
that read or build them: the scenario and answer-sheet models, the ``--json`` trace's and the
grades document's types."""

from __future__ import annotations

from typing import Any

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def document_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of a document: scenario, circuit, sheet, trace or grades."""
    if name == "scenario":
        from ..scenario.schema import Scenario

        schema = Scenario.model_json_schema()
    elif name == "circuit":
        from ..scenario.circuit_schema import Circuit

        schema = Circuit.model_json_schema()
    elif name == "sheet":
        from .sheet import SheetModel

        schema = SheetModel.model_json_schema()
    elif name == "trace":
        from ..solution.json_types import TRACE

        schema = TRACE.json_schema()
    elif name == "grades":
        from .formats import GRADES

        schema = GRADES.json_schema()
    else:
        raise KeyError(name)
    return {"$schema": DRAFT, **schema}
