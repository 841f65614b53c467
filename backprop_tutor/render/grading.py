"""Graded sheets as rich tables: one per sheet with its total, and the class summary."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..grading.grade import CARRIED, CORRECT, UNKNOWN, ClassSummary, SheetResult
from ..notation.numbers import number
from ..notation.symbols import symbol_text
from .formulas import formula_text

_STYLES = {CORRECT: "green", CARRIED: "yellow", UNKNOWN: "magenta"}


def _points(value: float) -> str:
    return f"{round(value, 6):g}"


def sheet_view(result: SheetResult, precision: int = 4) -> RenderableType:
    """One sheet: every quantity with the key, the answer, the verdict, points and feedback."""
    heading = Text(result.student, style="bold")
    context = [result.title or result.scenario, f"iteration {result.iteration}"]
    if result.variant:
        context.insert(1, f"variant {result.variant}")
    heading.append(f"  ({result.path}; {', '.join(context)})", style="dim")
    table = Table(show_edge=False, box=None, pad_edge=False, header_style="bold")
    for name, justify in (("quantity", "left"), ("key", "right"), ("given", "right"),
                          ("verdict", "left"), ("points", "right"), ("feedback", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for item in result.items:
        key = "" if item.key is None else number(item.key, precision)
        given = item.given_text.replace("-", "−") if item.given_text else ""
        verdict = Text(item.verdict, style=_STYLES.get(item.verdict, "red"))
        table.add_row(symbol_text(item.address), key, given, verdict,
                      f"{_points(item.points)}/{_points(item.max_points)}", item.feedback)
    total = Text(f"total {_points(result.score)} of {_points(result.max_score)} points "
                 f"({result.fraction:.0%})", style="bold")
    warnings = [Text(f"warning: {w}", style="yellow") for w in result.warnings]
    if result.key_note:
        warnings.insert(0, Text(f"the key is {result.key_note}", style="dim"))
    return Group(heading, *warnings, table, total, Text(""))


def unreadable_view(path: str, error: str) -> RenderableType:
    """A sheet that could not be graded: its name and the located error."""
    return Group(Text(path, style="bold"), Text(f"not graded: {error}", style="red"), Text(""))


def class_view(summary: ClassSummary, limit: int = 10, not_graded: int = 0) -> RenderableType:
    """The class: mean score, the quantities most students got wrong, and apart from them the
    quantities students left unanswered; ``not_graded`` sheets could not be read."""
    counted = f"{summary.sheets} sheet{'' if summary.sheets == 1 else 's'}"
    if not_graded:
        counted += f" graded, {not_graded} not graded"
    heading = Text(f"Class summary: {counted}, mean score {summary.mean_fraction:.0%} "
                   "(of the graded)" if not_graded else
                   f"Class summary: {counted}, mean score {summary.mean_fraction:.0%}",
                   style="bold")
    missed = [q for q in summary.quantities if q.missed or q.carried][:limit]
    unanswered = sorted((q for q in summary.quantities if q.unanswered),
                        key=lambda q: -q.unanswered)[:limit]
    left = Text("unanswered: " + ", ".join(f"{symbol_text(q.address)} ({q.unanswered})"
                                           for q in unanswered)) if unanswered else Text("")
    if not missed:
        text = "no wrong answers" if unanswered else \
            "every quantity answered correctly by every student"
        return Group(heading, Text(text), left)
    table = Table(show_edge=False, box=None, pad_edge=False, header_style="bold",
                  title="most missed", title_justify="left")
    for name, justify in (("quantity", "left"), ("missed", "right"),
                          ("carried forward", "right"), ("correct", "right"),
                          ("most common mistake", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for q in missed:
        common = max(q.mistakes.items(), key=lambda kv: kv[1]) if q.mistakes else None
        table.add_row(symbol_text(q.address), str(q.missed), str(q.carried), str(q.correct),
                      f"{common[0]} ({common[1]})" if common else "")
    return Group(heading, table, left)


def worksheet_yaml(run, lines, scenario: str, variant: str | None = None,
                   asks: list[str] | None = None) -> str:
    """A blank answer sheet: every number of the worked solution's ``lines`` (printed as text)
    in textbook order, its formula as a comment; with ``asks``, only those, listed in the
    sheet's ``asks`` field."""
    from ..grading.worksheet import questions
    from ..solution.lines import SECTIONS

    items = questions(lines, asks)

    s = run.scenario
    out = answer_sheet_head(s.title or "backpropagation", s.teaches, scenario, variant, asks,
                            note=f"The key is {run.rounding_note}." if run.rounding_note else None)
    width = max((len(_yaml_key(q.address)) for q in items), default=0) + 2
    section = None
    for q in items:
        if q.section != section:
            section = q.section
            out.append(f"  # {SECTIONS.get(section, section)}")
        key = _yaml_key(q.address) + ":"
        formula = formula_text(q.line, mean=q.row.numbers is None)
        out.append(f"  {key:<{width}} # {symbol_text(q.base)} = {formula}")
    return "\n".join(out) + "\n"


def answer_sheet_head(title: str, teaches: str | None, scenario: str, variant: str | None,
                      asks: list[str] | None, note: str | None = None) -> list[str]:
    """The lines of a blank answer sheet before its answers (of a network or a circuit): the
    title, what it teaches, a note, how to write the numbers, ``scenario``, ``variant``,
    ``student``, ``iteration``, ``asks`` and ``answers:``."""
    import textwrap

    out = _comment(f"Answer sheet: {title}")
    if teaches:
        out += _comment(f"Teaches: {teaches}")
    if note:
        out += _comment(textwrap.fill(note, 88))
    out += ["# Write each number after its colon; leave it empty if you cannot work it out.",
            "# Rounding is judged at the precision you write: give at least two significant",
            "# digits, as many as you worked with.",
            f"scenario: {_yaml_text(scenario)}"]
    if variant:
        out.append(f"variant: {_yaml_text(variant)}")
    out += ["student:", "iteration: 1"]
    if asks is not None:
        out.append(f"asks: [{', '.join(_yaml_text(a) for a in asks)}]")
    out.append("answers:")
    return out


def _comment(text: str) -> list[str]:
    """Text as YAML comment lines: every line of a multi-line title or lesson commented."""
    return [f"# {line}".rstrip() for line in text.splitlines() or [""]]


def _yaml_key(address: str) -> str:
    # '@' cannot start a plain YAML scalar, but may appear inside one; quote to be safe
    return f'"{address}"' if "@" in address else address


def _yaml_text(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)
