"""Graded sheets as documents: the tool's own JSON, Gradescope's results.json, PrairieLearn's.

All three are plain dicts, ready for ``json.dumps``. The tool's own is built as a
``GradesDocument``, the type its JSON Schema is made from (``schemas.document_schema``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter
from typing_extensions import NotRequired, TypedDict

from .grade import (
    CORRECT,
    NOT_A_NUMBER,
    NOT_ANSWERED,
    NOT_ASKED,
    UNKNOWN,
    VERDICTS,
    ClassSummary,
    Item,
    Settings,
    SheetResult,
    mistake_text,
)

GRADES_VERSION = 2

_CLOSED = ConfigDict(extra="forbid")
Points = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Verdict = Literal[VERDICTS]  # type: ignore[valid-type]  # the verdicts of grade.py


class MistakeDocument(TypedDict):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    rule: str
    description: str
    at: str | None
    value: float | None
    from_own_values: bool


CarriedDocument = TypedDict("CarriedDocument", {"value": float | None, "from": list[str]})
CarriedDocument.__pydantic_config__ = _CLOSED  # type: ignore[attr-defined]


class ItemDocument(TypedDict):
    """One marked quantity."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    address: str
    written_as: str
    key: float | None
    given: float | None
    given_text: str
    verdict: Verdict
    points: Points
    max_points: Points
    feedback: str
    mistake: MistakeDocument | None
    carried_forward: CarriedDocument | None
    suggestions: list[str]


class SheetDocument(TypedDict):
    """One graded sheet."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    sheet: Annotated[str, Field(description="The answer sheet file.")]
    student: str
    variant: str | None
    scenario: Annotated[str, Field(description="The scenario graded against.")]
    title: str | None
    iteration: Annotated[int, Field(ge=1)]
    asks: Annotated[list[str] | None, Field(
        description="The quantities the sheet's asks chose; null: every quantity counts.")]
    score: Points
    max_score: Points
    items: list[ItemDocument]
    warnings: Annotated[list[str], Field(
        description="What the grading noticed about the sheet itself: a sheet naming "
                    "another scenario than the one graded against.")]
    key_note: NotRequired[Annotated[str, Field(
        description="Present when the key was rounded as by hand (the scenario's rounding:): "
                    "how.")]]


class QuantityDocument(TypedDict):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    address: str
    answered: Count
    correct: Count
    carried_forward: Count
    missed: Annotated[int, Field(ge=0, description="Wrong or not a number.")]
    unanswered: Annotated[int, Field(ge=0, description="Blank or not answered.")]
    mistakes: Annotated[dict[str, int], Field(description="Mistake → how many made it.")]


class SummaryDocument(TypedDict):
    """A class's results per quantity."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    sheets: Count
    mean_fraction: Share
    quantities: list[QuantityDocument]


class SettingsDocument(TypedDict):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    rel_tol: Points
    abs_tol: Points
    rounding: bool
    ecf_credit: Share
    points: Points


class UnreadableDocument(TypedDict):
    """A sheet that could not be graded, and why."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    sheet: str
    error: Annotated[str, Field(description="The located one-line message.")]


class GradesDocument(TypedDict):
    """backprop-tutor grade --format json"""

    __pydantic_config__ = ConfigDict(  # type: ignore[misc]
        extra="forbid", title="backprop-tutor grade --format json")
    grades_version: Literal[2]
    settings: SettingsDocument
    sheets: list[SheetDocument]
    unreadable: list[UnreadableDocument]
    summary: SummaryDocument | None


GRADES = TypeAdapter(GradesDocument)


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _round(points: float) -> float:
    # points are sums of the per-quantity points and credit shares: keep them free of 0.30000004
    return round(points, 6)


def item_document(item: Item) -> ItemDocument:
    """One marked quantity."""
    return {
        "address": item.address,
        "written_as": item.written_as,
        "key": _number(item.key),
        "given": _number(item.given),
        "given_text": item.given_text,
        "verdict": item.verdict,
        "points": _round(item.points),
        "max_points": _round(item.max_points),
        "feedback": item.feedback,
        "mistake": None if item.mistake is None else {
            "rule": item.mistake.rule,
            "description": item.mistake.description,
            "at": item.mistake.at,
            "value": _number(item.mistake.value),
            "from_own_values": item.mistake.from_own_values,
        },
        "carried_forward": None if item.carried is None else {
            "value": _number(item.carried.value),
            "from": list(item.carried.sources),
        },
        "suggestions": list(item.suggestions),
    }


def sheet_document(result: SheetResult) -> SheetDocument:
    """One graded sheet."""
    return {
        "sheet": result.path,
        "student": result.student,
        "variant": result.variant,
        "scenario": result.scenario,
        "title": result.title,
        "iteration": result.iteration,
        "asks": None if result.asks is None else list(result.asks),
        "score": _round(result.score),
        "max_score": _round(result.max_score),
        "items": [item_document(i) for i in result.items],
        "warnings": list(result.warnings),
        **({"key_note": result.key_note} if result.key_note else {}),  # type: ignore[typeddict-item]
    }


def summary_document(summary: ClassSummary) -> SummaryDocument:
    """A class's results per quantity."""
    return {
        "sheets": summary.sheets,
        "mean_fraction": _round(summary.mean_fraction),
        "quantities": [
            {"address": q.address, "answered": q.answered, "correct": q.correct,
             "carried_forward": q.carried, "missed": q.missed, "unanswered": q.unanswered,
             "mistakes": q.mistakes}
            for q in summary.quantities
        ],
    }


def grades_document(results: list[SheetResult], settings: Settings,
                    summary: ClassSummary | None = None,
                    unreadable: Sequence[tuple[str, str]] = ()) -> GradesDocument:
    """The tool's own JSON of a grading run; ``unreadable`` are (sheet, error) of the sheets
    that could not be graded."""
    tol = settings.tolerance
    return {
        "grades_version": GRADES_VERSION,
        "settings": {"rel_tol": tol.rel, "abs_tol": tol.abs, "rounding": tol.rounding,
                     "ecf_credit": settings.ecf_credit, "points": settings.points},
        "sheets": [sheet_document(r) for r in results],
        "unreadable": [{"sheet": sheet, "error": error} for sheet, error in unreadable],
        "summary": None if summary is None else summary_document(summary),
    }


# what students see of each quantity in a course platform's results, least to most
REVEAL = ("nothing", "verdict", "mistake", "key")


def student_message(item: Item, reveal: str) -> str:
    """What a student is told of one quantity: ``verdict``, the verdict only; ``mistake``, the
    verdict, their own number and the named mistake (or why an answer was not marked);
    ``key``, everything the teacher's table shows; ``nothing``, nothing."""
    if reveal == "nothing":
        return ""
    if reveal == "verdict":
        return item.verdict
    given = item.given_text or "(blank)"
    parts = [f"given {given}"] if item.verdict not in (NOT_ANSWERED, UNKNOWN) else []
    if reveal == "key":
        if item.key is not None:
            parts.append(f"key {item.key:.6g}")
        if item.feedback:
            parts.append(item.feedback)
    elif item.mistake is not None:
        parts.append(mistake_text(item.mistake))
    elif item.verdict in (UNKNOWN, NOT_A_NUMBER, NOT_ASKED):
        parts.append(item.feedback)  # about what was written, never the key
    return f"{item.verdict}: {'; '.join(parts)}" if parts else item.verdict


# Gradescope's visibility of a test: hidden from students, shown at once, or (for the key)
# shown once the due date has passed, so that it cannot be copied into a resubmission
_VISIBILITY = {"nothing": "hidden", "verdict": "visible", "mistake": "visible",
               "key": "after_due_date"}


def gradescope_document(result: SheetResult, reveal: str = "mistake") -> dict[str, Any]:
    """Gradescope's autograder results.json: one test per quantity, and the total score;
    ``reveal`` (one of REVEAL) chooses what the tests tell the student."""
    tests = [{
        "name": item.address,  # the address, however the sheet spelt it
        "number": str(n),
        "score": _round(item.points),
        "max_score": _round(item.max_points),
        "status": "passed" if item.verdict == CORRECT else "failed",
        "output": student_message(item, reveal),
        "visibility": _VISIBILITY[reveal],
    } for n, item in enumerate(result.items, start=1)]
    return {
        "score": _round(result.score),
        "output": "\n".join((f"{result.title or 'backpropagation'}: "
                              f"{_round(result.score):g} of {_round(result.max_score):g} points",
                              *_key_note(result),
                              *(f"warning: {w}" for w in result.warnings))),
        "tests": tests,
    }


def _key_note(result: SheetResult) -> tuple[str, ...]:
    return (f"the key is {result.key_note}",) if result.key_note else ()


def gradescope_error_document(error: str) -> dict[str, Any]:
    """Gradescope's results.json for a sheet that could not be read: 0 points and why."""
    return {"score": 0.0, "output": f"error: {error}", "tests": []}


def prairielearn_document(result: SheetResult, reveal: str = "mistake") -> dict[str, Any]:
    """PrairieLearn's external grader results: a score in [0, 1] and one test per quantity
    (none when ``reveal`` is ``nothing``: PrairieLearn shows every test to the student)."""
    tests = [] if reveal == "nothing" else [{
        "name": item.address,  # the address, however the sheet spelt it
        "points": _round(item.points),
        "max_points": _round(item.max_points),
        "message": student_message(item, reveal),
    } for item in result.items]
    return {
        "gradable": True,
        "score": _round(min(1.0, max(0.0, result.fraction))),
        "message": "\n".join((f"{_round(result.score):g} of {_round(result.max_score):g} points",
                               *_key_note(result),
                              *(f"warning: {w}" for w in result.warnings))),
        "tests": tests,
    }


def prairielearn_error_document(error: str) -> dict[str, Any]:
    """PrairieLearn's results for a sheet that could not be read: not gradable, and why."""
    return {"gradable": False, "score": 0.0, "message": f"error: {error}",
            "format_errors": [error], "tests": []}


def dumps(document: dict[str, Any]) -> str:
    """A document as strict JSON text."""
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False)
