"""``backprop-tutor grade``: mark answer sheets against the worked solution."""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ExitCode, InputError
from .boundary import error_boundary
from .options import Debug, NoColor, Width


class GradeFormat(str, Enum):
    """Output formats of ``grade``."""

    table = "table"
    json = "json"
    gradescope = "gradescope"
    prairielearn = "prairielearn"
    prairielearn_csv = "prairielearn-csv"


class Reveal(str, Enum):
    """What students see in a course platform's results (formats.REVEAL)."""

    nothing = "nothing"
    verdict = "verdict"
    mistake = "mistake"
    key = "key"


def grade(
    scenario: Annotated[Path, typer.Argument(show_default=False,
                                    help="The scenario file, or a folder written by variants.")],
    sheets: Annotated[list[Path], typer.Argument(show_default=False,
                                        help="Answer sheets (YAML or JSON).")],
    rel_tol: float = typer.Option(0.005, "--rel-tol", min=0.0, max=1.0,
                                  help="Relative tolerance (0.005 is 0.5%)."),
    abs_tol: float = typer.Option(0.0, "--abs-tol", min=0.0, max=1e6,
                                  help="Absolute tolerance, for values near zero."),
    ecf_credit: float = typer.Option(0.5, "--ecf-credit", min=0.0, max=1.0,
                                     help="Share of the points for an error carried forward."),
    points: float = typer.Option(1.0, "--points", min=0.0, max=1e6,
                                help="Points per quantity (up to 1,000,000)."),
    strict: bool = typer.Option(
        False, "--strict", help="A sheet naming another scenario than SCENARIO is not graded "
                                "(without it: graded, with a warning)."),
    reveal: Annotated[Reveal, typer.Option(
        "--reveal", help="What students see in gradescope and prairielearn results: nothing, "
                         "the verdict, the verdict and the named mistake, or the key too "
                         "(Gradescope: after the due date).")] = Reveal.mistake,
    output_format: Annotated[GradeFormat, typer.Option(
        "--format", help="table, json, gradescope, prairielearn (one sheet's results) or "
                         "prairielearn-csv (PrairieLearn's score upload, a row per "
                         "sheet).")] = GradeFormat.table,
    only: Annotated[list[str], typer.Option(
        "--only", show_default=False,
        help="The exercise asks these, whatever a sheet's asks say: sections or addresses, "
             "repeated or comma-separated (as worksheet --only).")] = None,
    qid: Annotated[str, typer.Option(
        "--qid", help="prairielearn-csv: the question's id in PrairieLearn (default: "
                      "SCENARIO's name, as export --to prairielearn names its "
                      "folder).")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Write to this file.")] = None,
    precision: int = typer.Option(4, "--precision", min=1, max=17,
                                  help="Significant digits of the key in the table."),
    no_color: NoColor = False,
    width: Width = None,
    debug: Debug = False,
) -> None:
    """Grade answer sheets: verdicts, named mistakes, error carried forward and points.

    A sheet that cannot be read or graded is reported and the others are graded; the exit
    status is then 2.
    """
    with error_boundary(debug):
        from ..grading.grade import Grader, Settings, summarise
        from ..grading.sheet import read_sheet
        from ..grading.tolerance import Tolerance

        fmt = output_format.value
        if fmt in ("gradescope", "prairielearn") and len(sheets) != 1:
            raise InputError(f"--format {fmt} grades one sheet at a time; got {len(sheets)}",
                             field="--format")
        if qid is not None and fmt != "prairielearn-csv":
            raise InputError(f"--qid is for --format prairielearn-csv, not {fmt}",
                             field="--qid")
        asks = tuple(p.strip() for o in only or () for p in o.split(",") if p.strip())
        if only is not None and not asks:
            raise InputError("--only names nothing", field="--only")
        settings = Settings(Tolerance(rel=rel_tol, abs=abs_tol), ecf_credit, points, strict)
        from ..grading.circuit import grade_circuit_sheet

        grader = Grader(settings, circuits=grade_circuit_sheet)
        sheets = sheet_files(sheets)
        if not scenario.is_dir():
            _scenario_first(grader, scenario)  # a broken scenario stops everything
        if asks:  # a selector that names nothing stops everything too
            from ..grading.worksheet import chosen

            first = scenario if not scenario.is_dir() else next(
                (p for p in sorted(scenario.glob("*.yaml"))
                 if not p.name.endswith(".sheet.yaml")), None)
            if first is not None:
                steps = grader.solution(first if scenario.is_dir() else resolve_path(scenario))
                if hasattr(steps, "steps"):
                    chosen([(a, s.section) for a, s in steps.steps.items()], asks,
                           field="--only")
                else:  # a circuit
                    from ..grading.circuit import chosen_questions

                    chosen_questions(steps, asks, field="--only")
        outcomes: list = []  # per sheet, in order: its result, or its error's message
        for path in sheets:
            try:
                sheet = read_sheet(path)
                if asks:  # the exercise's asks, not the sheet's
                    sheet = replace(sheet, asks=asks)
                outcomes.append(grader.grade(scenario, sheet))
                _note_unknown(path, outcomes[-1])
            except InputError as error:
                message = str(error) if error.file else f"{path}: {error}"
                print(f"error: {message}", file=sys.stderr)
                outcomes.append((str(path), message))
        results = [o for o in outcomes if not isinstance(o, tuple)]
        unreadable = [o for o in outcomes if isinstance(o, tuple)]
        summary = summarise(results) if len(sheets) > 1 else None
        if fmt == "table":
            text = _table(outcomes, summary, precision, no_color, width, output is not None)
        else:
            from ..grading import formats

            if fmt == "prairielearn-csv":
                from ..render.platforms.scores import scores_csv

                name = qid if qid is not None else \
                    (scenario.name if scenario.is_dir() else resolve_stem(scenario))
                text = scores_csv(results, name, reveal.value)
            elif fmt == "json":
                document = formats.grades_document(results, settings, summary, unreadable)
            elif fmt == "gradescope":
                document = formats.gradescope_document(results[0], reveal.value) if results \
                    else formats.gradescope_error_document(unreadable[0][1])
            else:
                document = formats.prairielearn_document(results[0], reveal.value) if results \
                    else formats.prairielearn_error_document(unreadable[0][1])
            if fmt != "prairielearn-csv":
                text = formats.dumps(document) + "\n"
        if output is not None:
            from ..examples import resolve
            from ..files import atomic_write

            source = scenario if scenario.is_dir() else resolve(scenario)
            atomic_write(output, text, inputs=[*sheets, source])
        else:
            sys.stdout.write(text)
        if unreadable:
            raise typer.Exit(int(ExitCode.USER_INPUT))


SHEET_SUFFIXES = (".yaml", ".yml", ".json")


def sheet_files(given: list[Path]) -> list[Path]:
    """The sheets to grade: each file once (a file named twice is graded once, and said so),
    a folder's sheets (``*.yaml``, ``*.yml``, ``*.json`` directly inside it) in name order.
    Raises InputError for a folder that holds no sheet."""
    out: list[Path] = []
    seen: set[Path] = set()
    for path in given:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if p.suffix.lower() in SHEET_SUFFIXES and p.is_file())
            if not inside:
                raise InputError(f"{path}: a folder with no answer sheet in it (files ending "
                                 "in .yaml, .yml or .json)")
        else:
            inside = [path]
        for sheet in inside:
            key = sheet.resolve()
            if key in seen:
                print(f"note: {sheet} is named twice; it is graded once", file=sys.stderr)
                continue
            seen.add(key)
            out.append(sheet)
    return out


def _note_unknown(path: Path, result) -> None:
    """One line on stderr for a sheet with answers under addresses the scenario does not have
    (a misspelt ``dE/dw_1``): they score nothing, and a class graded from a folder would not
    see it in the tables alone."""
    from ..grading.grade import UNKNOWN
    from ..grading.sheet import printable

    unknown = [item for item in result.items if item.verdict == UNKNOWN]
    if not unknown:
        return
    names = ", ".join(printable(item.written_as) for item in unknown[:5])
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    print(f"note: {path}: {len(unknown)} answer{'s' if len(unknown) != 1 else ''} under an "
          f"address this scenario does not have ({names}{more}); not marked, see the table",
          file=sys.stderr)


def _scenario_first(grader, scenario: Path) -> None:
    """Load the scenario; one that is an answer sheet means the two were given the wrong way
    round, and the message says so."""
    try:
        grader.scenario(scenario)
    except InputError as error:
        from ..grading.sheet import read_sheet

        try:
            read_sheet(scenario)
        except (InputError, OSError):
            raise error from None  # not a sheet either: the scenario's own message stands
        raise InputError(f"{scenario} is an answer sheet, not a scenario: the scenario comes "
                         "first (backprop-tutor grade SCENARIO SHEET...)") from None


def resolve_path(scenario: Path) -> Path:
    """A scenario file, or a shipped example's by name."""
    from ..examples import resolve

    return resolve(scenario)


def resolve_stem(scenario: Path) -> str:
    """A scenario's name without its suffix (a shipped example's name as it is)."""
    from ..examples import resolve

    return resolve(scenario).stem


def _table(outcomes, summary, precision: int, no_color: bool, width: int | None,
           to_file: bool) -> str:
    from ..render.console import make_console
    from ..render.grading import class_view, sheet_view, unreadable_view

    buffer = io.StringIO()
    console = make_console(no_color=no_color or to_file, width=width or (100 if to_file else None),
                           file=buffer)
    if not to_file and sys.stdout.isatty():
        console = make_console(no_color=no_color, width=width)
        buffer = None
    for outcome in outcomes:
        if isinstance(outcome, tuple):
            console.print(unreadable_view(*outcome))
        else:
            console.print(sheet_view(outcome, precision))
    if summary is not None:
        console.print(class_view(summary, not_graded=sum(isinstance(o, tuple)
                                                         for o in outcomes)))
    return buffer.getvalue() if buffer is not None else ""
