"""The worked solution of a network, derived and printed once, kept by the derive-once cache.

``quantities(run, form)`` is the one list every output reads: each quantity of the iteration
(solution/shapes.py) with its formula printed in one form: ``text`` (terminal, explain,
practice, answer sheets), ``latex`` (Markdown and LaTeX keys and worksheets) or ``code`` (the
NumPy source grading evaluates, with the shown formula's alternatives). Each form is its own
cache entry, so a run only prints what it shows; a run whose entry is cached imports no sympy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ..notation.symbols import Printed
from .cache import cached
from .lines import SECTIONS, Code, Quantity, vocabulary

if TYPE_CHECKING:
    from .run import Run

Form = Literal["text", "latex", "code"]


def quantities(run: Run, form: Form = "text") -> list[Quantity]:
    """Every quantity of the run's worked solution, in textbook order, printed in ``form``."""
    known, required = vocabulary(run.plan)

    def read(data: Any) -> list[Quantity]:
        out = _read(data)
        addresses = [q.address for q in out]
        used = {n for q in out for n in (q.address, *q.names, *(a for p in q.paths for a in p))}
        if len(set(addresses)) != len(addresses) or not used <= known \
                or not required <= set(addresses):
            raise ValueError("not this network's worked solution")
        return out

    return cached(f"worked-{form}", run.scenario, lambda: _derive(run, form), read)


def _derive(run: Run, form: Form) -> list[list[Any]]:
    from ..symbolic.forms import code_of, latex_form, text_form  # sympy: only to derive
    from .shapes import shapes

    out = []
    scenario = run.scenario
    for shape in shapes(run.derivation, frozen=frozenset(scenario.frozen),
                        letters=scenario.symbols):
        names = shape.names
        printed: list[Any] = []
        code: list[Any] = []
        if form == "code":
            code = [_code(code_of(e)) for e in (shape.formula, *shape.alternatives)]
        else:
            p = (text_form if form == "text" else latex_form)(shape.formula, names)
            printed = [p.text, p.template, list(p.names)]
        out.append([shape.section, shape.address, shape.per_sample, list(names),
                    [list(path) for path in shape.paths], shape.note, printed, code])
    return out


def _code(pair: tuple[tuple[str, ...], str]) -> list[Any]:
    names, source = pair
    return [list(names), source]


def _strings(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(t, str) for t in items)


def _read(data: Any) -> list[Quantity]:
    """The stored list back as quantities; ValueError if it is not what ``_derive`` writes."""
    out = []
    for section, address, per_sample, names, paths, note, printed, code in data:
        if section not in SECTIONS or not isinstance(address, str) or not _strings(names) \
                or not isinstance(per_sample, bool) or not isinstance(note, str) \
                or not all(_strings(path) for path in paths):
            raise ValueError("not a worked-solution quantity")
        shown = None
        if printed:
            text, template, tokens = printed
            if not (isinstance(text, str) and isinstance(template, str) and _strings(tokens)):
                raise ValueError("not a printed formula")
            shown = Printed(text, template, tuple(tokens))
        codes = []
        for code_names, source in code:
            if not (_strings(code_names) and isinstance(source, str)):
                raise ValueError("not a formula's code")
            codes.append(Code(tuple(code_names), source))
        out.append(Quantity(section, address, per_sample, tuple(names),
                            tuple(tuple(path) for path in paths), note, shown, tuple(codes)))
    return out
