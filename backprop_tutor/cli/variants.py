"""``backprop-tutor variants``: per-student versions of an exercise, each with its answer sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .boundary import error_boundary
from .options import Debug


def variants(
    scenario: Annotated[Path, typer.Argument(show_default=False, help="The scenario file.")],
    output: Annotated[Path, typer.Option(
        "-o", "--output", show_default=False,
        help="A new (or empty) folder to write the variants to; written whole or not "
             "at all.")],
    count: int = typer.Option(30, "--count", min=1, max=999, help="How many variants."),
    seed: int = typer.Option(2026, "--seed", min=0, max=2**63 - 1,
                              help="The same seed gives the same variants (0 or more)."),
    debug: Debug = False,
) -> None:
    """Write ID.yaml (the scenario) and ID.sheet.yaml (its blank answer sheet) per variant.

    Grade with the folder in place of the scenario: each sheet's variant picks its key.
    """
    with error_boundary(debug):
        from .. import api
        from ..examples import resolve
        from ..files import atomic_write, new_folder
        from ..grading.variants import make_variants
        from ..render.grading import worksheet_yaml
        from .circuit import circuit_file, circuit_variants

        circuit = circuit_file(str(scenario))
        if circuit is not None:
            made = circuit_variants(circuit, output, count, seed)
            typer.echo(f"wrote {len(made)} variant{'' if len(made) == 1 else 's'} to {output} "
                       f"({made[0].id} … {made[-1].id}); grade with: backprop-tutor grade "
                       f"{output} SHEET...")
            return
        result = api.run(api.load(resolve(scenario)))
        made = make_variants(result, count, seed)
        with new_folder(output) as folder:  # the whole folder, or none of it
            for variant in made:
                atomic_write(folder / f"{variant.id}.yaml", variant.text)
                run = api.run(api.load(folder / f"{variant.id}.yaml"))
                sheet = worksheet_yaml(run, run.lines(run.record(1)), f"{variant.id}.yaml",
                                       variant=variant.id)
                atomic_write(folder / f"{variant.id}.sheet.yaml", sheet)
        typer.echo(f"wrote {len(made)} variant{'' if len(made) == 1 else 's'} to {output} "
                   f"({made[0].id} … {made[-1].id}); grade with: backprop-tutor grade "
                   f"{output} SHEET...")
