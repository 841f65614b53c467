"""Scores of sheets graded outside PrairieLearn, as PrairieLearn's score-upload CSV.

The columns PrairieLearn's manual-grading upload reads (docs/manualGrading: "Uploading the
scores and feedback"): ``uid``, ``instance`` and ``qid`` identify the submission (no
``submission_id``: these sheets were not submitted in PrairieLearn), ``score_perc`` the score in
percent, ``feedback`` (Markdown) what the student reads, ``partial_scores`` a JSON object of
each answer's ``score``, ``weight`` and ``feedback``, keyed by the ``answers-name`` of the
question ``export --to prairielearn`` writes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from ...grading.formats import student_message
from ...grading.grade import SheetResult
from ...notation.symbols import symbol_text
from .exercise import answer_name

COLUMNS = ("uid", "instance", "qid", "score_perc", "feedback", "partial_scores")


def _uid(result: SheetResult) -> str:
    return result.student or Path(result.path).stem


def score_row(result: SheetResult, qid: str, reveal: str) -> dict[str, str]:
    """One sheet's row."""
    marked = [i for i in result.items if i.max_points > 0]
    partial = {answer_name(i.address): {
        "score": round(i.points / i.max_points, 6), "weight": 1,
        "feedback": student_message(i, reveal)} for i in marked}
    lines = [f"{result.score:g} of {result.max_score:g} points"]
    lines += [f"- {symbol_text(i.address)}: {student_message(i, reveal)}" for i in marked
              if reveal != "nothing"]
    lines += [f"warning: {w}" for w in result.warnings]
    return {"uid": _uid(result), "instance": "1", "qid": qid,
            "score_perc": f"{round(100 * result.fraction, 4):g}",
            "feedback": "\n".join(lines),
            "partial_scores": json.dumps(partial, ensure_ascii=False, allow_nan=False)}


def scores_csv(results: Sequence[SheetResult], qid: str, reveal: str = "mistake") -> str:
    """The CSV of graded sheets, one row each."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for result in results:
        writer.writerow(score_row(result, qid, reveal))
    return buffer.getvalue()
