"""Result documents (own JSON, Gradescope, PrairieLearn), schemas, and the grade command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
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
    asks = "asks: [z1, a1, dE/dw2]\n"
    good.write_text(f"student: Good\n{asks}answers:\n  z1: 0.415\n  a1: 0.6023\n"
                    "  dE/dw2: 0.05707\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"student: Bad\n{asks}answers:\n  z1: 0.415\n  a1: 0.6023\n"
                   "  dE/dw2: -0.05707\n"
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
    document = json.loads(result.stdout)
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


@pytest.mark.parametrize("name", ["scenario", "circuit", "trace", "sheet", "grades"])
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


TWO = str(SCENARIOS / "two_neuron.yaml")


def test_the_denominator_is_the_exercise_on_every_platform(tmp_path):
    sheet = tmp_path / "z1.yaml"
    sheet.write_text("answers:\n  z1: 0.415\n")
    learn = json.loads(grade(TWO, str(sheet), "--format", "prairielearn").output)
    assert learn["score"] == pytest.approx(1 / 24, abs=1e-6)
    scope = json.loads(grade(TWO, str(sheet), "--format", "gradescope").output)
    assert scope["score"] == 1 and sum(t["max_score"] for t in scope["tests"]) == 24
    assert "1 of 24 points" in scope["output"]
    assert sum(t["output"] == "not answered" for t in scope["tests"]) == 23


def test_a_worksheet_asks_what_the_teacher_chooses_and_grading_counts_exactly_that(tmp_path):
    result = runner.invoke(app, ["worksheet", "two_neuron", "--only", "forward,dE/dw2",
                                 "--only", "updates"])
    assert result.exit_code == 0, result.output
    asked = ["z1", "a1", "z2", "a2", "dE/dw2", "w2+", "b2+", "w1+", "b1+"]
    worksheet = yaml.safe_load(result.stdout)
    assert worksheet["asks"] == asked and list(worksheet["answers"]) == asked
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(result.stdout.replace("  z1:", "  z1: 0.415"))
    document = json.loads(grade(TWO, str(sheet), "--format", "json").output)
    assert (document["sheets"][0]["score"], document["sheets"][0]["max_score"]) == (1, 9)
    backward = yaml.safe_load(runner.invoke(app, ["worksheet", "two_neuron", "--only",
                                                  "backward"]).stdout)
    assert backward["asks"][0] == "dE/da2" and "dE/dw2" not in backward["asks"]
    unknown = runner.invoke(app, ["worksheet", "two_neuron", "--only", "z9"])
    assert unknown.exit_code == 2 and "--only" in unknown.stderr


@pytest.fixture
def wrong_da2(tmp_path):
    sheet = tmp_path / "da2.yaml"
    sheet.write_text("answers:\n  dE/da2: -0.47\n  z1: 0.415\n")
    return str(sheet)


def test_platform_results_hide_the_key_by_default(wrong_da2, tmp_path):
    out = tmp_path / "results.json"
    assert grade(TWO, wrong_da2, "--format", "gradescope", "-o", str(out)).exit_code == 0
    text = out.read_text()
    assert "0.465252" not in text and "0.4653" not in text
    tests = {t["name"]: t for t in json.loads(text)["tests"]}
    assert tests["dE/da2"]["output"] == "wrong: given -0.47; sign flipped"
    assert {t["visibility"] for t in tests.values()} == {"visible"}
    learn = grade(TWO, wrong_da2, "--format", "prairielearn").output
    assert "0.465252" not in learn and "sign flipped" in learn


@pytest.mark.parametrize("reveal, visibility, output", [
    ("nothing", "hidden", ""),
    ("verdict", "visible", "wrong"),
    ("mistake", "visible", "wrong: given -0.47; sign flipped"),
    ("key", "after_due_date", "wrong: given -0.47; key 0.465252; sign flipped"),
])
def test_reveal_chooses_what_students_see(wrong_da2, reveal, visibility, output):
    document = json.loads(grade(TWO, wrong_da2, "--format", "gradescope",
                                "--reveal", reveal).output)
    test = next(t for t in document["tests"] if t["name"] == "dE/da2")
    assert (test["visibility"], test["output"]) == (visibility, output)
    learn = json.loads(grade(TWO, wrong_da2, "--format", "prairielearn",
                             "--reveal", reveal).output)
    messages = " ".join(t["message"] for t in learn["tests"])
    assert ("0.465252" in messages) == (reveal == "key")
    assert (learn["tests"] == []) == (reveal == "nothing")


def test_the_teachers_table_and_json_show_the_key(wrong_da2):
    assert "0.4653" in grade(TWO, wrong_da2, "--width", "140").output
    document = json.loads(grade(TWO, wrong_da2, "--format", "json").output)
    item = next(i for i in document["sheets"][0]["items"] if i["address"] == "dE/da2")
    assert item["key"] == pytest.approx(0.465252, abs=1e-6)


@pytest.fixture
def dan(tmp_path):
    broken = tmp_path / "dan.yaml"
    broken.write_text("answers: [1, 2\n")
    return broken


def test_a_class_never_stops_on_one_sheet(sheets, dan, tmp_path):
    good, bad = sheets
    out = tmp_path / "grades.json"
    result = grade(TWO, str(good), str(dan), str(bad), str(tmp_path / "gone.yaml"),
                   "--format", "json", "-o", str(out))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    assert errors[0].startswith(f"error: {dan}:2:")
    assert errors[1] == f"error: {tmp_path / 'gone.yaml'}: cannot read the file: no such file"
    document = json.loads(out.read_text())
    assert problems(document, "grades") == []
    assert [s["student"] for s in document["sheets"]] == ["Good", "Bad"]
    assert [u["sheet"] for u in document["unreadable"]] == [str(dan), str(tmp_path / "gone.yaml")]
    assert document["unreadable"][0]["error"] == errors[0].removeprefix("error: ")
    assert document["summary"]["sheets"] == 2

    table = grade(TWO, str(good), str(dan), str(bad), "--width", "200")
    assert table.exit_code == 2
    assert "total 3 of 3 points" in table.stdout and "total 2 of 3 points" in table.stdout
    assert f"not graded: {dan}:2:" in table.stdout


def test_an_unreadable_submission_still_gets_its_platform_result(dan, tmp_path):
    out = tmp_path / "results.json"
    result = grade(TWO, str(dan), "--format", "gradescope", "-o", str(out))
    assert result.exit_code == 2
    scope = json.loads(out.read_text())
    assert scope["score"] == 0 and str(dan) in scope["output"] and ":2:" in scope["output"]
    learn = json.loads(grade(TWO, str(dan), "--format", "prairielearn").stdout)
    assert learn["gradable"] is False
    assert learn["format_errors"][0].startswith(f"{dan}:2:")


def test_a_broken_scenario_grades_nobody(sheets, tmp_path):
    good, _ = sheets
    out = tmp_path / "grades.json"
    result = grade(str(tmp_path / "nope.yaml"), str(good), "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
