"""Result documents (own JSON, Gradescope, PrairieLearn), schemas, and the grade command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from schema_check import problems
from typer.testing import CliRunner

from backprop_tutor.cli import app

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
HOUSE = str(SCENARIOS / "house_price.yaml")
TEXTBOOK = str(SCENARIOS / "house_price.textbook.yaml")
runner = CliRunner()


def grade(*args: str):
    return runner.invoke(app, ["grade", *args])


@pytest.fixture
def sheets(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("student: Good\nanswers:\n  z1: 0.415\n  a1: 0.6023\n  dE/dw2: 0.05707\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("student: Bad\nanswers:\n  z1: 0.415\n  a1: 0.6023\n  dE/dw2: -0.05707\n"
                   "  dE/dw3: 1\n")
    return good, bad


def test_table_per_sheet_and_class_summary(sheets):
    good, bad = sheets
    result = grade(str(SCENARIOS / "two_neuron.yaml"), str(good), str(bad), "--width", "120")
    assert result.exit_code == 0, result.output
    assert "total 3 of 3 points" in result.output
    assert "total 2 of 3 points" in result.output
    assert "sign flipped" in result.output
    assert "Class summary: 2 sheets" in result.output
    assert "did you mean ∂E/∂w2" in result.output  # spelt as the table spells it


def test_own_json_follows_its_schema(sheets, tmp_path):
    good, bad = sheets
    out = tmp_path / "grades.json"
    result = grade(str(SCENARIOS / "two_neuron.yaml"), str(good), str(bad), "--format", "json",
                   "-o", str(out), "--points", "2")
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert problems(document, "grades") == []
    assert [s["score"] for s in document["sheets"]] == [6, 4]
    assert document["summary"]["quantities"][0]["address"] == "dE/dw2"


def test_gradescope_results(sheets):
    _, bad = sheets
    result = grade(str(SCENARIOS / "two_neuron.yaml"), str(bad), "--format", "gradescope")
    document = json.loads(result.output)
    assert document["score"] == 2
    assert {t["status"] for t in document["tests"]} == {"passed", "failed"}
    for test in document["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
    assert sum(t["score"] for t in document["tests"]) == document["score"]


def test_prairielearn_results():
    result = grade(HOUSE, TEXTBOOK, "--format", "prairielearn")
    document = json.loads(result.output)
    assert 0 <= document["score"] <= 1
    assert document["score"] == pytest.approx(32 / 34, abs=1e-6)
    for test in document["tests"]:
        assert set(test) >= {"name", "points", "max_points", "message"}


def test_one_sheet_at_a_time_for_course_platforms(sheets):
    good, bad = sheets
    result = grade(str(SCENARIOS / "two_neuron.yaml"), str(good), str(bad), "--format",
                   "gradescope")
    assert result.exit_code == 2


def test_an_unreadable_sheet_or_scenario_exits_2(tmp_path, sheets):
    good, _ = sheets
    broken = tmp_path / "broken.yaml"
    broken.write_text("answers: [1, 2\n")
    assert grade(HOUSE, str(broken)).exit_code == 2
    assert grade(str(tmp_path / "nope.yaml"), str(good)).exit_code == 2
    assert grade(HOUSE, str(tmp_path / "missing.yaml")).exit_code == 2


def test_the_textbook_sheet_names_the_misprints():
    result = grade(HOUSE, TEXTBOOK, "--width", "140")
    assert result.exit_code == 0
    rows = [line for line in result.output.splitlines() if "sign flipped" in line]
    assert len(rows) == 2
    assert any(row.startswith("∂L/∂b12") for row in rows)
    assert any(row.startswith("∂z11/∂w112") for row in rows)


@pytest.mark.parametrize("name", ["scenario", "trace", "sheet", "grades"])
def test_schema_command_prints_json_schema(name):
    result = runner.invoke(app, ["schema", name])
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert document["$schema"].startswith("https://json-schema.org/")
    assert document["type"] == "object"


def test_the_sheet_schema_accepts_the_shipped_sheet():
    from backprop_tutor.scenario.yaml_source import read_yaml

    assert problems(read_yaml(TEXTBOOK).data, "sheet") == []
    assert problems({"answers": {}, "extra": 1}, "sheet")
