"""The matrix form in the ``--json`` document (``run --json --view matrix``): each kept
iteration gets a ``matrix`` member (its type: solution/json_types.py, MatrixIteration)."""

from __future__ import annotations

from ..solution.json_types import MatrixEntry, MatrixIteration, MatrixStep, TraceDocument
from ..solution.matrix_form import Layout, Matrix, MatrixForm, matrix_form
from ..solution.run import Run

__all__ = ["add_matrices", "matrix_document"]


def _matrix(m: Matrix) -> MatrixEntry:
    return {"name": m.name, "key": m.key, "latex": m.latex, "shape": list(m.shape),
            "rows": list(m.rows), "columns": list(m.columns),
            "entries": [list(r) for r in m.entries],
            "addresses": [list(r) for r in m.addresses]}


def matrix_document(form: MatrixForm) -> MatrixIteration:
    """A matrix form as plain JSON data."""
    steps: list[MatrixStep] = []
    for step in form.steps:
        item: MatrixStep = {"layer": step.layer, "stage": step.stage, "result": step.result,
                            "equation": step.text, "latex": step.latex, "shapes": step.shapes,
                            "matrices": [_matrix(m) for m in step.matrices]}
        if step.note:
            item["note"] = step.note
        steps.append(item)
    return {"samples": form.layout, "steps": steps}


def add_matrices(document: TraceDocument, run: Run, layout: Layout) -> None:
    """Give every iteration of ``document`` its matrix form."""
    for item in document["iterations"]:
        record = run.record(item["iteration"])
        item["matrix"] = matrix_document(matrix_form(run.scenario, run.plan, record, layout))
