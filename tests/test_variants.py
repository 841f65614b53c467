"""Per-student variants: reproducible, valid, rounded, and graded against their own key."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.grading.solution import Solution
from backprop_tutor.grading.variants import make_variants

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
runner = CliRunner()


def test_variants_are_reproducible_distinct_and_keep_the_network():
    run = api.run(api.load(SCENARIOS / "house_price.yaml"))
    first = make_variants(run, 5, 2026)
    again = make_variants(run, 5, 2026)
    assert first == again
    assert len({v.id for v in first}) == 5
    assert make_variants(run, 5, 7) != first
    from backprop_tutor.scenario.loader import scenario_from_text

    for v in first:
        s = scenario_from_text(v.text)
        assert [layer.units for layer in s.layers] == [2, 1]
        assert s.learning_rate == run.scenario.learning_rate
        assert s.data[0].targets == run.scenario.data[0].targets
        numbers = [*s.data[0].inputs, *(x for layer in s.layers for row in layer.weights
                                         for x in row), *(b for layer in s.layers
                                                          for b in layer.biases)]
        assert all(-Decimal(str(x)).as_tuple().exponent <= 2 for x in numbers)


def test_grade_finds_each_sheets_variant_in_the_folder(tmp_path):
    folder = tmp_path / "v"
    result = runner.invoke(app, ["variants", str(SCENARIOS / "two_neuron.yaml"), "--count",
                                 "3", "--seed", "2026", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    ids = sorted(p.name.removesuffix(".sheet.yaml") for p in folder.glob("*.sheet.yaml"))
    assert len(ids) == 3
    sheets = []
    for ident in ids[:2]:
        solution = Solution(api.run(api.load(folder / f"{ident}.yaml")))
        blank = (folder / f"{ident}.sheet.yaml").read_text()
        filled = re.sub(r"^  (\S+):\s+#",
                        lambda m, s=solution: f"  {m.group(1)}: {s.key[m.group(1)]:.5g}  #",
                        blank, flags=re.M)
        path = tmp_path / f"{ident}.answers.yaml"
        path.write_text(filled)
        sheets.append(path)
    graded = runner.invoke(app, ["grade", str(folder), *map(str, sheets), "--width", "120"])
    assert graded.exit_code == 0, graded.output
    assert graded.output.count("total 24 of 24 points") == 2
    # a sheet is refused against another variant's scenario file
    other = runner.invoke(app, ["grade", str(folder / f"{ids[2]}.yaml"), str(sheets[0])])
    assert other.exit_code == 2


def test_a_sheet_without_a_variant_cannot_be_graded_against_a_folder(tmp_path):
    folder = tmp_path / "v"
    runner.invoke(app, ["variants", str(SCENARIOS / "two_neuron.yaml"), "--count", "1",
                        "-o", str(folder)])
    sheet = tmp_path / "s.yaml"
    sheet.write_text("answers: {z1: 0.4}\n")
    result = runner.invoke(app, ["grade", str(folder), str(sheet)])
    assert result.exit_code == 2
