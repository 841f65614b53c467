"""pydantic validation errors → one clear line with the file, line, field and what is expected."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import InputError
from .yaml_source import Document

_EXPECTED = {
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "string_type": "expected a text",
    "list_type": "expected a list",
    "model_type": "expected a mapping of keys",
    "dict_type": "expected a mapping of keys",
    "finite_number": "expected a finite number (NaN and infinity are not allowed)",
}


def field_path(loc: tuple[str | int, ...]) -> str:
    """``("layers", 1, "weights")`` → ``layers[1].weights``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def data_loc(loc: tuple, data: Any) -> tuple[str | int, ...]:
    """A pydantic location without its union-branch labels: only keys and indices in the data."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _is_branch_label(part):
            out.append(part)  # a missing or unknown key
            node = None
    return tuple(out)


def _is_branch_label(part: str) -> bool:
    return any(c in part for c in "[](),-") or part in {"str", "int", "float", "bool"}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (list, typing.Union, types.UnionType) or origin is not None:
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def known_keys(root: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The keys the model at ``loc`` (a mapping) accepts."""
    models = [root]
    for part in loc:
        if isinstance(part, int):
            continue
        models = [m for model in models if part in model.model_fields
                  for m in _models_in(model.model_fields[part].annotation)]
    return sorted({name for model in models for name in model.model_fields})


def describe(value: Any) -> str:
    """A short description of a value as the user wrote it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def located(doc: Document, loc: tuple[str | int, ...], message: str, *, key: bool = False
            ) -> InputError:
    """An InputError pointing at ``loc`` in the document."""
    position = (doc.key_location(loc) if key else None) or doc.locate(loc)
    line, column = position if position else (None, None)
    return InputError(message, file=doc.path, line=line, column=column,
                      field=field_path(loc) or None)


def validation_message(error: ValidationError, doc: Document, root: type[BaseModel]
                       ) -> InputError:
    """The first problem of a validation error, as one located line."""
    errors = error.errors(include_url=False)
    # a misspelt key also makes the right one missing: report the misspelling
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    loc = data_loc(first["loc"], doc.data)
    same_place = [e for e in errors if data_loc(e["loc"], doc.data) == loc]
    kind = first["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1])
        options = known_keys(root, loc[:-1])
        close = difflib.get_close_matches(name, options, n=1)
        hint = f"; did you mean {close[0]}?" if close else f"; expected one of: {', '.join(options)}"
        return located(doc, loc, f"unknown key '{name}'{hint}", key=True)
    if kind == "missing":
        return located(doc, loc[:-1], f"missing required key '{loc[-1]}'")
    value = first.get("input")
    if len(same_place) > 1 and kind in (*_EXPECTED, "literal_error"):
        # a union: say every shape that would have been accepted
        wanted = sorted({_expected(e).removeprefix("expected ") for e in same_place})
        return located(doc, loc, f"expected {' or '.join(wanted)}; got {describe(value)}")
    return located(doc, loc, f"{_expected(first)}; got {describe(value)}")


def _expected(error: dict) -> str:
    kind = error["type"]
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind == "literal_error":
        return "expected " + error["ctx"]["expected"]
    if kind == "too_short":
        return f"expected at least {error['ctx']['min_length']} item(s)"
    if kind == "bool_type":
        return "expected a boolean"
    return error["msg"][0].lower() + error["msg"][1:]
