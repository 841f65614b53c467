"""export and grade --format prairielearn-csv at the command line: bad options in one located
line and exit 2, outputs whole or not at all, PrairieLearn's score-upload columns."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.grading.solution import Solution

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
runner = CliRunner()


@pytest.mark.parametrize("args, says", [
    (["--to", "moodle", "--only", "forwrd"], "--only: 'forwrd' is neither a section"),
    (["--to", "canvas", "--moodle-kind", "numerical"], "--moodle-kind: --moodle-kind is for"),
    (["--to", "moodle", "--reveal", "key"], "--reveal: --reveal is for --to gradescope"),
    (["--to", "canvas", "--wheel", "x.whl"], "--wheel: --wheel is for --to gradescope"),
    (["--to", "gradescope", "--wheel", "missing.whl"], "is not a wheel of backprop-tutor"),
])
def test_bad_options_are_one_located_line_and_nothing_is_written(tmp_path, args, says):
    target = tmp_path / "out"
    result = runner.invoke(app, ["export", str(SCENARIOS / "two_neuron.yaml"), *args, "-o",
                                 str(target)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_platform_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["export", str(SCENARIOS / "two_neuron.yaml"), "--to",
                                 "blackboard"])
    assert result.exit_code == 2


def test_an_export_never_mixes_with_or_replaces_what_is_there(tmp_path):
    folder = tmp_path / "q"
    folder.mkdir()
    (folder / "info.json").write_text("{}")
    result = runner.invoke(app, ["export", str(SCENARIOS / "two_neuron.yaml"), "--to",
                                 "prairielearn", "-o", str(folder)])
    assert result.exit_code == 2 and "already holds files" in result.stderr
    assert [p.name for p in folder.iterdir()] == ["info.json"]
    assert (folder / "info.json").read_text() == "{}"
    # the scenario itself is never the output
    copy = tmp_path / "s.yaml"
    copy.write_text((SCENARIOS / "two_neuron.yaml").read_text())
    result = runner.invoke(app, ["export", str(copy), "--to", "moodle", "-o", str(copy)])
    assert result.exit_code == 2 and "input of this command" in result.stderr
    assert copy.read_text() == (SCENARIOS / "two_neuron.yaml").read_text()


def test_prairielearn_csv_has_the_upload_columns_and_the_exported_answer_names(tmp_path):
    key = Solution(api.run(api.load(SCENARIOS / "two_neuron.yaml"))).key
    good = tmp_path / "ada.yaml"
    good.write_text("student: ada@example.edu\nanswers:\n"
                    + "".join(f'  "{a}": {key[a]:.6g}\n' for a in ("z1", "a1", "w1+")))
    wrong = tmp_path / "bob.yaml"
    wrong.write_text(f"answers:\n  z1: {-key['z1']:.4g}\n  a1: {key['a1']:.4g}\n")
    result = runner.invoke(app, ["grade", str(SCENARIOS / "two_neuron.yaml"), str(good),
                                 str(wrong), "--format", "prairielearn-csv", "--only",
                                 "z1,a1,w1+"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["uid", "instance", "qid", "score_perc", "feedback",
                             "partial_scores"]
    assert [r["uid"] for r in rows] == ["ada@example.edu", "bob"]
    assert {r["qid"] for r in rows} == {"two_neuron"}  # export --to prairielearn's folder
    assert float(rows[0]["score_perc"]) == 100.0
    assert float(rows[1]["score_perc"]) == pytest.approx(100 / 3, abs=1e-3)
    partial = json.loads(rows[1]["partial_scores"])
    assert set(partial) == {"z1", "a1", "w1_new"}  # the answers-name of the exported question
    assert partial["z1"]["score"] == 0.0 and partial["a1"]["score"] == 1.0
    assert all(p["weight"] == 1 for p in partial.values())
    assert "sign" in partial["z1"]["feedback"] and "key" not in rows[1]["feedback"]
    qid = runner.invoke(app, ["grade", str(SCENARIOS / "two_neuron.yaml"), str(good),
                              "--format", "prairielearn-csv", "--qid", "backprop/q1"])
    assert {r["qid"] for r in csv.DictReader(io.StringIO(qid.stdout))} == {"backprop/q1"}


def test_grade_qid_only_with_the_csv(tmp_path):
    sheet = tmp_path / "s.yaml"
    sheet.write_text("answers:\n  z1: 0.415\n")
    result = runner.invoke(app, ["grade", str(SCENARIOS / "two_neuron.yaml"), str(sheet),
                                 "--qid", "q"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --qid: --qid is for --format prairielearn-csv, " \
                                    "not table"
