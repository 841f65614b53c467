"""Graded sheets as documents: the tool's own JSON, Gradescope's results.json, PrairieLearn's.

All three are plain dicts, ready for ``json.dumps``; the schema of the tool's own is in
``schemas.GRADES_SCHEMA``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .grade import CORRECT, ClassSummary, Item, Settings, SheetResult

GRADES_VERSION = 1


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _round(points: float) -> float:
    # points are sums of the per-quantity points and credit shares: keep them free of 0.30000004
    return round(points, 6)


def item_document(item: Item) -> dict[str, Any]:
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


def sheet_document(result: SheetResult) -> dict[str, Any]:
    """One graded sheet."""
    return {
        "sheet": result.path,
        "student": result.student,
        "variant": result.variant,
        "scenario": result.scenario,
        "title": result.title,
        "iteration": result.iteration,
        "score": _round(result.score),
        "max_score": _round(result.max_score),
        "items": [item_document(i) for i in result.items],
    }


def summary_document(summary: ClassSummary) -> dict[str, Any]:
    """A class's results per quantity."""
    return {
        "sheets": summary.sheets,
        "mean_fraction": _round(summary.mean_fraction),
        "quantities": [
            {"address": q.address, "answered": q.answered, "correct": q.correct,
             "carried_forward": q.carried, "missed": q.missed, "mistakes": q.mistakes}
            for q in summary.quantities
        ],
    }


def grades_document(results: list[SheetResult], settings: Settings,
                    summary: ClassSummary | None = None) -> dict[str, Any]:
    """The tool's own JSON of a grading run."""
    tol = settings.tolerance
    return {
        "grades_version": GRADES_VERSION,
        "settings": {"rel_tol": tol.rel, "abs_tol": tol.abs, "rounding": tol.rounding,
                     "ecf_credit": settings.ecf_credit, "points": settings.points,
                     "all_quantities": settings.all_quantities},
        "sheets": [sheet_document(r) for r in results],
        "summary": None if summary is None else summary_document(summary),
    }


def _message(item: Item) -> str:
    given = item.given_text or "(blank)"
    parts = [f"given {given}"]
    if item.key is not None:
        parts.append(f"key {item.key:.6g}")
    if item.feedback:
        parts.append(item.feedback)
    return "; ".join(parts)


def gradescope_document(result: SheetResult) -> dict[str, Any]:
    """Gradescope's autograder results.json: one test per quantity, and the total score."""
    tests = [{
        "name": item.written_as,
        "number": str(n),
        "score": _round(item.points),
        "max_score": _round(item.max_points),
        "status": "passed" if item.verdict == CORRECT else "failed",
        "output": f"{item.verdict}: {_message(item)}",
    } for n, item in enumerate(result.items, start=1)]
    return {
        "score": _round(result.score),
        "output": f"{result.title or 'backpropagation'}: {_round(result.score):g} of "
                  f"{_round(result.max_score):g} points",
        "tests": tests,
    }


def prairielearn_document(result: SheetResult) -> dict[str, Any]:
    """PrairieLearn's external grader results: a score in [0, 1] and one test per quantity."""
    tests = [{
        "name": item.written_as,
        "points": _round(item.points),
        "max_points": _round(item.max_points),
        "message": f"{item.verdict}: {_message(item)}",
    } for item in result.items]
    return {
        "gradable": True,
        "score": _round(min(1.0, max(0.0, result.fraction))),
        "message": f"{_round(result.score):g} of {_round(result.max_score):g} points",
        "tests": tests,
    }


def dumps(document: dict[str, Any]) -> str:
    """A document as strict JSON text."""
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False)
