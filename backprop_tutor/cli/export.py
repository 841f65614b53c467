"""``backprop-tutor export``: an exercise straight into a course platform."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .boundary import error_boundary
from .grade import Reveal
from .options import Debug


class Platform(str, Enum):
    """The platforms ``export`` writes for."""

    prairielearn = "prairielearn"
    moodle = "moodle"
    canvas = "canvas"
    gradescope = "gradescope"


class MoodleKind(str, Enum):
    """Moodle question types: one Cloze question per variant, or one numerical question per
    quantity."""

    cloze = "cloze"
    numerical = "numerical"


# what is written where no -o is given: SCENARIO's stem and this
DEFAULT_OUTPUT = {"prairielearn": "{stem}", "moodle": "{stem}.moodle.xml",
                  "canvas": "{stem}.canvas-qti.zip", "gradescope": "{stem}.gradescope.zip"}


def export(
    scenario: Annotated[Path, typer.Argument(show_default=False, help="The scenario file.")],
    to: Annotated[Platform, typer.Option(
        "--to", show_default=False,
        help="prairielearn (a question folder), moodle (Moodle XML), canvas (a QTI 1.2 zip) "
             "or gradescope (an autograder zip).")],
    only: Annotated[list[str], typer.Option(
        "--only", show_default=False,
        help="Ask only these: sections (forward, loss, factors or backward, gradients, "
             "optimizer, updates; of a circuit forward, local, backward, updates) or "
             "addresses, repeated or comma-separated (as worksheet --only).")] = None,
    variants: int = typer.Option(0, "--variants", min=0, max=999,
                                 help="Versions of the exercise, as the variants command makes "
                                      "them (0: the scenario itself)."),
    seed: int = typer.Option(2026, "--seed", min=0, max=2**63 - 1,
                             help="The seed of the variants (as the variants command's)."),
    reveal: Annotated[Reveal, typer.Option(
        "--reveal", help="gradescope: what students see of each quantity (as grade "
                         "--reveal).")] = None,
    moodle_kind: Annotated[MoodleKind, typer.Option(
        "--moodle-kind", help="moodle: one cloze question per variant, or one numerical "
                              "question per quantity.")] = None,
    rel_tol: float = typer.Option(0.005, "--rel-tol", min=0.0, max=1.0,
                                  help="Relative tolerance (0.005 is 0.5%)."),
    abs_tol: float = typer.Option(0.0, "--abs-tol", min=0.0, max=1e6,
                                  help="Absolute tolerance, for values near zero."),
    ecf_credit: float = typer.Option(0.5, "--ecf-credit", min=0.0, max=1.0,
                                     help="prairielearn and gradescope: share of the points "
                                          "for an error carried forward."),
    wheel: Annotated[Path, typer.Option(
        "--wheel", help="gradescope: this wheel of backprop-tutor in the autograder (default: "
                        "one built now from this copy's source).")] = None,
    output: Annotated[Path, typer.Option(
        "-o", "--output", help="Where to write (default: in the current folder, named after "
                               "SCENARIO and the platform). Written whole or not at "
                               "all.")] = None,
    debug: Debug = False,
) -> None:
    """Write the exercise for a course platform: the quantities asked, each key, its margin
    by the grading rules, the worked solution as feedback; --variants for one version each."""
    with error_boundary(debug):
        from ..errors import InputError

        platform = to.value
        if moodle_kind is not None and platform != "moodle":
            raise InputError(f"--moodle-kind is for --to moodle, not {platform}",
                             field="--moodle-kind")
        if wheel is not None and platform != "gradescope":
            raise InputError(f"--wheel is for --to gradescope, not {platform}", field="--wheel")
        if wheel is not None and not (wheel.is_file() and wheel.name.startswith(
                "backprop_tutor-") and wheel.suffix == ".whl"):
            raise InputError(f"{wheel} is not a wheel of backprop-tutor "
                             "(backprop_tutor-VERSION-….whl)", field="--wheel")
        if reveal is not None and platform != "gradescope":
            raise InputError(f"--reveal is for --to gradescope, not {platform} (PrairieLearn "
                             "shows its own feedback; Moodle and Canvas their own)",
                             field="--reveal")
        from ..examples import resolve
        from ..grading.tolerance import Tolerance
        from ..render.platforms.exercise import exercises
        from ..scenario import load_scenario
        from ..solution.run import train
        from .circuit import circuit_file

        path = resolve(scenario)
        scenario_text = path.read_text(encoding="utf-8")
        tolerance = Tolerance(rel=rel_tol, abs=abs_tol)
        circuit = circuit_file(str(scenario))
        if circuit is not None:  # a circuit: its questions, as worksheet and grade ask them
            from ..render.platforms.circuit_exercise import circuit_exercises

            made = circuit_exercises(circuit, scenario_name=path.name,
                                     scenario_text=scenario_text, selectors=only,
                                     tolerance=tolerance, variants=variants, seed=seed)
        else:
            run = train(load_scenario(path))
            from ..scenario.limits import check_worked

            check_worked(*run.worked_size(), "an exported exercise")
            made = exercises(run, scenario_name=path.name, scenario_text=scenario_text,
                             selectors=only, tolerance=tolerance, variants=variants, seed=seed)
        target = output if output is not None else \
            Path(DEFAULT_OUTPUT[platform].format(stem=path.stem))
        options = {"only": only or [], "variants": variants, "seed": seed, "rel_tol": rel_tol,
                   "abs_tol": abs_tol, "ecf_credit": ecf_credit}
        if platform == "prairielearn":
            _prairielearn(made, target, options, ecf_credit, path)
        elif platform == "moodle":
            from ..render.platforms.moodle import moodle_xml

            kind = (moodle_kind or MoodleKind.cloze).value
            _file(target, moodle_xml(made, kind=kind, category=path.stem), path)
        elif platform == "canvas":
            from ..render.platforms.canvas import canvas_package

            _file(target, canvas_package(made, options), path)
        else:
            from ..render.platforms.gradescope import autograder_zip, build_wheel

            _file(target, autograder_zip(
                made, path, wheel or build_wheel(), reveal=(reveal or Reveal.mistake).value,
                ecf_credit=ecf_credit, tolerance=tolerance,
                asks=[a.address for a in made[0].asked] if only else None), path)
        count = f"{len(made)} variant{'s' if len(made) > 1 else ''}, " if variants else ""
        asked = len(made[0].asked)
        print(f"wrote {target} ({platform}: {count}{asked} "
              f"quantit{'y' if asked == 1 else 'ies'} asked)", file=sys.stderr)


def _file(target: Path, data: str | bytes, source: Path) -> None:
    from ..files import atomic_write

    atomic_write(target, data, inputs=[source])


def _prairielearn(made, target: Path, options, ecf_credit: float, source: Path) -> None:
    from ..files import atomic_write, new_folder
    from ..render.platforms.prairielearn import question_files

    files = question_files(made, ecf_credit=ecf_credit, options=options)
    with new_folder(target) as folder:
        for name, text in files.items():
            atomic_write(folder / name, text, inputs=[source])
