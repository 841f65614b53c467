"""How grade takes its arguments: the order, folders of sheets, a sheet named twice, and how
the scenario is named in the results."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from backprop_tutor.cli import app

SHEET = "scenario: two_neuron.yaml\nanswers:\n  z1: 0.415\n  a1: 0.6023\n"


def grade(*args: str):
    return CliRunner().invoke(app, ["grade", *args])


def test_scenario_and_sheet_the_wrong_way_round_are_named(tmp_path):
    sheet = tmp_path / "ada.sheet.yaml"
    sheet.write_text(SHEET, encoding="utf-8")
    result = grade(str(sheet), "two_neuron")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (f"error: {sheet} is an answer sheet, not a scenario: the scenario "
                             "comes first (backprop-tutor grade SCENARIO SHEET...)\n")


def test_a_broken_scenario_keeps_its_own_message(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("inputs: 1\nlayers: []\n", encoding="utf-8")
    sheet = tmp_path / "ada.sheet.yaml"
    sheet.write_text(SHEET, encoding="utf-8")
    result = grade(str(scenario), str(sheet))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {scenario}:2:")


def test_a_folder_of_sheets_grades_each_in_name_order(tmp_path):
    folder = tmp_path / "sheets"
    folder.mkdir()
    (folder / "bo.yaml").write_text(SHEET.replace("0.415", "0.5"), encoding="utf-8")
    (folder / "ada.json").write_text(json.dumps({"answers": {"z1": 0.415}}), encoding="utf-8")
    (folder / "notes.txt").write_text("not a sheet", encoding="utf-8")
    result = grade("two_neuron", str(folder), "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    names = [Path(s["sheet"]).name for s in doc["sheets"]]
    assert names == ["ada.json", "bo.yaml"]
    assert doc["summary"]["sheets"] == 2


def test_a_folder_without_sheets_is_one_line(tmp_path):
    result = grade("two_neuron", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (f"error: {tmp_path}: a folder with no answer sheet in it (files "
                             "ending in .yaml, .yml or .json)\n")


def test_a_sheet_named_twice_is_graded_once(tmp_path):
    sheet = tmp_path / "ada.sheet.yaml"
    sheet.write_text(SHEET, encoding="utf-8")
    result = grade("two_neuron", str(sheet), str(tmp_path / "." / "ada.sheet.yaml"),
                   "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["sheets"]) == 1
    assert "is named twice; it is graded once" in result.stderr


def test_a_shipped_scenario_is_named_as_given_and_a_file_by_its_path(tmp_path):
    sheet = tmp_path / "ada.sheet.yaml"
    sheet.write_text(SHEET, encoding="utf-8")
    shipped = json.loads(grade("two_neuron", str(sheet), "--format", "json").stdout)
    assert shipped["sheets"][0]["scenario"] == "two_neuron"
    copy = tmp_path / "two_neuron.yaml"
    shutil.copy(Path(__file__).resolve().parent.parent / "scenarios" / "two_neuron.yaml", copy)
    own = json.loads(grade(str(copy), str(sheet), "--format", "json").stdout)
    assert own["sheets"][0]["scenario"] == str(copy)


def test_an_answer_under_an_unknown_address_is_said_on_stderr(tmp_path):
    sheet = tmp_path / "ada.yaml"
    sheet.write_text("answers:\n  dE/dw_1: 0.001\n  z1: 0.415\n", encoding="utf-8")
    result = grade("two_neuron", str(sheet))
    assert result.exit_code == 0
    assert result.stderr == (f"note: {sheet}: 1 answer under an address this scenario does not "
                             "have (dE/dw_1); not marked, see the table\n")
    assert "did you mean" in result.stdout
