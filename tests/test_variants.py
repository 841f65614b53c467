"""Per-student variants: reproducible, valid, rounded, and graded against their own key."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
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


def _class_with_a_variant(tmp_path):
    """A variants folder, one honest sheet of its variant, and an easy scenario beside it."""
    folder = tmp_path / "v"
    result = runner.invoke(app, ["variants", str(SCENARIOS / "two_neuron.yaml"), "--count", "1",
                                 "--seed", "3", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    (ident,) = [p.name.removesuffix(".sheet.yaml") for p in folder.glob("*.sheet.yaml")]
    solution = Solution(api.run(api.load(folder / f"{ident}.yaml")))
    honest = tmp_path / "honest.yaml"
    honest.write_text(f"variant: {ident}\nanswers: {{z1: {solution.key['z1']:.6g}}}\n")
    # a scenario whose key is the attacker's own answers: z1 = 1·0 + 0 = 0
    easy = (SCENARIOS / "two_neuron.yaml").read_text()
    (tmp_path / "easy.yaml").write_text(easy)
    return folder, ident, honest


@pytest.mark.parametrize("variant", ["{tmp}/easy", "../easy", "../v/../easy", "{tmp}/easy.yaml",
                                     "07-3FA2", "7-3fa2", "07-3fa2/../x", " 07-3fa2", ""])
def test_a_sheet_cannot_choose_the_file_it_is_graded_against(tmp_path, variant):
    folder, _, honest = _class_with_a_variant(tmp_path)
    attack = tmp_path / "attack.yaml"
    attack.write_text(f"variant: '{variant.format(tmp=tmp_path)}'\nanswers: {{z1: 0.0}}\n")
    result = runner.invoke(app, ["grade", str(folder), str(attack), str(honest), "--format",
                                 "json"])
    assert result.exit_code == 2  # the class is graded; the refused sheet scores nothing
    document = json.loads(result.stdout)
    assert [s["sheet"] for s in document["sheets"]] == [str(honest)]
    assert document["sheets"][0]["score"] == 1
    (refused,) = document["unreadable"]
    assert refused["sheet"] == str(attack)
    assert refused["error"].startswith(f"{attack}:1:") and ": variant: expected an id as the " \
        "variants command writes it" in refused["error"]
    assert "Traceback" not in result.stderr


def test_a_variant_file_that_is_a_link_is_not_followed(tmp_path):
    folder, ident, honest = _class_with_a_variant(tmp_path)
    (folder / f"{ident}.yaml").unlink()
    (folder / f"{ident}.yaml").symlink_to(tmp_path / "easy.yaml")
    result = runner.invoke(app, ["grade", str(folder), str(honest)])
    assert result.exit_code == 2
    assert f"{honest}: variant: {folder / ident}.yaml is a link" in result.stderr
    assert "total" not in result.stdout


def test_a_sheets_scenario_field_is_never_read(tmp_path):
    folder, ident, honest = _class_with_a_variant(tmp_path)
    text = honest.read_text()
    for named in (tmp_path / "easy.yaml", "/dev/zero", "../../etc/passwd"):
        honest.write_text(f"scenario: '{named}'\n{text}")
        result = runner.invoke(app, ["grade", str(folder), str(honest), "--format", "json"])
        assert result.exit_code == 0, result.output
        (graded,) = json.loads(result.stdout)["sheets"]
        assert graded["scenario"] == str(folder / f"{ident}.yaml") and graded["score"] == 1
