"""Documents checked against the JSON Schemas that ``backprop-tutor schema`` prints."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from backprop_tutor.cli import app


@cache
def printed_schema(name: str) -> str:
    """The text ``backprop-tutor schema NAME`` prints."""
    result = CliRunner().invoke(app, ["schema", name])
    assert result.exit_code == 0, result.output
    return result.stdout


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads(printed_schema(name))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def problems(document: Any, name: str) -> list[str]:
    """Where the document breaks the printed schema of NAME: one line per error, none if valid."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator(name).iter_errors(document)]
