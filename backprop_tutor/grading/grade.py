"""Grading answer sheets against the worked solution: verdicts, points and feedback, plain data."""

from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import InputError, close_names, did_you_mean
from ..examples import resolve
from ..notation.symbols import symbol_text
from ..scenario import Scenario
from ..solution.run import train
from .ecf import CarriedForward, carried_forward, follows
from .magnitude import tolerance_for
from .mistakes import Mistake, find_mistake
from .sheet import VARIANT_FORM, VARIANT_ID, Answer, Sheet
from .solution import Solution
from .tolerance import Tolerance, Written, agrees, literal, relative_error, rounds_to

CORRECT = "correct"
CARRIED = "carried forward"
WRONG = "wrong"
BLANK = "blank"  # on the sheet with no number
NOT_ANSWERED = "not answered"  # asked by the exercise, missing from the sheet
NOT_A_NUMBER = "not a number"
UNKNOWN = "unknown"  # an address the scenario does not have
NOT_ASKED = "not asked"  # answered, but not one of the sheet's asks: not marked
VERDICTS = (CORRECT, CARRIED, WRONG, BLANK, NOT_ANSWERED, NOT_A_NUMBER, UNKNOWN,
            NOT_ASKED)  # the grades schema's enum


@dataclass(frozen=True)
class Settings:
    """How sheets are marked."""

    tolerance: Tolerance = Tolerance()
    ecf_credit: float = 0.5  # share of the points for a value carried forward
    points: float = 1.0  # per quantity
    strict: bool = False  # a sheet naming another scenario is not graded (else: a warning)


@dataclass(frozen=True)
class Item:
    """The marking of one quantity of a sheet."""

    address: str
    written_as: str
    key: float | None  # None for an address the scenario does not have
    given: float | None
    given_text: str
    verdict: str
    points: float
    max_points: float
    feedback: str
    mistake: Mistake | None = None
    carried: CarriedForward | None = None
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetResult:
    """One graded sheet."""

    path: str
    student: str
    variant: str | None
    scenario: str
    title: str | None
    iteration: int
    items: tuple[Item, ...]
    asks: tuple[str, ...] | None = None  # the quantities the sheet's asks chose; None: all
    warnings: tuple[str, ...] = ()  # what the student and teacher should know of the grading
    key_note: str | None = None  # how the key was computed, when rounded as by hand

    @property
    def score(self) -> float:
        """Points earned."""
        return sum(i.points for i in self.items)

    @property
    def max_score(self) -> float:
        """Points available."""
        return sum(i.max_points for i in self.items)

    @property
    def fraction(self) -> float:
        """The score as a share of the points available (0 when none are)."""
        return self.score / self.max_score if self.max_score else 0.0


@dataclass(frozen=True)
class QuantitySummary:
    """How a class did on one quantity."""

    address: str
    answered: int
    correct: int
    carried: int
    missed: int  # wrong or not a number
    unanswered: int = 0  # blank or not answered
    mistakes: dict[str, int] = field(default_factory=dict)  # description → how many


@dataclass(frozen=True)
class ClassSummary:
    """How a class did: scores and the quantities most missed, most missed first."""

    sheets: int
    mean_fraction: float
    quantities: tuple[QuantitySummary, ...]


def scenario_for(scenario: str | os.PathLike[str], sheet: Sheet) -> Path:
    """The scenario file a sheet is graded against: a variants folder is searched by variant.

    The variant is an id (``VARIANT_ID``), looked up as ``ID.yaml`` directly inside the folder,
    which must be a regular file there (not a link). Raises InputError naming the sheet and its
    ``variant`` field when the id has another form, when no such file is in the folder, and
    when a sheet of one variant is graded against another variant's file.
    """
    path = Path(scenario)
    if sheet.variant is not None and not VARIANT_ID.fullmatch(sheet.variant):
        raise InputError(f"expected {VARIANT_FORM}; got {sheet.variant!r}", file=sheet.path,
                         field="variant")
    if path.is_dir():
        if not sheet.variant:
            raise InputError(f"{path} is a folder of variants, but the sheet names no variant "
                             "(add 'variant: ID')", file=sheet.path)
        found = path / f"{sheet.variant}.yaml"
        if found.is_symlink():
            raise InputError(f"{found} is a link; a variant is read only as a regular file of "
                             "the folder", file=sheet.path, field="variant")
        if not _regular_file(found):
            known = sorted(p.stem for p in path.glob("*.yaml")
                           if not p.name.endswith(".sheet.yaml"))
            hint = did_you_mean(close_names(sheet.variant, known))
            hint = f"; {hint}" if hint else ""
            raise InputError(f"no variant '{sheet.variant}' in {path}{hint}", file=sheet.path,
                             field="variant")
        return found

    path = resolve(path)
    if sheet.variant and path.stem != sheet.variant:
        raise InputError(f"the sheet answers variant '{sheet.variant}' but {path.name} is not "
                         "that variant; pass the folder of variants instead", file=sheet.path,
                         field="variant")
    return path


def _regular_file(path: Path) -> bool:
    # the entry itself, not where a link points: a variant is a file of the folder
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


class Grader:
    """Grades sheets, loading and solving each scenario and iteration once."""

    def __init__(self, settings: Settings = Settings(), circuits=None) -> None:
        self.settings = settings
        # how a sheet for a circuit is marked: grading.circuit.grade_circuit_sheet, given by
        # the caller (that module builds on this one)
        self.circuits = circuits
        self._solutions: dict[tuple[str, int], Solution] = {}
        self._scenarios: dict[str, Scenario] = {}

    def scenario(self, scenario: str | os.PathLike[str]) -> Scenario:
        """A scenario file (or shipped example's name), read and checked once: a network
        Scenario, or a Circuit for a file with ``nodes:``."""
        from ..scenario.circuit_loader import load_any

        path = resolve(scenario)
        key = os.fspath(path)
        if key not in self._scenarios:
            self._scenarios[key] = load_any(path)
        return self._scenarios[key]

    def solution(self, scenario: str | os.PathLike[str], iteration: int = 1) -> Solution:
        """The solution of one iteration of a scenario file."""
        key = (os.fspath(scenario), iteration)
        if key not in self._solutions and not isinstance(self.scenario(scenario), Scenario):
            from ..solution.circuit import solve_circuit

            if iteration != 1:
                raise InputError(f"the sheet asks for iteration {iteration}, but a circuit is "
                                 "one forward and one backward pass (iteration 1)",
                                 field="iteration")
            self._solutions[key] = solve_circuit(self.scenario(scenario))  # type: ignore[assignment]
        if key not in self._solutions:
            run = train(self.scenario(scenario), detail=iteration)
            if iteration > run.trace.iteration_count:
                raise InputError(f"the sheet asks for iteration {iteration}, but the scenario "
                                 f"runs {run.trace.iteration_count}", field="iteration")
            self._solutions[key] = Solution(run, iteration)
        return self._solutions[key]

    def grade(self, scenario: str | os.PathLike[str], sheet: Sheet) -> SheetResult:
        """Grade one sheet against a scenario file (or a folder of variants).

        A sheet whose ``scenario`` field names another scenario than the one it is graded
        against gets a warning, or with ``Settings.strict`` an InputError (not graded)."""
        path = scenario_for(scenario, sheet)
        mismatch = scenario_mismatch(sheet, path)
        if mismatch is not None and self.settings.strict:
            raise InputError(f"{mismatch} (--strict)", **sheet.where("scenario"))
        try:
            solution = self.solution(path, sheet.iteration)
        except InputError as error:
            if error.field != "iteration" or error.file is not None:
                raise
            raise InputError(error.detail, **sheet.where("iteration")) from None
        # a shipped example is named as the user named it, not by where it is installed
        shown = os.fspath(path) if Path(scenario).exists() else os.fspath(scenario)
        if isinstance(solution, Solution):
            result = grade_sheet(solution, sheet, self.settings, scenario=shown)
        elif self.circuits is not None:  # a circuit: marked by grading/circuit.py
            result = self.circuits(solution, sheet, self.settings, shown)
        else:
            raise InputError(f"{path} is a circuit; grade it with Grader(settings, circuits="
                             "grading.circuit.grade_circuit_sheet)")
        if mismatch is not None:
            result = replace(result, warnings=(*result.warnings, mismatch))
        return result


def _stem(name: str) -> str:
    path = Path(name.strip())
    return path.stem if path.suffix.lower() in (".yaml", ".yml", ".json") else path.name


def scenario_mismatch(sheet: Sheet, path: Path) -> str | None:
    """What to say when a sheet's ``scenario`` field names another scenario than ``path``,
    the one it is graded against (compared by file name: ``xor.yaml``, ``scenarios/xor.yaml``
    and ``xor`` name the same); None when it names it or names none."""
    if not sheet.scenario or _stem(sheet.scenario) == path.stem:
        return None
    return f"the sheet says it answers {sheet.scenario!r}, not {path.name}"


def asked(solution: Solution, sheet: Sheet) -> list[str]:
    """The quantities a sheet is marked on, in textbook order: its ``asks``, else every one."""
    if sheet.asks is None:
        return list(solution.steps)
    return solution.chosen(sheet.asks, file=sheet.path)


def grade_sheet(solution: Solution, sheet: Sheet, settings: Settings = Settings(),
                scenario: str = "") -> SheetResult:
    """Mark every quantity the exercise asks, in the order the worked solution computes them:
    an answered one by its value, an unanswered one 0 ("not answered"); an answer to a
    quantity the exercise does not ask is listed but not marked."""
    asks = asked(solution, sheet)
    wanted = set(asks)
    answers = {a.address: a for a in sheet.answers if a.address in solution.key}
    own = {a.address: a.value for a in answers.values() if a.value is not None}
    wrong: set[str] = set()
    items = []
    # the given inputs and targets, then every step, in textbook order
    for address in solution.in_order([*wanted, *answers]):
        answer = answers.get(address)
        if address not in wanted:
            if answer is not None:
                items.append(_not_asked(solution, answer))
            continue
        if answer is None:
            item = Item(address, address, solution.key[address], None, "", NOT_ANSWERED, 0.0,
                        settings.points, "not answered")
        else:
            item = _mark(solution, answer, own, wrong, settings)
        if item.verdict != CORRECT:
            wrong.add(address)
        items.append(item)
    for answer in sheet.answers:
        if answer.address not in solution.key:
            items.append(_unknown(solution, answer))
    return SheetResult(sheet.path, sheet.name, sheet.variant, scenario,
                       solution.run.scenario.title, sheet.iteration, tuple(items),
                       None if sheet.asks is None else tuple(asks),
                       key_note=solution.run.rounding_note)


def _not_asked(solution: Solution, answer: Answer) -> Item:
    return Item(answer.address, answer.written_as, solution.key[answer.address], answer.value,
                answer.text, NOT_ASKED, 0.0, 0.0, "not asked in this exercise: not marked")


def _unknown(solution: Solution, answer: Answer) -> Item:
    close = close_names(answer.address, solution.key, most=3, cutoff=0.5)
    # the feedback spells every address as the tables do: ∂E/∂w2
    hint = f"; {did_you_mean([symbol_text(c) for c in close])}" if close else ""
    return Item(answer.address, answer.written_as, None, answer.value, answer.text, UNKNOWN, 0.0,
                0.0, f"this scenario has no quantity '{answer.written_as}'{hint}",
                suggestions=close)


def _mark(solution: Solution, answer: Answer, own: dict[str, float], wrong: set[str],
          settings: Settings) -> Item:
    key = solution.key[answer.address]
    full = settings.points
    tol = tolerance_for(solution, answer.address, settings.tolerance)  # grading/magnitude.py

    def item(verdict: str, points: float, feedback: str, **kw) -> Item:
        return Item(answer.address, answer.written_as, key, answer.value, answer.text, verdict,
                    points, full, feedback, **kw)

    if answer.blank:
        return item(BLANK, 0.0, "left blank")
    if answer.value is None:
        return item(NOT_A_NUMBER, 0.0, f"'{answer.text}' is not a number")
    written = Written(answer.value, answer.text)
    start = solution.start(answer.address)
    if agrees(key, written, tol, start):
        feedback = _accepted(key, written, start)
        found = follows(solution, answer.address, written, own) if feedback else None
        if found is not None:
            read = solution.reads(answer.address, found[1]) & own.keys()
            used = tuple(solution.in_order(read))
            if used:  # "rounded" says they were accepted: not of a value marked wrong
                feedback = (f"follows from your rounded {_listing(used)}"
                            if not wrong.intersection(used) else
                            f"follows from your {_listing(used)}, and is within tolerance "
                            "of the key")
        return item(CORRECT, full, feedback)
    carried = carried_forward(solution, answer.address, written, own, wrong, tol)
    if carried is not None and not carried.sources:
        feedback = ("follows from your rounded earlier values" if carried.exact else
                    "within tolerance of what your rounded earlier values give")
        return item(CORRECT, full, feedback, carried=carried)
    if carried is not None:
        follows_text = "follows from your" if carried.exact else \
            "within tolerance of what follows from your"
        return item(CARRIED, full * settings.ecf_credit,
                    f"{follows_text} {_listing(carried.sources)} (error carried forward)",
                    carried=carried)
    mistake = find_mistake(solution, answer.address, written, own, tol,
                           accepted=[a for a in own if a not in wrong])
    if mistake is not None:
        return item(WRONG, 0.0, mistake_text(mistake), mistake=mistake)
    if start is not None:
        return item(WRONG, 0.0, _change_off(key, start, answer.value, answer.text))
    return item(WRONG, 0.0, _how_far(key, answer.value))


def mistake_text(mistake: Mistake) -> str:
    """How a named mistake is told to the student (grade feedback and practice hints)."""
    return mistake.description + (" with your earlier values" if mistake.from_own_values else "")


def name_mistake(solution: Solution, address: str, text: str, own: dict[str, float],
                 tolerance: Tolerance | None = None) -> str | None:
    """The classic mistake a wrong answer ``text`` for ``address`` is explained by, as grading
    names it, given the student's ``own`` earlier values; None when no rule explains it."""
    d = literal(text)
    if d is None:
        return None
    mistake = find_mistake(solution, address, Written(float(d), text), own,
                           tolerance_for(solution, address, tolerance or Tolerance()))
    return None if mistake is None else mistake_text(mistake)


def _listing(addresses: tuple[str, ...]) -> str:
    return ("value " if len(addresses) == 1 else "values ") + ", ".join(
        symbol_text(a) for a in addresses)


def _accepted(key: float, written: Written, start: float | None = None) -> str:
    d = literal(written.text)
    if d is not None and rounds_to(key, d):
        return ""
    if start is not None:
        return (f"its change {written.value - start:+.4g} is "
                f"{relative_error(key - start, written.value - start):.2%} off, within "
                "tolerance")
    return f"{relative_error(key, written.value):.2%} off, within tolerance"


def _change_off(key: float, start: float, given: float, text: str) -> str:
    """Why an update is wrong, told by its change: the one judged."""
    change, made = key - start, given - start
    if change == 0:
        return f"this parameter does not change ({start:.6g}), but {text} changes it"
    if made == 0 or (made > 0) != (change > 0):
        if made == 0 or abs(made) < abs(change) / 10:
            return (f"{text} does not show the change {change:+.4g}: write enough digits "
                    "for it")
        return f"the change {made:+.4g} has the wrong sign (it is {change:+.4g})"
    return f"the change {made:+.4g} is {relative_error(change, made):.0%} off ({change:+.4g})"


def _how_far(key: float, given: float) -> str:
    error = relative_error(key, given)
    if key != 0 and given != 0 and (key > 0) != (given > 0):
        return "wrong sign and size"
    return f"{error:.0%} off" if error < 10 else "far off"


def summarise(results: list[SheetResult]) -> ClassSummary:
    """The class's results per quantity, the most missed first."""
    counts: dict[str, Counter] = {}
    mistakes: dict[str, Counter] = {}
    order: dict[str, int] = {}
    for result in results:
        for item in result.items:
            if item.verdict in (UNKNOWN, NOT_ASKED):
                continue
            order.setdefault(item.address, len(order))
            counts.setdefault(item.address, Counter())[item.verdict] += 1
            if item.mistake is not None:
                mistakes.setdefault(item.address, Counter())[item.mistake.description] += 1
    quantities = [
        QuantitySummary(a, sum(c.values()) - c[BLANK] - c[NOT_ANSWERED], c[CORRECT], c[CARRIED],
                        c[WRONG] + c[NOT_A_NUMBER], c[BLANK] + c[NOT_ANSWERED],
                        dict(mistakes.get(a, {})))
        for a, c in counts.items()]
    quantities.sort(key=lambda q: (-q.missed, -q.carried, -q.unanswered, order[q.address]))
    mean = sum(r.fraction for r in results) / len(results) if results else 0.0
    return ClassSummary(len(results), mean, tuple(quantities))
