"""Answer sheets (YAML or JSON): who, which scenario and variant, and the numbers written down.

Addresses are those of the ``values`` map of ``--json``; ``∂E/∂w2`` is read as ``dE/dw2``.
Each number keeps the text it was written with, for grading by correct rounding.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError
from pydantic.types import AllowInfNan

from ..network.addresses import normalise
from ..scenario.messages import located, validation_message
from ..scenario.yaml_source import Document, parse_yaml, read_source, read_yaml
from .tolerance import literal

Number = Annotated[float, Strict(), AllowInfNan(False)]

# a variant's id as ``variants`` writes it (grading/variants.py): the variant's number, at least
# two digits, and four hex digits (``07-3fa2``); a sheet names its variant by nothing else
VARIANT_ID = re.compile(r"[0-9]{2,6}-[0-9a-f]{4}")
VARIANT_FORM = "an id as the variants command writes it, such as 07-3fa2"

_LITERAL = re.compile(r"[-+−]?(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?")


class SheetModel(BaseModel):
    """An answer sheet as written: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra={"title": "backprop-tutor answer sheet"})

    scenario: str | None = Field(None, description="The scenario file; the command line wins.")
    student: str | None = Field(None, description="The student's name or id.")
    variant: str | None = Field(None, description="The id of the variant the sheet answers.")
    iteration: Annotated[int, Strict(), Field(ge=1)] = Field(
        1, description="The iteration the answers are for (1-based).")
    asks: Annotated[list[str], Field(min_length=1)] | None = Field(
        None, description="The quantities the exercise asks (addresses, or the sections "
                          "forward, loss, factors or backward, gradients, optimizer, updates); "
                          "only these are marked and each counts. Without it every quantity "
                          "counts.")
    answers: dict[str, Number | str | None] = Field(
        description="Address (as in the values map of --json) → the number written; "
                    "empty for a question left blank.")


@dataclass(frozen=True)
class Answer:
    """One number of a sheet, as written."""

    address: str  # normalised: dE/dw2
    written_as: str  # as on the sheet: ∂E/∂w2
    value: float | None  # None: left blank, or not a number
    text: str  # the literal as written ("" when blank)
    line: int | None = None

    @property
    def blank(self) -> bool:
        """Whether the question was left blank."""
        return self.value is None and not self.text


@dataclass(frozen=True)
class Sheet:
    """A read answer sheet."""

    path: str
    student: str | None
    scenario: str | None
    variant: str | None
    iteration: int
    answers: tuple[Answer, ...]
    asks: tuple[str, ...] | None = None  # as written: addresses or sections; None: every one
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False)
    # where each top-level field was written (line, column), for located messages

    def where(self, name: str) -> dict[str, object]:
        """``file``, ``line``, ``column`` and ``field`` of a top-level field, for InputError."""
        line, column = self.positions.get(name, (None, None))
        return {"file": self.path, "line": line, "column": column, "field": name}

    @property
    def name(self) -> str:
        """The student's name, else the file's name."""
        return self.student or Path(self.path).stem


def printable(text: str) -> str:
    """``text`` with every control or format character (escape sequences, newlines, bidi
    overrides) written as its escape (``\\x1b``, ``\\n``, ``\\u202e``): what a sheet says
    reaches a teacher's terminal and a student's results, and must not act there."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def read_sheet(path: str | os.PathLike[str]) -> Sheet:
    """Read and validate an answer sheet file."""
    text = read_source(path)  # read once: a number's written text is graded
    return sheet_from_document(read_yaml(path, text=text), text)


def sheet_from_text(text: str, name: str = "<sheet>") -> Sheet:
    """Read an answer sheet given as YAML or JSON text."""
    return sheet_from_document(parse_yaml(text, name), text)


def sheet_from_document(doc: Document, text: str) -> Sheet:
    """Validate a parsed sheet and keep every number's written text.

    Raises InputError (located) for a sheet that is not valid, for a ``variant`` that is not an
    id of the form ``VARIANT_ID`` (never a path: ``../easy`` and ``/abs/easy`` are refused), and
    for two answers to the same quantity. The sheet's ``scenario`` is only text: it is never
    read as a path.
    """
    try:
        model = SheetModel.model_validate(doc.data)
    except ValidationError as error:
        raise validation_message(error, doc, SheetModel) from None
    if model.variant is not None and not VARIANT_ID.fullmatch(model.variant):
        raise located(doc, ("variant",), f"expected {VARIANT_FORM}; got {model.variant!r}")
    lines = text.removeprefix("\ufeff").splitlines()
    answers: list[Answer] = []
    seen: dict[str, str] = {}
    for written_as, value in model.answers.items():
        address = normalise(written_as)
        if address in seen:
            raise located(doc, ("answers", written_as),
                          f"'{written_as}' and '{seen[address]}' are the same quantity; "
                          "give it once", key=True)
        seen[address] = written_as
        position = doc.locate(("answers", written_as))
        line = position[0] if position else None
        answers.append(_answer(printable(address), printable(written_as), value, position,
                               lines, line))
    written = doc.data if isinstance(doc.data, dict) else {}
    positions = {name: where for name in ("scenario", "variant", "iteration", "asks")
                 if name in written and (where := doc.locate((name,))) is not None}
    def clean(text: str | None) -> str | None:
        return None if text is None else printable(text)

    return Sheet(doc.path, clean(model.student), clean(model.scenario), clean(model.variant),
                 model.iteration, tuple(answers),
                 None if model.asks is None else tuple(printable(a) for a in model.asks),
                 positions)


def _answer(address: str, written_as: str, value: float | str | None,
            position: tuple[int, int] | None, lines: list[str], line: int | None) -> Answer:
    if value is None:
        return Answer(address, written_as, None, "", line)
    if isinstance(value, str):
        d = literal(value)
        return Answer(address, written_as, None if d is None else float(d),
                      printable(value.strip()), line)
    return Answer(address, written_as, float(value), _source_text(value, position, lines), line)


def _source_text(value: float, position: tuple[int, int] | None, lines: list[str]) -> str:
    """The literal as written in the file, found at the value's position."""
    if position is not None and 0 < position[0] <= len(lines):
        rest = lines[position[0] - 1][position[1] - 1:].lstrip("\"'")
        m = _LITERAL.match(rest)
        if m:
            d = literal(m.group())
            if d is not None and float(d) == value:
                return m.group().replace("−", "-")
    return repr(value)
