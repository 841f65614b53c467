"""JSON Schemas of the documents the tool reads and writes, and a small checker for them.

The scenario and answer-sheet schemas come from their pydantic models; the ``--json`` trace and
the grades document are described here by hand, as the contract scripts rely on.
"""

from __future__ import annotations

from typing import Any

DRAFT = "https://json-schema.org/draft/2020-12/schema"

_NUMBER = {"type": ["number", "null"], "description": "null where the value is not finite"}
_NUMBERS = {"type": "array", "items": _NUMBER}
_NAMES_TO_NUMBERS = {"type": "object", "additionalProperties": _NUMBER}

TRACE_SCHEMA: dict[str, Any] = {
    "$schema": DRAFT,
    "title": "backprop-tutor run --json",
    "type": "object",
    "required": ["schema_version", "scenario", "iterations", "history", "final"],
    "properties": {
        "schema_version": {"type": "integer", "minimum": 1},
        "scenario": {
            "description": "The scenario with every default filled in and the initial "
                           "parameters it trained from.",
            "type": "object",
            "required": ["inputs", "layers", "data", "loss", "learning_rate"],
            "properties": {
                "inputs": {"type": "array", "items": {"type": "string"}},
                "layers": {"type": "array", "items": {
                    "type": "object",
                    "required": ["units", "activation", "weights", "biases"],
                    "properties": {
                        "units": {"type": "integer", "minimum": 1},
                        "weights": {"type": "array", "items": _NUMBERS},
                        "biases": _NUMBERS,
                    },
                }},
                "data": {"type": "array", "items": {
                    "type": "object", "required": ["inputs", "targets"],
                    "properties": {"inputs": _NUMBERS, "targets": _NUMBERS},
                }},
                "loss": {"type": "string"},
                "learning_rate": {"type": "number"},
            },
        },
        "iterations": {"type": "array", "items": {
            "description": "An iteration kept in full.",
            "type": "object",
            "required": ["iteration", "epoch", "sample_indices", "loss", "values", "samples",
                         "gradients", "parameters_after"],
            "properties": {
                "iteration": {"type": "integer", "minimum": 1},
                "epoch": {"type": "integer", "minimum": 1},
                "sample_indices": {"type": "array", "items": {"type": "integer", "minimum": 1}},
                "loss": _NUMBER,
                "values": {**_NAMES_TO_NUMBERS,
                           "description": "Address → value: the vocabulary of answer sheets."},
                "samples": {"type": "array", "items": {
                    "type": "object",
                    "required": ["index", "inputs", "targets", "nodes", "loss"],
                    "properties": {"index": {"type": "integer", "minimum": 1},
                                   "inputs": _NUMBERS, "targets": _NUMBERS,
                                   "nodes": _NAMES_TO_NUMBERS, "loss": _NUMBER},
                }},
                "gradients": {"type": "object", "additionalProperties": {
                    "type": "object",
                    "required": ["value", "form", "paths", "factors"],
                    "properties": {
                        "value": _NUMBER,
                        "form": {"enum": ["paths", "delta"]},
                        "paths": {"type": "array",
                                  "items": {"type": "array", "items": {"type": "string"}}},
                        "factors": {"type": "array", "items": {
                            "type": "object",
                            "required": ["symbol", "expression", "latex"],
                            "properties": {"symbol": {"type": "string"},
                                           "expression": {"type": "string"},
                                           "latex": {"type": "string"},
                                           "values": {**_NUMBERS, "description":
                                                      "One per sample of the batch; left out "
                                                      "for batches of more than 32 samples."},
                                           "value": _NUMBER},
                        }},
                    },
                }},
                "parameters_after": _NAMES_TO_NUMBERS,
            },
        }},
        "history": _NUMBERS,
        "final": {
            "type": "object",
            "required": ["epochs", "iterations", "loss", "parameters", "stop_reason"],
            "properties": {
                "epochs": {"type": "integer", "minimum": 0},
                "iterations": {"type": "integer", "minimum": 0},
                "loss": _NUMBER,
                "parameters": _NAMES_TO_NUMBERS,
                "stop_reason": {"enum": ["epochs", "tolerance", "diverged"]},
            },
        },
    },
}

_VERDICT = {"enum": ["correct", "carried forward", "wrong", "blank", "not a number", "unknown"]}

GRADES_SCHEMA: dict[str, Any] = {
    "$schema": DRAFT,
    "title": "backprop-tutor grade --format json",
    "type": "object",
    "additionalProperties": False,
    "required": ["grades_version", "settings", "sheets", "summary"],
    "properties": {
        "grades_version": {"const": 1},
        "settings": {
            "type": "object", "additionalProperties": False,
            "required": ["rel_tol", "abs_tol", "rounding", "ecf_credit", "points",
                         "all_quantities"],
            "properties": {"rel_tol": {"type": "number", "minimum": 0},
                           "abs_tol": {"type": "number", "minimum": 0},
                           "rounding": {"type": "boolean"},
                           "ecf_credit": {"type": "number", "minimum": 0, "maximum": 1},
                           "points": {"type": "number", "minimum": 0},
                           "all_quantities": {"type": "boolean"}},
        },
        "sheets": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["sheet", "student", "variant", "scenario", "title", "iteration",
                         "score", "max_score", "items"],
            "properties": {
                "sheet": {"type": "string", "description": "The answer sheet file."},
                "student": {"type": "string"},
                "variant": {"type": ["string", "null"]},
                "scenario": {"type": "string", "description": "The scenario graded against."},
                "title": {"type": ["string", "null"]},
                "iteration": {"type": "integer", "minimum": 1},
                "score": {"type": "number", "minimum": 0},
                "max_score": {"type": "number", "minimum": 0},
                "items": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["address", "written_as", "key", "given", "given_text",
                                 "verdict", "points", "max_points", "feedback", "mistake",
                                 "carried_forward", "suggestions"],
                    "properties": {
                        "address": {"type": "string"},
                        "written_as": {"type": "string"},
                        "key": {"type": ["number", "null"]},
                        "given": {"type": ["number", "null"]},
                        "given_text": {"type": "string"},
                        "verdict": _VERDICT,
                        "points": {"type": "number", "minimum": 0},
                        "max_points": {"type": "number", "minimum": 0},
                        "feedback": {"type": "string"},
                        "mistake": {"type": ["object", "null"], "additionalProperties": False,
                                    "required": ["rule", "description", "at", "value",
                                                 "from_own_values"],
                                    "properties": {
                                        "rule": {"type": "string"},
                                        "description": {"type": "string"},
                                        "at": {"type": ["string", "null"]},
                                        "value": {"type": ["number", "null"]},
                                        "from_own_values": {"type": "boolean"}}},
                        "carried_forward": {"type": ["object", "null"],
                                            "additionalProperties": False,
                                            "required": ["value", "from"],
                                            "properties": {
                                                "value": {"type": ["number", "null"]},
                                                "from": {"type": "array",
                                                         "items": {"type": "string"}}}},
                        "suggestions": {"type": "array", "items": {"type": "string"}},
                    },
                }},
            },
        }},
        "summary": {"type": ["object", "null"], "additionalProperties": False,
                    "required": ["sheets", "mean_fraction", "quantities"],
                    "properties": {
                        "sheets": {"type": "integer", "minimum": 0},
                        "mean_fraction": {"type": "number", "minimum": 0, "maximum": 1},
                        "quantities": {"type": "array", "items": {
                            "type": "object", "additionalProperties": False,
                            "required": ["address", "answered", "correct", "carried_forward",
                                         "missed", "mistakes"],
                            "properties": {
                                "address": {"type": "string"},
                                "answered": {"type": "integer", "minimum": 0},
                                "correct": {"type": "integer", "minimum": 0},
                                "carried_forward": {"type": "integer", "minimum": 0},
                                "missed": {"type": "integer", "minimum": 0},
                                "mistakes": {"type": "object",
                                             "additionalProperties": {"type": "integer"}}}}}}},
    },
}


def document_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of a document: scenario, sheet, trace or grades."""
    if name == "scenario":
        from ..scenario.schema import Scenario

        return {"$schema": DRAFT, **Scenario.model_json_schema()}
    if name == "sheet":
        from .sheet import SheetModel

        return {"$schema": DRAFT, **SheetModel.model_json_schema()}
    return {"trace": TRACE_SCHEMA, "grades": GRADES_SCHEMA}[name]


SCHEMA_NAMES = ("scenario", "trace", "sheet", "grades")

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def check(document: Any, schema: dict[str, Any], root: dict[str, Any] | None = None,
          where: str = "$") -> list[str]:
    """Where a document breaks a schema (the keywords the schemas here use), as messages."""
    root = root or schema
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return check(document, target, root, where)
    problems: list[str] = []
    if "anyOf" in schema and all(check(document, s, root, where) for s in schema["anyOf"]):
        problems.append(f"{where}: matches none of the allowed forms")
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_TYPES[k](document) for k in kinds):
            return [*problems, f"{where}: expected {' or '.join(kinds)}"]
    if "enum" in schema and document not in schema["enum"]:
        problems.append(f"{where}: {document!r} is not one of {schema['enum']}")
    if "const" in schema and document != schema["const"]:
        problems.append(f"{where}: expected {schema['const']!r}")
    if isinstance(document, (int, float)) and not isinstance(document, bool):
        if "minimum" in schema and document < schema["minimum"]:
            problems.append(f"{where}: below {schema['minimum']}")
        if "maximum" in schema and document > schema["maximum"]:
            problems.append(f"{where}: above {schema['maximum']}")
    if isinstance(document, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in document:
                problems.append(f"{where}: missing '{name}'")
        extra = schema.get("additionalProperties", True)
        for name, value in document.items():
            if name in properties:
                problems += check(value, properties[name], root, f"{where}.{name}")
            elif extra is False:
                problems.append(f"{where}: unexpected '{name}'")
            elif isinstance(extra, dict):
                problems += check(value, extra, root, f"{where}.{name}")
    if isinstance(document, list) and "items" in schema:
        for i, value in enumerate(document):
            problems += check(value, schema["items"], root, f"{where}[{i}]")
    return problems
