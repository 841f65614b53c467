"""The lines the terminal shows for an iteration: every line's shape with its formula printed
once per network (kept in the cache), then filled with the iteration's numbers.

A run whose printed shapes are in the cache shows its iterations without importing sympy;
the lines are the same as ``Run.lines`` gives, with ``printed`` in place of ``formula``.
"""

from __future__ import annotations

from typing import Any

from ..training.trace import IterationRecord
from .cache import cached
from .lines import Line, Printed, Shape, fill
from .run import Run

_SECTIONS = ("forward", "loss", "factors", "gradients", "updates")
_RECIPES = {"z": 2, "a": 2, "loss": 0, "factor": 2, "gradient": 4, "update": 4}


def view_lines(run: Run, record: IterationRecord) -> list[Line]:
    """Every line of one iteration, each with its printed form."""
    s = run.scenario
    shapes = cached("terminal-lines", s, lambda: _printed_shapes(run), _read)
    try:
        return fill(shapes, run.plan.names, record, learning_rate=s.learning_rate, l2=s.l2,
                    frozen=frozenset(s.frozen))
    except (IndexError, KeyError, TypeError, ValueError):
        # a stored entry of the right shape that does not fit this network (edited by hand):
        # the lines derived now, printed by the renderer itself
        return run.lines(record)


def _printed_shapes(run: Run) -> list[list[Any]]:
    from ..symbolic.printers import printed_form
    from .shapes import shapes  # sympy: only when no cache entry has the printed shapes

    out = []
    for shape in shapes(run.derivation, frozen=frozenset(run.scenario.frozen)):
        printed = printed_form(shape.formula, shape.names)
        recipe = [list(part) if isinstance(part, tuple) else part for part in shape.recipe]
        out.append([shape.section, shape.address, recipe, list(shape.names),
                    [list(path) for path in shape.paths], shape.note,
                    printed.text, printed.template, list(printed.names)])
    return out


def _read(data: Any) -> list[Shape]:
    shapes = []
    for section, address, recipe, names, paths, note, text, template, tokens in data:
        strings = (address, note, text, template, *names, *tokens,
                   *(a for path in paths for a in path))
        if section not in _SECTIONS or not all(isinstance(t, str) for t in strings) \
                or recipe[0] not in _RECIPES or len(recipe) != 1 + _RECIPES[recipe[0]]:
            raise ValueError("not a printed shape")
        if recipe[0] == "factor":
            recipe = ["factor", recipe[1], tuple(recipe[2])]
        shapes.append(Shape(section, address, None, tuple(recipe), tuple(names),
                            paths=tuple(tuple(path) for path in paths), note=note,
                            printed=Printed(text, template, tuple(tokens))))
    return shapes
