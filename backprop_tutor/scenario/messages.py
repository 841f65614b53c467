"""pydantic validation errors → one line: file, line, field, what is wrong, what is expected."""

from __future__ import annotations

import math
import re
import types
import typing
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import InputError, close_names, did_you_mean
from .yaml_source import Document

Loc = tuple[str | int, ...]

_NAME_PATTERN = "^[A-Za-z][A-Za-z0-9_]*$"
_EXPECTED = {
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "string_type": "expected text",
    "list_type": "expected a list",
    "model_type": "expected a mapping ('key: value' lines)",
    "model_attributes_type": "expected a mapping ('key: value' lines)",
    "dict_type": "expected a mapping ('key: value' lines)",
    "bool_type": "expected true or false",
    "finite_number": "expected a finite number",
}
# What a field accepts when it takes several shapes; '*' stands for any index or key.
_FIELD_EXPECTED: dict[tuple[str, ...], str] = {
    ("inputs",): "expected the number of inputs (such as 2) or a list of their names "
                 "(such as [x1, x2])",
    ("layers", "*", "activation"): "expected an activation name (such as sigmoid), or a "
                                   "mapping such as {name: leaky_relu, alpha: 0.1} or "
                                   "{expression: 'z/(1 + abs(z))'}",
    ("layers", "*", "bias"): "expected true (one bias per unit), shared (one bias for the "
                             "layer) or false (no bias)",
    ("optimizer",): "expected an optimizer's name (sgd, momentum, nesterov, rmsprop, adam), or "
                    "a mapping such as {name: adam, beta1: 0.9}",
    ("answers", "*"): "expected a number, or nothing for a question left blank",
}
# What one item of a list is called, to say "expected at least 1 sample".
_ITEM = {"data": "sample", "layers": "layer", "inputs": "input", "targets": "target",
         "weights": "row", "biases": "bias", "frozen": "name", "nodes": "node"}


def field_path(loc: Loc) -> str:
    """``("layers", 1, "weights")`` → ``layers[1].weights``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _split(loc: tuple, data: Any, kind: str) -> tuple[Loc, Loc | None, str | None]:
    """(location in the data, where a union branch was taken, the branch's label)."""
    out: list[str | int] = []
    node = data
    site: Loc | None = None
    branch: str | None = None
    last = len(loc) - 1
    for n, part in enumerate(loc):
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif n == last and kind == "missing" and isinstance(part, str):
            out.append(part)  # the key that is missing
            node = None
        elif isinstance(part, str) and site is None:
            # not in the data: the label pydantic gives a branch of a union (str, Model, ...)
            site, branch = tuple(out), part
    return tuple(out), site, branch


def _mismatch(kind: str) -> bool:
    return kind.endswith(("_type", "_parsing")) or kind == "int_from_float"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (list, dict, typing.Union, types.UnionType) or origin is not None:
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def known_keys(root: type[BaseModel], loc: Loc) -> list[str]:
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
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "an empty list" if not value else (
            "a list of 1 item" if len(value) == 1 else f"a list of {len(value)} items")
    if value is None:
        return "nothing"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, str):
        return f"the text {text}"
    return text


def located(doc: Document, loc: Loc, message: str, *, key: bool = False) -> InputError:
    """An InputError pointing at ``loc`` in the document."""
    position = (doc.key_location(loc) if key else None) or doc.locate(loc)
    line, column = position if position else (None, None)
    return InputError(message, file=doc.path, line=line, column=column,
                      field=field_path(loc) or None)


def _relevant(errors: list[dict], data: Any) -> list[tuple[dict, Loc]]:
    """The errors of the union branch that fits the data best, with their data locations."""
    info = [(e, *_split(e["loc"], data, e["type"])) for e in errors]
    sites: dict[Loc, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for n, (_, _, site, branch) in enumerate(info):
        if site is not None:
            sites[site][branch].append(n)
    dropped: set[int] = set()
    for site, by_branch in sites.items():
        # a branch that cannot take the value's shape at all (a text for a mapping) is no fit
        shaped = {b: ids for b, ids in by_branch.items()
                  if not any(info[n][1] == site and _mismatch(info[n][0]["type"]) for n in ids)}
        if not shaped:
            continue  # no branch fits: the message lists every shape the field accepts
        best = min(shaped, key=lambda b: len(shaped[b]))  # the first of the closest fits
        dropped |= {n for b, ids in by_branch.items() if b != best for n in ids}
    return [(e, loc) for n, (e, loc, _, _) in enumerate(info) if n not in dropped]


# keys as PyTorch's torch.optim (and common course code) spell them → this format's spelling
_OTHER_SPELLINGS = {"alpha": "rho", "eps": "epsilon", "betas": "beta1 and beta2",
                    "lr": "learning_rate", "mu": "momentum"}


def _pattern_key(loc: Loc) -> tuple[str, ...] | None:
    for pattern in _FIELD_EXPECTED:
        if len(pattern) == len(loc) and all(p in ("*", q) for p, q in zip(pattern, loc,
                                                                         strict=True)):
            return pattern
    return None


def validation_message(error: ValidationError, doc: Document, root: type[BaseModel]
                       ) -> InputError:
    """The first problem of a validation error, as one located line."""
    errors = _relevant(error.errors(include_url=False), doc.data)
    # a misspelt key also makes the right one missing: report the misspelling
    errors.sort(key=lambda pair: pair[0]["type"] != "extra_forbidden")
    first, loc = errors[0]
    kind = first["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1])
        options = known_keys(root, loc[:-1])
        spelt = _OTHER_SPELLINGS.get(name)
        hint = (f"this format calls it {spelt}" if spelt and spelt.split()[0] in options
                else did_you_mean(close_names(name, options))
                or f"expected one of: {', '.join(options)}")
        return located(doc, loc, f"unknown key '{name}'; {hint}", key=True)
    if kind == "missing":
        return located(doc, loc[:-1], f"missing required key '{loc[-1]}'")
    value = first.get("input")
    same_place = [e for e, where in errors if where == loc]
    pattern = _pattern_key(loc)
    if len(same_place) > 1 and all(_mismatch(e["type"]) for e in same_place):
        # no shape of a union fits: say every shape that would have been accepted
        wanted = pattern and _FIELD_EXPECTED[pattern]
        if not wanted:
            shapes = sorted({_expected(e, loc).removeprefix("expected ") for e in same_place})
            wanted = "expected " + " or ".join(shapes)
        return located(doc, loc, f"{wanted}; got {describe(value)}")
    if pattern == ("layers", "*", "bias"):  # a literal or a bool: say all three
        return located(doc, loc, f"{_FIELD_EXPECTED[pattern]}; got {describe(value)}"
                                 f"{_hint(first)}")
    return located(doc, loc, f"{_expected(first, loc)}; got {describe(value)}"
                             f"{_hint(first)}")


def _hint(error: dict) -> str:
    kind, value = error["type"], error.get("input")
    if kind in ("float_type", "int_type") and isinstance(value, str):
        other_base = number_in_another_form(value)
        if other_base:
            return f" ({other_base})"
        try:
            float(value)
        except ValueError:
            return ""
        return " (write numbers without quotes)"
    if kind == "list_type" and isinstance(value, (str, int, float)) and not isinstance(
            value, bool):
        return f" (write [{value}] for a list of one)"
    if kind == "finite_number":
        return " (NaN and infinity are not allowed)"
    if kind == "literal_error" and isinstance(value, str):
        hint = did_you_mean(close_names(value, _options(error)))
        return f" ({hint})" if hint else ""
    return ""


_OTHER_BASES = {"0x": ("hexadecimal", 16), "0o": ("octal", 8), "0b": ("binary", 2)}
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")
_BASE_60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")


def number_in_another_form(text: str) -> str | None:
    """How to write ``text`` if it is a number in a form YAML 1.1 reads otherwise than YAML 1.2
    or a reader would (0x10, 0o17, 0b101, 010, 1:30), which scenario/yaml_source.py leaves as
    text; None for any other text."""
    body = text.strip().lstrip("+-").lower()
    sign = "-" if text.strip().startswith("-") else ""
    for prefix, (name, base) in _OTHER_BASES.items():
        if body.startswith(prefix):
            try:
                value = int(body[2:].replace("_", ""), base)
            except ValueError:
                return None
            return f"write numbers in decimal: the {name} {text.strip()} is {sign}{value}"
    if _LEADING_ZERO.fullmatch(text.strip()):
        plain = sign + (body.replace("_", "").lstrip("0") or "0")
        return (f"write {plain} without leading zeros: YAML 1.1 readers take "
                f"{text.strip()} for an octal number")
    if _BASE_60.fullmatch(text.strip()):
        value = 0.0
        for part in body.replace("_", "").split(":"):
            value = value * 60 + float(part)
        shown = f"{sign}{value:g}" if abs(value) < 1e15 else "a number in base 60"
        return f"write numbers in decimal: YAML 1.1 readers take {text.strip()} for {shown}"
    return None


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _options(error: dict) -> list[str]:
    expected = error["ctx"]["expected"].replace(" or ", ", ")
    return [option.strip(" '") for option in expected.split(",")]


def _expected(error: dict, loc: Loc) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind == "literal_error":
        return f"expected one of: {', '.join(_options(error))}"
    if kind == "too_short":
        noun = _ITEM.get(next((p for p in reversed(loc) if isinstance(p, str)), ""), "item")
        least = ctx["min_length"]
        return f"expected at least {least} {noun if least == 1 else noun + 's'}"
    if kind == "too_long":
        return f"expected at most {ctx['max_length']} items"
    if kind in ("greater_than", "less_than"):
        bound = _number(next(iter(ctx.values())))
        return f"expected a number {kind.replace('_', ' ')} {bound}"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = _number(next(iter(ctx.values())))
        return f"expected {bound} or {'more' if kind == 'greater_than_equal' else 'less'}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == _NAME_PATTERN:
        return "expected a name: a letter, then letters, digits or _ (such as w1 or h_2)"
    if kind == "string_too_long":
        return f"expected at most {ctx['max_length']} characters"
    if kind == "string_too_short":
        return "expected some text"
    return "expected " + error["msg"][0].lower() + error["msg"][1:]
